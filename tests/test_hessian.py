"""Second order: the Hessian four ways (R-operator, sympy, finite differences of gradients,
JAX), Gauss–Newton, Newton and Levenberg–Marquardt steps, training at many rates at once."""
import numpy as np
import pytest
from hypothesis import assume, given, settings

import backprop_lib as bp
from backprop_lib import hessian as hs
from backprop_lib.documents import third

from strategies import away_from_kinks, networks


@pytest.fixture(scope="module")
def first():
    return bp.preset("2-2-2")


def relative_gap(a, b):
    a, b = np.asarray(a), np.asarray(b)
    return float(np.max(np.abs(a - b), initial=0.0) / max(np.max(np.abs(b), initial=0.0), 1e-300))


# ------------------------------------------------------------------ the first document's network
def test_the_hessian_is_over_the_trainable_weights_in_parameter_order(first):
    assert hs.names(first) == ["w1", "w2", "w3", "w4", "w5", "w6", "w7", "w8"]   # b1, b2 held fixed
    H = hs.hessian(first)
    assert H.shape == (8, 8)
    assert np.array_equal(H, H.T)
    biased = first.replace(update_biases=True)
    assert hs.names(biased) == ["w1", "w2", "w3", "w4", "b1", "w5", "w6", "w7", "w8", "b2"]


def test_d2E_dw5_by_hand(first):
    """∂²E/∂w5² = out_h1² · σ'(net_o1) · [σ'(net_o1) + (out_o1 − target_o1)(1 − 2·out_o1)]."""
    tr = first.forward()
    h1, o, t = tr.out[1][0, 0], tr.out[2][0, 0], tr.targets[0, 0]
    s = o * (1 - o)
    by_hand = h1 * h1 * s * (s + (o - t) * (1 - 2 * o))
    assert hs.entry(first, "w5", "w5") == pytest.approx(by_hand, rel=1e-13)
    assert by_hand == pytest.approx(-0.0122229541891884, rel=1e-12)
    # w5 feeds o1 and w7 feeds o2: E_o1 has no w7, E_o2 no w5
    assert hs.entry(first, "w5", "w7") == 0.0


def test_sympy_and_finite_differences_agree_with_the_r_operator(first):
    H = hs.hessian(first)
    assert np.max(np.abs(hs.symbolic_hessian(first) - H)) < 1e-15
    assert np.max(np.abs(hs.finite_difference_hessian(first) - H)) < 1e-9


def test_eigenvalues_two_negative_three_zero_three_positive(first):
    lam = hs.eigenvalues(first)
    scale = np.max(np.abs(lam))
    assert np.sum(lam < -1e-12 * scale) == 2
    assert np.sum(np.abs(lam) <= 1e-12 * scale) == 3
    assert np.sum(lam > 1e-12 * scale) == 3
    assert lam[-1] == pytest.approx(0.03654589754244363, rel=1e-12)
    assert lam[0] == pytest.approx(-0.025019727893112274, rel=1e-12)


def test_the_flat_directions_come_from_the_structure(first):
    """One sample: moving (w1, w2) along (i2, −i1) leaves net_h1 alone, likewise (w3, w4);
    and moving the output weights along (out_h2, −out_h1)·(−δ_o2, δ_o1) leaves both net
    inputs of the outputs and the error sent back to each hidden neuron alone."""
    i1, i2 = first.inputs[0]
    tr = first.forward()
    g = first.backward(tr)
    h1, h2 = tr.out[1][0]
    d1, d2 = g.delta[2][0]
    H = hs.hessian(first)
    for v in ([i2, -i1, 0, 0, 0, 0, 0, 0], [0, 0, i2, -i1, 0, 0, 0, 0],
              [0, 0, 0, 0, -d2 * h2, d2 * h1, d1 * h2, -d1 * h1]):
        v = np.array(v) / np.linalg.norm(v)
        assert np.max(np.abs(H @ v)) < 1e-16
        assert abs(hs.hvp(first, v) @ v) < 1e-16
        assert abs(first.gradient()[[0, 1, 2, 3, 5, 6, 7, 8]] @ v) < 1e-17      # no slope either


def test_count_of_structural_zeros_on_other_shapes():
    """n_h·(n_i − 1) + (n_o − 1)·(n_h − 1) flat directions for one sample (2-3-2: 3 + 3)."""
    rng = np.random.default_rng(7)
    for layers in ([2, 3, 2], [3, 2, 2], [2, 2, 3]):
        net = bp.Network(layers=layers, activations=["sigmoid", "sigmoid"],
                         weights=[rng.uniform(-1, 1, (layers[k + 1], layers[k])) for k in range(2)],
                         biases=[0.3, 0.6], update_biases=False, inputs=[rng.uniform(0, 1, layers[0])],
                         targets=[rng.uniform(0.1, 0.9, layers[2])])
        lam = hs.eigenvalues(net)
        expected = hs.flat_direction_count(layers)
        assert expected == layers[1] * (layers[0] - 1) + (layers[2] - 1) * (layers[1] - 1)
        assert np.sum(np.abs(lam) <= 1e-12 * np.max(np.abs(lam))) == expected, layers
        flat = hs.structural_flat_directions(net)
        assert len(flat) == expected
        H = hs.hessian(net)
        for d, _ in flat:
            assert np.max(np.abs(H @ d)) <= 1e-14 * np.max(np.abs(H))


def test_hvp_without_forming_h(first):
    rng = np.random.default_rng(1)
    H = hs.hessian(first)
    V = rng.normal(size=(5, 8))
    np.testing.assert_allclose(hs.hvp(first, V), V @ H.T, rtol=0, atol=1e-16)
    np.testing.assert_allclose(hs.hvp(first, V[0]), H @ V[0], rtol=0, atol=1e-16)
    with pytest.raises(bp.SpecError, match="expected 8 numbers"):
        hs.hvp(first, np.ones(10))


def test_quantity_keys(first):
    assert bp.value(first, "d2E/dw5/dw5") == hs.entry(first, "w5", "w5")
    assert bp.value(first, "d2E/dw1/dw6") == bp.value(first, "d2E/dw6/dw1") or \
        abs(bp.value(first, "d2E/dw1/dw6") - bp.value(first, "d2E/dw6/dw1")) < 1e-18
    assert bp.value(first, "lambda_max") == pytest.approx(0.03654589754244363, rel=1e-12)
    assert bp.value(first, "eta_max") == pytest.approx(2 / 0.03654589754244363, rel=1e-12)
    # the biases are held fixed, yet their second derivatives exist
    assert bp.value(first, "d2E/db2/db2") == pytest.approx(hs.hessian(first.replace(update_biases=True))[9, 9],
                                                          rel=1e-12)
    with pytest.raises(bp.SpecError, match="d2E/dP/dQ"):
        bp.value(first, "d2E/dw5")
    with pytest.raises(KeyError, match="no parameter named 'w9'"):
        bp.value(first, "d2E/dw9/dw5")


def test_eta_max_needs_positive_curvature():
    flat = bp.Network(layers=[1, 1], activations=["relu"], weights=[[[-1.0]]], inputs=[[1.0]], targets=[[0.5]])
    with pytest.raises(bp.SpecError, match="no positive eigenvalue"):
        bp.value(flat, "eta_max")


# ------------------------------------------------------------------ Gauss–Newton
def test_output_jacobian_by_backpropagation_matches_finite_differences(first):
    J = hs.output_jacobian(first)                            # (samples, outputs, parameters)
    theta, index, h = first.flat(), hs._trainable_index(first), 1e-6
    numeric = np.empty_like(J)
    for c, n in enumerate(index):
        up, down = theta.copy(), theta.copy()
        up[n] += h
        down[n] -= h
        numeric[:, :, c] = (first.with_flat(up).forward().outputs - first.with_flat(down).forward().outputs) / (2 * h)
    assert np.max(np.abs(J - numeric)) < 1e-9


def test_gauss_newton_is_positive_semidefinite_and_the_rest_of_h_is_the_residual_term(first):
    G = hs.gauss_newton(first)
    lam = np.linalg.eigvalsh(G)
    assert lam[0] > -1e-15 and np.sum(lam > 1e-12) == 2                # rank 2: two outputs, one sample
    # H − G = Σ_k (out_k − t_k)·∇²out_k: at a zero-residual point they coincide
    _, solved = hs.gauss_newton_run(first, 10)
    assert solved.forward().loss < 1e-30
    np.testing.assert_allclose(hs.hessian(solved), hs.gauss_newton(solved), rtol=0, atol=1e-15)


@settings(max_examples=30)
@given(networks(max_depth=3, max_size=3, max_samples=3))
def test_gauss_newton_psd_on_random_networks(net):
    assume(away_from_kinks(net))
    G = hs.gauss_newton(net)
    assert np.allclose(G, G.T)
    lam = np.linalg.eigvalsh(G) if len(G) else np.zeros(0)
    assert np.all(lam >= -1e-12 * max(1.0, np.max(np.abs(lam), initial=0.0)))


# ------------------------------------------------------------------ steps
def test_newton_on_the_collapsed_neuron_lands_on_the_target_in_one_step():
    net = bp.preset("2-2-1")
    neuron = bp.Network(layers=[2, 1], activations=["linear"], weights=[third.collapsed(net)],
                        inputs=net.inputs, targets=net.targets)
    np.testing.assert_allclose(hs.hessian(neuron), np.outer(net.inputs[0], net.inputs[0]), atol=1e-15)
    history, _ = hs.newton(neuron, 1)
    assert history[1] < 1e-30


def test_newton_on_the_third_documents_network_climbs_to_the_saddle():
    net = bp.preset("2-2-1")
    g = net.gradient()
    assert g @ hs.newton_direction(net) > 0                      # uphill: H is not positive definite
    history, end = hs.newton(net, 8)
    assert history[1] > history[0]
    assert end.forward().outputs[0, 0] == pytest.approx(0.0, abs=1e-12)     # prediction 0: E = ½
    assert history[-1] == pytest.approx(0.5, abs=1e-12)


def test_newton_on_the_first_documents_network(first):
    history, end = hs.newton(first, 30)
    assert history[1] < history[-1] < history[0]                   # down once, then back up to a plateau
    assert all(b >= a - 1e-15 for a, b in zip(history[1:], history[2:]))
    assert np.max(end.forward().out[1]) < 1e-12                    # the hidden neurons switched off
    assert history[-1] == pytest.approx(0.5 * (0.01 - bp.ACTIVATIONS["sigmoid"].forward(0.6)) ** 2
                                        + 0.5 * (0.99 - bp.ACTIVATIONS["sigmoid"].forward(0.6)) ** 2, rel=1e-9)


def test_levenberg_marquardt_between_gauss_newton_and_gradient_descent(first):
    g = first.gradient()[hs._trainable_index(first)]
    for mu in (1e6, 1e9):                    # (G + μI)⁻¹g = g/μ + O(λ_max(G)/μ²)
        np.testing.assert_allclose(hs.damped_direction(first, mu), -g / mu, rtol=1e-7, atol=0)
    G = hs.gauss_newton(first)              # and tends to the Gauss–Newton step as μ → 0
    np.testing.assert_allclose(hs.damped_direction(first, 1e-9), -hs.pseudo_inverse_solve(G, g), rtol=1e-5)
    history, mus, end = hs.levenberg_marquardt(first, 12)
    assert all(b <= a for a, b in zip(history, history[1:]))
    assert history[-1] < 1e-20
    assert len(mus) == 12


def test_train_rates_matches_the_library_one_rate_at_a_time(first):
    rates = [0.5, 5.0, 50.0]
    history, tail = hs.train_rates(first, rates, 30, keep=2)
    for r, h in zip(rates, history):
        expected, trained = first.replace(learning_rate=r).train(30)
        np.testing.assert_allclose(h, expected, rtol=1e-12, atol=0)
    np.testing.assert_allclose(tail[2, -1], first.replace(learning_rate=50.0).train(30)[1].forward().outputs,
                               rtol=1e-12)
    linear = bp.preset("2-2-1")
    history, _ = hs.train_rates(linear, [0.05, 0.6], 200)
    assert history[0, -1] < 1e-20 and not np.isfinite(history[1, -1])
    with pytest.raises(bp.SpecError, match="mode"):
        hs.train_rates(linear.replace(inputs=[[1, 2], [3, 4]], targets=[[1], [2]], mode="online"), [0.1], 3)


def test_cost_counts():
    c = hs.cost([2, 2, 2])
    assert c["parameters"] == 8 and c["gradient"] == 24 and c["hvp"] == 72
    assert c["hessian"] == 3 * 8 + 6 * 8 * 8 and c["hessian_entries"] == 64


# ------------------------------------------------------------------ random networks
@settings(max_examples=60)
@given(networks(max_depth=3, max_size=4, max_samples=3))
def test_hessian_agrees_with_finite_differences_of_gradients(net):
    """On random dense networks: relative 1e-6 (of the Hessian's largest entry)."""
    assume(away_from_kinks(net, margin=1e-2))
    H = hs.hessian(net)
    assume(len(H) and np.max(np.abs(H)) > 1e-8)
    assert relative_gap(hs.finite_difference_hessian(net), H) < 1e-6


@settings(max_examples=8)
@given(networks(max_depth=2, max_size=2, max_samples=2))
def test_hessian_agrees_with_sympy_on_small_random_networks(net):
    assume(away_from_kinks(net))
    assume(hs.symbolic_fits(net) and 0 < len(hs.trainable(net)) <= 7)
    H = hs.hessian(net)
    assert np.max(np.abs(hs.symbolic_hessian(net) - H)) <= 1e-12 * max(1.0, np.max(np.abs(H)))


@settings(max_examples=25)
@given(networks(max_depth=3, max_size=4, max_samples=3))
def test_hvp_is_linear_and_symmetric(net):
    assume(away_from_kinks(net))
    P = len(hs.trainable(net))
    assume(P > 0)
    rng = np.random.default_rng(P)
    u, v = rng.normal(size=P), rng.normal(size=P)
    Hu, Hv = hs.hvp(net, u), hs.hvp(net, v)
    scale = max(1e-300, np.max(np.abs(hs.hessian(net))))
    assert abs(u @ Hv - v @ Hu) <= 1e-12 * scale * np.linalg.norm(u) * np.linalg.norm(v) * P
    assert np.max(np.abs(hs.hvp(net, 2 * u - v) - (2 * Hu - Hv))) <= 1e-12 * scale * P * 4


def test_hessian_agrees_with_jax(first):
    """An independent automatic differentiation: jax.hessian of E written in jax.numpy."""
    import jax
    import jax.numpy as jnp
    jax.config.update("jax_enable_x64", True)
    nets = [first,
            bp.Network(layers=[3, 4, 3], activations=["tanh", "softmax"],
                       weights=[np.linspace(-1, 1, 12).reshape(4, 3), np.linspace(1, -0.5, 12).reshape(3, 4)],
                       biases=[[0.1, -0.2, 0.3, 0.0], 0.25], inputs=[[0.5, -1.0, 2.0], [1.0, 0.0, -0.5]],
                       targets=[[0.2, 0.3, 0.5], [0.6, 0.3, 0.1]], loss="cross_entropy")]
    acts = {"sigmoid": jax.nn.sigmoid, "tanh": jnp.tanh, "linear": lambda x: x,
            "relu": jax.nn.relu, "softmax": lambda x: jax.nn.softmax(x, axis=-1)}
    for net in nets:
        index = hs._trainable_index(net)
        theta0 = jnp.asarray(net.flat())

        def loss(sub, net=net, index=index, theta0=theta0):
            theta = theta0.at[index].set(sub)
            out, n = jnp.asarray(net.inputs), 0
            for k in range(net.depth):
                w = theta[n:n + net.layers[k + 1] * net.layers[k]].reshape(net.layers[k + 1], net.layers[k])
                n += w.size
                z = out @ w.T
                b = net.biases[k]
                if b is not None:
                    size = 1 if isinstance(b, float) else net.layers[k + 1]
                    z = z + theta[n:n + size]
                    n += size
                out = acts[net.activations[k]](z)
            t = jnp.asarray(net.targets)
            terms = 0.5 * (t - out) ** 2 if net.loss == "half_sse" else -t * jnp.log(out)
            return jnp.mean(jnp.sum(terms, axis=1))

        H_jax = np.asarray(jax.jit(jax.hessian(loss))(theta0[index]))
        assert np.max(np.abs(H_jax - hs.hessian(net))) <= 1e-13 * max(1.0, np.max(np.abs(H_jax)))


def test_the_code_exercises_check():
    def right(net, v, h):
        theta = hs.values(net)
        return (hs.gradient_at(net, theta + h * v) - hs.gradient_at(net, theta - h * v)) / (2 * h)

    def stub(net, v, h):
        theta = hs.values(net)  # noqa: F841
        ...

    assert hs.judge_hvp(right) == (True, "Right: it agrees with the exact H·v to about 1 part in 10⁶ or better.")
    assert hs.judge_hvp(stub)[1].startswith("Not yet: the function returned nothing")
    assert "sign is flipped" in hs.judge_hvp(lambda n, v, h: -right(n, v, h))[1]
    assert "twice" in hs.judge_hvp(lambda n, v, h: 2 * right(n, v, h))[1]
    assert "raised ZeroDivisionError" in hs.judge_hvp(lambda n, v, h: 1 / 0)[1]
    assert "expected 8 numbers" in hs.judge_hvp(lambda n, v, h: np.ones(3))[1]
    assert hs.judge_hvp(lambda n, v, h: right(n, v, h) + 1e-3)[0] is False

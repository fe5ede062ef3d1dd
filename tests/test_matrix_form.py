"""The four equations in matrices (backprop_lib.matrix_form) and what the chapter "The four
equations" claims with them."""
import numpy as np
import pytest
import sympy as sp
from hypothesis import given, settings

import backprop_lib as bp
from backprop_lib import matrix_form as mf
from backprop_lib.sgd import batches

from strategies import networks


@settings(max_examples=120)
@given(networks(max_depth=3, max_size=4, max_samples=3))
def test_one_samples_arrays_are_the_four_equations(net):
    if net.activations[-1] == "softmax":
        with pytest.raises(bp.SpecError, match=r"^activations\[\d\]: softmax"):
            mf.layer_arrays(net)
        return
    for s in range(net.samples):
        A = mf.layer_arrays(net, s)
        one = net.replace(inputs=net.inputs[s:s + 1], targets=net.targets[s:s + 1])
        g = one.backward()
        L = net.depth
        for l in range(1, L + 1):
            a = A[l - 1]
            assert np.allclose(a["net"], a["W"] @ a["out_prev"] + a["b"], rtol=1e-13, atol=1e-13)
            assert np.array_equal(a["outer"], g.weights[l - 1])                     # BP4, exactly
            assert np.allclose(a["delta"], a["dE_dout"] * a["fprime"], rtol=1e-13, atol=1e-15)  # BP1/BP2
            if l < L:                                                                 # BP2's bracket
                assert np.allclose(a["dE_dout"], A[l]["W"].T @ A[l]["delta"], rtol=1e-12, atol=1e-15)
            b = net.biases[l - 1]
            if isinstance(b, float):                                                  # BP3, shared
                assert g.biases[l - 1] == pytest.approx(a["delta"].sum(), rel=1e-12, abs=1e-15)
            elif b is not None:
                assert np.allclose(g.biases[l - 1], a["delta"], rtol=1e-13, atol=1e-15)


def test_the_first_documents_deltas_and_outer_products():
    A = mf.layer_arrays(bp.preset("2-2-2"))
    assert f"{A[1]['delta'][0]:.9f}" == "0.138498562"            # δ_o1, as the document prints it
    assert f"{A[0]['dE_dout'][0]:.9f}" == "0.036350306"          # ∂E_total/∂out_h1
    assert f"{A[1]['outer'][0, 0]:.9f}" == "0.082167041"         # ∂E_total/∂w5
    assert f"{A[0]['outer'][0, 0]:.9f}" == "0.000438568"         # ∂E_total/∂w1
    assert A[0]["b"].tolist() == [0.35, 0.35]


def test_matrices_as_latex():
    assert mf.matrix([[0.15, 0.2], [0.25, 0.3]], None) == r"\begin{bmatrix}0.15 & 0.2 \\ 0.25 & 0.3\end{bmatrix}"
    assert mf.matrix([0.5, -1e-12], 3) == r"\begin{bmatrix}0.500 \\ 0.000\end{bmatrix}"


def test_sympy_confirms_the_four_equations_for_any_activation():
    for what, zero in mf.symbolic_check((2, 3, 2)).items():
        assert zero == sp.zeros(*zero.shape), what
    shapes = {k: v.shape for k, v in mf.symbolic_check((1, 2, 1)).items()}
    assert shapes == {"dE/dW2": (1, 2), "dE/db2": (1, 1), "dE/dW1": (2, 1), "dE/db1": (2, 1)}


def test_the_shapes_table_reads_the_shapes_from_the_arrays():
    text = mf.shapes_table([bp.preset("2-2-2"), bp.preset("3-2-2")], samples=4).text
    rows = {line.split(" | ")[0].strip("| "): line for line in text.splitlines()[2:]}
    assert rows["$W^{(1)}$"].endswith("| 2×2 | 2×3 | 2×3 |")
    assert rows["$\\delta^{(1)}$"].endswith("| 2 | 2 | 4×2 |")
    assert rows["$\\partial E/\\partial W^{(1)}$"].endswith("| 2×2 | 2×3 | 2×3 |")
    assert rows["$\\mathrm{out}^{(0)}$"].endswith("| 2 | 3 | 4×3 |")
    with pytest.raises(bp.SpecError, match="same number of layers"):
        mf.shapes_table([bp.preset("2-2-2"), bp.Network(layers=[2, 2], activations=["sigmoid"],
                                                         weights=[[[1, 2], [3, 4]]], inputs=[0.1, 0.2], targets=[0, 1])])


def test_the_comparison_data_follow_the_documents_rule():
    X, T = mf.comparison_data()
    first = bp.preset("2-2-2")
    assert X.shape == (16, 2) and T.shape == (16, 2)
    assert X[0].tolist() == first.inputs[0].tolist() and T[0].tolist() == first.targets[0].tolist()
    above = X[:, 0] > X[:, 1]
    assert np.array_equal(T[:, 0] == 0.99, above) and np.array_equal(T[:, 1] == 0.99, ~above)
    assert 3 <= above.sum() <= 13                                  # both classes present
    assert np.array_equal(X, mf.comparison_data()[0])               # seeded


def _chapter_network():
    net = bp.preset("2-2-2")
    X, T = mf.comparison_data()
    return net.replace(inputs=X, targets=T, biases=[np.full(2, 0.35), np.full(2, 0.6)],
                       names={n: l for n, l in net.names.items() if not n.startswith("b")},
                       update_biases=True, learning_rate=1.0, shuffle_seed=1)


def test_what_the_chapter_says_about_batch_online_and_minibatch():
    net = _chapter_network()
    histories, updates = mf.mode_histories(net, 320, batch_size=4, shuffle_seed=1)
    assert updates == {"batch": 1, "online": 16, "minibatch": 4}
    starts = [h[0] for h in histories.values()]                     # the same start (to rounding:
    assert max(starts) - min(starts) <= 1e-15                        # two engines sum differently)
    end = {m: h[-1] for m, h in histories.items()}
    assert end["online"] < end["minibatch"] < end["batch"]            # per pass: online wins
    assert end["batch"] > 0.5 * histories["batch"][0] and end["online"] < 0.01 * histories["online"][0]
    same = [histories[m][320 // updates[m]] for m in histories]      # per update: much alike
    assert max(same) / min(same) < 1.05
    for h in histories.values():
        assert h[-1] < h[0]
    # the mini-batches: four per pass, every sample once, dealt anew each pass
    mb = net.replace(mode="minibatch", batch_size=4)
    first, second = batches(mb, 0), batches(mb, 1)
    assert sorted(sum(first, [])) == list(range(16)) and [len(b) for b in first] == [4] * 4
    assert first != second


def test_the_mean_over_samples_is_the_mean_of_the_outer_products():
    X, T = mf.comparison_data()
    three = bp.preset("2-2-2").replace(inputs=X[:3], targets=T[:3])
    g = three.backward()
    per = [mf.layer_arrays(three, s) for s in range(3)]
    for k in range(2):
        assert np.allclose(g.weights[k], np.mean([p[k]["outer"] for p in per], axis=0), rtol=1e-13, atol=1e-17)


def _backprop(Ws, bs, X, T):
    outs = [X]
    for W, b in zip(Ws, bs):
        outs.append(1 / (1 + np.exp(-(outs[-1] @ W.T + b))))
    delta = (outs[-1] - T) * outs[-1] * (1 - outs[-1])
    gWs, gbs = [], []
    for l in range(len(Ws) - 1, -1, -1):
        gWs.insert(0, delta.T @ outs[l] / len(X))
        gbs.insert(0, delta.mean(axis=0))
        delta = (delta @ Ws[l]) * outs[l] * (1 - outs[l])
    return gWs, gbs


def test_the_numpy_check_passes_a_right_implementation_and_fails_wrong_ones():
    worst, compared = mf.numpy_check(_backprop, count=60)
    assert worst <= 1e-12 and compared > 120
    def summed(Ws, bs, X, T):                      # the sum over samples, not the mean
        gWs, gbs = _backprop(Ws, bs, X, T)
        return [g * len(X) for g in gWs], [g * len(X) for g in gbs]
    assert mf.numpy_check(summed, count=60)[0] > 1e-3
    def no_sigma_prime(Ws, bs, X, T):
        gWs, gbs = _backprop(Ws, bs, X, T)
        return [g * 1.5 for g in gWs], gbs
    assert mf.numpy_check(no_sigma_prime, count=20)[0] > 1e-3


def test_random_networks_are_seeded_and_varied():
    a, b = mf.random_network(3), mf.random_network(3)
    assert a.layers == b.layers and all(np.array_equal(x, y) for x, y in zip(a.weights, b.weights))
    shapes = {tuple(mf.random_network(s).layers) for s in range(40)}
    assert len(shapes) > 20
    assert mf.random_network(1, activation="relu").activations == ["relu"] * mf.random_network(1).depth


# ------------------------------------------------------------------ the code exercise
def test_the_bp2_exercise_accepts_the_solution():
    verdict = mf.check_hidden_delta(lambda W, d, out: (d @ W) * out * (1 - out))
    assert verdict and repr(verdict).startswith("Right: ")


@pytest.mark.parametrize("fn,says", [
    (lambda W, d, out: np.zeros_like(out), "returns zeros"),
    (lambda W, d, out: (d @ W.T) * out * (1 - out), "transpose"),
    (lambda W, d, out: d @ W, "∂E/∂out of the hidden layer"),
    (lambda W, d, out: (d @ W) * out, "both factors"),
    (lambda W, d, out: (d @ W) * (1 - out), "both factors"),
    (lambda W, d, out: ((d @ W) * out * (1 - out)).T, "should be"),
    (lambda W, d, out: 2 * (d @ W) * out * (1 - out), "differ from backpropagation's"),
    (lambda W, d, out: 1 / 0, "ZeroDivisionError"),
])
def test_the_bp2_exercise_says_what_is_wrong(fn, says):
    verdict = mf.check_hidden_delta(fn)
    assert not verdict
    text = repr(verdict)
    assert text.startswith("Not yet: ") and says in text and "\n" not in text

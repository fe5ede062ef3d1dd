"""The third document (2-2-1, linear): its numbers, and what its chapter computes beyond them."""
import math

import numpy as np
import pytest
import sympy as sp

import backprop_lib as bp
from backprop_lib.documents import third


@pytest.fixture
def net():
    return bp.preset("2-2-1")


# ------------------------------------------------------------------ the document's numbers
def test_every_published_number_agrees_to_its_rounding(net):
    published = bp.published("2-2-1")
    values = bp.table(net, [p["key"] for p in published])
    assert len(published) == 12
    for p in published:
        assert bp.agrees(values[p["key"]], p["quote"]), (p["key"], p["quote"], values[p["key"]])


def test_published_list_covers_the_documents_values(net):
    """Every value the README lists for the third document's lost images has a quote."""
    keys = {p["key"]: p["quote"] for p in bp.published("2-2-1")}
    assert keys == {
        "out:h1": "0.85", "out:h2": "0.48", "out:prediction": "0.191", "E": "0.327",
        "dE/dout:prediction": "-0.809", "w1+": "0.12", "w2+": "0.23", "w3+": "0.13", "w4+": "0.10",
        "w5+": "0.17", "w6+": "0.17", "out:prediction@1": "0.26"}


def test_the_new_prediction_comes_from_the_exact_weights_not_the_printed_ones(net):
    exact = third.forward_again()["out:prediction@1"]
    printed = third.forward_again_with_rounded_weights()["out:prediction@1"]
    assert exact == pytest.approx(0.2557457808075, abs=1e-12)
    assert printed == pytest.approx(0.2533, abs=1e-12)           # 0.93·0.17 + 0.56·0.17
    assert f"{exact:.2f}" == "0.26" and f"{printed:.2f}" == "0.25"
    assert f"{third.forward_again(3)['out:prediction@1']:.2f}" == "0.25"
    assert exact == pytest.approx(bp.value(net, "out:prediction@1"), abs=1e-15)


def test_update_formulas_are_delta_times_what_the_weight_carried(net):
    trace = net.forward()
    delta = trace.outputs[0, 0] - net.targets[0, 0]
    i1, i2 = net.inputs[0]
    h1, h2 = trace.out[1][0]
    expected = {"w1": delta * i1 * net["w5"], "w2": delta * i2 * net["w5"], "w3": delta * i1 * net["w6"],
                "w4": delta * i2 * net["w6"], "w5": delta * h1, "w6": delta * h2}
    grads = net.named_gradient()
    symbolic = dict(zip([p.name for p in net.parameters()], bp.derive(net).whole_gradient(net)))
    for name, value in expected.items():
        assert grads[name] == pytest.approx(value, abs=1e-15)
        assert symbolic[name] == pytest.approx(value, abs=1e-15)


def test_matrix_form_update_equals_the_per_weight_updates(net):
    W1, u, x = net.weights[0], net.weights[1][0], net.inputs[0]
    h = W1 @ x
    delta = u @ h - net.targets[0, 0]
    eta = net.learning_rate
    W1_plus = W1 - eta * delta * np.outer(u, x)
    u_plus = u - eta * delta * h
    after = net.step()
    np.testing.assert_allclose(after.weights[0], W1_plus, rtol=0, atol=1e-16)
    np.testing.assert_allclose(after.weights[1][0], u_plus, rtol=0, atol=1e-16)
    assert after["w4"] == pytest.approx(0.0982025, abs=1e-15)


def test_matrix_form_holds_for_random_weights_inputs_and_targets():
    rng = np.random.default_rng(7)
    base = bp.preset("2-2-1")
    for _ in range(20):
        net = base.replace(weights=[rng.normal(size=(2, 2)), rng.normal(size=(1, 2))],
                           inputs=rng.normal(size=(1, 2)), targets=rng.normal(size=(1, 1)),
                           learning_rate=float(rng.uniform(0.01, 0.3)))
        W1, u, x = net.weights[0], net.weights[1][0], net.inputs[0]
        h = W1 @ x
        delta = u @ h - net.targets[0, 0]
        flat = np.concatenate([(W1 - net.learning_rate * delta * np.outer(u, x)).ravel(),
                               u - net.learning_rate * delta * h])
        np.testing.assert_allclose(net.step().flat(), flat, rtol=1e-13, atol=1e-14)


# ------------------------------------------------------------------ one linear map
def test_collapsed_map_equals_the_network_on_random_inputs(net):
    v = third.collapsed(net)
    np.testing.assert_allclose(v, [[0.11 * 0.14 + 0.12 * 0.15, 0.21 * 0.14 + 0.08 * 0.15]], atol=1e-16)
    rng = np.random.default_rng(2021)
    for trial in range(5):
        weights = [rng.normal(size=(2, 2)), rng.normal(size=(1, 2))]
        other = net.replace(weights=weights)
        inputs = rng.normal(size=(200, 2)) * 5
        outputs = other.forward(inputs=inputs, targets=np.zeros((200, 1))).outputs
        np.testing.assert_allclose(outputs, inputs @ third.collapsed(other).T, rtol=1e-12, atol=1e-12)


def test_collapsed_map_in_sympy():
    d = bp.derive(bp.preset("2-2-1"))
    i1, i2 = d.inputs
    w = d.symbol
    prediction = (sp.Matrix(d.W[1]) * sp.Matrix(d.W[0]) * sp.Matrix(d.inputs))[0]
    v1 = w["w1"] * w["w5"] + w["w3"] * w["w6"]
    v2 = w["w2"] * w["w5"] + w["w4"] * w["w6"]
    assert sp.expand(prediction - (v1 * i1 + v2 * i2)) == 0


def test_collapse_refuses_a_network_it_does_not_describe():
    sigmoid = bp.preset("2-2-2")
    with pytest.raises(bp.SpecError, match="activations"):
        third.collapsed(sigmoid)
    biased = bp.preset("2-2-1").replace(biases=[0.5, None])
    with pytest.raises(bp.SpecError, match="biases"):
        third.collapsed(biased)


def test_xor_best_linear_fit_and_training_reach_the_same_floor():
    v, error = third.best_linear_fit()
    np.testing.assert_allclose(v, [1 / 3, 1 / 3], atol=1e-12)
    assert error == pytest.approx(1 / 6, abs=1e-12)
    xor = bp.preset("2-2-1").replace(inputs=third.XOR_INPUTS, targets=third.XOR_TARGETS,
                                     mode="batch", learning_rate=0.1)
    history, trained = xor.train(2000)
    assert history[-1] == pytest.approx(1 / 6, abs=1e-9)
    assert min(history) >= 1 / 6 - 1e-12                       # never below the best plane
    np.testing.assert_allclose(third.collapsed(trained), [[1 / 3, 1 / 3]], atol=1e-6)


# ------------------------------------------------------------------ training, three numbers
@pytest.mark.parametrize("rate, steps", [(0.01, 30), (0.05, 30), (0.15, 30), (0.3, 30),
                                         (0.45, 12)])     # chaotic: rounding grows step by step
def test_three_numbers_follow_the_networks_own_training(net, rate, steps):
    predictions, _ = third.run(net, rate, steps)
    current = net.replace(learning_rate=rate)
    for k in range(steps + 1):
        assert predictions[k] == pytest.approx(current.forward().outputs[0, 0], rel=1e-10, abs=1e-12)
        current = current.step()


def test_three_number_updates_hold_symbolically():
    d = bp.derive(bp.preset("2-2-1"))
    ws = [d.symbol[f"w{k}"] for k in range(1, 7)]
    W1, u, x = sp.Matrix(d.W[0]), sp.Matrix(d.W[1]), sp.Matrix(d.inputs)
    h = W1 * x
    p, t, eta = (u * h)[0], d.targets[0], sp.Symbol("eta")
    r = p - t
    update = {w: w - eta * sp.diff(d.E, w) for w in ws}
    c, a, b = (x.T * x)[0], (u * u.T)[0], (h.T * h)[0]
    assert sp.expand(p.xreplace(update) - (p - eta * r * (c * a + b) + eta**2 * r**2 * c * p)) == 0
    assert sp.expand(a.xreplace(update) - (a - 2 * eta * r * p + eta**2 * r**2 * b)) == 0
    assert sp.expand(b.xreplace(update) - (b - 2 * eta * r * c * p + eta**2 * r**2 * c**2 * a)) == 0


def test_steps_to_reach_the_target(net):
    assert third.steps_to_reach(net, 0.05, 5e-4) == 22
    assert third.steps_to_reach(net, 0.15, 5e-4) == 5
    assert third.steps_to_reach(net, 0.145, 5e-4) == 4 and third.steps_to_reach(net, 0.165, 5e-4) == 4
    assert third.steps_to_reach(net, 0.3, 5e-4) is None            # a two-cycle never settles
    assert third.steps_to_reach(net, 0.56, 5e-4) is None           # blows up
    history, _ = net.train(100)                                      # the same count from backprop_lib
    misses = np.sqrt(2 * np.array(history))
    assert misses[21] >= 5e-4 and np.all(misses[22:] < 5e-4)


def _steps_by_three_numbers(net, rate, tolerance=5e-4, steps=3000):
    predictions, _ = third.run(net, rate, steps)
    t = float(net.targets[0, 0])
    outside = [k for k, p in enumerate(predictions) if not abs(p - t) < tolerance]
    if len(predictions) < steps + 1 or (outside and outside[-1] == len(predictions) - 1):
        return None
    return outside[-1] + 1 if outside else 0


@pytest.mark.parametrize("rate", [0.001, 0.01, 0.05, 0.1, 0.135, 0.145, 0.15, 0.165, 0.17, 0.2, 0.27, 0.275,
                                  0.28, 0.3, 0.45, 0.56])
def test_step_counts_by_training_agree_with_the_three_number_recurrence(net, rate):
    assert third.steps_to_reach(net, rate) == _steps_by_three_numbers(net, rate)


def test_regimes_by_the_networks_own_training(net):
    assert third.regime(net, 0.05) == ("reaches", 22)
    assert third.regime(net, 0.3) == ("never settles", None)
    kind, n = third.regime(net, 0.56)
    predictions = third.trajectory(net, 0.56, 100)
    assert kind == "blows up" and n == len(predictions) - 1 and abs(predictions[-1]) > 1e8
    assert all(abs(p) <= 1e8 for p in predictions[:-1])
    with pytest.raises(bp.SpecError, match="one sample"):
        third.regime(net.replace(inputs=[[1, 2], [3, 4]], targets=[[1], [0]]), 0.05)


@pytest.mark.parametrize("rate, steps", [(0.01, 40), (0.15, 40), (0.3, 40), (0.56, 40)])
def test_trajectory_is_the_networks_training_and_the_three_numbers(net, rate, steps):
    by_training = third.trajectory(net, rate, steps)
    by_recurrence, _ = third.run(net, rate, steps)
    n = min(len(by_training), len(by_recurrence), 13)
    np.testing.assert_allclose(by_training[:n], by_recurrence[:n], rtol=1e-9, atol=1e-12)
    history, _ = (net.replace(learning_rate=rate).train(steps) if rate < 0.5 else (None, None))
    if history is not None:
        np.testing.assert_allclose(0.5 * (np.array(by_training) - 1.0) ** 2, history, rtol=1e-9, atol=1e-15)


def test_largest_reaching_rate_halves_when_the_inputs_double(net):
    lo, hi = third.largest_reaching_rate(net)
    assert hi - lo < 1e-5
    assert third.steps_to_reach(net, lo) is not None and third.steps_to_reach(net, hi) is None
    assert lo < third.theory(net)["flattest_minimum"] < lo * 1.001       # a finite run stops just short
    doubled, _ = third.largest_reaching_rate(net.replace(inputs=net.inputs * 2))
    halved, _ = third.largest_reaching_rate(net.replace(inputs=net.inputs / 2))
    assert doubled == pytest.approx(lo / 2, rel=2e-3) and halved == pytest.approx(lo * 2, rel=2e-3)


def test_rounding_the_weights_at_every_step_stalls_training():
    exact = third.rounded_training(None, 60)
    assert exact[1] == pytest.approx(third.forward_again()["out:prediction@1"], abs=1e-15)
    assert abs(exact[-1] - 1) < 1e-9
    two = third.rounded_training(2, 60)
    assert two[1] == pytest.approx(third.forward_again(2)["out:prediction@1"], abs=1e-15)
    assert two[-1] == pytest.approx(0.9494, abs=1e-12) and two[-1] == two[-10]    # stuck short of 1
    one = third.rounded_training(1, 10)
    assert one[1:] == pytest.approx([0.26] * 10, abs=1e-12)                        # stuck at once


def test_one_place_rounding_also_prints_as_the_documents_new_prediction():
    assert f"{third.forward_again(1)['out:prediction@1']:.2f}" == "0.26"
    assert {places: f"{third.forward_again(places)['out:prediction@1']:.2f}" for places in (2, 3, 4)} == {
        2: "0.25", 3: "0.25", 4: "0.26"}


def test_chain_formula_is_the_derivative_of_the_whole_error():
    for pid in ("2-2-1", "2-2-2", "3-2-2"):
        net = bp.preset(pid)
        d = bp.derive(net)
        point = d.point(net)
        for p in net.parameters():
            formula = third.chain_formula(d, p.name)
            assert float(formula.xreplace(point)) == pytest.approx(
                float(d.whole(p.name).xreplace(point)), rel=1e-12, abs=1e-15), (pid, p.name)
    d = bp.derive(bp.preset("2-2-1"))
    s = d.symbol
    delta = d.out_sym[2][0] - d.targets[0]
    assert sp.expand(third.chain_formula(d, "w1") - delta * s["w5"] * d.inputs[0]) == 0
    assert sp.expand(third.chain_formula(d, "w6") - delta * d.out_sym[1][1]) == 0


def test_the_documents_names_typeset_without_escaped_underscores():
    from backprop_lib.book import Notation
    d = bp.derive(bp.preset("2-2-1"))
    text = Notation(third.NAMES).tex(third.chain_formula(d, "w5") + d.E)
    assert r"\text{prediction}" in text and r"\text{actual}" in text and "h_1" in text
    assert r"\_" not in text


# ------------------------------------------------------------------ the learning-rate limits
def test_single_neuron_limit_is_two_over_the_curvature_by_experiment_and_theory(net):
    c = float(net.inputs[0] @ net.inputs[0])
    theory = third.theory(net)["single_neuron"]
    assert theory == pytest.approx(2 / 13, abs=1e-15) and c == 13
    neuron = bp.Network(layers=[2, 1], activations=["linear"], weights=[third.collapsed(net)],
                        inputs=net.inputs, targets=net.targets, learning_rate=0.1)

    def shrinks(rate):
        try:
            history, _ = neuron.replace(learning_rate=rate).train(2000)
        except bp.TrainingDiverged:
            return False
        return history[-1] < history[0]
    assert shrinks(theory * (1 - 1e-4)) and not shrinks(theory * (1 + 1e-4))


def test_hessian_at_a_minimum_has_one_eigenvalue_the_curvature(net):
    d = bp.derive(net)
    ws = [d.symbol[f"w{k}"] for k in range(1, 7)]
    H = sp.lambdify(ws + list(d.inputs) + list(d.targets), sp.hessian(d.E, ws))
    _, settled = net.train(2000)
    eig = np.linalg.eigvalsh(np.array(H(*settled.flat(), *net.inputs[0], *net.targets[0]), dtype=float))
    assert np.all(np.abs(eig[:-1]) < 1e-12)
    assert eig[-1] == pytest.approx(third.curvature_reached(net, 0.05), rel=1e-9)
    assert eig[-1] == pytest.approx(7.231792604765, rel=1e-9)


def test_gradient_flow_curvature_closed_form_matches_tiny_steps(net):
    closed = third.theory(net)["curvature_reached"]
    assert third.curvature_reached(net, 1e-4, steps=2_000_000) == pytest.approx(closed, rel=1e-4)
    assert closed >= third.theory(net)["curvature_flattest"]


def test_converging_threshold_by_experiment_and_theory(net):
    th = third.theory(net)
    assert th["flattest_minimum"] == pytest.approx(1 / math.sqrt(13), abs=1e-15)
    lo, hi = third.converging_threshold(net, steps=100_000, iterations=24)
    assert hi - lo < 1e-7
    # the experiment stops just below the theory's limit (convergence crawls next to it) and
    # above the limit of the minimum that infinitely small steps would reach
    assert th["at_reached_minimum"] < lo < hi <= th["flattest_minimum"]
    assert (th["flattest_minimum"] - hi) / th["flattest_minimum"] < 2e-4
    assert third.outcome(net, th["flattest_minimum"] * 1.001, 100_000) == "ran out"


def test_blow_up_threshold_by_experiment_and_theory():
    net = bp.preset("2-2-1")
    x = net.inputs[0]
    s = math.sqrt(float(x @ x))
    balanced = net.replace(weights=[np.outer([0.1, 0.1], x) / s, np.array([[0.1, 0.1]])])
    theory = third.theory(balanced)["blow_up_balanced"]
    assert theory == pytest.approx(2 / s, abs=1e-15)
    lo, hi = third.blow_up_threshold(balanced)
    assert lo <= theory <= hi and hi - lo < 1e-6
    # the document's network is not balanced: its boundary is a little lower
    doc_lo, doc_hi = third.blow_up_threshold(net)
    assert 0.5490 < doc_lo < doc_hi < 0.5500 < theory


def test_one_number_map_is_bounded_exactly_up_to_m_equal_two():
    m = sp.Symbol("m", positive=True)
    assert sp.factor(4 * (1 + m) ** 3 - 27 * (m + 2)) == (m - 2) * (2 * m + 5) ** 2


def test_regimes_of_the_learning_rate(net):
    assert third.run(net, 0.05, 2000, tol=1e-10)[1] == "converged"
    cycle, outcome = third.run(net, 0.30, 4000)
    assert outcome == "ran out"
    assert cycle[-1] == pytest.approx(cycle[-3], abs=1e-12) and abs(cycle[-1] - cycle[-2]) > 0.5
    assert third.run(net, 0.56, 2000)[1] == "blew up"
    with pytest.raises(bp.TrainingDiverged, match="training diverged"):
        net.replace(learning_rate=0.56).train(1000)


def test_three_number_view_refuses_other_networks():
    with pytest.raises(bp.SpecError, match="layers"):
        third.three_numbers(bp.preset("2-2-2"))
    two_samples = bp.preset("2-2-1").replace(inputs=[[1, 2], [3, 4]], targets=[[1], [0]])
    with pytest.raises(bp.SpecError, match="one sample"):
        third.three_numbers(two_samples)


def test_period_doubling_beyond_the_converging_limit(net):
    periods = {rate: third.period(net, rate) for rate in (0.05, 0.27, 0.30, 0.35, 0.36, 0.40)}
    assert periods == {0.05: 1, 0.27: 1, 0.30: 2, 0.35: 4, 0.36: 8, 0.40: None}
    assert third.period(net, 0.6) is None                           # blown up


def test_theory_refuses_a_zero_target():
    with pytest.raises(bp.SpecError, match="targets"):
        third.theory(bp.preset("2-2-1").replace(targets=[[0.0]]))

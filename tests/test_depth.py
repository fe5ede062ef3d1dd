"""The deeper-networks chapter's library: the depth study against the backward pass, the
product of slopes, sums over paths, two hidden layers three ways, symmetry, and the
playgrounds' Python side (their JavaScript is held to it in test_depth_engine.py)."""
import numpy as np
import pytest

import backprop_lib as bp
from backprop_lib import depth as dp
from backprop_lib.widgets.deep import DepthPlayground, SymmetryPlayground


def test_the_study_is_the_backward_pass_of_each_network():
    inputs, targets = dp.study_data(8, 10, 3)
    for scheme in dp.SCHEMES:
        weights = dp.study_weights(12, 8, scheme, 3)
        for activation in dp.ACTIVATIONS:
            with np.errstate(over="ignore", under="ignore", invalid="ignore"):
                together = dp.all_depths(weights, activation, inputs, targets)
            for depth in (1, 5, 12):
                one = dp.layer_gradients(weights[:depth + 1], activation, inputs, targets)
                assert np.allclose(together[depth - 1, :, :depth + 1], one, rtol=1e-12, atol=0)
                assert np.all(np.isnan(together[depth - 1, :, depth + 1:]))
            net = dp.study_network(5, 8, scheme, activation, samples=10, seeds=3, which=1)
            W = dp.study_weights(5, 8, scheme, 3)
            assert np.allclose(dp.layer_gradients(W, activation, inputs, targets)[1], dp.gradient_sizes(net),
                               rtol=1e-12, atol=0)


def test_the_study_shows_what_the_chapter_says():
    r = dp.study(max_depth=30, width=16, samples=32, seeds=6)
    first = {k: v[-1][0] for k, v in r.items()}
    last = {k: v[-1][-1] for k, v in r.items()}
    for scheme in dp.SCHEMES:                                   # sigmoid vanishes under every scheme
        assert first[("sigmoid", scheme)] < 1e-6 * last[("sigmoid", scheme)]
    assert first[("relu", "naive")] > 1e20 and first[("relu", "xavier")] < 1e-4      # explode, vanish
    assert 0.1 < first[("relu", "he")] < 10 and 0.05 < first[("tanh", "xavier")] < 1  # level
    assert first[("tanh", "naive")] > 1e3 * last[("tanh", "naive")]                  # tanh naive explodes


def test_schemes():
    assert dp.scheme_std("naive", 16, 16) == 1.0
    assert dp.scheme_std("xavier", 16, 16) == pytest.approx(0.25)
    assert dp.scheme_std("he", 16, 16) == pytest.approx(np.sqrt(2) / 4)
    with pytest.raises(bp.SpecError, match="unknown initialisation"):
        dp.scheme_std("zeros", 1, 1)


def test_a_sigmoid_slope_is_at_most_a_quarter_and_the_chain_multiplies_them():
    import sympy as sp
    assert dp.sigmoid_slope_bound() == (0, sp.Rational(1, 4), sp.Rational(-1, 8))
    rows = dp.chain_factors(dp.chain_network(depth=10))
    for r in rows[1:]:
        assert r["ratio"] == pytest.approx(r["w_above"] * r["slope"], rel=1e-14)
        assert r["slope"] <= 0.25
    product = np.prod([r["ratio"] for r in rows[1:]])
    assert rows[-1]["delta"] / rows[0]["delta"] == pytest.approx(product, rel=1e-13)
    assert rows[-1]["delta"] / rows[0]["delta"] < 0.25 ** 9


def test_two_hidden_layers_three_ways_and_their_paths():
    net = dp.two_hidden_network()
    assert [p.name for p in net.parameters()] == ["w1", "w2", "w3", "w4", "b1", "w5", "w6", "w7", "w8", "b2",
                                                  "w9", "w10", "w11", "w12", "b3"]
    assert bp.value(net, "out:h2_1") == bp.value(bp.preset("2-2-2"), "out:o1")     # the document's output layer
    g = net.gradient()
    assert bp.max_abs_diff(bp.derive(net).chain_gradient(net), g) < 1e-15
    assert bp.max_abs_diff(bp.finite_difference(net), g) < 1e-9
    for neuron, count in (("h1_1", 4), ("h1_2", 4), ("h2_2", 2)):
        paths = dp.paths_to_error(net, neuron)
        assert len(paths) == count
        assert sum(p["product"] for p in paths) == pytest.approx(bp.value(net, f"dE/dout:{neuron}"), rel=1e-14)


def test_paths_add_up_on_a_wider_network():
    rng = np.random.default_rng(5)
    layers = [2, 3, 2, 3]
    net = bp.Network(layers=layers, activations=["tanh", "sigmoid", "linear"],
                     weights=[rng.uniform(-1, 1, (layers[k + 1], layers[k])) for k in range(3)],
                     biases=[0.1, None, [0.2, -0.1, 0.3]], inputs=[0.4, -0.7], targets=[0.1, 0.5, -0.2])
    paths = dp.paths_to_error(net, "h1_2")
    assert len(paths) == 2 * 3
    assert sum(p["product"] for p in paths) == pytest.approx(bp.value(net, "dE/dout:h1_2"), rel=1e-13)


def test_equal_starts_stay_equal_and_zero_weights_leave_the_first_layer_still():
    zero, g = dp.zero_start(bp.preset("2-2-2"))
    assert all(zero[n] == 0.0 for n in ("w1", "w5", "w8"))
    assert g["w1"] == g["w2"] == g["w3"] == g["w4"] == 0.0
    assert g["w5"] == g["w6"] != 0.0 and g["w7"] == g["w8"]
    run = dp.symmetry_run(dp.symmetry_state("equal", steps=50))
    assert set(run["gaps"]) == {0.0}


def test_playground_settings_are_checked_in_one_line():
    for bad, match in [(dict(depth=0), "depth"), (dict(depth=11), "depth"), (dict(activation="softmax"), "activation"),
                       (dict(scale=0), "scale"), (dict(seed=-1), "seed")]:
        with pytest.raises(bp.SpecError, match=match):
            dp.depth_state(**{**dict(depth=3, activation="tanh", scale=1.0, seed=0), **bad})
    for bad, match in [(dict(start="zero"), "start"), (dict(steps=5001), "steps"), (dict(w1=float("nan")), "w1")]:
        with pytest.raises(bp.SpecError, match=match):
            dp.symmetry_state(**bad)
    with pytest.raises(bp.SpecError):
        DepthPlayground(depth=20)
    with pytest.raises(bp.SpecError):
        SymmetryPlayground(start="sideways")


def test_playground_widgets_give_the_librarys_numbers():
    d = DepthPlayground(depth=4, activation="relu", scale=1.4, seed=2)
    assert d.result() == dp.depth_playground(dp.depth_state(4, "relu", 1.4, 2))
    spec = dp.depth_spec(d.state())
    assert len(spec["weights"]) == 5 and spec["activations"] == ["relu"] * 4 + ["linear"]
    assert np.std(np.ravel(spec["weights"])) == pytest.approx(1.4 / np.sqrt(dp.PLAYGROUND_WIDTH), rel=0.15)
    deeper = dp.depth_spec(dp.depth_state(6, "relu", 1.4, 2))
    assert deeper["weights"][:5] == spec["weights"] and deeper["inputs"] == spec["inputs"]
    s = SymmetryPlayground(start="random", seed=3, steps=20)
    run = s.result()
    assert s.base == bp.to_spec(bp.preset("2-2-2")) and len(run["gaps"]) == 21 and run["gaps"][0] > 0

"""The output-layers chapter's library: softmax with cross-entropy, binary cross-entropy,
the likelihoods, the saturated start and targets that do not sum to 1."""
import math

import numpy as np
import pytest

import backprop_lib as bp
from backprop_lib import output_layers as ol


def test_softmax_network_is_the_first_documents_with_a_softmax_output():
    net, first = ol.softmax_network(), bp.preset("2-2-2")
    assert net.flat().tolist() == first.flat().tolist() and net.targets.tolist() == [[0.01, 0.99]]
    trace = net.forward()
    assert np.array_equal(trace.net[2], first.forward().net[2])          # the same net inputs
    out = trace.outputs[0]
    assert abs(out.sum() - 1.0) < 1e-15
    assert out[0] == pytest.approx(0.470281212, abs=5e-10)             # the chapter's nine decimals
    delta = net.backward().delta[2][0]
    assert np.max(np.abs(delta - (out - net.targets[0]))) < 1e-15       # δ_o = out − t
    assert abs(bp.value(net, "dE/db2")) < 1e-15                        # a shared bias changes no softmax output
    assert bp.value(net, "dE/dw5") == pytest.approx(delta[0] * trace.out[1][0, 0], abs=1e-17)


@pytest.mark.parametrize("n", [2, 3])
def test_sympy_derives_out_minus_t(n):
    d = ol.softmax_cross_entropy(n)
    assert d["general_gap"] == [0] * n and d["sum_one_gap"] == [0] * n
    assert set(d["factor_gaps"]) == {0}
    t, o = d["t"], d["out"]
    assert d["chained"][0] == sum(o[0] * tk for tk in t) - t[0]


def test_sigmoid_losses_and_likelihoods():
    s = ol.sigmoid_losses()
    assert s["bce_gap"] == 0 and s["sse_gap"] == 0 and s["sigma_slope_gap"] == 0
    assert s["bce_delta_out"] == s["out"] - s["t"]
    assert (s["sse_delta_out"] - (s["out"] - s["t"]) * s["out"] * (1 - s["out"])).expand() == 0
    lk = ol.likelihoods()
    assert lk["gaussian_gap"] == 0 and lk["bernoulli_gap"] == 0 and lk["categorical_gap"] == 0


def test_binary_cross_entropy_training_follows_its_gradient():
    """train_bce's δ = out − t is the derivative of its loss (a finite difference says so), and
    the squared-error neuron is trained by the library (its loss history is Network.train's)."""
    w, b, x, t, rate = -6.0, 0.0, 1.0, 0.99, 0.5
    outs, losses = ol.train_bce(w, b, x, t, rate, 3)
    h = 1e-6
    loss = lambda w_: ol.bce_loss(1 / (1 + math.exp(-(w_ * x + b))), t)
    numeric = (loss(w + h) - loss(w - h)) / (2 * h)
    assert numeric == pytest.approx((outs[0] - t) * x, rel=1e-7)
    assert losses[0] == pytest.approx(loss(w), rel=1e-15)
    w1 = w - rate * (outs[0] - t) * x
    assert outs[1] == pytest.approx(1 / (1 + math.exp(-(w1 * x + b - rate * (outs[0] - t)))), rel=1e-15)
    sse_out, sse_loss = ol.train_sse(w, b, x, t, rate, 40)
    history, _ = ol.neuron(w, b, x, t, rate).train(40)
    assert np.max(np.abs(np.array(history) - sse_loss)) < 1e-15


def test_cross_entropy_escapes_a_saturated_start_and_squared_error_crawls():
    r = ol.saturated_start(steps=600)
    assert r["out0"] < 0.01 and r["slope0"] < 0.01
    assert r["delta_bce0"] / r["delta_sse0"] > 100
    bce_at, sse_at = ol.first_step_to_reach(r["bce_out"], 0.9), ol.first_step_to_reach(r["sse_out"], 0.9)
    assert bce_at is not None and sse_at is not None and sse_at > 10 * bce_at
    assert ol.first_step_to_reach([0.1, 0.2], 0.9) is None


def test_targets_zero_and_one_drive_the_net_inputs_past_ln_99():
    race = ol.targets_race(steps=20000, every=5000)
    soft, hard = race[(0.01, 0.99)]["net"], race[(0.0, 1.0)]["net"]
    assert soft[-1] < ol.logit(0.99) < hard[-1]
    assert all(a < b for a, b in zip(hard, hard[1:]))                  # still growing
    assert ol.logit(0.99) == pytest.approx(math.log(99), rel=1e-15)


def test_targets_that_do_not_sum_to_one():
    u = ol.unnormalised(ol.softmax_network(), [0.99, 0.99])
    assert u["sum_t"] == pytest.approx(1.98)
    assert np.max(np.abs(u["delta"] - u["general"])) < 1e-15
    assert np.max(np.abs(u["numeric"] - u["delta"])) < 1e-8
    assert np.min(np.abs(u["shortcut"] - u["delta"])) > 0.4               # the shortcut is wrong here
    assert u["best_out"].tolist() == [0.5, 0.5]

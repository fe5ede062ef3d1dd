"""Three ways to one answer on random conv networks: backpropagation, sympy, finite differences.

One or two conv layers (1–2 channels and filters, kernels 1–3, strides 1–2), max-pools where
they fit, one or two dense layers, every activation (softmax last), bias kind and loss, 1–3
samples.  Random inputs and weights keep away from ties in a pooling window and from ReLU's
kink (where the derivative does not exist); ``near_ties`` checks it and the draw is skipped
otherwise.
"""
import numpy as np
from hypothesis import assume, given, settings

import backprop_lib as bp
from backprop_lib import conv, conv_symbolic

from conv_strategies import conv_networks


def close(a, b, rtol, atol):
    a, b = np.asarray(a), np.asarray(b)
    return bool(np.all(np.abs(a - b) <= atol + rtol * np.abs(b))), float(np.max(np.abs(a - b), initial=0.0))


@settings(max_examples=15)
@given(conv_networks(max_side=5))
def test_backprop_sympy_chain_and_finite_differences_agree(net):
    assume(not conv.near_ties(net, margin=1e-4))
    backprop = net.gradient()
    d = conv_symbolic.derive(net)
    ok, gap = close(d.chain_gradient(net), backprop, rtol=1e-10, atol=1e-12)
    assert ok, f"sympy (chain) differs from backpropagation by {gap}"
    loss = net.forward().loss
    assert abs(d.chain_loss(net) - loss) <= 1e-12 * max(1.0, abs(loss))
    ok, gap = close(bp.finite_difference(net), backprop, rtol=1e-5, atol=1e-7)
    assert ok, f"finite differences differ from backpropagation by {gap}"


@settings(max_examples=8)
@given(conv_networks(tiny=True))
def test_sympy_whole_expression_derivative_agrees(net):
    """sympy differentiates the whole E, for networks small enough for that to be quick."""
    assume(not conv.near_ties(net, margin=1e-4))
    d = conv_symbolic.derive(net)
    ok, gap = close(d.whole_gradient(net), net.gradient(), rtol=1e-10, atol=1e-12)
    assert ok, f"sympy (whole) differs from backpropagation by {gap}"
    assert abs(d.whole_loss(net) - net.forward().loss) <= 1e-12 * max(1.0, abs(net.forward().loss))


@settings(max_examples=40)
@given(conv_networks())
def test_one_small_step_lowers_the_loss(net):
    assume(not conv.near_ties(net, margin=1e-2))
    g = net.gradient()
    mask = np.array([net.trainable(p) for p in net.parameters()], dtype=float)
    assume(np.linalg.norm(g * mask) > 1e-6)
    tiny = net.replace(learning_rate=1e-4 / max(1.0, np.linalg.norm(g * mask)), mode="batch")
    assert tiny.step().forward().loss < net.forward().loss


def test_sympy_writes_the_kernel_gradient_as_its_sum_of_products():
    net = conv.example()
    d = conv_symbolic.derive(net)
    expr, deltas = d.sum_of_products("k11")
    assert len(expr.args) == 16 and len(deltas) == 16
    delta = net.backward().delta[1][0, 0].ravel()
    point = {s: v for s, v in zip(deltas, delta)}
    point.update({sym: float(x) for sym, x in zip(d.inputs, net.inputs.ravel())})
    assert abs(float(expr.xreplace(point)) - net.named_gradient()["k11"]) < 1e-17
    # each term is δ_rc times the pixel under k11 (row r, column c)
    assert str(expr.coeff(deltas[6])) == "i23"

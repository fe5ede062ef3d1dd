"""Three ways to one answer, on random networks: backpropagation, sympy, finite differences.

Networks of depth 1–4 with layers of 1–5 neurons, every activation (softmax last), every bias
kind, 1–4 samples, both losses and both modes (the mode changes training, not the gradient,
which the training test covers); and deep (6–30 layers) and wide (6–10 neurons) ones for the
chain of sympy's local derivatives that the command line's check uses.
"""
import numpy as np
from hypothesis import assume, given, settings

import backprop_lib as bp
from backprop_lib import checking

from strategies import away_from_kinks, deep_or_wide_networks, networks


def close(a, b, rtol, atol):
    a, b = np.asarray(a), np.asarray(b)
    return np.all(np.abs(a - b) <= atol + rtol * np.abs(b)), float(np.max(np.abs(a - b), initial=0.0))


@settings(max_examples=80)
@given(networks())
def test_backprop_sympy_chain_and_finite_differences_agree(net):
    assume(away_from_kinks(net))
    backprop = net.gradient()
    d = bp.derive(net)
    sympy_chain = d.chain_gradient(net)
    ok, gap = close(sympy_chain, backprop, rtol=1e-10, atol=1e-12)
    assert ok, f"sympy (chain) differs from backpropagation by {gap}"
    assert d.chain_loss(net) == np.float64(net.forward().loss) or \
        abs(d.chain_loss(net) - net.forward().loss) <= 1e-12 * max(1.0, abs(net.forward().loss))
    numeric = bp.finite_difference(net)
    ok, gap = close(numeric, backprop, rtol=1e-5, atol=1e-7)
    assert ok, f"finite differences differ from backpropagation by {gap}"


@settings(max_examples=25)
@given(networks(max_depth=4, max_size=3, max_samples=2))
def test_sympy_whole_expression_derivative_agrees(net):
    """sympy differentiates the whole E (every path written out), for networks small enough
    for that to take well under a second."""
    paths = int(np.prod(net.layers[1:-1])) * net.layers[-1]
    assume(paths <= 8 and len(net.parameters()) <= 30)
    assume(away_from_kinks(net))
    d = bp.derive(net)
    ok, gap = close(d.whole_gradient(net), net.gradient(), rtol=1e-10, atol=1e-12)
    assert ok, f"sympy (whole) differs from backpropagation by {gap}"
    assert abs(d.whole_loss(net) - net.forward().loss) <= 1e-12 * max(1.0, abs(net.forward().loss))


@settings(max_examples=60)
@given(networks())
def test_one_training_step_lowers_a_small_enough_step(net):
    """Gradient descent: a step small enough along −∇E lowers E (unless the gradient is ~0)."""
    assume(away_from_kinks(net, margin=1e-2))
    g = net.gradient()
    mask = np.array([net.trainable(p) for p in net.parameters()], dtype=float)
    assume(np.linalg.norm(g * mask) > 1e-6)
    tiny = net.replace(learning_rate=1e-4 / max(1.0, np.linalg.norm(g * mask)), mode="batch")
    assert tiny.step().forward().loss < net.forward().loss


def test_quantities_add_up_as_the_chain_rule_says():
    net = bp.preset("2-2-2")
    total = bp.value(net, "dE/dout:h1")
    assert total == bp.value(net, "dE:o1/dout:h1") + bp.value(net, "dE:o2/dout:h1")
    assert bp.value(net, "dE:o1/dout:h1") == bp.value(net, "dE:o1/dnet:o1") * net["w5"]
    product = bp.value(net, "dE/dout:o1") * bp.value(net, "dout/dnet:o1") * bp.value(net, "dnet:o1/dw5")
    assert abs(product - bp.value(net, "dE/dw5")) < 1e-17
    assert bp.value(net, "dnet:o1/dout:h2") == net["w6"]
    assert bp.value(net, "dnet:o1/dw7") == 0.0 and bp.value(net, "dnet:o1/db2") == 1.0


@settings(max_examples=16)
@given(deep_or_wide_networks())
def test_deep_and_wide_networks_agree_three_ways(net):
    """Depth 6–30 and width 6–10: sympy's chain of local derivatives (the method the command
    line's check uses beyond the smallest networks), backpropagation and finite differences."""
    assume(away_from_kinks(net))
    backprop = net.gradient()
    scale = max(1.0, float(np.max(np.abs(backprop))))
    ok, gap = close(bp.derive(net).chain_gradient(net), backprop, rtol=1e-9, atol=1e-12 * scale)
    assert ok, f"sympy (chain) differs from backpropagation by {gap} ({net.layers}, {net.activations})"
    ok, gap = close(bp.finite_difference(net), backprop, rtol=1e-5, atol=1e-7 * scale)
    assert ok, f"finite differences differ from backpropagation by {gap} ({net.layers}, {net.activations})"
    assert checking.method(net) == "chain"

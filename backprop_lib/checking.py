"""Which sympy method checks a network, and whether a check is feasible at all.

``explain SPEC --check`` compares backpropagation with sympy's derivative and with finite
differences.  sympy has two ways (:mod:`backprop_lib.symbolic`):

* **whole**: E written out as one expression and differentiated.  The expression copies
  each layer's outputs into every neuron of the layer above, so it grows with the number
  of paths through the network, and its derivatives with the depth as well (a tanh chain of
  width 1 and depth 40 takes some 11 s; at depth 60 sympy's recursion overflows);
* **chain**: sympy's derivatives of each layer's local formulas, multiplied layer by layer;
  its work grows with the layers' sizes, not with the paths, and layers of one shape share
  one derivation, so depth costs almost nothing.

:func:`method` picks *whole* only for networks so small that it is as quick as the chain
(the documents' networks), and *chain* for everything else.  :func:`refuse_if_too_big`
stops, with one line, a check that would take far longer than a reader waits; nothing here
imports sympy, so the refusal is immediate.
"""
from __future__ import annotations

from .network import SpecError

WHOLE_MAX_DEPTH = 3          # deeper: always the chain
WHOLE_MAX_WORK = 2000        # written-out size of E × number of parameters
CHAIN_MAX_TERMS = 2000       # local derivatives sympy writes, per distinct layer shape, summed
NUDGE_MAX_WORK = 100_000     # finite differences: 2 × parameters × layers forward evaluations


def written_size(net):
    """About how many symbols E has when written out as one expression: each neuron's net
    input holds a copy of every output below it (one per path), so the size multiplies
    with the widths."""
    size = 1
    for k in range(net.depth):
        size = net.layers[k] * (size + 2) + 2
    return net.layers[-1] * (size + 3)


def method(net):
    """``"whole"`` for a network whose whole-expression derivative stays small, else ``"chain"``."""
    small = net.depth <= WHOLE_MAX_DEPTH and written_size(net) * len(net.parameters()) <= WHOLE_MAX_WORK
    return "whole" if small else "chain"


def chain_terms(net):
    """The local derivatives the chain writes and compiles: per distinct layer shape, each
    row's ∂net/∂(its inputs, weights and bias), and ∂out/∂net (a matrix); and ∂E/∂out."""
    shapes = {(net.layers[k], net.layers[k + 1], net.activations[k]) for k in range(net.depth)}
    return sum(n_out * (2 * n_in + 1) + n_out * n_out for n_in, n_out, _ in shapes) + net.layers[-1]


def refuse_if_too_big(net):
    """Raise :class:`SpecError` (one line) if the check would take far too long."""
    terms = chain_terms(net)
    if terms > CHAIN_MAX_TERMS:
        raise SpecError(f"--check: layers of up to {max(net.layers)} neurons need {terms:,} local derivatives "
                        f"from sympy; the check writes at most {CHAIN_MAX_TERMS:,} (narrower layers, or leave "
                        "out --check)")
    nudges = 2 * len(net.parameters()) * net.depth
    if nudges > NUDGE_MAX_WORK:
        raise SpecError(f"--check: {len(net.parameters()):,} parameters in {net.depth} layers need {nudges:,} "
                        f"layer evaluations for the finite differences; the check does at most "
                        f"{NUDGE_MAX_WORK:,} (a smaller network, or leave out --check)")

"""Named quantities of a network, as the documents write them.

A key names one number; the documents' published values are stored under such keys
(``presets/*.json``) and compared with what :func:`value` computes.

=====================  ================================================  =================
key                    meaning                                           document's
=====================  ================================================  =================
``net:h1``             net input of neuron h1                            net_h1
``out:o1``             output of neuron o1                               out_o1
``E``                  the loss (mean over samples)                      E_total
``E:o1``               output o1's error term                            E_o1
``dE/dout:o1``         ∂E/∂out of a neuron                               ∂E_total/∂out_o1
``dout/dnet:o1``       ∂out/∂net of a neuron (element-wise activations)  ∂out_o1/∂net_o1
``dE/dnet:o1``         the node delta δ = ∂E/∂net                        ∂E_total/∂net_o1
``dE:o1/dnet:o1``      the same, for output o1's error term alone        ∂E_o1/∂net_o1
``dE:o2/dout:h1``      ∂E_o2/∂out_h1: output o2's error through h1       ∂E_o2/∂out_h1
``dnet:o1/dw5``        ∂net/∂parameter (an input, 1 or 0)                ∂net_o1/∂w5
``dnet:o1/dout:h1``    ∂net/∂out of a neuron below (a weight)            ∂net_o1/∂out_h1
``dE/dw5``             the gradient                                      ∂E_total/∂w5
``w5+``                a parameter after one training step               w5⁺
``d2E/dw5/dw6``        a second derivative, an entry of the Hessian      ∂²E_total/∂w5∂w6
``lambda_max``         the Hessian's largest eigenvalue (trainable       λ_max
                       parameters)
``eta_max``            2/λ_max, the learning-rate limit it sets          2/λ_max
=====================  ================================================  =================

Per-neuron keys are for the first sample; add ``[s]`` for sample s (from 0), e.g.
``out:o1[1]``.  Add ``@N`` to any key to evaluate it after N training steps, e.g.
``E@10000`` or ``out:o1@10000``.
"""
from __future__ import annotations

import re

import numpy as np

from .activations import ACTIVATIONS
from .network import SpecError

_KEY = re.compile(r"^(?P<body>[^@\[]+)(\[(?P<sample>\d+)\])?(@(?P<steps>\d+))?$")


def value(net, key, _trained=None):
    """The number ``key`` names, for network ``net``."""
    m = _KEY.match(key)
    if not m:
        raise SpecError(f"{key}: not a quantity key")
    body, s = m["body"], int(m["sample"] or 0)
    if m["steps"] is not None:
        steps = int(m["steps"])
        _trained = _trained if _trained is not None else {}
        if steps not in _trained:
            _trained[steps] = net.train(steps)[1]
        return value(_trained[steps], body + (f"[{s}]" if m["sample"] else ""))
    if body.endswith("+"):
        return net.step()[body[:-1]]

    if body.startswith("d2E/") or body in ("lambda_max", "eta_max"):   # second order
        from .hessian import quantity
        return quantity(net, body)
    trace = net.forward()
    if body == "E":
        return trace.loss
    kind, _, rest = body.partition(":")
    if kind in ("net", "out"):
        l, j = net.neuron(rest)
        if kind == "net" and l == 0:
            raise SpecError(f"{key}: inputs have no net input")
        return float((trace.out if kind == "out" else trace.net)[l][s, j])
    if kind == "E":
        l, j = net.neuron(rest)
        return float(np.mean(trace.terms[:, j]))
    if body.startswith("d"):
        return _derivative(net, trace, body, s, key)
    raise SpecError(f"{key}: not a quantity key")


def _derivative(net, trace, body, s, key):
    num, _, den = body[1:].partition("/d")
    if num == "E" and ":" not in den:                          # dE/dw5: the gradient
        return net.named_gradient(trace)[den]
    if num.startswith("E"):                                     # dE/dout:h1, dE:o2/dnet:h1
        only = None
        if ":" in num:
            _, j = net.neuron(num.split(":", 1)[1])
            only = j
        grads = net.backward(trace, only_output=only)
        what, _, neuron = den.partition(":")
        l, j = net.neuron(neuron)
        table = {"out": grads.dE_dout, "net": grads.delta}[what]
        return float(table[l][s, j])
    if num.startswith("out:") and den.startswith("net:"):       # dout/dnet:o1
        l, j = net.neuron(den[4:] if den[4:] else num[4:])
        act = ACTIVATIONS[net.activations[l - 1]]
        if not act.elementwise:
            raise SpecError(f"{key}: softmax has a matrix of ∂out/∂net, not one number")
        return float(act.derivative(trace.net[l][s, j], trace.out[l][s, j]))
    if num == "out" and den.startswith("net:"):
        return _derivative(net, trace, f"dout:{den[4:]}/dnet:{den[4:]}", s, key)
    if num.startswith("net:"):                                   # dnet:o1/dw5, dnet:o1/dout:h1
        l, j = net.neuron(num[4:])
        if den.startswith("out:"):
            lo, i = net.neuron(den[4:])
            return float(net.weights[l - 1][j, i]) if lo == l - 1 else 0.0
        p = net.param(den)
        if p.layer != l:
            return 0.0
        if p.kind == "weights":
            return float(trace.out[l - 1][s, p.location[3]]) if p.location[2] == j else 0.0
        return 1.0 if len(p.location) == 2 or p.location[2] == j else 0.0
    raise SpecError(f"{key}: not a quantity key")


def table(net, keys):
    """``{key: value}`` for several keys, training each step count once."""
    trained = {}
    return {k: value(net, k, trained) for k in keys}


def decimals_of(quote):
    """How many decimals a quoted number has: ``"0.0020"`` → 4."""
    return len(quote.split(".", 1)[1]) if "." in quote else 0


def agrees(computed, quote):
    """Whether ``computed`` rounds to the quoted number (within half a unit of its last place)."""
    return abs(computed - float(quote)) <= 0.5 * 10.0 ** -decimals_of(quote) * (1 + 1e-9)

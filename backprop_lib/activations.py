"""Activation functions: out = f(net), each with its own local derivative.

Like an operation in micrograd's ``engine.py``, each activation carries the three things
backpropagation needs from it, and nothing else:

* ``forward(net)``: the neuron outputs, for a whole layer at once (rows are samples);
* ``backward(net, out, dE_dout)``: turns ∂E/∂out into ∂E/∂net (the node delta δ);
* ``derivative(net, out)``: ∂out/∂net for one neuron, for element-wise activations.

The derivative is written in the form the documents use (sigmoid: ``out·(1 − out)``, not
``net·(1 − net)``); :mod:`backprop_lib.symbolic` checks each one against sympy's own.
"""
from __future__ import annotations

import numpy as np


class Activation:
    """An element-wise activation: ``forward`` and its local derivative ``derivative``."""

    elementwise = True

    def __init__(self, name, forward, derivative, formula, derivative_formula):
        self.name = name
        self.forward = forward
        self.derivative = derivative
        self.formula = formula                        # out as text, with {net}
        self.derivative_formula = derivative_formula  # ∂out/∂net as text, with {net}/{out}

    def backward(self, net, out, dE_dout):
        """Chain rule through the activation: ∂E/∂net = ∂E/∂out · ∂out/∂net."""
        return dE_dout * self.derivative(net, out)

    def __repr__(self):
        return f"<activation {self.name}>"


def _sigmoid(net):
    with np.errstate(over="ignore"):
        return 1.0 / (1.0 + np.exp(-net))


SIGMOID = Activation(
    "sigmoid", _sigmoid, lambda net, out: out * (1.0 - out),
    "1/(1 + e^(-{net}))", "{out}·(1 − {out})")
TANH = Activation(
    "tanh", np.tanh, lambda net, out: 1.0 - out * out,
    "tanh({net})", "1 − {out}²")
RELU = Activation(
    "relu", lambda net: np.where(net > 0.0, net, 0.0),
    lambda net, out: np.where(net > 0.0, 1.0, 0.0),
    "max(0, {net})", "(1 if {net} > 0 else 0)")
LINEAR = Activation(
    "linear", lambda net: np.array(net, dtype=float), lambda net, out: np.ones_like(out),
    "{net}", "1")


class Softmax:
    """Softmax over a layer: out_j = e^net_j / Σ_k e^net_k (allowed on the last layer only).

    It is not element-wise: every output depends on every net input, so ∂out_k/∂net_j is a
    matrix, out_k·([k = j] − out_j), and the chain rule sums over k:
    ∂E/∂net_j = Σ_k ∂E/∂out_k · out_k·([k = j] − out_j) = out_j·(∂E/∂out_j − Σ_k ∂E/∂out_k·out_k).
    """

    name = "softmax"
    elementwise = False
    formula = "e^{net} / Σ_k e^net_k"
    derivative_formula = "{out}·([k = j] − out_j)"

    @staticmethod
    def forward(net):
        shifted = np.exp(net - np.max(net, axis=-1, keepdims=True))
        return shifted / np.sum(shifted, axis=-1, keepdims=True)

    @staticmethod
    def backward(net, out, dE_dout):
        return out * (dE_dout - np.sum(dE_dout * out, axis=-1, keepdims=True))

    @staticmethod
    def jacobian(out):
        """∂out_k/∂net_j for one sample, as a matrix [k][j]."""
        return np.diag(out) - np.outer(out, out)

    def __repr__(self):
        return "<activation softmax>"


SOFTMAX = Softmax()

ACTIVATIONS = {a.name: a for a in (SIGMOID, TANH, RELU, LINEAR, SOFTMAX)}

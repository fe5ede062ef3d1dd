"""The symbolic side of conv networks: sympy writes E and differentiates it.

As for dense networks (:mod:`backprop_lib.symbolic`), two ways, both sympy's calculus and
neither using :mod:`backprop_lib.conv`'s backward pass:

* **Chain**: each layer's local formulas in its own symbols, their Jacobians derived by
  sympy (∂net/∂out below, ∂net/∂parameter, ∂out/∂net, and ∂max/∂window: sympy
  differentiates its ``Max`` into ``Heaviside`` steps that pick the window's largest entry),
  lambdified, and multiplied layer by layer.  This is what ``explain --check`` uses.
* **Whole**: one sample's E as a single expression of the parameters, the pixels and the
  targets (a conv output is its sum of products, ReLU a ``Piecewise``, a pooled value
  :class:`WindowMax` of its window); ``sympy.diff`` for every parameter; lambdified once.
  sympy's own ``Max`` makes this derivative slow (each step re-compares the other entries),
  so the whole expression uses :class:`WindowMax`, whose one declared derivative is the
  local rule "1 for the window's maximum, 0 for the others"; every other step is sympy's.
  Its expressions grow fast: it is for the smallest networks (the property tests).

At a tie in a pooling window sympy's ``Heaviside(0)`` is ½, not a choice: the derivative does
not exist there, and the comparisons are made away from ties.
"""
from __future__ import annotations

import numpy as np
import sympy as sp

from .symbolic import activation_expr, loss_expr


def _heaviside(x, h0=0.5):
    return 1.0 if x > 0 else (0.0 if x < 0 else h0)


class WindowMax(sp.Function):
    """The largest entry of a pooling window, left unevaluated; its derivative with respect
    to entry i is :class:`WindowPick` (1 if entry i is the window's maximum, else 0)."""

    @classmethod
    def eval(cls, *args):
        return None

    def fdiff(self, argindex=1):
        return WindowPick(sp.Integer(argindex - 1), *self.args)


class WindowPick(sp.Function):
    """1 if entry ``i`` (the first argument) is the first maximum of the others, else 0."""

    @classmethod
    def eval(cls, *args):
        return None

    def fdiff(self, argindex=1):
        return sp.Integer(0)


class Relu(sp.Function):
    """ReLU left unevaluated in the whole expression; its derivative is the step.  (As a
    ``Piecewise``, a ReLU of a sum of ReLUs sends sympy's condition handling into endless
    recursion, even on a 3×3 input.)"""

    @classmethod
    def eval(cls, x):
        return None

    def fdiff(self, argindex=1):
        return sp.Heaviside(self.args[0])


def _pick(i, *window):
    return 1.0 if window.index(max(window)) == i else 0.0


MODULES = [{"Heaviside": _heaviside, "Max": max, "WindowMax": lambda *w: max(w), "WindowPick": _pick,
            "Relu": lambda x: x if x > 0 else 0.0}, "math"]


def _shape_key(net):
    biases = tuple(None if b is None else ("shared" if isinstance(b, float) else "each") for b in net.biases)
    return (net.input_shape, tuple(net.layers), biases, net.loss, tuple(p.name for p in net.parameters()))


class ConvDerivation:
    """Everything sympy derives for one conv network's shape (see :func:`derive`)."""

    def __init__(self, net):
        self.net_shape = net
        self.layers = list(net.layers)
        self.loss = net.loss
        self.param_names = [p.name for p in net.parameters()]
        self.params = [sp.Symbol(n, real=True) for n in self.param_names]
        self.symbol = dict(zip(self.param_names, self.params))
        self.location = {p.name: p.location for p in net.parameters()}
        names = net.neuron_names
        self.neuron_names = names
        self.inputs = [sp.Symbol(n, real=True) for n in names[0]]
        self.targets = [sp.Symbol(f"target_{n}", real=True) for n in names[-1]]
        # one symbol per net input and output of every layer (a max-pool has outputs only)
        self.net_sym = [None] + [None if layer.type == "maxpool" else [sp.Symbol(f"net_{n}", real=True) for n in row]
                                 for layer, row in zip(self.layers, names[1:])]
        self.out_sym = [self.inputs] + [[sp.Symbol(f"out_{n}", real=True) for n in row] for row in names[1:]]
        by_loc = {p.location: self.symbol[p.name] for p in net.parameters()}
        self.W, self.b = [], []
        for l, layer in enumerate(self.layers):
            shape = layer.weight_shape
            self.W.append(None if shape is None else np.array(
                [by_loc[("weights", l) + idx] for idx in np.ndindex(*shape)], dtype=object).reshape(shape))
            bias = net.biases[l]
            count = 0 if layer.type == "maxpool" else layer.bias_count
            if bias is None:
                self.b.append([sp.Integer(0)] * count)
            elif isinstance(bias, float):
                self.b.append([by_loc[("biases", l)]] * count)
            else:
                self.b.append([by_loc[("biases", l, j)] for j in range(count)])
        self._whole = None
        self._chain = None

    # ------------------------------------------------------------------ one layer's formulas
    def layer_nets(self, l, prev, pool=sp.Max):
        """Layer l's (0-based) net inputs as expressions of ``prev`` (its input, flattened in
        channel, row, column order), or, for a max-pool, its outputs (``pool`` of each window)."""
        layer = self.layers[l]
        if layer.type == "dense":
            W = self.W[l]
            return [sp.Add(*[W[j, i] * prev[i] for i in range(len(prev))]) + self.b[l][j] for j in range(layer.units)]
        C, H, Wd = layer.in_shape
        x = np.array(prev, dtype=object).reshape(C, H, Wd)
        F, Ho, Wo = layer.out_shape
        if layer.type == "maxpool":
            p = layer.size
            return [pool(*[x[c, r * p + u, q * p + v] for u in range(p) for v in range(p)])
                    for c in range(F) for r in range(Ho) for q in range(Wo)]
        K, s, k = self.W[l], layer.stride, layer.kernel
        return [sp.Add(*[K[f, c, u, v] * x[c, s * r + u, s * q + v]
                         for c in range(C) for u in range(k) for v in range(k)]) + self.b[l][f]
                for f in range(F) for r in range(Ho) for q in range(Wo)]

    def layer_outs(self, l, nets, relu=None):
        """Layer l's outputs; ``relu``, if given, stands for ReLU (the whole expression's :class:`Relu`)."""
        layer = self.layers[l]
        if layer.type == "maxpool":
            return list(nets)
        if relu is not None and layer.activation == "relu":
            return [relu(n) for n in nets]
        return activation_expr(layer.activation, list(nets))

    # ------------------------------------------------------------------ the whole E
    @property
    def E(self):
        """One sample's E as a single expression of the parameters, pixels and targets."""
        outs = list(self.inputs)
        for l in range(len(self.layers)):
            outs = self.layer_outs(l, self.layer_nets(l, outs, pool=WindowMax), relu=Relu)
        return loss_expr(self.loss, outs, self.targets)

    def whole(self, name):
        """∂E/∂p of one sample: ``sympy.diff`` of the whole expression."""
        return sp.diff(self.E, self.symbol[name])

    def _whole_function(self):
        if self._whole is None:
            E = self.E
            grads = [sp.diff(E, p) for p in self.params]
            args = self.params + self.inputs + self.targets
            self._whole = (sp.lambdify(args, E, modules=MODULES, cse=True),
                           sp.lambdify(args, grads, modules=MODULES, cse=True))
        return self._whole

    def _samples(self, net):
        X = net.inputs.reshape(net.samples, -1)
        return zip(X, net.targets)

    def whole_gradient(self, net):
        _, grad = self._whole_function()
        theta = [float(v) for v in net.flat()]
        total = np.zeros(len(theta))
        for x, t in self._samples(net):
            total += np.array(grad(*theta, *map(float, x), *map(float, t)), dtype=float)
        return total / net.samples

    def whole_loss(self, net):
        E, _ = self._whole_function()
        theta = [float(v) for v in net.flat()]
        return float(np.mean([E(*theta, *map(float, x), *map(float, t)) for x, t in self._samples(net)]))

    # ------------------------------------------------------------------ the chain of local Jacobians
    def _chain_functions(self):
        if self._chain is None:
            layers = []
            for l, layer in enumerate(self.layers):
                prev = self.out_sym[l]
                own = [self.symbol[n] for n in self.param_names if self.location[n][1] == l]
                args = self.params + prev
                nets = self.layer_nets(l, prev)
                if layer.type == "maxpool":
                    layers.append(("maxpool", sp.lambdify(args, nets, modules=MODULES),
                                   sp.lambdify(args, [[sp.diff(n, x) for x in prev] for n in nets], modules=MODULES),
                                   None, None, None, []))
                    continue
                net_syms, out_syms = self.net_sym[l + 1], self.out_sym[l + 1]
                outs = activation_expr(layer.activation, net_syms)
                layers.append((layer.type,
                               sp.lambdify(args, nets, modules=MODULES),
                               sp.lambdify(args, [[sp.diff(n, x) for x in prev] for n in nets], modules=MODULES),
                               sp.lambdify([net_syms], outs, modules=MODULES),
                               sp.lambdify([net_syms, out_syms], [[sp.diff(o, n) for n in net_syms] for o in outs],
                                           modules=MODULES),
                               sp.lambdify(args, [[sp.diff(n, p) for p in own] for n in nets], modules=MODULES),
                               [str(p) for p in own]))
            last = self.out_sym[-1]
            E = sp.lambdify([last, self.targets], loss_expr(self.loss, last, self.targets), modules=MODULES)
            dE = sp.lambdify([last, self.targets], [sp.diff(loss_expr(self.loss, last, self.targets), o)
                                                    for o in last], modules=MODULES)
            self._chain = (layers, E, dE)
        return self._chain

    def chain_gradient(self, net):
        """The gradient from sympy's local Jacobians, chained layer by layer:
        ∂E/∂net = (∂out/∂net)ᵀ·∂E/∂out, ∂E/∂p = Σ ∂E/∂net·∂net/∂p, ∂E/∂out below = (∂net/∂out)ᵀ·∂E/∂net
        (for a max-pool, ∂E/∂window = (∂max/∂window)ᵀ·∂E/∂out)."""
        layers, _, dE = self._chain_functions()
        theta = [float(v) for v in net.flat()]
        index = {n: i for i, n in enumerate(self.param_names)}
        total = np.zeros(len(theta))
        for x, t in self._samples(net):
            prevs, nets = [[float(v) for v in x]], []
            for kind, f_net, _, f_out, *_ in layers:
                n = f_net(*theta, *prevs[-1])
                nets.append(n)
                prevs.append(list(n) if kind == "maxpool" else f_out(n))
            g = np.array(dE(prevs[-1], [float(v) for v in t]), dtype=float)
            for l in range(len(layers) - 1, -1, -1):
                kind, _, d_net_d_prev, _, d_out_d_net, d_net_d_param, own = layers[l]
                if kind != "maxpool":
                    A = np.array(d_out_d_net(nets[l], prevs[l + 1]), dtype=float)
                    g = A.T @ g
                    P = np.array(d_net_d_param(*theta, *prevs[l]), dtype=float).reshape(len(g), -1)
                    for name, v in zip(own, g @ P):
                        total[index[name]] += v
                N = np.array(d_net_d_prev(*theta, *prevs[l]), dtype=float).reshape(len(g), -1)
                g = N.T @ g
        return total / net.samples

    def chain_loss(self, net):
        layers, E, _ = self._chain_functions()
        theta = [float(v) for v in net.flat()]
        values = []
        for x, t in self._samples(net):
            prev = [float(v) for v in x]
            for kind, f_net, _, f_out, *_ in layers:
                n = f_net(*theta, *prev)
                prev = list(n) if kind == "maxpool" else f_out(n)
            values.append(E(prev, [float(v) for v in t]))
        return float(np.mean(values))

    # ------------------------------------------------------------------ a kernel gradient as its sum
    def sum_of_products(self, name):
        """∂E/∂p for a parameter of a conv or dense layer as sympy writes the chain rule over
        every net input p feeds: Σ_n δ_n · ∂net_n/∂p, with δ_n = ∂E/∂net_n as symbols
        (``delta_c1_11`` …) and each ∂net_n/∂p derived by sympy from the local formula (for a
        kernel entry, the pixel under it).  Returns (expression, δ symbols in order)."""
        l = self.location[name][1]
        nets = self.layer_nets(l, self.out_sym[l])
        deltas = [sp.Symbol(f"delta_{n}", real=True) for n in self.neuron_names[l + 1]]
        p = self.symbol[name]
        return sp.Add(*[d * sp.diff(n, p) for d, n in zip(deltas, nets)]), deltas


_CACHE = {}


def derive(net):
    """The :class:`ConvDerivation` of ``net``'s shape, built once and reused for any numbers."""
    key = _shape_key(net)
    if key not in _CACHE:
        if len(_CACHE) >= 32:
            _CACHE.clear()
        _CACHE[key] = ConvDerivation(net)
    return _CACHE[key]


def symbolic_gradient(net):
    """(gradient, method) for ``explain --check``: the chain of sympy's local Jacobians, which
    derives each layer's rule once however many positions it has (the whole expression of a
    conv network grows too fast to differentiate quickly)."""
    return derive(net).chain_gradient(net), "chain"

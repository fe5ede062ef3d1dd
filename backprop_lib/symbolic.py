"""The symbolic side: sympy writes E and differentiates it.

Two ways, both sympy's calculus, neither using :mod:`backprop_lib.network`'s derivatives:

* **Whole**: E of one sample as one expression of the named parameters (and of symbols for
  the inputs and targets); ``sympy.diff(E, p)`` for every parameter p; lambdified once
  and evaluated per sample.  Its expressions grow with the number of paths through the
  network, so it is for small networks (the documents' take well under a second).
* **Chain**: the factors the documents write, each derived by sympy from the local
  formula: ∂E/∂out_k from the loss, ∂out_k/∂net_j from the activation (a matrix for
  softmax), ∂net_j/∂out_i and ∂net_j/∂p from the net input.  The gradient multiplies them
  layer by layer (sums over paths), so it stays quick for deep, wide networks.

Heavy work (building, differentiating, lambdifying) happens once, in :func:`derive`; the
results are cached by the network's shape, so evaluating at new numbers costs microseconds.
"""
from __future__ import annotations

import numpy as np
import sympy as sp

from .notation import latex_name  # noqa: F401  (re-exported: the chapters import it from here)


# ---------------------------------------------------------------------------- formulas
def activation_expr(name, nets):
    """sympy's formula for a layer's outputs, given its net-input expressions."""
    if name == "softmax":
        exps = [sp.exp(n) for n in nets]
        total = sp.Add(*exps)
        return [e / total for e in exps]
    one = {
        "sigmoid": lambda x: 1 / (1 + sp.exp(-x)),
        "tanh": sp.tanh,
        "relu": lambda x: sp.Piecewise((x, x > 0), (0, True)),
        "linear": lambda x: x,
    }[name]
    return [one(n) for n in nets]


def loss_expr(name, outs, targets):
    """sympy's formula for one sample's E."""
    if name == "half_sse":
        return sp.Add(*[sp.Rational(1, 2) * (t - o) ** 2 for o, t in zip(outs, targets)])
    return -sp.Add(*[t * sp.log(o) for o, t in zip(outs, targets)])


def _shape_key(net):
    biases = tuple(None if b is None else ("shared" if isinstance(b, float) else "each") for b in net.biases)
    return (tuple(net.layers), tuple(net.activations), biases, net.loss,
            tuple(p.name for p in net.parameters()), tuple(map(tuple, net.neuron_names)))


class Derivation:
    """Everything sympy derives for one network shape; see :func:`derive`."""

    def __init__(self, net):
        self.layers = list(net.layers)
        self.activations = list(net.activations)
        self.loss = net.loss
        self.neuron_names = [list(r) for r in net.neuron_names]
        self.param_names = [p.name for p in net.parameters()]
        self.params = [sp.Symbol(n, real=True) for n in self.param_names]
        self.symbol = dict(zip(self.param_names, self.params))
        self.inputs = [sp.Symbol(n, real=True) for n in self.neuron_names[0]]
        self.targets = [sp.Symbol(f"target_{n}", real=True) for n in self.neuron_names[-1]]
        # intermediate symbols, one per neuron: net_h1, out_h1, …
        self.net_sym = [None] + [[sp.Symbol(f"net_{n}", real=True) for n in row] for row in self.neuron_names[1:]]
        self.out_sym = [self.inputs] + [[sp.Symbol(f"out_{n}", real=True) for n in row] for row in self.neuron_names[1:]]

        # where each parameter sits: W[k][j][i] and b[k][j] as sympy symbols (or 0)
        self.W, self.b = [], []
        by_loc = {p.location: self.symbol[p.name] for p in net.parameters()}
        for k in range(len(self.layers) - 1):
            self.W.append([[by_loc[("weights", k, j, i)] for i in range(self.layers[k])]
                           for j in range(self.layers[k + 1])])
            bias = net.biases[k]
            if bias is None:
                self.b.append([sp.Integer(0)] * self.layers[k + 1])
            elif isinstance(bias, float):
                self.b.append([by_loc[("biases", k)]] * self.layers[k + 1])
            else:
                self.b.append([by_loc[("biases", k, j)] for j in range(self.layers[k + 1])])
        self.location = {p.name: p.location for p in net.parameters()}
        self._bias_kind = [None if b is None else ("shared" if isinstance(b, float) else "each")
                           for b in net.biases]

        # the local formulas, in intermediate symbols
        self.local_net = [None]      # net_j = Σ_i w_ji·out_i + b_j
        self.local_out = [None]      # out_j = f(net_j …)
        for k in range(len(self.layers) - 1):
            prev = self.out_sym[k]
            self.local_net.append([sp.Add(*[w * o for w, o in zip(self.W[k][j], prev)]) + self.b[k][j]
                                   for j in range(self.layers[k + 1])])
            self.local_out.append(activation_expr(self.activations[k], self.net_sym[k + 1]))
        self.local_E = loss_expr(self.loss, self.out_sym[-1], self.targets)
        self.local_terms = [loss_expr(self.loss, [o], [t]) for o, t in zip(self.out_sym[-1], self.targets)]
        self._whole = None
        self._chain = None

    # ------------------------------------------------------------------ the whole E
    @property
    def E(self):
        """One sample's E as a single expression of the parameters, inputs and targets."""
        outs = list(self.inputs)
        for k in range(len(self.layers) - 1):
            nets = [sp.Add(*[w * o for w, o in zip(self.W[k][j], outs)]) + self.b[k][j]
                    for j in range(self.layers[k + 1])]
            outs = activation_expr(self.activations[k], nets)
        return loss_expr(self.loss, outs, self.targets)

    def E_at(self, net):
        """E of ``net``'s samples (their mean) with the inputs and targets as numbers."""
        E = self.E
        total = 0
        for x, t in zip(net.inputs, net.targets):
            values = {**{s: sp.Float(v) for s, v in zip(self.inputs, x)},
                      **{s: sp.Float(v) for s, v in zip(self.targets, t)}}
            total += E.subs(values)
        return total / len(net.inputs)

    def whole(self, name):
        """∂E/∂p of one sample: ``sympy.diff`` of the whole expression."""
        return sp.diff(self.E, self.symbol[name])

    def _whole_function(self):
        if self._whole is None:
            E = self.E
            grads = [sp.diff(E, p) for p in self.params]
            args = self.params + self.inputs + self.targets
            self._whole = (sp.lambdify(args, E, modules="math", cse=True),
                           sp.lambdify(args, grads, modules="math", cse=True))
        return self._whole

    def whole_gradient(self, net):
        """The gradient from sympy's whole-expression derivatives, evaluated at ``net``."""
        _, grad = self._whole_function()
        theta = list(net.flat())
        total = np.zeros(len(theta))
        for x, t in zip(net.inputs, net.targets):
            total += np.array(grad(*theta, *x, *t), dtype=float)
        return total / len(net.inputs)

    def whole_loss(self, net):
        E, _ = self._whole_function()
        theta = list(net.flat())
        return float(np.mean([E(*theta, *x, *t) for x, t in zip(net.inputs, net.targets)]))

    # ------------------------------------------------------------------ the chain's factors
    def factor(self, num, den):
        """One local factor as sympy derives it, in intermediate symbols.

        ``factor("E", "out:o1")`` = ∂E/∂out_o1, ``factor("E:o1", "out:o1")``, ``factor("out:o1",
        "net:o1")``, ``factor("net:o1", "out:h1")`` (a weight), ``factor("net:o1", "w5")``.
        """
        def sym(key):
            kind, _, neuron = key.partition(":")
            l, j = self._neuron(neuron)
            return (self.out_sym if kind == "out" else self.net_sym)[l][j], l, j
        if num == "E" or num.startswith("E:"):
            expr = self.local_E if num == "E" else self.local_terms[self._neuron(num[2:])[1]]
            return sp.diff(expr, sym(den)[0])
        s, l, j = sym(num)
        if num.startswith("out:"):
            return sp.diff(self.local_out[l][j], sym(den)[0])
        if den in self.symbol:
            return sp.diff(self.local_net[l][j], self.symbol[den])
        return sp.diff(self.local_net[l][j], sym(den)[0])

    def _neuron(self, name):
        for l, row in enumerate(self.neuron_names):
            if name in row:
                return l, row.index(name)
        raise KeyError(name)

    def _chain_functions(self):
        """Lambdified local Jacobians, layer by layer (built once).

        Each layer's functions take that layer's own parameters and the outputs of the layer
        below, so their cost does not grow with the depth; layers of the same shape (sizes,
        activation, kind of bias) share one set, derived by sympy once per network.  Returns
        ``(layers, E, dE_dout)``, each layer ``(forward_net, forward_out, d_out_d_net,
        d_net_d_prev, d_net_d_param, rows, names, index)`` (see :func:`_layer_functions`):
        ``index`` picks the layer's parameters out of the flat vector, ``names`` are their
        names."""
        if self._chain is None:
            shapes, layers = {}, []
            for k in range(len(self.layers) - 1):
                key = (self.layers[k], self.layers[k + 1], self.activations[k], self._bias_kind[k])
                if key not in shapes:
                    shapes[key] = _layer_functions(*key)
                names = [n for n in self.param_names if self.location[n][1] == k]
                index = np.array([self.param_names.index(n) for n in names], dtype=int)
                layers.append((*shapes[key], names, index))
            outs = self.out_sym[-1]
            E = sp.lambdify([outs, self.targets], self.local_E, modules="math")
            # E is a sum of one term per output (both losses), so ∂E/∂out_k is the derivative of
            # out_k's own term: the same as differentiating the whole sum, without the zeros.
            dE_dout = sp.lambdify([outs, self.targets], [sp.diff(e, o) for e, o in zip(self.local_terms, outs)],
                                  modules="math")
            self._chain = (layers, E, dE_dout)
        return self._chain

    def chain_gradient(self, net):
        """The gradient from sympy's local factors, chained layer by layer (sums over paths):

        ∂E/∂out (loss) → ∂E/∂net_j = Σ_k ∂E/∂out_k·∂out_k/∂net_j → ∂E/∂p = Σ_j ∂E/∂net_j·∂net_j/∂p,
        and ∂E/∂out_i of the layer below = Σ_j ∂E/∂net_j·∂net_j/∂out_i.
        """
        layers, _, dE_dout = self._chain_functions()
        theta = net.flat()
        own = [theta[index].tolist() for *_, index in layers]      # Python floats: quicker
        total = np.zeros(len(theta))
        for x, t in zip(net.inputs, net.targets):
            prevs, nets = [list(x)], []
            for (forward_net, forward_out, *_), p in zip(layers, own):
                n = forward_net(*p, *prevs[-1])
                nets.append(n)
                prevs.append(forward_out(n))
            g_out = np.array(dE_dout(prevs[-1], list(t)), dtype=float)
            for k in range(len(layers) - 1, -1, -1):
                _, _, d_out_d_net, d_net_d_prev, d_net_d_param, rows, _, index = layers[k]
                J = np.array(d_out_d_net(nets[k], prevs[k + 1]), dtype=float)       # [k][j]
                g_net = J.T @ g_out
                P = np.array(d_net_d_param(*own[k], *prevs[k]), dtype=float)         # row j: ∂net_j/∂(its p)
                np.add.at(total, index[rows], g_net[:, None] * P)
                N = np.array(d_net_d_prev(*own[k], *prevs[k]), dtype=float).reshape(len(g_net), -1)
                g_out = N.T @ g_net
        return total / len(net.inputs)

    def chain_loss(self, net):
        layers, E, _ = self._chain_functions()
        theta = net.flat()
        values = []
        for x, t in zip(net.inputs, net.targets):
            prev = list(x)
            for forward_net, forward_out, *_, index in layers:
                prev = forward_out(forward_net(*theta[index].tolist(), *prev))
            values.append(E(prev, list(t)))
        return float(np.mean(values))

    # ------------------------------------------------------------------ the documents' products
    def chain(self, name):
        """∂E/∂p written as the documents write it, factor by factor.

        A list of terms to add, each a list of factors to multiply; a factor is
        ``(numerator, denominator, expression)`` with keys like ``("E", "out:o1")``.  A weight
        into neuron j gives one term ∂E/∂out_j · ∂out_j/∂net_j · ∂net_j/∂p (for softmax, one
        per output k: ∂E/∂out_k · ∂out_k/∂net_j · ∂net_j/∂p); a shared bias gives one term per
        neuron of its layer.  For a hidden neuron, ∂E/∂out_j is itself a sum over the paths
        through the layer above: see :meth:`paths`.
        """
        k = self.location[name][1]
        l = k + 1
        loc = self.location[name]
        if loc[0] == "weights":
            targets = [loc[2]]
        elif len(loc) == 2:
            targets = range(self.layers[l])
        else:
            targets = [loc[2]]
        terms = []
        for j in targets:
            n = self.neuron_names[l][j]
            outs = range(self.layers[l]) if self.activations[k] == "softmax" else [j]
            for m in outs:
                o = self.neuron_names[l][m]
                terms.append([("E", f"out:{o}", self.factor("E", f"out:{o}")),
                              (f"out:{o}", f"net:{n}", self.factor(f"out:{o}", f"net:{n}")),
                              (f"net:{n}", name, self.factor(f"net:{n}", name))])
        return terms

    def paths(self, neuron):
        """∂E/∂out of a hidden neuron as the sum over the layer above (the documents' ∂E_o1/∂out_h1
        + ∂E_o2/∂out_h1): terms ∂E/∂out_k · ∂out_k/∂net_k · ∂net_k/∂out_j."""
        l, j = self._neuron(neuron)
        if l >= len(self.layers) - 1:
            raise KeyError(f"{neuron} is an output neuron: ∂E/∂out comes straight from the loss")
        terms = []
        for m, above in enumerate(self.neuron_names[l + 1]):
            outs = self.neuron_names[l + 1] if self.activations[l] == "softmax" else [above]
            for o in outs:
                terms.append([("E", f"out:{o}", self.factor("E", f"out:{o}")),
                              (f"out:{o}", f"net:{above}", self.factor(f"out:{o}", f"net:{above}")),
                              (f"net:{above}", f"out:{neuron}", self.factor(f"net:{above}", f"out:{neuron}"))])
        return terms

    def point(self, net, sample=0):
        """Every symbol's number at ``net``: parameters, the sample's inputs and targets, and the
        net inputs and outputs computed by sympy's own formulas (for substituting into factors)."""
        layers, _, _ = self._chain_functions()
        theta = [float(v) for v in net.flat()]
        x, t = list(net.inputs[sample]), list(net.targets[sample])
        values = dict(zip(self.params, theta))
        values.update(zip(self.inputs, x))
        values.update(zip(self.targets, t))
        prev = x
        for k, (forward_net, forward_out, *_, index) in enumerate(layers):
            nets = forward_net(*[theta[n] for n in index], *prev)
            prev = forward_out(nets)
            values.update(zip(self.net_sym[k + 1], nets))
            values.update(zip(self.out_sym[k + 1], prev))
        return values

    def evaluate(self, expr, net, sample=0):
        """A factor's number at ``net`` (one sample)."""
        return float(sp.sympify(expr).xreplace({s: sp.Float(v) for s, v in self.point(net, sample).items()}))

    def chain_value(self, name, net):
        """∂E/∂p from :meth:`chain`, the hidden ∂E/∂out expanded by :meth:`paths` recursively,
        averaged over the samples: the documents' arithmetic done with sympy's factors."""
        total = 0.0
        for s in range(len(net.inputs)):
            point = {k: sp.Float(v) for k, v in self.point(net, s).items()}
            total += sum(self._product(term, point) for term in self.chain(name))
        return total / len(net.inputs)

    def _product(self, term, point):
        value = 1.0
        for num, den, expr in term:
            if num == "E" and den.startswith("out:") and self._neuron(den[4:])[0] < len(self.layers) - 1:
                value *= sum(self._product(t, point) for t in self.paths(den[4:]))
            else:
                value *= float(sp.sympify(expr).xreplace(point))
        return value

    # ------------------------------------------------------------------ display
    def latex(self, expr):
        """LaTeX of a sympy expression with the book's symbol names."""
        names = {s: latex_name(str(s)) for s in expr.free_symbols}
        return sp.latex(expr, symbol_names=names)


def _layer_functions(n_in, n_out, activation, bias_kind):
    """One layer's local formulas in its own symbols, differentiated by sympy and lambdified:
    ``(forward_net, forward_out, d_out_d_net, d_net_d_prev, d_net_d_param, own)``.  The functions
    take the layer's parameters (its weights row by row, then its bias or biases: the order of
    :meth:`backprop_lib.Network.parameters`) followed by the outputs of the layer below."""
    w = [[sp.Symbol(f"w_{j}_{i}", real=True) for i in range(n_in)] for j in range(n_out)]
    if bias_kind is None:
        b, own_b = [sp.Integer(0)] * n_out, []
    elif bias_kind == "shared":
        own_b = [sp.Symbol("b", real=True)]
        b = own_b * n_out
    else:
        own_b = [sp.Symbol(f"b_{j}", real=True) for j in range(n_out)]
        b = own_b
    params = [s for row in w for s in row] + own_b
    prev = [sp.Symbol(f"x_{i}", real=True) for i in range(n_in)]
    nets = [sp.Symbol(f"n_{j}", real=True) for j in range(n_out)]
    outs = [sp.Symbol(f"o_{j}", real=True) for j in range(n_out)]
    local_net = [sp.Add(*[wi * x for wi, x in zip(w[j], prev)]) + b[j] for j in range(n_out)]
    local_out = activation_expr(activation, nets)
    # Every row's net input has one form, net = Σ_i v_i·x_i + c: sympy differentiates it once,
    # with respect to each v_i, x_i and c, and each row's factors are those derivatives with
    # v, c replaced by the row's own weights and bias (a wide layer needs 2·n_in + 1 derivatives,
    # not 2·n_in·n_out).  ∂net_j/∂p is 0 for every parameter p outside row j, so only row j's
    # own are kept: ``own[j]`` are their positions in ``params``.
    v = [sp.Symbol(f"v_{i}", real=True) for i in range(n_in)]
    c = sp.Symbol("c", real=True)
    row = sp.Add(*[vi * x for vi, x in zip(v, prev)]) + (c if own_b else 0)
    by_input = [sp.diff(row, x) for x in prev]                                  # ∂net/∂x_i
    by_param = [sp.diff(row, vi) for vi in v] + ([sp.diff(row, c)] if own_b else [])   # ∂net/∂v_i, ∂net/∂c

    def for_row(j, expr):
        return expr.xreplace({**dict(zip(v, w[j])), c: b[j]})
    d_net_d_prev = [[for_row(j, e) for e in by_input] for j in range(n_out)]
    d_net_d_param = [[for_row(j, e) for e in by_param] for j in range(n_out)]
    position = {p: q for q, p in enumerate(params)}
    own = [[position[p] for p in w[j]] + ([position[b[j]]] if own_b else []) for j in range(n_out)]
    args = params + prev
    return (sp.lambdify(args, local_net, modules="math"),
            sp.lambdify([nets], local_out, modules="math"),
            sp.lambdify([nets, outs], [[_diff(o, n) for n in nets] for o in local_out], modules="math"),
            sp.lambdify(args, d_net_d_prev, modules="math"),
            sp.lambdify(args, d_net_d_param, modules="math"),
            np.array(own, dtype=int))


def _diff(expr, symbol):
    """``sympy.diff``, answering 0 at once where ``symbol`` does not occur in ``expr`` (an
    element-wise activation's out_k and net_j, k ≠ j: the off-diagonal of a wide layer)."""
    return sp.diff(expr, symbol) if symbol in expr.free_symbols else sp.Integer(0)


_CACHE = {}


def derive(net):
    """The :class:`Derivation` of ``net``'s shape: built once, then reused for any numbers."""
    key = _shape_key(net)
    if key not in _CACHE:
        if len(_CACHE) >= 64:
            _CACHE.clear()
        _CACHE[key] = Derivation(net)
    return _CACHE[key]

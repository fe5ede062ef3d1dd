"""A conv network's worked example in the documents' style, for ``explain`` (text and Markdown).

The rows are those of :mod:`backprop_lib.explain` (``lhs = formula = numbers = value``) and
are laid out by its renderers; every value comes from :class:`backprop_lib.conv.ConvNetwork`'s
forward and backward passes.  Per sample:

* forward: each conv output as its sum of products, then its activation; each pooled value
  as the max of its window (naming the position that held it); each dense unit;
* error: each output's term and E;
* backward: ∂E/∂out of every unit, as the sum over the layer above (a dense layer's weights,
  a conv layer's kernels) or, below a max-pool, routed to its window's maximum (0 for the
  other positions); ∂out/∂net (the ReLU gate); δ = ∂E/∂out · ∂out/∂net;
* gradients: a dense weight as δ · out; a kernel entry as the sum over the positions it
  touched of δ · the input under it (terms with δ = 0 left out, and counted); a bias as Σ δ;

then the mean over the samples and the update (or, online, an update after each sample).
"""
from __future__ import annotations

import re

import numpy as np

from .activations import ACTIVATIONS
from .explain import Row, Section
from .notation import latex_name


def _num(x, decimals):
    text = f"{float(x):.{decimals}f}"
    if text.startswith("-") and float(text) == 0.0:
        text = text[1:]
    return f"({text})" if text.startswith("-") else text


def _given(x):
    text = repr(float(x))
    text = text[:-2] if text.endswith(".0") else text
    return f"({text})" if text.startswith("-") else text


def _latex(text):
    return (text.replace("·", r" \cdot ").replace("−", "-").replace("½", r"\tfrac{1}{2}")
            .replace("Σ", r"\sum "))


def name_latex(name):
    """LaTeX for a conv network's parameter or neuron name: k11 → k_{11}, k1_2_1_3_3 →
    k^{(1)}_{2,1,3,3}, c1_23 → c^{(1)}_{23}, w3_1_2 → w^{(3)}_{1,2}."""
    m = re.fullmatch(r"([A-Za-z]+)(\d+)((?:_\d+){3,})", name)
    if m:
        return rf"{m[1]}^{{({m[2]})}}_{{{','.join(m[3][1:].split('_'))}}}"
    return latex_name(name)


class _Names:
    def __init__(self, net, total="E_total"):
        self.net = net
        self.total = total
        self.names = net.neuron_names
        self.params = {p.location: p.name for p in net.parameters()}

    def neuron(self, l, j):
        return self.names[l][j]

    def out(self, l, j):
        n = self.neuron(l, j)
        return (n, name_latex(n)) if l == 0 else (f"out_{n}", rf"\mathrm{{out}}_{{{name_latex(n)}}}")

    def net_(self, l, j):
        n = self.neuron(l, j)
        return (f"net_{n}", rf"\mathrm{{net}}_{{{name_latex(n)}}}")

    def delta(self, l, j):
        n = self.neuron(l, j)
        return (f"δ_{n}", rf"\delta_{{{name_latex(n)}}}")

    def param(self, loc):
        n = self.params[loc]
        return (n, name_latex(n))

    def bias(self, l, j):
        b = self.net.biases[l]
        if b is None:
            return None
        return self.param(("biases", l) if isinstance(b, float) else ("biases", l, j))

    def target(self, j):
        n = self.neuron(self.net.depth, j)
        return (f"target_{n}", rf"\mathrm{{target}}_{{{n}}}")

    def error(self, j=None):
        if j is None:
            return (self.total, r"E_{total}" if self.total == "E_total" else self.total)
        n = self.neuron(self.net.depth, j)
        return (f"E_{n}", rf"E_{{{n}}}")

    @staticmethod
    def d(num, den):
        return (f"∂{num[0]}/∂{den[0]}", rf"\frac{{\partial {num[1]}}}{{\partial {den[1]}}}")


def _join(parts, sep_text, sep_latex):
    return (sep_text.join(p[0] for p in parts), sep_latex.join(p[1] for p in parts))


def _same(text):
    return (text, text)


def _numbers(text):
    return (text, _latex(text))


def _index(shape, flat):
    return np.unravel_index(flat, shape)


def _bias_value(net, l, j):
    b = net.biases[l]
    return b if isinstance(b, float) else b[j]


def _act_rows(net, names, trace, l, j, s, dec):
    """out = f(net) for unit j of layer l (1-based)."""
    act = net.layers[l - 1].activation
    n_sym, n_val = names.net_(l, j), _num(trace.net[l][s].reshape(-1)[j], dec)
    value = trace.out[l][s].reshape(-1)[j]
    if act == "softmax":
        units = range(net.layers[l - 1].units)
        den = ", ".join(names.net_(l, m)[0] for m in units)
        vals = [_num(trace.net[l][s, m], dec) for m in units]
        formula = (f"e^{n_sym[0]} / Σ e^({den})", rf"\frac{{e^{{{n_sym[1]}}}}}{{\sum e^{{\mathrm{{net}}}}}}")
        numbers = (f"e^{n_val} / (" + " + ".join(f"e^{v}" for v in vals) + ")",
                   rf"\frac{{e^{{{n_val}}}}}{{" + " + ".join(f"e^{{{v}}}" for v in vals) + "}")
        return Row(names.out(l, j), formula, numbers, value)
    templates = {
        "sigmoid": ("1/(1 + e^(−{n}))", r"\frac{{1}}{{1 + e^{{-{n}}}}}"),
        "tanh": ("tanh({n})", r"\tanh({n})"),
        "relu": ("max(0, {n})", r"\max(0, {n})"),
        "linear": ("{n}", "{n}"),
    }[act]
    formula = (templates[0].format(n=n_sym[0]), templates[1].format(n=n_sym[1]))
    numbers = (templates[0].format(n=n_val), templates[1].format(n=n_val))
    return Row(names.out(l, j), formula, numbers, value)


def _forward_rows(net, names, trace, s, dec):
    rows = []
    for l, layer in enumerate(net.layers, start=1):
        k = l - 1
        prev_shape = layer.in_shape
        if layer.type == "conv2d":
            F, Ho, Wo = layer.out_shape
            C = prev_shape[0]
            kk, st = layer.kernel, layer.stride
            K = net.weights[k]
            x = trace.out[k][s]
            for f in range(F):
                for r in range(Ho):
                    for q in range(Wo):
                        j = np.ravel_multi_index((f, r, q), layer.out_shape)
                        terms, values = [], []
                        for c in range(C):
                            for u in range(kk):
                                for v in range(kk):
                                    i = np.ravel_multi_index((c, st * r + u, st * q + v), prev_shape)
                                    terms.append(_join([names.param(("weights", k, f, c, u, v)), names.out(k, i)],
                                                       "·", r" \cdot "))
                                    xv = x[c, st * r + u, st * q + v]
                                    values.append(f"{_given(K[f, c, u, v])}·{_given(xv) if k == 0 else _num(xv, dec)}")
                        b = names.bias(k, f)
                        if b is not None:
                            terms.append(b)
                            values.append(_given(_bias_value(net, k, f)))
                        rows.append(Row(names.net_(l, j), _join(terms, " + ", " + "),
                                        _numbers(" + ".join(values)), trace.net[l][s, f, r, q]))
                        rows.append(_act_rows(net, names, trace, l, j, s, dec))
        elif layer.type == "maxpool":
            C, Ho, Wo = layer.out_shape
            p = layer.size
            for c in range(C):
                for r in range(Ho):
                    for q in range(Wo):
                        j = np.ravel_multi_index((c, r, q), layer.out_shape)
                        window = [np.ravel_multi_index((c, r * p + u, q * p + v), prev_shape)
                                  for u in range(p) for v in range(p)]
                        vals = trace.out[k][s].reshape(-1)[window]
                        chosen = window[int(trace.choice[l][s, c, r, q])]
                        formula = ("max(" + ", ".join(names.out(k, i)[0] for i in window) + ")",
                                   r"\max(" + ", ".join(names.out(k, i)[1] for i in window) + ")")
                        numbers = "max(" + ", ".join(_num(v, dec) if k else _given(v) for v in vals) + ")"
                        rows.append(Row(names.out(l, j), formula, _numbers(numbers), trace.out[l][s, c, r, q],
                                        note=f"the maximum is {names.neuron(k, chosen)}'s"))
        else:
            n_in = int(np.prod(prev_shape))
            prev = trace.out[k][s].reshape(-1)
            for j in range(layer.units):
                terms = [_join([names.param(("weights", k, j, i)), names.out(k, i)], "·", r" \cdot ")
                         for i in range(n_in)]
                values = [f"{_given(net.weights[k][j, i])}·{_given(prev[i]) if k == 0 else _num(prev[i], dec)}"
                          for i in range(n_in)]
                b = names.bias(k, j)
                if b is not None:
                    terms.append(b)
                    values.append(_given(_bias_value(net, k, j)))
                rows.append(Row(names.net_(l, j), _join(terms, " + ", " + "), _numbers(" + ".join(values)),
                                trace.net[l][s, j]))
            for j in range(layer.units):
                rows.append(_act_rows(net, names, trace, l, j, s, dec))
    return rows


def _error_rows(net, names, trace, s, dec):
    rows, L = [], net.depth
    for j in range(net.layers[-1].units):
        t, o = names.target(j), names.out(L, j)
        tv, ov = _given(trace.targets[s, j]), _num(trace.outputs[s, j], dec)
        if net.loss == "half_sse":
            tmpl = ("½({t} − {o})²", r"\tfrac{{1}}{{2}}({t} - {o})^2")
        else:
            tmpl = ("−{t}·log({o})", r"-{t} \cdot \log({o})")
        rows.append(Row(names.error(j), (tmpl[0].format(t=t[0], o=o[0]), tmpl[1].format(t=t[1], o=o[1])),
                        (tmpl[0].format(t=tv, o=ov), tmpl[1].format(t=tv, o=ov)), trace.terms[s, j]))
    units = range(net.layers[-1].units)
    numbers = " + ".join(_num(trace.terms[s, j], dec) for j in units)
    rows.append(Row(names.error(), _join([names.error(j) for j in units], " + ", " + "), _same(numbers),
                    trace.sample_loss[s]))
    return rows


def _uses(net, l, i):
    """Who in layer l + 1 uses unit i of layer l, with which weight: a list of
    (unit of layer l + 1, weight location).  Layer l + 1 is dense or conv2d."""
    above = net.layers[l]
    if above.type == "dense":
        return [(m, ("weights", l, m, i)) for m in range(above.units)]
    C, H, W = above.in_shape
    c, y, x = _index(above.in_shape, i)
    F, Ho, Wo = above.out_shape
    k, st = above.kernel, above.stride
    out = []
    for f in range(F):
        for r in range(Ho):
            u = y - st * r
            if not 0 <= u < k:
                continue
            for q in range(Wo):
                v = x - st * q
                if 0 <= v < k:
                    out.append((np.ravel_multi_index((f, r, q), above.out_shape), ("weights", l, f, c, u, v)))
    return out


def _backward_rows(net, names, trace, grads, s, dec):
    rows, L = [], net.depth
    E = names.error()
    for l in range(L, 0, -1):
        layer = net.layers[l - 1]
        units = int(np.prod(layer.out_shape))
        for j in range(units):
            o = names.out(l, j)
            dE_do = names.d(E, o)
            g = grads.dE_dout[l][s].reshape(-1)[j]
            if l == L:
                t, tv, ov = names.target(j), _given(trace.targets[s, j]), _num(trace.outputs[s, j], dec)
                tmpl = ("−({t} − {o})", r"-({t} - {o})") if net.loss == "half_sse" else ("−{t}/{o}", r"-\frac{{{t}}}{{{o}}}")
                rows.append(Row(dE_do, (tmpl[0].format(t=t[0], o=o[0]), tmpl[1].format(t=t[1], o=o[1])),
                                (tmpl[0].format(t=tv, o=ov), tmpl[1].format(t=tv, o=ov)), g))
            elif net.layers[l].type == "maxpool":
                pool = net.layers[l]
                c, y, x = _index(pool.in_shape, j)
                p = pool.size
                r, q = y // p, x // p
                inside = r < pool.out_shape[1] and q < pool.out_shape[2]
                chosen = inside and int(trace.choice[l + 1][s, c, r, q]) == (y - r * p) * p + (x - q * p)
                if chosen:
                    m = np.ravel_multi_index((c, r, q), pool.out_shape)
                    above = names.d(E, names.out(l + 1, m))
                    rows.append(Row(dE_do, above, _same(_num(g, dec)), g,
                                    note=f"the maximum of {names.neuron(l + 1, m)}'s window"))
                else:
                    why = ("not the maximum of its window" if inside else "in no window")
                    rows.append(Row(dE_do, _same("0"), _same("0"), g, note=why))
            else:
                uses = _uses(net, l, j)
                formula = _join([_join([names.delta(l + 1, m), names.param(loc)], "·", r" \cdot ") for m, loc in uses],
                                " + ", " + ")
                above = grads.delta[l + 1][s].reshape(-1)
                numbers = " + ".join(f"{_num(above[m], dec)}·{_given(_weight(net, loc))}" for m, loc in uses)
                rows.append(Row(dE_do, formula, _numbers(numbers), g))
            if layer.type == "maxpool":
                continue
            n = names.net_(l, j)
            net_v = trace.net[l][s].reshape(-1)[j]
            out_v = trace.out[l][s].reshape(-1)[j]
            delta = grads.delta[l][s].reshape(-1)[j]
            act = layer.activation
            lhs = _join([names.delta(l, j), names.d(E, n)], " = ", " = ")
            if act == "softmax":
                dot = float(np.sum(grads.dE_dout[l][s] * trace.out[l][s]))
                others = " + ".join(f"{names.d(E, names.out(l, m))[0]}·{names.out(l, m)[0]}" for m in range(units))
                formula = (f"{o[0]}·({dE_do[0]} − ({others}))",
                           rf"{o[1]} \cdot \left({dE_do[1]} - \sum_k \frac{{\partial E_{{total}}}}{{\partial \mathrm{{out}}_k}}"
                           rf" \mathrm{{out}}_k\right)")
                rows.append(Row(lhs, formula, _numbers(f"{_num(out_v, dec)}·({_num(g, dec)} − {_num(dot, dec)})"), delta))
                continue
            local = {"sigmoid": ("{o}·(1 − {o})", r"{o} \cdot (1 - {o})"), "tanh": ("1 − {o}²", r"1 - {o}^2"),
                     "relu": ("(1 if {n} > 0 else 0)", r"[{n} > 0]"), "linear": ("1", "1")}[act]
            value = float(ACTIVATIONS[act].derivative(net_v, out_v))
            ov, nv = _num(out_v, dec), _num(net_v, dec)
            rows.append(Row(names.d(o, n), (local[0].format(o=o[0], n=n[0]), local[1].format(o=o[1], n=n[1])),
                            (local[0].format(o=ov, n=nv), _latex(local[1].format(o=ov, n=nv))), value))
            rows.append(Row(lhs, _join([dE_do, names.d(o, n)], " · ", r" \cdot "),
                            _numbers(f"{_num(g, dec)} · {_num(value, dec)}"), delta))
    return rows


def _weight(net, loc):
    return float(net.weights[loc[1]][loc[2:]])


def _gradient_rows(net, names, trace, grads, s, dec):
    """∂E/∂p of this sample for every parameter."""
    rows = []
    E = names.error()
    for p in net.parameters():
        sym = (p.name, name_latex(p.name))
        k = p.location[1]
        l = k + 1
        layer = net.layers[k]
        delta = grads.delta[l][s]
        note = ""
        if p.kind == "weights" and layer.type == "dense":
            _, _, j, i = p.location
            prev = trace.out[k][s].reshape(-1)[i]
            formula = _join([names.delta(l, j), names.out(k, i)], " · ", r" \cdot ")
            numbers = f"{_num(delta[j], dec)} · {_given(prev) if k == 0 else _num(prev, dec)}"
            value = delta[j] * prev
        elif p.kind == "weights":
            _, _, f, c, u, v = p.location
            st = layer.stride
            _, Ho, Wo = layer.out_shape
            x = trace.out[k][s]
            terms, values, zeros = [], [], 0
            value = 0.0
            for r in range(Ho):
                for q in range(Wo):
                    d = delta[f, r, q]
                    if d == 0.0:
                        zeros += 1
                        continue
                    m = np.ravel_multi_index((f, r, q), layer.out_shape)
                    i = np.ravel_multi_index((c, st * r + u, st * q + v), layer.in_shape)
                    xv = x[c, st * r + u, st * q + v]
                    terms.append(_join([names.delta(l, m), names.out(k, i)], "·", r" \cdot "))
                    values.append(f"{_num(d, dec)}·{_given(xv) if k == 0 else _num(xv, dec)}")
            value = float(np.sum(delta[f] * x[c, u:u + st * (Ho - 1) + 1:st, v:v + st * (Wo - 1) + 1:st]))
            formula = _join(terms, " + ", " + ") if terms else _same("0")
            numbers = " + ".join(values) if values else "0"
            if zeros:
                note = f"{zeros} term{'s' if zeros != 1 else ''} with δ = 0 left out"
        else:
            if len(p.location) == 2:
                units = range(delta.size)
            elif layer.type == "conv2d":
                units = [np.ravel_multi_index((p.location[2], r, q), layer.out_shape)
                         for r in range(layer.out_shape[1]) for q in range(layer.out_shape[2])]
            else:
                units = [p.location[2]]
            flat = delta.reshape(-1)
            kept = [m for m in units if flat[m] != 0.0]
            zeros = len(units) - len(kept)
            formula = _join([names.delta(l, m) for m in kept], " + ", " + ") if kept else _same("0")
            numbers = " + ".join(_num(flat[m], dec) for m in kept) if kept else "0"
            value = float(np.sum(flat[list(units)]))
            if zeros:
                note = f"{zeros} term{'s' if zeros != 1 else ''} with δ = 0 left out"
        rows.append(Row(names.d(E, sym), formula, _numbers(numbers), value, note=note))
    return rows


def _update_rows(net, names, grad, dec):
    rows = []
    for p, g in zip(net.parameters(), grad):
        sym = (p.name, name_latex(p.name))
        lhs = (p.name + "⁺", name_latex(p.name) + "^{+}")
        if not net.trainable(p):
            rows.append(Row(lhs, sym, _same(_given(p.value)), p.value, note="biases are not updated"))
            continue
        d = _Names.d(names.error(), sym)
        formula = (f"{sym[0]} − η·{d[0]}", rf"{sym[1]} - \eta \cdot {d[1]}")
        numbers = f"{_given(p.value)} − {_given(net.learning_rate)}·{_num(g, dec)}"
        rows.append(Row(lhs, formula, _numbers(numbers), p.value - net.learning_rate * g))
    return rows


def worked_example(net, total="E_total"):
    """The sections of one training step of a conv network, worked through with numbers
    (``total``: the error's name, as for dense networks)."""
    names, dec = _Names(net, total), net.decimals
    sections = []
    S = net.samples
    online = net.mode == "online" and S > 1
    current = net
    per_sample = []
    for s in range(S):
        one = current if not online else current.replace(inputs=net.inputs[s:s + 1], targets=net.targets[s:s + 1],
                                                          mode="batch")
        idx = s if not online else 0
        trace = one.forward()
        grads = one.backward(trace)
        tag = f" — sample {s + 1} of {S}" if S > 1 else ""
        sections.append(Section("Forward pass" + tag, _forward_rows(one, names, trace, idx, dec)))
        sections.append(Section("Error" + tag, _error_rows(one, names, trace, idx, dec)))
        sections.append(Section("Backward pass: deltas" + tag, _backward_rows(one, names, trace, grads, idx, dec)))
        rows = _gradient_rows(one, names, trace, grads, idx, dec)
        sections.append(Section("Backward pass: gradients" + tag, rows))
        if online:
            g = np.array([r.value for r in rows])
            sections.append(Section(f"Update after sample {s + 1} (η = {_given(net.learning_rate)})",
                                    _update_rows(one, names, g, dec)))
            current = one.step().replace(inputs=net.inputs, targets=net.targets, mode=net.mode)
        else:
            per_sample.append([r.value for r in rows])
    if not online:
        if S > 1:
            rows = []
            for n, p in enumerate(net.parameters()):
                values = [per_sample[s][n] for s in range(S)]
                numbers = "(" + " + ".join(_num(v, dec) for v in values) + f") / {S}"
                rows.append(Row(_Names.d(names.error(), (p.name, name_latex(p.name))),
                                _same(f"mean over the {S} samples"), _numbers(numbers), float(np.mean(values))))
            sections.append(Section("Gradient of the mean loss", rows))
            grad = np.mean(per_sample, axis=0)
        else:
            grad = np.array(per_sample[0])
        sections.append(Section(f"Update (η = {_given(net.learning_rate)})", _update_rows(net, names, grad, dec)))
    return sections

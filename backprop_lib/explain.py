"""A worked example in the documents' style, for any network.

Each forward value is written as its formula, then with the numbers substituted, then its
value; the error likewise; each gradient as the chain-rule product the documents write,
with every factor's number; each update.  :func:`worked_example` builds the rows once;
:func:`render_text` and :func:`render_markdown` only lay them out.

All numbers come from :class:`backprop_lib.Network`'s forward and backward passes.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .activations import ACTIVATIONS
from .notation import latex_name


@dataclass
class Row:
    """``lhs = formula = numbers = value``, in plain text and in LaTeX."""
    lhs: tuple
    formula: tuple
    numbers: tuple
    value: float
    note: str = ""
    key: str = ""          # the quantity key (backprop_lib.quantities) of the number, if it has one


@dataclass
class Section:
    title: str
    rows: list = field(default_factory=list)


class _Names:
    """The symbols of one network, as (text, LaTeX) pairs."""

    def __init__(self, net, total="E_total"):
        self.net = net
        self.params = {p.location: p.name for p in net.parameters()}
        self.L = net.depth
        self.total = total

    def neuron(self, l, j):
        return self.net.neuron_names[l][j]

    def out(self, l, j):
        n = self.neuron(l, j)
        return (n, latex_name(n)) if l == 0 else (f"out_{n}", rf"\mathrm{{out}}_{{{n}}}")

    def net_(self, l, j):
        n = self.neuron(l, j)
        return (f"net_{n}", rf"\mathrm{{net}}_{{{n}}}")

    def target(self, j):
        n = self.neuron(self.L, j)
        return (f"target_{n}", rf"\mathrm{{target}}_{{{n}}}")

    def weight(self, k, j, i):
        n = self.params[("weights", k, j, i)]
        return (n, latex_name(n))

    def bias(self, k, j):
        b = self.net.biases[k]
        if b is None:
            return None
        n = self.params[("biases", k)] if isinstance(b, float) else self.params[("biases", k, j)]
        return (n, latex_name(n))

    def error(self, j=None):
        if j is None:
            return (self.total, "E" if self.total == "E" else rf"E_{{{self.total[2:]}}}")
        n = self.neuron(self.L, j)
        return (f"E_{n}", rf"E_{{{n}}}")

    @staticmethod
    def d(num, den):
        return (f"∂{num[0]}/∂{den[0]}", rf"\frac{{\partial {num[1]}}}{{\partial {den[1]}}}")

    def delta(self, l, j):
        n = self.neuron(l, j)
        return (f"δ_{n}", rf"\delta_{{{n}}}")


def _num(x, decimals):
    """A computed number at the network's precision; parentheses if negative."""
    text = f"{float(x):.{decimals}f}"
    if text.startswith("-") and float(text) == 0.0:
        text = text[1:]
    return f"({text})" if text.startswith("-") else text


def _given(x):
    """A number as given (a weight, an input): its shortest form."""
    text = repr(float(x))
    text = text[:-2] if text.endswith(".0") else text
    return f"({text})" if text.startswith("-") else text


def _join(parts, sep_text, sep_latex):
    return (sep_text.join(p[0] for p in parts), sep_latex.join(p[1] for p in parts))


def _same(text):
    return (text, text)


def _latex_numbers(text):
    return text.replace("·", r" \cdot ").replace("−", "-").replace("½", r"\tfrac{1}{2}")


_ACT_TEXT = {
    "sigmoid": ("1/(1 + e^(−{net}))", r"\frac{{1}}{{1 + e^{{-{net}}}}}"),
    "tanh": ("tanh({net})", r"\tanh({net})"),
    "relu": ("max(0, {net})", r"\max(0, {net})"),
    "linear": ("{net}", "{net}"),
}
_DERIV_TEXT = {
    "sigmoid": ("{out}·(1 − {out})", r"{out} \cdot (1 - {out})"),
    "tanh": ("1 − {out}²", r"1 - {out}^2"),
    "relu": ("(1 if {net} > 0 else 0)", r"[{net} > 0]"),
    "linear": ("1", "1"),
}


def _fill(template, **values):
    return (template[0].format(**{k: v[0] for k, v in values.items()}),
            template[1].format(**{k: v[1] for k, v in values.items()}))


def _forward_rows(net, names, trace, s, dec):
    rows = []
    for l in range(1, net.depth + 1):
        k = l - 1
        act = net.activations[k]
        for j in range(net.layers[l]):
            terms = [_join([names.weight(k, j, i), names.out(k, i)], "·", r" \cdot ") for i in range(net.layers[k])]
            values = [_same(f"{_given(net.weights[k][j, i])}·{_num(trace.out[k][s, i], dec) if k else _given(trace.out[k][s, i])}")
                      for i in range(net.layers[k])]
            b = names.bias(k, j)
            if b is not None:
                terms.append(b)
                bias_value = net.biases[k] if isinstance(net.biases[k], float) else net.biases[k][j]
                values.append(_same(_given(bias_value)))
            formula = _join(terms, " + ", " + ")
            numbers = " + ".join(v[0] for v in values)
            rows.append(Row(names.net_(l, j), formula, (numbers, _latex_numbers(numbers)), trace.net[l][s, j],
                            key=f"net:{names.neuron(l, j)}"))
        for j in range(net.layers[l]):
            n_sym, n_val = names.net_(l, j), _same(_num(trace.net[l][s, j], dec))
            if act == "softmax":
                den = _join([names.net_(l, m) for m in range(net.layers[l])], ", ", ", ")
                formula = (f"e^{n_sym[0]} / Σ e^({den[0]})", rf"\frac{{e^{{{n_sym[1]}}}}}{{\sum e^{{{den[1]}}}}}")
                values = [_num(trace.net[l][s, m], dec) for m in range(net.layers[l])]
                numbers = (f"e^{n_val[0]} / (" + " + ".join(f"e^{v}" for v in values) + ")",
                           rf"\frac{{e^{{{n_val[0]}}}}}{{" + " + ".join(f"e^{{{v}}}" for v in values) + "}")
            else:
                formula = _fill(_ACT_TEXT[act], net=n_sym)
                numbers = _fill(_ACT_TEXT[act], net=n_val)
            rows.append(Row(names.out(l, j), formula, numbers, trace.out[l][s, j], key=f"out:{names.neuron(l, j)}"))
    return rows


def _error_rows(net, names, trace, s, dec):
    rows, L = [], net.depth
    for j in range(net.layers[L]):
        t, o = names.target(j), names.out(L, j)
        tv, ov = _same(_given(trace.targets[s, j])), _same(_num(trace.out[L][s, j], dec))
        if net.loss == "half_sse":
            tmpl = ("½({t} − {o})²", r"\tfrac{{1}}{{2}}({t} - {o})^2")
        else:
            tmpl = ("−{t}·log({o})", r"-{t} \cdot \log({o})")
        rows.append(Row(names.error(j), _fill(tmpl, t=t, o=o), _fill(tmpl, t=tv, o=ov), trace.terms[s, j],
                        key=f"E:{names.neuron(L, j)}"))
    formula = _join([names.error(j) for j in range(net.layers[L])], " + ", " + ")
    numbers = " + ".join(_num(trace.terms[s, j], dec) for j in range(net.layers[L]))
    rows.append(Row(names.error(), formula, (numbers, numbers), trace.sample_loss[s], key="E"))
    return rows


def _backward_rows(net, names, trace, grads, s, dec):
    """Rows for one sample's backward pass: deltas, then every parameter's gradient."""
    rows, L = [], net.depth
    for l in range(L, 0, -1):
        act = net.activations[l - 1]
        for j in range(net.layers[l]):
            o, n = names.out(l, j), names.net_(l, j)
            dE_do = names.d(names.error(), o)
            g = grads.dE_dout[l][s, j]
            if l == L:
                t, tv = names.target(j), _same(_given(trace.targets[s, j]))
                ov = _same(_num(trace.out[l][s, j], dec))
                tmpl = ("−({t} − {o})", r"-({t} - {o})") if net.loss == "half_sse" else \
                       ("−{t}/{o}", r"-\frac{{{t}}}{{{o}}}")
                rows.append(Row(dE_do, _fill(tmpl, t=t, o=o), _fill(tmpl, t=tv, o=ov), g,
                                key=f"dE/dout:{names.neuron(l, j)}"))
            else:
                nxt = range(net.layers[l + 1])
                formula = _join([_join([names.delta(l + 1, m), names.weight(l, m, j)], "·", r" \cdot ")
                                 for m in nxt], " + ", " + ")
                numbers = " + ".join(f"{_num(grads.delta[l + 1][s, m], dec)}·{_given(net.weights[l][m, j])}"
                                     for m in nxt)
                rows.append(Row(dE_do, formula, (numbers, _latex_numbers(numbers)), g,
                                key=f"dE/dout:{names.neuron(l, j)}"))
            if act == "softmax":
                continue
            local = _fill(_DERIV_TEXT[act], out=o, net=n)
            local_num = _fill(_DERIV_TEXT[act], out=_same(_num(trace.out[l][s, j], dec)),
                              net=_same(_num(trace.net[l][s, j], dec)))
            value = ACTIVATIONS[act].derivative(trace.net[l][s, j], trace.out[l][s, j])
            rows.append(Row(names.d(o, n), local, (local_num[0], _latex_numbers(local_num[1])), value,
                            key=f"dout/dnet:{names.neuron(l, j)}"))
            product = _join([dE_do, names.d(o, n)], " · ", r" \cdot ")
            numbers = f"{_num(g, dec)} · {_num(value, dec)}"
            rows.append(Row(_join([names.delta(l, j), names.d(names.error(), n)], " = ", " = "), product,
                            (numbers, _latex_numbers(numbers)), grads.delta[l][s, j],
                            key=f"dE/dnet:{names.neuron(l, j)}"))
        if act == "softmax":
            for j in range(net.layers[l]):
                o, n = names.out(l, j), names.net_(l, j)
                others = _join([_join([names.d(names.error(), names.out(l, m)), names.out(l, m)], "·", r" \cdot ")
                                for m in range(net.layers[l])], " + ", " + ")
                formula = (f"{o[0]}·({names.d(names.error(), o)[0]} − ({others[0]}))",
                           rf"{o[1]} \cdot \left({names.d(names.error(), o)[1]} - ({others[1]})\right)")
                dot = float(np.sum(grads.dE_dout[l][s] * trace.out[l][s]))
                numbers = f"{_num(trace.out[l][s, j], dec)}·({_num(grads.dE_dout[l][s, j], dec)} − {_num(dot, dec)})"
                rows.append(Row(_join([names.delta(l, j), names.d(names.error(), n)], " = ", " = "),
                                formula, (numbers, _latex_numbers(numbers)), grads.delta[l][s, j]))
    return rows


def _gradient_rows(net, names, trace, grads, s, dec):
    """∂E/∂p for every parameter, as the documents' chain-rule product."""
    rows = []
    E = names.error()
    for p in net.parameters():
        sym = (p.name, latex_name(p.name))
        k = p.location[1]
        l = k + 1
        if p.kind == "weights":
            _, _, j, i = p.location
            o, n = names.out(l, j), names.net_(l, j)
            prev = trace.out[k][s, i]
            if net.activations[k] == "softmax":
                factors = _join([names.d(E, n), names.d(n, sym)], " · ", r" \cdot ")
                numbers = f"{_num(grads.delta[l][s, j], dec)} · {_num(prev, dec)}"
            else:
                factors = _join([names.d(E, o), names.d(o, n), names.d(n, sym)], " · ", r" \cdot ")
                local = ACTIVATIONS[net.activations[k]].derivative(trace.net[l][s, j], trace.out[l][s, j])
                numbers = f"{_num(grads.dE_dout[l][s, j], dec)} · {_num(local, dec)} · {_num(prev, dec) if k else _given(prev)}"
            value = grads.delta[l][s, j] * prev
        else:
            js = range(net.layers[l]) if len(p.location) == 2 else [p.location[2]]
            factors = _join([_join([names.d(E, names.net_(l, j)), names.d(names.net_(l, j), sym)], " · ", r" \cdot ")
                             for j in js], " + ", " + ")
            numbers = " + ".join(f"{_num(grads.delta[l][s, j], dec)} · 1" for j in js)
            value = float(sum(grads.delta[l][s, j] for j in js))
        lhs = names.d(E, sym)
        rows.append(Row(lhs, factors, (numbers, _latex_numbers(numbers)), value, key=f"dE/d{p.name}"))
    return rows


def _update_rows(net, names, grad, dec):
    rows = []
    eta = ("η", r"\eta")
    for p, g in zip(net.parameters(), grad):
        sym = (p.name, latex_name(p.name))
        lhs = (p.name + "⁺", latex_name(p.name) + "^{+}")
        if not net.trainable(p):
            rows.append(Row(lhs, sym, _same(_given(p.value)), p.value, note="biases are not updated",
                            key=f"{p.name}+"))
            continue
        formula = _fill(("{p} − {eta}·{d}", r"{p} - {eta} \cdot {d}"), p=sym, eta=eta, d=names.d(names.error(), sym))
        numbers = f"{_given(p.value)} − {_given(net.learning_rate)}·{_num(g, dec)}"
        rows.append(Row(lhs, formula, (numbers, _latex_numbers(numbers)), p.value - net.learning_rate * g,
                        key=f"{p.name}+"))
    return rows


def _sample_label(net, s):
    names = _Names(net)
    parts = [f"{names.out(0, i)[0]} = {_given(net.inputs[s, i])}" for i in range(net.layers[0])]
    parts += [f"{names.target(j)[0]} = {_given(net.targets[s, j])}" for j in range(net.layers[-1])]
    return ", ".join(parts)


def worked_example(net, total="E_total"):
    """The sections of one training step, worked through with numbers.

    ``total`` names the error: ``"E_total"`` as the first document writes it (the command
    line), or ``"E"`` as the book writes it.  With one sample each row carries the quantity
    key of its number (:attr:`Row.key`), so a document's quote can be set beside it."""
    if getattr(net, "is_conv", False):             # conv2d / maxpool / dense layers
        from .conv_explain import worked_example as conv_worked_example
        return conv_worked_example(net, total)
    names, dec = _Names(net, total), net.decimals
    sections = []
    S = net.samples
    online = net.mode == "online" and S > 1
    current = net
    per_sample_grads = []
    for s in range(S):
        one = current if not online else current.replace(inputs=net.inputs[s:s + 1], targets=net.targets[s:s + 1])
        idx = s if not online else 0
        trace = one.forward()
        grads = one.backward(trace)
        tag = f" — sample {s + 1} of {S} ({_sample_label(net, s)})" if S > 1 else ""
        sections.append(Section("Forward pass" + tag, _forward_rows(one, names, trace, idx, dec)))
        sections.append(Section("Error" + tag, _error_rows(one, names, trace, idx, dec)))
        sections.append(Section("Backward pass: deltas" + tag, _backward_rows(one, names, trace, grads, idx, dec)))
        sample_grads = _gradient_rows(one, names, trace, grads, idx, dec)
        sections.append(Section("Backward pass: gradients" + tag, sample_grads))
        if online:
            g = np.array([r.value for r in sample_grads])
            sections.append(Section(f"Update after sample {s + 1} (η = {_given(net.learning_rate)})",
                                    _update_rows(one, names, g, dec)))
            current = one._descend().replace(inputs=net.inputs, targets=net.targets)
        else:
            per_sample_grads.append([r.value for r in sample_grads])
    if not online:
        if S > 1:
            rows = []
            E = names.error()
            for n, p in enumerate(net.parameters()):
                sym = (p.name, latex_name(p.name))
                values = [per_sample_grads[s][n] for s in range(S)]
                numbers = "(" + " + ".join(_num(v, dec) for v in values) + f") / {S}"
                rows.append(Row(names.d(E, sym), _same(f"mean over the {S} samples"),
                                (numbers, _latex_numbers(numbers)), float(np.mean(values))))
            sections.append(Section("Gradient of the mean loss", rows))
            grad = np.mean(per_sample_grads, axis=0)
        else:
            grad = np.array(per_sample_grads[0])
        sections.append(Section(f"Update (η = {_given(net.learning_rate)})", _update_rows(net, names, grad, dec)))
    if S > 1:                          # a key names the first sample's number: none here
        for sec in sections:
            for r in sec.rows:
                r.key = ""
    return sections


# ------------------------------------------------------------------------ one chain of equalities
def _as_number(text):
    """The number a part of an equality shows, or None if it is a formula: '(-0.5)' → −0.5."""
    t = text.strip().replace("−", "-").replace(r"\,", "")
    while t.startswith("(") and t.endswith(")"):
        t = t[1:-1].strip()
    try:
        return float(t)
    except ValueError:
        return None


def chain(parts):
    """``lhs = a = b = …`` without saying one thing twice: a part equal to the one before it
    (the same text, or the same number written twice, as ``0.850 = 0.850`` or ``0.35 =
    0.350000000``) is left out, and the first way of writing it is kept."""
    kept = []
    for part in parts:
        if kept:
            a, b = _as_number(kept[-1]), _as_number(part)
            if part == kept[-1] or (a is not None and b is not None and a == b):
                continue
        kept.append(part)
    return kept


def row_parts(net, row, latex=False):
    """The parts of one row's equality, in text or LaTeX: lhs, formula, numbers, value."""
    k = 1 if latex else 0
    return chain([row.lhs[k], row.formula[k], row.numbers[k], net.fmt(row.value)])


def render_text(net, sections, summary):
    out = []
    if net.title:
        out += [net.title, "=" * len(net.title), ""]
    for sec in sections:
        out += [sec.title, "-" * len(sec.title)]
        for r in sec.rows:
            line = "  " + " = ".join(row_parts(net, r))
            out.append(line + (f"   ({r.note})" if r.note else ""))
        out.append("")
    out += summary
    return "\n".join(out) + "\n"


def render_markdown(net, sections, summary):
    out = []
    if net.title:
        out += [f"# {net.title}", ""]
    for sec in sections:
        out += [f"## {sec.title}", ""]
        for r in sec.rows:
            note = rf" \quad \text{{({r.note})}}" if r.note else ""
            out += ["$$", " = ".join(row_parts(net, r, latex=True)) + note, "$$", ""]
    out += [f"- {line}" for line in summary]
    return "\n".join(out) + "\n"


# ------------------------------------------------------------------------ display math for the book
def width(latex):
    """A rough count of the characters a formula shows on the page: a fraction counts as the
    wider of its numerator and denominator; commands and braces count nothing (∂, δ, η, ·
    one each); ``\text{…}`` its text."""
    import re

    def group(text, i):                      # the {…} group starting at text[i]
        depth = 0
        for j in range(i, len(text)):
            depth += {"{": 1, "}": -1}.get(text[j], 0)
            if depth == 0:
                return text[i + 1:j], j + 1
        return text[i + 1:], len(text)

    def count(text):
        total, i = 0, 0
        while i < len(text):
            m = re.match(r"\\[dt]?frac", text[i:])
            if m:
                num, i = group(text, i + m.end())
                den, i = group(text, i)
                total += max(count(num), count(den))
                continue
            m = re.match(r"\\(text|mathrm)\{", text[i:])
            if m:
                inner, i = group(text, i + m.end() - 1)
                total += len(inner)
                continue
            m = re.match(r"\\[a-zA-Z]+", text[i:])
            if m:
                i += m.end()
                total += 1 if m.group() in (r"\partial", r"\delta", r"\eta", r"\cdot", r"\sigma") else 0
                continue
            total += 0 if text[i] in "{}_^ &" else 1
            i += 1
        return total
    return count(latex)


def fit(lhs, parts, limit=48, quote=None):
    """Display math ``lhs = part = part …`` broken into aligned lines that fit the page
    (``limit`` characters, as :func:`width` counts them: 48 fit the book's text column).
    ``quote``: a document's number, set after the value (on a line of its own if the last
    line is full), in quotation marks."""
    parts = chain([lhs] + list(parts))[1:]
    lines, current = [], [lhs + " &= " + parts[0]]
    for p in parts[1:]:
        if width(" = ".join(current + [p])) > limit:
            lines.append(" = ".join(current))
            current = ["&= " + p]
        else:
            current.append(p)
    lines.append(" = ".join(current))
    if quote is not None:
        note = rf"\text{{(the document: “{quote}”)}}"
        if width(lines[-1] + note) + 2 > limit:
            lines.append(r"& \phantom{=} " + note)
        else:
            lines[-1] += r" \quad " + note
    if len(lines) == 1:
        return "$$" + lines[0].replace(" &= ", " = ").replace(" & ", " ") + "$$"
    return "$$\\begin{aligned}" + r" \\ ".join(lines) + "\\end{aligned}$$"


def signed(x, decimals=9):
    """A computed number as the documents print a factor: negative numbers in parentheses."""
    return _num(x, decimals)


class Worked:
    """The worked example of one network for a chapter: its rows by name, as display math.

    >>> w = Worked(bp.preset("2-2-2"), quotes=bp.published("2-2-2"))
    >>> w.show("net_h1", "out_h1")       # Markdown: net_h1 = formula = numbers = value
    """

    def __init__(self, net, total="E", quotes=()):
        self.net = net
        self.sections = worked_example(net, total=total)
        self.rows = {r.lhs[0]: r for sec in self.sections for r in sec.rows}
        by_key = {}
        for q in quotes:
            by_key.setdefault(q["key"], q["quote"])
        self.quotes = by_key

    def row(self, name):
        try:
            return self.rows[name]
        except KeyError:
            raise KeyError(f"{name}: no such row; rows are " + ", ".join(self.rows)) from None

    def latex(self, name, quote=True, limit=48):
        r = self.row(name)
        parts = row_parts(self.net, r, latex=True)
        if r.note:
            parts[-1] += rf" \quad \text{{({r.note})}}"
        return fit(parts[0], parts[1:], limit=limit, quote=self.quotes.get(r.key) if quote else None)

    def show(self, *names, quote=True):
        from .book import Markdown
        return Markdown("\n\n".join(self.latex(n, quote=quote) for n in names))


# ------------------------------------------------------------------------ checks and costs
def three_ways(net, names=None, derivation=None, digits=12):
    """A Markdown table of ∂E/∂p by backpropagation, by sympy's derivative of the whole E and
    by a finite difference (h = 10⁻⁶), for the parameters ``names`` (default: all)."""
    from .book import Markdown
    from .gradcheck import finite_difference
    if derivation is None:
        from .symbolic import derive
        derivation = derive(net)
    all_names = [p.name for p in net.parameters()]
    by_sympy = dict(zip(all_names, derivation.whole_gradient(net)))
    by_backprop = net.named_gradient()
    by_nudging = dict(zip(all_names, finite_difference(net)))
    lines = ["| derivative | backpropagation | sympy | finite difference |", "|---|---:|---:|---:|"]
    for p in names or all_names:
        lines.append(f"| ∂E/∂{p} | {by_backprop[p]:.{digits}f} | {by_sympy[p]:.{digits}f} | "
                     f"{by_nudging[p]:.{digits}f} |")
    return Markdown("\n".join(lines))


def gradient_costs(net, repeat=5):
    """The cost of the gradient two ways, counted and timed on ``net``.

    Returns ``{"parameters": P, "forward passes": 2P, "backprop": seconds, "finite
    difference": seconds}``: the finite difference nudges each of the P parameters up and
    down (2P forward passes of the whole network); backpropagation makes one forward and one
    backward pass.  Each time is the best of ``repeat`` runs."""
    import time

    from .gradcheck import finite_difference

    def best(fn):
        times = []
        for _ in range(repeat):
            start = time.perf_counter()
            fn()
            times.append(time.perf_counter() - start)
        return min(times)
    P = len(net.parameters())
    return {"parameters": P, "forward passes": 2 * P,
            "backprop": best(lambda: net.gradient()),
            "finite difference": best(lambda: finite_difference(net))}


# ------------------------------------------------------------------ the Hessian (--hessian)
def _hessian_check_line(check):
    if check is None or "hessian_finite_difference_max_abs_diff" not in check:
        return []
    sym = check.get("hessian_symbolic_max_abs_diff")
    sympy_part = (f"sympy ({check['hessian_symbolic_method']}) differs from the second-order backward pass "
                  f"by at most {sym:.3g}; " if sym is not None
                  else f"sympy: not compared ({check['hessian_symbolic_method']}); ")
    return [f"check: {sympy_part}finite differences of the backpropagated gradient by at most "
            f"{check['hessian_finite_difference_max_abs_diff']:.3g}"]


def render_hessian_text(net, names, matrix, check=None):
    """The Hessian ∂²E_total/∂p∂q over the trainable parameters as a text table (each entry
    at the network's decimals; the JSON output has them in full)."""
    title = "Hessian: ∂²E_total/∂p∂q (rows p, columns q: the trainable parameters)"
    cells = [[net.fmt(v) for v in row] for row in matrix]
    width = max([len(n) for n in names] + [len(c) for row in cells for c in row] + [1])
    first = max([len(n) for n in names] + [1])
    out = [title, "-" * len(title), " " * first + "  " + "  ".join(n.rjust(width) for n in names)]
    for name, row in zip(names, cells):
        out.append(name.ljust(first) + "  " + "  ".join(c.rjust(width) for c in row))
    if not names:
        out.append("(no trainable parameters)")
    return "\n".join(out + [""] + _hessian_check_line(check)) + "\n"


def render_hessian_markdown(net, names, matrix, check=None):
    """The same as a Markdown table, the parameters' names in LaTeX."""
    out = [r"## Hessian: $\partial^2 E_{total} / \partial p \, \partial q$", ""]
    if names:
        out.append("| $p$ \\ $q$ | " + " | ".join(f"${latex_name(n)}$" for n in names) + " |")
        out.append("|---|" + "---:|" * len(names))
        for name, row in zip(names, matrix):
            out.append(f"| ${latex_name(name)}$ | " + " | ".join(net.fmt(v) for v in row) + " |")
    else:
        out.append("(no trainable parameters)")
    out.append("")
    out += [f"- {line}" for line in _hessian_check_line(check)]
    return "\n".join(out) + "\n"

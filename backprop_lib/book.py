"""Helpers the chapters share: tables of quoted against computed numbers, glued numbers,
sympy's LaTeX, and the network drawn from its numbers.

Every display here carries the same content as plain text, so nbval compares the numbers
themselves, not just an object's name.
"""
from __future__ import annotations

import html
import math

from . import presets
from .quantities import agrees, decimals_of, table
from .notation import latex_name


class Markdown:
    """Markdown produced by code: rendered by the book, compared as text by nbval."""

    def __init__(self, text):
        self.text = text

    def _repr_markdown_(self):
        return self.text

    def __repr__(self):
        return self.text


class SVG:
    """An SVG figure: rendered by the book, compared by nbval, with a text description."""

    def __init__(self, svg, description):
        self.svg = svg
        self.description = description

    def _repr_svg_(self):
        return self.svg

    def __repr__(self):
        return self.description


def fmt(x, decimals):
    text = f"{float(x):.{decimals}f}"
    return text[1:] if text.startswith("-") and float(text) == 0.0 else text


def plain(x, decimals=9):
    """A number for the prose, rounded to ``decimals`` places with no trailing zeros:
    0.85, not 0.850000000; −0.809 keeps its sign."""
    text = fmt(x, decimals)
    return text.rstrip("0").rstrip(".") if "." in text else text


# ------------------------------------------------------------------------ quantity labels
def key_latex(net, key, names=None):
    """LaTeX for a quantity key, in the first document's notation: ``dE/dw5`` →
    ∂E_total/∂w_5, ``out:o1@10000`` → out_o1 after 10,000 steps.  ``names`` sets terms a
    document names otherwise, e.g. ``{"E": "E", "out:prediction": r"\text{prediction}"}``."""
    body, _, steps = key.partition("@")
    def term(t):
        if names and t in names:
            return names[t]
        if t == "E":
            return r"E_{total}"
        if t.startswith("E:"):
            return rf"E_{{{t[2:]}}}"
        if ":" in t:
            kind, n = t.split(":")
            return rf"\mathrm{{{kind}}}_{{{n}}}" if kind in ("net", "out") else t
        return latex_name(t)
    if body.endswith("+"):
        text = latex_name(body[:-1]) + "^{+}"
    elif body.startswith("d") and "/d" in body:
        num, den = body[1:].split("/d", 1)
        if num == "out" and den.startswith("net:"):      # dout/dnet:o1 is ∂out_o1/∂net_o1
            num = "out:" + den[4:]
        text = rf"\dfrac{{\partial {term(num)}}}{{\partial {term(den)}}}"
    else:
        text = term(body)
    if steps:
        text += rf"\ \text{{after {int(steps):,} step{'s' if int(steps) != 1 else ''}}}"
    return text


# ------------------------------------------------------------------------ tables
def published_table(preset_id, section=None, net=None, keys=None, names=None):
    """The document's published numbers beside the computed ones, as a Markdown table.

    Columns: the quantity, the document's number (a quotation), the computed value at the
    document's precision and in full, and whether they agree to the document's rounding.
    ``names``: terms of the quantity column in a document's own names (see :func:`key_latex`).
    """
    net = net or presets.load(preset_id)
    rows = [p for p in presets.published(preset_id)
            if (section is None or p["section"] == section) and (keys is None or p["key"] in keys)]
    if not rows:
        raise KeyError(f"no published numbers for section {section!r} of {preset_id}")
    values = table(net, [p["key"] for p in rows])
    lines = ["| quantity | the document says | computed (same places) | computed (full) | agrees |",
             "|---|---:|---:|---:|:---:|"]
    for p in rows:
        v = values[p["key"]]
        ok = agrees(v, p["quote"])
        mark = "yes" if ok else "**no** (see below)"
        lines.append(f"| ${key_latex(net, p['key'], names)}$ | “{p['quote']}” | {fmt(v, decimals_of(p['quote']))} | "
                     f"{v:.12g} | {mark} |")
    return Markdown("\n".join(lines))


def quoted(preset_id, key):
    """The number a document prints for ``key`` (as it prints it), for a quotation in the text."""
    for p in presets.published(preset_id):
        if p["key"] == key:
            return p["quote"]
    raise KeyError(f"{preset_id} publishes no number for {key}")


# myst-nb's prefix for glued outputs: its {glue} roles read a cell's outputs stored under it.
GLUE_PREFIX = "application/papermill.record/"


def glue(name, variable, display=True):
    """myst-nb's ``glue``: store ``variable``'s display under ``name`` for ``{glue:text}`name```.

    The same output as ``myst_nb.glue`` (a test holds them equal), without importing myst-nb
    in the kernel: its glue module imports nbformat, whose schema checks take two seconds to
    import, in every notebook of every run."""
    from IPython.core.formatters import format_display_data
    from IPython.display import display as ipy_display

    bundle, metadata = format_display_data(variable)
    prefix = "" if display else GLUE_PREFIX
    metadata["scrapbook"] = dict(name=name, mime_prefix=prefix)
    ipy_display({prefix + k: v for k, v in bundle.items()}, raw=True, metadata=metadata)


def glue_values(values, prefix=""):
    """Glue every ``{name: float}`` for the prose (``{glue:text}`name:.9f```)."""
    for name, v in values.items():
        glue(prefix + name, float(v), display=False)


def setup():
    """Every chapter's first cell: sympy's results print as LaTeX for MathJax (not pictures),
    matplotlib draws SVG whose text is the same on every run (nbval compares figures), and
    the names a chapter uses come back: ``glue, Markdown, Notation``.

    >>> glue, Markdown, Notation = setup()
    """
    import matplotlib.pyplot as plt
    import sympy as sp

    sp.init_printing(use_latex="mathjax", print_builtin=False)
    plt.rcParams["svg.hashsalt"] = "backprop"
    try:
        from IPython import get_ipython
        shell = get_ipython()
    except ImportError:
        shell = None
    if shell is not None:
        shell.run_line_magic("config", 'InlineBackend.figure_formats = ["svg"]')
        shell.run_line_magic("config", 'InlineBackend.print_figure_kwargs = '
                                       '{"bbox_inches": "tight", "metadata": {"Date": None}}')
    return glue, Markdown, Notation


def book_name(name):
    """A symbol set as the notation page sets it: net_h1 → \\mathrm{net}_{h1}, out_h1 →
    \\mathrm{out}_{h1}, w5 → w_{5} (the rest as :func:`backprop_lib.notation.latex_name`)."""
    kind, _, neuron = name.partition("_")
    if kind in ("net", "out") and neuron:
        return rf"\mathrm{{{kind}}}_{{{neuron}}}"
    return latex_name(name)


class Notation:
    """sympy expressions in a chapter's own symbols: ``Notation({"out_h1": "h_1"}).tex(expr)``.

    Symbols not in ``names`` are set the book's way (:func:`book_name`): w5 → w_5,
    out_h1 → \\mathrm{out}_{h1}."""

    def __init__(self, names=None):
        self.names = dict(names or {})

    def tex(self, expr):
        import sympy as sp
        expr = sp.sympify(expr)
        return sp.latex(expr, symbol_names={s: self.names.get(str(s), book_name(str(s)))
                                            for s in expr.free_symbols})

    def show(self, *exprs):
        """Display math: one or more expressions side by side."""
        from IPython.display import Math
        return Math(r",\qquad ".join(self.tex(e) for e in exprs))


def latex(expr, derivation=None):
    """A sympy expression as display math with the book's symbol names."""
    from IPython.display import Math
    import sympy as sp
    names = {s: latex_name(str(s)) for s in expr.free_symbols}
    return Math(sp.latex(expr, symbol_names=names))


# ------------------------------------------------------------------------ the figure
def chain_paths(net, start):
    """The paths along which ``start`` reaches the error, for the chain rule drawn as paths.

    ``start`` is a parameter's name (a weight's paths begin with its own edge; a shared
    bias's at every neuron it feeds) or a neuron's name.  Returns a list of paths, each the
    ``(layer, neuron)`` pairs it passes, from the first neuron ``start`` changes (or
    ``start`` itself) to an output: along a path the chain rule multiplies the local
    derivatives, and across paths it adds them.
    """
    try:
        p = net.param(start)
    except KeyError:
        p = None
    if p is None:
        first = [net.neuron(start)]
    elif p.kind == "weights":
        first = [(p.layer, p.location[2])]
    elif len(p.location) == 2:
        first = [(p.layer, j) for j in range(net.layers[p.layer])]
    else:
        first = [(p.layer, p.location[2])]
    def onwards(path):
        l, _ = path[-1]
        if l == net.depth:
            return [path]
        return [longer for j in range(net.layers[l + 1]) for longer in onwards(path + [(l + 1, j)])]
    return [path for n in first for path in onwards([n])]


def network_figure(net, show="values", width=640, sample=0, labels="classic", paths=None):
    """The network drawn from its numbers, as SVG.

    ``show="values"``: every weight, bias, input and target labelled, neurons with their
    outputs.  ``show="gradients"``: each edge with ∂E/∂w after the backward pass, neurons
    with their deltas.  ``labels="along"`` writes each edge's label along the edge, from
    its start (over the middle of a straight edge), on a white halo, so that crossing edges
    and long gradient labels stay readable (give it ``width=760`` or more).
    ``paths="w1"`` (a parameter's or a neuron's name) draws the paths of :func:`chain_paths`
    bold, fades every other edge, and writes one line per path under the network.
    """
    trace = net.forward()
    grads = net.backward(trace) if show == "gradients" else None
    gradient = net.named_gradient(trace) if show == "gradients" else None
    dec = min(net.decimals, 9)
    L = net.depth
    cols = L + 1
    route = chain_paths(net, paths) if paths is not None else []
    bold_edges, bold_neurons = set(), set()          # edges as (k, j, i); neurons as (l, j)
    start = next((q for q in net.parameters() if q.name == paths), None)
    for path in route:
        bold_neurons.update(path)
        bold_edges.update((a[0], b[1], a[1]) for a, b in zip(path, path[1:]))
        if start is not None and start.kind == "weights":
            bold_edges.add(start.location[1:])
    route_lines = [" → ".join([paths] * (start is not None) + [net.neuron_names[l][j] for l, j in path] + ["E"])
                   for path in route]
    height = 120 + 90 * max(net.layers) + 18 * (len(route_lines) + bool(route_lines))
    x0, x1 = 90, width - 150
    xs = [x0 + (x1 - x0) * l / L for l in range(cols)]

    def ys(n):
        top, bottom = 70, 120 + 90 * max(net.layers) - 50
        return [(top + bottom) / 2] if n == 1 else [top + (bottom - top) * j / (n - 1) for j in range(n)]
    pos = [[(xs[l], y) for y in ys(n)] for l, n in enumerate(net.layers)]
    names = {p.location: p.name for p in net.parameters()}
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="{width}" '
             f'height="{height}" role="img" font-family="sans-serif" font-size="12">']
    title = f"{net.title or 'network'}: " + (
        f"the paths from {paths} to the error" if route else
        "gradients after the backward pass" if grads else "weights and values")
    parts.append(f"<title>{html.escape(title)}</title>")
    parts.append('<rect width="100%" height="100%" fill="white"/>')

    def text(x, y, s, anchor="middle", size=12, weight="normal", fill="#222"):
        parts.append(f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}" font-size="{size}" '
                     f'font-weight="{weight}" fill="{fill}">{html.escape(s)}</text>')

    for k in range(L):
        for j, (xb, yb) in enumerate(pos[k + 1]):
            for i, (xa, ya) in enumerate(pos[k]):
                w_name = names[("weights", k, j, i)]
                colour = "#1f77b4" if net.weights[k][j, i] >= 0 else "#d62728"
                stroke = 1.5
                if route:
                    colour, stroke = (_PATH, 4) if (k, j, i) in bold_edges else (_FADED, 1)
                label = (f"∂E/∂{w_name} = {fmt(gradient[w_name], dec)}" if gradient
                         else f"{w_name} = {_short(net.weights[k][j, i])}")
                if labels == "along":
                    _edge_along(parts, xa, ya, xb, yb, label, colour, stroke=stroke)
                    continue
                parts.append(f'<line x1="{xa + 22:.1f}" y1="{ya:.1f}" x2="{xb - 22:.1f}" y2="{yb:.1f}" '
                             f'stroke="{_FADED_LINE if colour == _FADED else colour}" stroke-width="{stroke}"/>')
                t = 0.28 if (i + j) % 2 == 0 else 0.62
                lx, ly = xa + 22 + (xb - xa - 44) * t, ya + (yb - ya) * t
                text(lx, ly - 4, label, size=11, fill=colour)
        b = net.biases[k]
        if b is not None:
            for j, (xb, yb) in enumerate(pos[k + 1]):
                loc = ("biases", k) if isinstance(b, float) else ("biases", k, j)
                value = b if isinstance(b, float) else b[j]
                bname = names[loc]
                if gradient:
                    label = f"∂E/∂{bname} = {fmt(gradient[bname], dec)}"
                else:
                    label = f"{bname} = {_short(value)}"
                if isinstance(b, float) and j > 0:
                    label = bname
                mine = start is not None and start.location == loc
                text(xb, yb - 30, label, size=10, fill=_PATH if mine else "#555", weight="bold" if mine else "normal")
    for l, layer in enumerate(pos):
        for j, (x, y) in enumerate(layer):
            name = net.neuron_names[l][j]
            ring, ring_width = ("#333", 1.5) if (l, j) not in bold_neurons else (_PATH, 3)
            parts.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="22" fill="#f4f4f4" stroke="{ring}" '
                         f'stroke-width="{ring_width}"/>')
            text(x, y + 4, name, weight="bold", size=12 if len(name) <= 5 else max(7, round(60 / len(name), 1)))
            if l == 0:
                text(x - 28, y + 4, _short(net.inputs[sample, j]), anchor="end")
            elif grads is not None:
                text(x, y + 38, f"δ = {fmt(grads.delta[l][sample, j], dec)}", size=10, fill="#333")
            else:
                text(x, y + 38, f"out = {fmt(trace.out[l][sample, j], dec)}", size=10, fill="#333")
            if l == L:
                text(x + 28, y + 4, f"target {_short(net.targets[sample, j])}", anchor="start")
    captions = ["inputs"] + (["hidden"] * (L - 1)) + ["outputs"]
    for l, cap in enumerate(captions):
        act = "" if l == 0 else f" ({net.activations[l - 1]})"
        text(xs[l], 24, cap + act, size=12, weight="bold", fill="#444")
    if route_lines:
        top = 120 + 90 * max(net.layers) - 4
        text(24, top, f"{len(route_lines)} path{'s' if len(route_lines) > 1 else ''} from {paths} to the error E:",
             anchor="start", weight="bold", fill="#333")
        for n, line in enumerate(route_lines):
            text(36, top + 18 * (n + 1), line, anchor="start", fill=_PATH)
    parts.append("</svg>")
    description = _describe(net, trace, grads, gradient, dec, sample)
    if route_lines:
        description += f"\n{len(route_lines)} path(s) from {paths} to E:\n" + "\n".join(route_lines)
    return SVG("\n".join(parts), description)


_PATH = "#b34700"          # a path of the chain rule (contrast 5.4 on white)
_FADED = "#6b6b6b"         # the other edges' labels (contrast 5.3 on white)
_FADED_LINE = "#cfcfcf"    # and their lines


def _edge_along(parts, xa, ya, xb, yb, label, colour, r=22, stroke=1.5):
    """An edge from circle to circle with its label written along it (``labels="along"``)."""
    dx, dy = xb - xa, yb - ya
    length = math.hypot(dx, dy)
    ux, uy = dx / length, dy / length
    sx, sy, ex, ey = xa + r * ux, ya + r * uy, xb - r * ux, yb - r * uy
    parts.append(f'<line x1="{sx:.1f}" y1="{sy:.1f}" x2="{ex:.1f}" y2="{ey:.1f}" '
                 f'stroke="{_FADED_LINE if colour == _FADED else colour}" stroke-width="{stroke}"/>')
    angle = math.degrees(math.atan2(dy, dx))
    if abs(dy) < 1e-9:                       # a straight edge: the label over its middle
        lx, ly, anchor = (sx + ex) / 2, (sy + ey) / 2, "middle"
    else:                                    # a slanted one: from its start
        lx, ly, anchor = sx + 8 * ux, sy + 8 * uy, "start"
    parts.append(f'<text x="{lx:.1f}" y="{ly:.1f}" dy="-4" text-anchor="{anchor}" font-size="11" '
                 f'fill="{colour}" stroke="white" stroke-width="3" stroke-linejoin="round" paint-order="stroke" '
                 f'transform="rotate({angle:.2f} {lx:.1f} {ly:.1f})">{html.escape(label)}</text>')


def _short(x):
    text = repr(float(x))
    return text[:-2] if text.endswith(".0") else text


def _describe(net, trace, grads, gradient, dec, sample):
    lines = [f"{'-'.join(map(str, net.layers))} network"]
    for p in net.parameters():
        line = f"{p.name} = {_short(p.value)}"
        if gradient:
            line += f", ∂E/∂{p.name} = {fmt(gradient[p.name], dec)}"
        lines.append(line)
    for l in range(1, net.depth + 1):
        for j, n in enumerate(net.neuron_names[l]):
            line = f"out_{n} = {fmt(trace.out[l][sample, j], dec)}"
            if grads is not None:
                line += f", δ_{n} = {fmt(grads.delta[l][sample, j], dec)}"
            lines.append(line)
    return "\n".join(lines)

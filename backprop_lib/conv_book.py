"""What the convolution chapter shows: the worked example's sums, grids and figures, laid out
from the numbers of :class:`backprop_lib.conv.ConvNetwork`'s own passes (nothing recomputed
here), and the check of the chapter's code exercise.

Notation (the chapter's, for one image with one channel and one 2×2 kernel): pixels i_rc
(row r, column c, from 1); kernel entries k_uv; the feature map's net inputs net_rc and
outputs out_rc; the pooled values p_xy; δ_rc = ∂E/∂net_rc.
"""
from __future__ import annotations

import html

import numpy as np

from .book import SVG, Markdown, fmt


def _given(x):
    text = repr(float(x))
    text = text[:-2] if text.endswith(".0") else text
    return f"({text})" if text.startswith("-") else text


def _num(x, decimals=9):
    text = fmt(x, decimals)
    return f"({text})" if text.startswith("-") else text


def signed(x, decimals=9):
    """A computed number for a formula, in parentheses when negative."""
    return _num(x, decimals)


def short(x, decimals=9):
    """A computed number at ``decimals`` places without its trailing zeros (0.060000000 → 0.06),
    in parentheses when negative: the same number, shorter, for sums that must fit a line."""
    text = fmt(x, decimals)
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    text = "0" if text in ("-0", "") else text
    return f"({text})" if text.startswith("-") else text


def _chunks(terms, per_line):
    return [" + ".join(terms[n:n + per_line]) for n in range(0, len(terms), per_line)]


def sum_display(expr, names=None, per_line=4):
    """A sympy sum as display math, ``per_line`` terms a line, in sympy's own order, each term
    written by sympy with the symbols renamed by ``names`` (see :class:`backprop_lib.book.Notation`);
    by default a conv position's delta ``delta_c1_23`` is written δ₂₃."""
    from .book import Notation

    if names is None:
        names = {str(s): rf"\delta_{{{str(s).rsplit('_', 1)[1]}}}" for s in expr.free_symbols
                 if str(s).startswith("delta_")}
    notation = Notation(names)
    terms = [notation.tex(t) for t in expr.as_ordered_terms()]
    lines = _chunks(terms, per_line)
    return aligned(["&" + lines[0]] + [f"&+ {line}" for line in lines[1:]])


def aligned(lines):
    """Display math: ``lhs & = rhs`` lines, aligned at their first equals sign."""
    return Markdown("$$\n\\begin{aligned}\n" + " \\\\\n".join(lines) + "\n\\end{aligned}\n$$")


# ------------------------------------------------------------------ grids
def grid_table(values, decimals=9, row="row", col="column", mark=None, given=False):
    """A 2-D array as a Markdown table with its row and column numbers (from 1); ``mark`` is a
    boolean array: those cells bold."""
    values = np.asarray(values, dtype=float)
    rows, cols = values.shape
    head = f"| {row} \\ {col} | " + " | ".join(str(c + 1) for c in range(cols)) + " |"
    lines = [head, "|---|" + "---:|" * cols]
    for r in range(rows):
        cells = []
        for c in range(cols):
            text = _given(values[r, c]).strip("()") if given else fmt(values[r, c], decimals)
            cells.append(f"**{text}**" if mark is not None and mark[r, c] else text)
        lines.append(f"| {r + 1} | " + " | ".join(cells) + " |")
    return Markdown("\n".join(lines))


# ------------------------------------------------------------------ the worked example's sums
def conv_sums(net, sample=0):
    """Every output of the (single) conv layer as its sum of products, with the numbers, and
    its value from the forward pass: ``net_rc = k11·i_.. + … + b = value``."""
    trace = net.forward()
    layer = net.layers[0]
    K = net.weights[0][0, 0]
    k, s = layer.kernel, layer.stride
    x = net.inputs[sample, 0]
    b = net.biases[0]
    bias = 0.0 if b is None else (b if isinstance(b, float) else b[0])
    lines = []
    _, Ho, Wo = layer.out_shape
    for r in range(Ho):
        for c in range(Wo):
            terms = [rf"{_given(K[u, v])} \cdot {_given(x[s * r + u, s * c + v])}" for u in range(k) for v in range(k)]
            if b is not None:
                terms.append(_given(bias))
            lines.append(rf"\mathrm{{net}}_{{{r + 1}{c + 1}}} &= " + " + ".join(terms)
                         + f" = {fmt(trace.net[1][sample, 0, r, c], net.decimals)}")
    return aligned(lines)


def pool_lines(net, sample=0):
    """Each pooled value as the max of its window's outputs, with the numbers."""
    trace = net.forward()
    p = net.layers[1].size
    out = trace.out[1][sample, 0]
    lines = []
    _, Ho, Wo = net.layers[1].out_shape
    for x in range(Ho):
        for y in range(Wo):
            names = [rf"\mathrm{{out}}_{{{p * x + u + 1}{p * y + v + 1}}}" for u in range(p) for v in range(p)]
            vals = [short(out[p * x + u, p * y + v], net.decimals) for u in range(p) for v in range(p)]
            arg = int(trace.choice[2][sample, 0, x, y])
            lines.append(rf"p_{{{x + 1}{y + 1}}} &= \max(" + ", ".join(names) + r") \\ &= \max(" + ", ".join(vals)
                         + rf") = {fmt(trace.out[2][sample, 0, x, y], net.decimals)}"
                         + rf" \quad \text{{(from }} \mathrm{{out}}_{{{p * x + arg // p + 1}{p * y + arg % p + 1}}}\text{{)}}")
    return aligned(lines)


def kernel_gradient_lines(net, sample=0):
    """∂E/∂k_uv = Σ_rc δ_rc · i_(r+u−1)(c+v−1) for every kernel entry: the terms with δ ≠ 0,
    with the numbers, and the value from the backward pass."""
    grads = net.backward()
    delta = grads.delta[1][sample, 0]
    x = net.inputs[sample, 0]
    k = net.layers[0].kernel
    lines = []
    for u in range(k):
        for v in range(k):
            kept = [(r, c) for r in range(delta.shape[0]) for c in range(delta.shape[1]) if delta[r, c] != 0]
            symbols = " + ".join(rf"\delta_{{{r + 1}{c + 1}}} i_{{{r + u + 1}{c + v + 1}}}" for r, c in kept)
            numbers = _chunks([rf"{_num(delta[r, c], net.decimals)} \cdot {_given(x[r + u, c + v])}" for r, c in kept], 2)
            lines.append(rf"\frac{{\partial E}}{{\partial k_{{{u + 1}{v + 1}}}}} &= {symbols} \\ &= "
                         + r" \\ &\quad + ".join(numbers) + rf" = {fmt(grads.weights[0][0, 0, u, v], net.decimals)}")
    return aligned(lines)


def input_gradient_terms(net, sample=0):
    """For every pixel, the kernel entries that met it at a position with δ ≠ 0: ``{(x, y):
    [(r, c, u, v), …]}`` (0-based), so that ∂E/∂i_xy = Σ δ_rc · k_uv over them."""
    delta = net.backward().delta[1][sample, 0]
    k = net.layers[0].kernel
    H, W = net.input_shape[1:]
    terms = {}
    for x in range(H):
        for y in range(W):
            terms[(x, y)] = [(x - u, y - v, u, v) for u in range(k) for v in range(k)
                             if 0 <= x - u < delta.shape[0] and 0 <= y - v < delta.shape[1] and delta[x - u, y - v] != 0]
    return terms


# ------------------------------------------------------------------ figures
CELL = 46


def _grid_svg(parts, x0, y0, values, title, decimals=2, mark=None, fade=None, outline=None, windows=None, note=None):
    """One grid of numbers at (x0, y0): ``mark`` cells bold on a tint, ``fade`` cells grey,
    ``outline`` cells framed, ``windows`` (p) heavy lines between pooling windows."""
    values = np.asarray(values, dtype=float)
    rows, cols = values.shape
    parts.append(f'<text x="{x0}" y="{y0 - 8}" font-size="12" font-weight="bold" fill="#222">{html.escape(title)}</text>')
    for r in range(rows):
        for c in range(cols):
            x, y = x0 + c * CELL, y0 + r * CELL
            fill = "#dbe9f6" if mark is not None and mark[r, c] else "white"
            parts.append(f'<rect x="{x}" y="{y}" width="{CELL}" height="{CELL}" fill="{fill}" stroke="#888" stroke-width="1"/>')
            colour = "#767676" if fade is not None and fade[r, c] else "#222"
            weight = "bold" if mark is not None and mark[r, c] else "normal"
            text = fmt(values[r, c], decimals)
            parts.append(f'<text x="{x + CELL / 2}" y="{y + CELL / 2 + 4}" text-anchor="middle" font-size="11" '
                         f'font-weight="{weight}" fill="{colour}">{text}</text>')
            if outline is not None and outline[r, c]:
                parts.append(f'<rect x="{x + 2}" y="{y + 2}" width="{CELL - 4}" height="{CELL - 4}" fill="none" '
                             f'stroke="#1f6fb2" stroke-width="2.5"/>')
    if windows:
        for r in range(windows, rows - rows % windows, windows):
            parts.append(f'<line x1="{x0}" y1="{y0 + r * CELL}" x2="{x0 + (cols - cols % windows) * CELL}" '
                         f'y2="{y0 + r * CELL}" stroke="#222" stroke-width="3"/>')
        for c in range(windows, cols - cols % windows, windows):
            parts.append(f'<line x1="{x0 + c * CELL}" y1="{y0}" x2="{x0 + c * CELL}" '
                         f'y2="{y0 + (rows - rows % windows) * CELL}" stroke="#222" stroke-width="3"/>')
    if note:
        parts.append(f'<text x="{x0}" y="{y0 + rows * CELL + 16}" font-size="11" fill="#444">{html.escape(note)}</text>')
    return x0 + cols * CELL


def _arrow(parts, x1, y, x2):
    parts.append(f'<line x1="{x1 + 8}" y1="{y}" x2="{x2 - 10}" y2="{y}" stroke="#555" stroke-width="1.5"/>'
                 f'<path d="M{x2 - 10},{y - 5} L{x2 - 2},{y} L{x2 - 10},{y + 5} Z" fill="#555"/>')


def _svg(parts, width, height, title, description):
    head = (f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
            f'role="img" font-family="sans-serif"><title>{html.escape(title)}</title>'
            '<rect width="100%" height="100%" fill="white"/>')
    return SVG(head + "\n".join(parts) + "</svg>", description)


def forward_figure(net, sample=0):
    """The forward pass drawn: the image, the kernel, the feature map (ReLU's zeros greyed,
    the pooling windows ruled, each window's maximum framed), the pooled values, the outputs."""
    t = net.forward()
    img = net.inputs[sample, 0]
    K = net.weights[0][0, 0]
    fmap = t.out[1][sample, 0]
    pooled = t.out[2][sample, 0]
    p = net.layers[1].size
    chosen = np.zeros_like(fmap, dtype=bool)
    for x in range(pooled.shape[0]):
        for y in range(pooled.shape[1]):
            a = int(t.choice[2][sample, 0, x, y])
            chosen[p * x + a // p, p * y + a % p] = True
    parts = []
    top = 40
    x = _grid_svg(parts, 10, top, img, "image i", decimals=1)
    kx = x + 40
    parts.append(f'<text x="{x + 20}" y="{top + 2 * CELL + 6}" text-anchor="middle" font-size="18" fill="#222">*</text>')
    x = _grid_svg(parts, kx, top + CELL, K, "kernel k", decimals=1,
                  note=f"bias {_given(net.biases[0]).strip('()')}")
    _arrow(parts, x, top + 2 * CELL, x + 40)
    x = _grid_svg(parts, x + 40, top, fmap, "out = max(0, net)", decimals=2, fade=t.net[1][sample, 0] <= 0,
                  outline=chosen, windows=p, note="framed: each window's maximum")
    _arrow(parts, x, top + 2 * CELL, x + 40)
    x = _grid_svg(parts, x + 40, top + CELL, pooled, "max-pool p", decimals=2)
    _arrow(parts, x, top + 2 * CELL, x + 40)
    outs = t.outputs[sample]
    ox = x + 50
    parts.append(f'<text x="{ox}" y="{top + CELL - 8}" font-size="12" font-weight="bold" fill="#222">outputs</text>')
    for j, o in enumerate(outs):
        cy = top + CELL + 22 + j * 56
        parts.append(f'<circle cx="{ox + 22}" cy="{cy}" r="20" fill="#f4f4f4" stroke="#333"/>'
                     f'<text x="{ox + 22}" y="{cy + 4}" text-anchor="middle" font-size="12" font-weight="bold" fill="#222">o{j + 1}</text>'
                     f'<text x="{ox + 48}" y="{cy + 4}" font-size="11" fill="#222">{fmt(o, 4)}</text>')
    width = ox + 110
    description = ("forward pass: image " + "; ".join(" ".join(_given(v).strip("()") for v in row) for row in img)
                   + f" | kernel {K.tolist()} | feature map " + "; ".join(" ".join(fmt(v, 2) for v in row) for row in fmap)
                   + " | pooled " + " ".join(fmt(v, 9) for v in pooled.ravel())
                   + " | outputs " + " ".join(fmt(v, 9) for v in outs))
    return _svg(parts, width, top + 5 * CELL + 50, "The worked example's forward pass", description)


def backward_figure(net, sample=0):
    """The backward pass drawn: ∂E/∂out of the feature map (routed to the maxima), the deltas
    after the ReLU gate, the kernel's gradient, and the image's gradient (non-zero pixels
    tinted)."""
    g = net.backward()
    t = net.forward()
    routed = g.dE_dout[1][sample, 0]
    delta = g.delta[1][sample, 0]
    gk = g.weights[0][0, 0]
    gi = g.dE_dout[0][sample, 0]
    parts = []
    top = 40
    x = _grid_svg(parts, 10, top, routed * 1000, "∂E/∂out (×1000)", decimals=3, fade=routed == 0,
                  mark=routed != 0, windows=net.layers[1].size)
    _arrow(parts, x, top + 2 * CELL, x + 40)
    x = _grid_svg(parts, x + 40, top, delta * 1000, "δ = ∂E/∂net (×1000)", decimals=3, fade=delta == 0,
                  mark=delta != 0, outline=t.net[1][sample, 0] <= 0, note="framed: net ≤ 0, the gate shut")
    x2 = _grid_svg(parts, x + 50, top + CELL, gk * 1000, "∂E/∂k (×1000)", decimals=3)
    x3 = _grid_svg(parts, x2 + 50, top, gi * 1000, "∂E/∂i (×1000)", decimals=3, fade=gi == 0, mark=gi != 0)
    description = ("backward pass: dE/dout " + "; ".join(" ".join(fmt(v, 9) for v in row) for row in routed)
                   + " | delta " + "; ".join(" ".join(fmt(v, 9) for v in row) for row in delta)
                   + " | dE/dk " + " ".join(fmt(v, 9) for v in gk.ravel())
                   + " | dE/di " + "; ".join(" ".join(fmt(v, 9) for v in row) for row in gi))
    return _svg(parts, x3 + 10, top + 5 * CELL + 40, "The worked example's backward pass", description)


def filters_figure(kernels, title="learned filters"):
    """A CNN's kernels (F, 1, k, k) as small grey-scale pictures (black: the largest weight of
    each filter, white: the smallest) with their numbers, as SVG."""
    kernels = np.asarray(kernels, dtype=float)
    F, _, k, _ = kernels.shape
    size = 26
    parts = []
    for f in range(F):
        kern = kernels[f, 0]
        lo, hi = kern.min(), kern.max()
        x0, y0 = 10 + f * (k * size + 24), 30
        parts.append(f'<text x="{x0}" y="{y0 - 8}" font-size="12" font-weight="bold" fill="#222">filter {f + 1}</text>')
        for u in range(k):
            for v in range(k):
                level = 0.0 if hi == lo else (kern[u, v] - lo) / (hi - lo)
                grey = int(round(255 * (1 - level)))
                ink = "#ffffff" if grey < 128 else "#000000"
                parts.append(f'<rect x="{x0 + v * size}" y="{y0 + u * size}" width="{size}" height="{size}" '
                             f'fill="rgb({grey},{grey},{grey})" stroke="#999"/>'
                             f'<text x="{x0 + v * size + size / 2}" y="{y0 + u * size + size / 2 + 3}" text-anchor="middle" '
                             f'font-size="8" fill="{ink}">{fmt(kern[u, v], 1)}</text>')
    width = 20 + F * (k * size + 24)
    description = f"{title}: " + " | ".join(" ".join(fmt(v, 3) for v in kernels[f, 0].ravel()) for f in range(F))
    return _svg(parts, width, 40 + k * size, title, description)


# ------------------------------------------------------------------ the code exercise
def check_kernel_gradient(fn, trials=20, seed=0):
    """The chapter's code exercise: ``fn(image, delta)`` should return the kernel's gradient
    (the correlation of the image with the deltas).  Tries it on the worked example and on
    random images and delta maps of other sizes; prints one line and returns True or False."""
    from .conv import example

    net = example()
    cases = [(net.inputs[0, 0], net.backward().delta[1][0, 0], net.backward().weights[0][0, 0] * 1.0)]
    rng = np.random.default_rng(seed)
    for _ in range(trials):
        H, W = rng.integers(3, 8, 2)
        k = int(rng.integers(1, min(H, W) + 1))
        image = np.round(rng.uniform(-1, 1, (H, W)), 2)
        delta = np.round(rng.uniform(-1, 1, (H - k + 1, W - k + 1)), 2)
        want = np.array([[np.sum(image[u:u + H - k + 1, v:v + W - k + 1] * delta) for v in range(k)] for u in range(k)])
        cases.append((image, delta, want))
    for n, (image, delta, want) in enumerate(cases):
        try:
            got = np.asarray(fn(np.array(image), np.array(delta)), dtype=float)
        except NotImplementedError:
            print("Not yet: the function is still to be written.")
            return False
        except Exception as e:                      # a reader's code: say what went wrong, in one line
            print(f"Not yet: it stops with {type(e).__name__}: {e}")
            return False
        if got.shape != want.shape:
            print(f"Not yet: for a {image.shape[0]}×{image.shape[1]} image and a {delta.shape[0]}×{delta.shape[1]} "
                  f"delta map the gradient is {want.shape[0]}×{want.shape[1]}; yours is {'×'.join(map(str, got.shape))}.")
            return False
        if not np.allclose(got, want, atol=1e-12):
            where = "the worked example" if n == 0 else f"a random {image.shape[0]}×{image.shape[1]} image"
            print(f"Not yet: on {where} it gives {np.round(got, 6).tolist()}, not {np.round(want, 6).tolist()}.")
            return False
    print(f"Right: it agrees with the backward pass on the worked example and on {trials} random images.")
    return True


# ------------------------------------------------------------------ the dense layer, the error, the output deltas
def _pooled_names(net):
    _, Ho, Wo = net.layers[1].out_shape
    return [f"p_{{{x + 1}{y + 1}}}" for x in range(Ho) for y in range(Wo)]


def dense_lines(net, sample=0):
    """net_oj = Σ_i w_ji·p_i + b and out_oj = σ(net_oj) for the output layer, with the numbers."""
    t = net.forward()
    L = net.depth
    W = net.weights[L - 1]
    p = t.out[L - 1][sample].reshape(-1)
    b = net.biases[L - 1]
    names = _pooled_names(net)
    lines = []
    for j in range(W.shape[0]):
        bias = None if b is None else (b if isinstance(b, float) else b[j])
        symbols = " + ".join(rf"w^{{(3)}}_{{{j + 1},{i + 1}}} {names[i]}" for i in range(len(p)))
        numbers = " + ".join(rf"{_given(W[j, i])} \cdot {short(p[i], net.decimals)}" for i in range(len(p)))
        if bias is not None:
            symbols += f" + b_{{{L}}}"
            numbers += f" + {_given(bias)}"
        lines.append(rf"\mathrm{{net}}_{{o{j + 1}}} &= {symbols} \\ &= {numbers} = {fmt(t.net[L][sample, j], net.decimals)}")
    for j in range(W.shape[0]):
        lines.append(rf"\mathrm{{out}}_{{o{j + 1}}} &= \frac{{1}}{{1 + e^{{-\mathrm{{net}}_{{o{j + 1}}}}}}} = "
                     rf"\frac{{1}}{{1 + e^{{-{fmt(t.net[L][sample, j], net.decimals)}}}}} = {fmt(t.outputs[sample, j], net.decimals)}")
    return aligned(lines)


def error_lines(net, sample=0):
    t = net.forward()
    lines, terms = [], []
    for j in range(t.outputs.shape[1]):
        lines.append(rf"E_{{o{j + 1}}} &= \tfrac{{1}}{{2}}(\mathrm{{target}}_{{o{j + 1}}} - \mathrm{{out}}_{{o{j + 1}}})^2 = "
                     rf"\tfrac{{1}}{{2}}({_given(t.targets[sample, j])} - {fmt(t.outputs[sample, j], net.decimals)})^2 = "
                     rf"{fmt(t.terms[sample, j], net.decimals)}")
        terms.append(fmt(t.terms[sample, j], net.decimals))
    lines.append(r"E &= " + " + ".join(f"E_{{o{j + 1}}}" for j in range(len(terms))) + " = " + " + ".join(terms)
                 + f" = {fmt(t.loss, net.decimals)}")
    return aligned(lines)


def output_delta_lines(net, sample=0):
    """δ_oj = (out − target)·out·(1 − out) for each sigmoid output, with the numbers."""
    t, g = net.forward(), net.backward()
    lines = []
    for j in range(t.outputs.shape[1]):
        o, tt = t.outputs[sample, j], t.targets[sample, j]
        lines.append(rf"\delta_{{o{j + 1}}} &= (\mathrm{{out}}_{{o{j + 1}}} - \mathrm{{target}}_{{o{j + 1}}})\,"
                     rf"\mathrm{{out}}_{{o{j + 1}}}(1 - \mathrm{{out}}_{{o{j + 1}}}) \\ &= ({fmt(o, net.decimals)} - {_given(tt)})"
                     rf" \cdot {fmt(o, net.decimals)} \cdot (1 - {fmt(o, net.decimals)}) \\ &= {fmt(g.delta[net.depth][sample, j], net.decimals)}")
    return aligned(lines)


def pooled_gradient_lines(net, sample=0):
    """∂E/∂p_i = Σ_j δ_oj·w_ji for each pooled value, with the numbers."""
    g = net.backward()
    L = net.depth
    W = net.weights[L - 1]
    d = g.delta[L][sample]
    names = _pooled_names(net)
    got = g.dE_dout[L - 1][sample].reshape(-1)
    lines = []
    for i, name in enumerate(names):
        symbols = " + ".join(rf"\delta_{{o{j + 1}}} w^{{(3)}}_{{{j + 1},{i + 1}}}" for j in range(len(d)))
        numbers = " + ".join(rf"{_num(d[j], net.decimals)} \cdot {_given(W[j, i])}" for j in range(len(d)))
        lines.append(rf"\frac{{\partial E}}{{\partial {name}}} &= {symbols} \\ &= {numbers} = {fmt(got[i], net.decimals)}")
    return aligned(lines)

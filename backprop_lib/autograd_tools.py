"""What the chapter "Build it yourself" does with the hand-built autograd (:mod:`.autograd`).

* :func:`value_network`: any dense network of the library, built from :class:`Value` s,
  and :func:`value_gradient`, its gradient in the library's parameter order;
* :func:`graph_figure`: the computation graph of a Value drawn from the code, as SVG, with
  every value and gradient;
* :func:`gate_rows`: the three gate patterns (add distributes, multiply swaps, max routes)
  computed on example numbers;
* :func:`source_of`: a piece of the autograd's source, for the page;
* :func:`check_log`: the check cell of the chapter's code exercise (a ``log`` operation);
* :func:`jax_gradient`: the same gradient by JAX, a framework's automatic differentiation.
"""
from __future__ import annotations

import html
import inspect
import math
import textwrap

import numpy as np

from .autograd import Value
from .book import SVG, Markdown
from .network import SpecError
from .verdict import Verdict

_ACTIVATE = {
    "sigmoid": lambda v: v.sigmoid(),
    "tanh": lambda v: v.tanh(),
    "relu": lambda v: v.relu(),
    "linear": lambda v: v,
}


# ------------------------------------------------------------------ a network of Values
def value_network(net):
    """``(params, E)``: a :class:`Value` per parameter of ``net`` (by name, in the network's
    order; a shared bias is one Value used by every neuron of its layer) and the loss E, the
    mean over the samples of ½Σ(target − out)², built from them."""
    for k, act in enumerate(net.activations):
        if act not in _ACTIVATE:
            raise SpecError(f"activations[{k}]: the hand-built autograd has no {act} "
                            f"(it knows {', '.join(_ACTIVATE)})")
    if net.loss != "half_sse":
        raise SpecError(f"loss: the hand-built autograd computes half_sse only, got {net.loss}")
    params = {p.name: Value(p.value, label=p.name) for p in net.parameters()}
    at = {p.location: params[p.name] for p in net.parameters()}
    total = Value(0.0)
    for s in range(net.samples):
        out = [Value(float(x), label=name) for x, name in zip(net.inputs[s], net.neuron_names[0])]
        for k in range(net.depth):
            layer = []
            for j in range(net.layers[k + 1]):
                total_in = sum((at[("weights", k, j, i)] * out[i] for i in range(net.layers[k])), Value(0.0))
                b = net.biases[k]
                if b is not None:
                    total_in = total_in + (at[("biases", k)] if isinstance(b, float) else at[("biases", k, j)])
                layer.append(_ACTIVATE[net.activations[k]](total_in))
            out = layer
        for o, t in zip(out, net.targets[s]):
            total = total + 0.5 * (float(t) - o) ** 2
    return params, total * (1.0 / net.samples)


def value_gradient(net):
    """The gradient of E by the hand-built autograd, in the order of ``net.parameters()``."""
    params, E = value_network(net)
    E.backward()
    return np.array([params[p.name].grad for p in net.parameters()])


# ------------------------------------------------------------------ the graph, drawn
def _graph(root):
    """Every Value ``root`` was computed from, each after the Values it feeds (root first),
    and for each its consumers."""
    order, seen, stack = [], set(), [root]
    while stack:
        v = stack.pop()
        if v in seen:
            continue
        seen.add(v)
        order.append(v)
        stack.extend(reversed(v.parents))
    consumers = {v: [] for v in order}
    for v in order:
        for p in v.parents:
            consumers[p].append(v)
    return order, consumers


def _number(x, decimals):
    text = f"{x:.{decimals}f}"
    return text[1:] if text.startswith("-") and float(text) == 0.0 else text


def _is_constant(v):
    """A plain number the code wrote into an expression (``0.5 * x``): no parents, no label."""
    return not v.parents and not v.label


def _short(x):
    return f"{x:.9g}".replace("-", "−")


def _op_text(v):
    """The operation of ``v`` as drawn, with a constant operand written into it: "× 0.5"."""
    op = {"^2": "²"}.get(v.op, v.op)
    consts = [p for p in v.parents if _is_constant(p)]
    if not consts:
        return op
    c = consts[0].data
    if op == "+":
        return f"− {_short(-c)}" if c < 0 else f"+ {_short(c)}"
    return f"{op} {_short(c)}"


def _name(v, names):
    """A Value's label, or its expression from its parents' names when that is short."""
    if v.label:
        return v.label
    shown = [names.get(p, "") for p in v.parents if not _is_constant(p)]
    if len(shown) != 2 or not all(shown) or v.op not in ("×", "+"):
        return ""
    text = f"{shown[0]}·{shown[1]}" if v.op == "×" else f"{shown[0]} + {shown[1]}"
    return text if len(text) <= 18 else ""


def graph_figure(root, decimals=9, title="computation graph"):
    """The computation graph of ``root`` as SVG: one box per Value (its name, value and
    gradient), its operation above it, edges from the Values it was computed from.  Values
    flow down the page to ``root``; gradients flow back up.  A plain number the code wrote
    into an expression is written into its operation ("× 0.5").  The layout is a tidy
    tree: leaves left to right, each Value centred under its parents (a Value used twice is
    drawn once)."""
    order, consumers = _graph(root)
    rank = {root: 0}
    for v in _topological_from(root, consumers):
        if v is not root:
            rank[v] = max(rank[c] + 1 for c in consumers[v])
    order = [v for v in order if not _is_constant(v)]
    depth = max(rank[v] for v in order)
    slot, leaves = {}, [0]

    def place(v):
        if v not in slot:
            parents = [p for p in v.parents if not _is_constant(p)]
            if parents:
                xs = [place(p) for p in parents]
                slot[v] = sum(xs) / len(xs)
            else:
                slot[v] = float(leaves[0])
                leaves[0] += 1
        return slot[v]
    place(root)
    names = {}
    for v in reversed(order):
        names[v] = _name(v, names)
    box_w, box_h, gap_x, gap_y, margin = 124, 50, 14, 50, 16
    width = int(margin * 2 + (max(slot.values()) + 1) * (box_w + gap_x) - gap_x)
    height = int(margin * 2 + (depth + 1) * (box_h + gap_y) - gap_y + 8)
    X = {v: margin + slot[v] * (box_w + gap_x) for v in order}
    Y = {v: margin + 8 + (depth - rank[v]) * (box_h + gap_y) for v in order}
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="{width}" '
             f'height="{height}" role="img" font-family="sans-serif" font-size="11">',
             f"<title>{html.escape(title)}</title>", '<rect width="100%" height="100%" fill="white"/>']
    for v in order:                          # edges and operations first, under the boxes
        if not v.parents:
            continue
        cx, cy = X[v] + box_w / 2, Y[v] - 20
        op = _op_text(v)
        half = max(11.0, 3.6 * len(op) + 7)
        for p in dict.fromkeys(p for p in v.parents if not _is_constant(p)):
            px, py = X[p] + box_w / 2, Y[p] + box_h
            parts.append(f'<line x1="{px:.1f}" y1="{py:.1f}" x2="{cx:.1f}" y2="{cy - 11:.1f}" '
                         f'stroke="#888" stroke-width="1.2"/>')
        parts.append(f'<line x1="{cx:.1f}" y1="{cy + 11:.1f}" x2="{cx:.1f}" y2="{Y[v]:.1f}" '
                     f'stroke="#888" stroke-width="1.2"/>')
        parts.append(f'<rect x="{cx - half:.1f}" y="{cy - 11:.1f}" width="{2 * half:.1f}" height="22" rx="11" '
                     f'fill="#fff7e0" stroke="#b07d00"/>')
        parts.append(f'<text x="{cx:.1f}" y="{cy + 4:.1f}" text-anchor="middle" '
                     f'fill="#5c4100">{html.escape(op)}</text>')
    for v in order:
        x, y = X[v], Y[v]
        fill = "#eef4fb" if v.label else "#f6f6f6"
        parts.append(f'<rect x="{x:.1f}" y="{y:.1f}" width="{box_w}" height="{box_h}" rx="5" fill="{fill}" '
                     f'stroke="#4a6a8a"/>')
        parts.append(f'<text x="{x + box_w / 2:.1f}" y="{y + 14:.1f}" text-anchor="middle" font-weight="bold" '
                     f'fill="#222">{html.escape(names[v])}</text>')
        parts.append(f'<text x="{x + 6:.1f}" y="{y + 29:.1f}" fill="#222">value {_number(v.data, decimals)}</text>')
        parts.append(f'<text x="{x + 6:.1f}" y="{y + 43:.1f}" fill="#a33a00">grad {_number(v.grad, decimals)}</text>')
    parts.append("</svg>")
    lines = [title]
    for v in reversed(order):
        what = names[v] or f"({_op_text(v)})"
        lines.append(f"{what}: value {_number(v.data, decimals)}, grad {_number(v.grad, decimals)}")
    return SVG("\n".join(parts), "\n".join(lines))


def _topological_from(root, consumers):
    """The Values, each after every Value it feeds (root first): Kahn's algorithm, a Value
    becoming ready once all its consumers are placed."""
    pending = {v: len(cs) for v, cs in consumers.items()}
    order, ready = [], [root]
    while ready:
        v = ready.pop()
        order.append(v)
        for p in v.parents:                  # a Value used twice is counted twice
            pending[p] -= 1
            if pending[p] == 0:
                ready.append(p)
    return order


# ------------------------------------------------------------------ gates
def gate_rows(a=3.0, b=-2.0, upstream=0.5):
    """The three gate patterns on numbers: ``[(gate, a, b, output, ∂E/∂a, ∂E/∂b)]`` where
    the gate's output receives ``upstream`` = ∂E/∂output.  ``max`` is max(a, b), made of
    the autograd's own operations: max(a, b) = b + max(0, a − b)."""
    rows = []
    for name, f in [("add", lambda x, y: x + y), ("multiply", lambda x, y: x * y),
                    ("max", lambda x, y: y + (x - y).relu())]:
        x, y = Value(a), Value(b)
        out = f(x, y)
        (out * upstream).backward()
        rows.append((name, a, b, out.data, x.grad, y.grad))
    return rows


def gate_table(a=3.0, b=-2.0, upstream=0.5):
    """:func:`gate_rows` as a Markdown table."""
    lines = ["| gate | a | b | output | ∂E/∂output | ∂E/∂a | ∂E/∂b | the pattern |",
             "|---|---:|---:|---:|---:|---:|---:|---|"]
    what = {"add": "distributes: both get ∂E/∂output", "multiply": "swaps: each gets the other's value × ∂E/∂output",
            "max": "routes: the larger input gets all of it, the other none"}
    for name, x, y, out, ga, gb in gate_rows(a, b, upstream):
        lines.append(f"| {name} | {x:g} | {y:g} | {out:g} | {upstream:g} | {ga:g} | {gb:g} | {what[name]} |")
    return Markdown("\n".join(lines))


# ------------------------------------------------------------------ the source, on the page
def source_of(*names):
    """Pieces of the autograd's source, as a Python code block in Markdown: ``"class"`` (the
    class line, its docstring and ``__init__``), ``"rest"`` (the operations made of the
    others), or the name of a method (with the comment line above it)."""
    src = inspect.getsource(Value)
    chunks = []
    for name in names:
        if name == "class":
            chunks.append(src.partition("    def __repr__")[0].rstrip())
        elif name == "rest":
            start = src.index("    # the rest are made of")
            chunks.append(src[start:src.index("    # ----", start)].rstrip())
        else:
            lines = src.splitlines()
            at = next(n for n, line in enumerate(lines) if line.startswith(f"    def {name}("))
            start = at - 1 if lines[at - 1].strip().startswith("#") and "----" not in lines[at - 1] else at
            end = at + 1
            while end < len(lines) and (lines[end].startswith("        ") or not lines[end].strip()):
                end += 1
            chunks.append("\n".join(lines[start:end]).rstrip())
    return Markdown("```python\n" + "\n\n".join(chunks) + "\n```")


def source_lines():
    """The number of lines of the Value class (the autograd itself)."""
    return len(inspect.getsource(Value).splitlines())


# ------------------------------------------------------------------ the code exercise
def check_log(log):
    """The check cell of the exercise "add a log operation": ``log(a)`` must return a Value
    holding ln(a.data) whose backward pass adds ∂ln(a)/∂a · out.grad = out.grad / a to
    ``a.grad``.  Returns a :class:`~backprop_lib.verdict.Verdict`:
    one line starting "Right" or "Not yet", true or false."""
    def verdict(right, text):
        return Verdict(right, text)

    cases = [(2.0, 1.0), (0.5, -3.0), (7.25, 0.25)]
    for a0, upstream in cases:
        a = Value(a0)
        try:
            out = log(a)
        except Exception as e:                    # the reader's code: say what went wrong, in one line
            return verdict(False, f"log(Value({a0:g})) raised {type(e).__name__}: {e}")
        if not isinstance(out, Value):
            return verdict(False, f"log must return a Value, it returned {type(out).__name__}")
        if not math.isclose(out.data, math.log(a0), rel_tol=1e-12):
            return verdict(False, f"log(Value({a0:g})) holds {out.data:g}, not ln({a0:g}) = {math.log(a0):.6g}")
        if a not in out.parents:
            return verdict(False, "the result must remember its input: Value(..., (a,), \"log\")")
        try:
            (out * upstream).backward()
        except Exception as e:
            return verdict(False, f"the backward pass raised {type(e).__name__}: {e}")
        want = upstream / a0
        if math.isclose(a.grad, want, rel_tol=1e-12):
            continue
        if a.grad == 0:
            return verdict(False, "a.grad stays 0: the backward step must add ∂ln(a)/∂a · out.grad to it")
        if math.isclose(a.grad, 1 / a0, rel_tol=1e-12):
            return verdict(False, "multiply the local derivative by out.grad: the chain rule")
        if math.isclose(a.grad, upstream * a0, rel_tol=1e-12):
            return verdict(False, "∂ln(a)/∂a is 1/a, not a")
        return verdict(False, f"with a = {a0:g} and out.grad = {upstream:g}, a.grad should become "
                              f"{want:g}, yours is {a.grad:g}")
    a = Value(3.0)                                 # used twice: the gradients must add up
    try:
        y = log(a) + log(a)
        y.backward()
    except Exception as e:
        return verdict(False, f"log(a) + log(a) raised {type(e).__name__}: {e}")
    if not math.isclose(a.grad, 2 / 3, rel_tol=1e-12):
        return verdict(False, "a Value used twice must receive both gradients: use += , not =")
    return verdict(True, "∂ln(a)/∂a = 1/a, times out.grad, added to a.grad.")


# ------------------------------------------------------------------ a framework's answer
def jax_gradient(net):
    """The gradient of E by JAX (float64) in the order of ``net.parameters()``: the loss is
    written with JAX's NumPy, differentiated by ``jax.grad`` and compiled by ``jax.jit``.
    Imports JAX (seconds)."""
    import jax
    jax.config.update("jax_enable_x64", True)
    import jax.numpy as jnp

    from .activations import ACTIVATIONS
    funcs = {"sigmoid": jax.nn.sigmoid, "tanh": jnp.tanh, "relu": jax.nn.relu, "linear": lambda z: z,
             "softmax": lambda z: jax.nn.softmax(z, axis=-1)}
    assert set(funcs) >= set(ACTIVATIONS)
    X, T = jnp.asarray(net.inputs), jnp.asarray(net.targets)

    def loss(weights, biases):
        out = X
        for k in range(net.depth):
            out = funcs[net.activations[k]](out @ weights[k].T + (0.0 if biases[k] is None else biases[k]))
        if net.loss == "half_sse":
            return jnp.mean(jnp.sum(0.5 * (T - out) ** 2, axis=1))
        return jnp.mean(jnp.sum(-T * jnp.log(out), axis=1))

    weights = [jnp.asarray(w) for w in net.weights]
    biases = [None if b is None else jnp.asarray(b) for b in net.biases]
    gw, gb = jax.jit(jax.grad(loss, argnums=(0, 1)))(weights, biases)   # compiled once: quicker than op by op
    values = []
    for p in net.parameters():
        if p.kind == "weights":
            _, k, j, i = p.location
            values.append(float(gw[k][j, i]))
        elif len(p.location) == 2:
            values.append(float(gb[p.location[1]]))
        else:
            values.append(float(gb[p.location[1]][p.location[2]]))
    return np.array(values)

"""The first document (2-2-2), "A Step by Step Backpropagation Example": its own procedures,
re-expressed, where its numbers differ from the exact computation.

What the experiments of the chapter establish (each function below runs one of them):

* ``∂E_o2/∂out_h1 = −0.019049119`` (the hidden-layer section).  The exact value is
  −0.019049118258…, which prints as −0.019049118.  The document's number is δ_o2 first
  rounded to nine places (−0.038098237) times w7 = 0.5, i.e. −0.0190491185, exactly half
  way, rounded away from zero.  :func:`rounded_delta`.
* The closing paragraph's error after the first update (0.291027924) and its outputs after
  10,000 updates (0.015912196, 0.984065734) come from a training loop that updates the
  output weights *first* and then backpropagates into the hidden layer with those updated
  weights (:func:`train_loop` with ``hidden_uses="updated"``; :func:`text_variant`), not
  from the procedure of the document's own sections, which uses the original output
  weights (as the document says it does).
* The closing paragraph's error after 10,000 updates (0.0000351085) is not the error of the
  outputs printed beside it (½(0.01 − 0.015912196)² + ½(0.99 − 0.984065734)² is
  0.0000350848).  Of the procedures searched (:func:`closing_search`), the only one that
  gives it is the exact algorithm after 9,999 updates (:func:`exact_after_9999_updates`).
* A reader's −0.017144205 for ∂E_o2/∂out_h1 is what w6 in place of w7, computed in
  single precision, gives; it is the only hit of :func:`commenter_search`.

These are re-expressions of procedures, written for this book; none is anybody's code.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache

import numpy as np

from .. import presets
from ..network import SpecError

#: A reader's number under the document (its comments): ∂E_o2/∂out_h1 "I make this".
COMMENTER_QUOTE = "-0.017144205"
#: The number the reader compared it with, the document's ∂E_o2/∂out_h1.
DOCUMENT_QUOTE = "-0.019049119"


# ------------------------------------------------------------------------ a training loop
@dataclass
class Run:
    """One training run: ``history[n]`` is E after n updates, ``outputs_history[n]`` the
    outputs after n updates (when recorded); ``net`` the trained network, ``outputs`` its."""
    history: list
    net: object
    outputs: list
    outputs_history: list = None


def _sigmoid(x):
    return 1.0 / (1.0 + math.exp(-x))


def _check(net):
    if (net.depth != 2 or list(net.activations) != ["sigmoid", "sigmoid"] or net.loss != "half_sse"
            or net.samples != 1 or any(b is not None and not isinstance(b, float) for b in net.biases)):
        raise SpecError("train_loop: needs one hidden layer, sigmoid neurons, half_sse, one sample "
                        "and shared (or no) biases, as the first document's network has")


def train_loop(steps, hidden_uses="original", update_biases=None, net=None, record_outputs=False):
    """``steps`` updates of a one-hidden-layer sigmoid network, on plain floats.

    ``hidden_uses="original"``: the hidden layer's deltas use the output weights as they were
    before this update, as the document's sections compute (the exact gradient).
    ``hidden_uses="updated"``: the output weights are updated first and the hidden deltas
    use the *updated* output weights.  ``update_biases`` overrides the network's setting;
    ``record_outputs`` keeps the outputs after every update.
    """
    if hidden_uses not in ("original", "updated"):
        raise SpecError(f"hidden_uses: expected 'original' or 'updated', got {hidden_uses!r}")
    steps = int(steps)
    if steps < 0:
        raise SpecError(f"steps: must be 0 or more, got {steps}")
    net = net if net is not None else presets.load("2-2-2")
    _check(net)
    move_biases = net.update_biases if update_biases is None else bool(update_biases)
    W1 = [[float(v) for v in row] for row in net.weights[0]]
    W2 = [[float(v) for v in row] for row in net.weights[1]]
    b1 = 0.0 if net.biases[0] is None else float(net.biases[0])
    b2 = 0.0 if net.biases[1] is None else float(net.biases[1])
    x = [float(v) for v in net.inputs[0]]
    t = [float(v) for v in net.targets[0]]
    eta = float(net.learning_rate)

    def forward():
        h = [_sigmoid(sum(w * xi for w, xi in zip(row, x)) + b1) for row in W1]
        o = [_sigmoid(sum(w * hj for w, hj in zip(row, h)) + b2) for row in W2]
        return h, o, sum(0.5 * (tk - ok) ** 2 for tk, ok in zip(t, o))

    h, o, E = forward()
    history = [E]
    outputs = [o] if record_outputs else None
    for _ in range(steps):
        d_out = [(ok - tk) * ok * (1.0 - ok) for ok, tk in zip(o, t)]              # δ_o = ∂E/∂net_o
        W2_new = [[w - eta * dk * hj for w, hj in zip(row, h)] for row, dk in zip(W2, d_out)]
        back = W2_new if hidden_uses == "updated" else W2
        d_hid = [sum(d_out[k] * back[k][j] for k in range(len(d_out))) * h[j] * (1.0 - h[j])
                 for j in range(len(h))]                                              # δ_h
        W1 = [[w - eta * dj * xi for w, xi in zip(row, x)] for row, dj in zip(W1, d_hid)]
        W2 = W2_new
        if move_biases:
            if net.biases[1] is not None:
                b2 -= eta * sum(d_out)
            if net.biases[0] is not None:
                b1 -= eta * sum(d_hid)
        h, o, E = forward()
        history.append(E)
        if record_outputs:
            outputs.append(o)
    biases = [None if net.biases[0] is None else b1, None if net.biases[1] is None else b2]
    return Run(history, net.replace(weights=[W1, W2], biases=biases), o, outputs)


# ------------------------------------------------------------------------ explained_by
def _half_up(value, places=9):
    """A number rounded the way people round by hand: half away from zero."""
    return Decimal(repr(value)).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def delta_routes():
    """∂E_o2/∂out_h1 = δ_o2 · w7 along the routes one can take by hand.

    Returns ``{route: Decimal or float}``: the exact value; δ_o2 rounded to nine places and
    multiplied by w7 (a Decimal, computed exactly); the same printed to nine places.
    """
    net = presets.load("2-2-2")
    delta_o2 = float(net.backward().delta[2][0, 1])
    w7 = Decimal(repr(net["w7"]))
    delta_9 = _half_up(delta_o2)
    product = delta_9 * w7
    return {"delta_o2": delta_o2, "delta_o2 (9 places)": delta_9, "w7": w7,
            "exact": delta_o2 * net["w7"], "rounded delta × w7": product,
            "printed": product.quantize(Decimal("1e-9"), rounding=ROUND_HALF_UP)}


def rounded_delta():
    """∂E_o2/∂out_h1 as the document computes it: δ_o2 to nine places, times w7, printed to
    nine places (the product ends in 5 at the tenth; rounded half away from zero)."""
    return {"dE:o2/dout:h1": float(delta_routes()["printed"])}


def text_variant():
    """The closing paragraph's E after one update and outputs after 10,000, from the loop that
    backpropagates into the hidden layer with the already updated output weights."""
    return dict(_text_variant())


@lru_cache(maxsize=None)
def _text_variant():
    first = train_loop(1, hidden_uses="updated")
    run = train_loop(10000, hidden_uses="updated")
    return {"E@1": first.history[1], "out:o1@10000": run.outputs[0], "out:o2@10000": run.outputs[1]}


def exact_after_9999_updates():
    """The exact algorithm's error after 9,999 updates, one fewer than the text says (the
    error a loop prints when it computes E before the 10,000th update)."""
    return {"E@10000": _exact_after(9999)}


@lru_cache(maxsize=None)
def _exact_after(steps):
    history, _ = presets.load("2-2-2").train(steps)
    return history[-1]


# ------------------------------------------------------------------------ the closing paragraph
#: The procedures :func:`closing_search` tries: (label, hidden_uses, update_biases).
PROCEDURES = [
    ("exact (the document's sections)", "original", False),
    ("output weights updated first", "updated", False),
    ("exact, biases updated too", "original", True),
    ("output weights first, biases updated too", "updated", True),
]


def closing_runs(steps=20000):
    """``{label: Run}`` for every procedure of :data:`PROCEDURES`, ``steps`` updates each."""
    return {label: train_loop(steps, hidden_uses=h, update_biases=b, record_outputs=True)
            for label, h, b in PROCEDURES}


def closing_search(runs=None, steps=20000):
    """Every (procedure, number of updates) whose error agrees with a closing-paragraph quote.

    Returns ``{quote key: [(label, n, E after n updates), …]}`` for the quoted errors
    ``E@1`` and ``E@10000``, searching n = 0 … ``steps``; and for the quoted pair of
    outputs, ``out@10000``: the (label, n) whose outputs after n updates agree with both.
    """
    from ..quantities import agrees
    quotes = {p["key"]: p["quote"] for p in presets.published("2-2-2")}
    runs = runs or closing_runs(steps)
    found = {"E@1": [], "E@10000": [], "out@10000": []}
    for label, run in runs.items():
        for n, E in enumerate(run.history):
            for key in ("E@1", "E@10000"):
                if agrees(E, quotes[key]):
                    found[key].append((label, n, E))
        for n, outs in enumerate(run.outputs_history):
            if agrees(outs[0], quotes["out:o1@10000"]) and agrees(outs[1], quotes["out:o2@10000"]):
                found["out@10000"].append((label, n, tuple(outs)))
    return found


def error_of_outputs(o1, o2, targets=(0.01, 0.99)):
    """E_total = ½(t1 − o1)² + ½(t2 − o2)² of two outputs, exactly (Decimal arithmetic)."""
    o1, o2 = Decimal(str(o1)), Decimal(str(o2))
    t1, t2 = (Decimal(str(t)) for t in targets)
    return (t1 - o1) ** 2 / 2 + (t2 - o2) ** 2 / 2


def script_printout(lines=(0, 1, 9998, 9999)):
    """What the author's script, in its current form, prints: it updates with the exact
    algorithm (all deltas first) and after each update i = 0, 1, … prints
    ``i, round(E, 9)``.  Returns ``{i: printed line}`` for the lines asked for."""
    last = max(lines)
    history, _ = presets.load("2-2-2").train(last + 1)
    return {i: f"{i} {round(history[i + 1], 9)}" for i in lines}


# ------------------------------------------------------------------------ the reader's −0.017144205
def _forward_in(precision):
    """The forward pass of the 2-2-2 preset in ``"double"`` or ``"single"`` precision."""
    net = presets.load("2-2-2")
    f = float if precision == "double" else np.float32
    one = f(1.0)

    def sigmoid(z):
        return one / (one + (math.exp(-z) if precision == "double" else np.exp(-z)))
    w = {p.name: f(p.value) for p in net.parameters()}
    i1, i2 = (f(v) for v in net.inputs[0])
    t1, t2 = (f(v) for v in net.targets[0])
    h1 = sigmoid(w["w1"] * i1 + w["w2"] * i2 + w["b1"])
    h2 = sigmoid(w["w3"] * i1 + w["w4"] * i2 + w["b1"])
    n1 = w["w5"] * h1 + w["w6"] * h2 + w["b2"]
    n2 = w["w7"] * h1 + w["w8"] * h2 + w["b2"]
    o1, o2 = sigmoid(n1), sigmoid(n2)
    after = {p.name + "+": f(p.value) for p in net.step().parameters() if p.name in ("w5", "w6", "w7", "w8")}
    return dict(w={**{k: w[k] for k in ("w5", "w6", "w7", "w8")}, **after},
                o1=o1, o2=o2, n2=n2, t1=t1, t2=t2, one=one)


#: The slips one can make in δ_o2 = ∂E_o2/∂net_o2 (the first factor of ∂E_o2/∂out_h1).
DELTA_SLIPS = {
    "none: −(t_o2 − out_o2)·out_o2(1 − out_o2)": lambda v: -(v["t2"] - v["o2"]) * v["o2"] * (v["one"] - v["o2"]),
    "sign: (t_o2 − out_o2)·out_o2(1 − out_o2)": lambda v: (v["t2"] - v["o2"]) * v["o2"] * (v["one"] - v["o2"]),
    "slope net(1 − net)": lambda v: -(v["t2"] - v["o2"]) * v["n2"] * (v["one"] - v["n2"]),
    "slope left out": lambda v: -(v["t2"] - v["o2"]),
    "o1's slope": lambda v: -(v["t2"] - v["o2"]) * v["o1"] * (v["one"] - v["o1"]),
    "o1's target": lambda v: -(v["t1"] - v["o2"]) * v["o2"] * (v["one"] - v["o2"]),
    "o1's output": lambda v: -(v["t2"] - v["o1"]) * v["o1"] * (v["one"] - v["o1"]),
    "no ½ in E (factor 2)": lambda v: -2 * (v["t2"] - v["o2"]) * v["o2"] * (v["one"] - v["o2"]),
}


def commenter_search():
    """Try every combination of plausible slips for ∂E_o2/∂out_h1 = δ_o2 · w7.

    Dimensions: the slip in δ_o2 (:data:`DELTA_SLIPS`); the weight multiplied (w5…w8, or
    one of them already updated); δ_o2 rounded to nine places first or not; double or single
    precision.  Returns ``(candidates, hits)``: every candidate as ``(slip, weight, rounded,
    precision, value)`` and those printing as the reader's −0.017144205.
    """
    from ..quantities import agrees
    candidates = []
    for precision in ("double", "single"):
        v = _forward_in(precision)
        for slip, delta in DELTA_SLIPS.items():
            d = delta(v)
            for rounded in (False, True):
                dd = type(d)(round(float(d), 9)) if rounded else d
                for weight, w in v["w"].items():
                    candidates.append((slip, weight, rounded, precision, float(dd * w)))
    hits = [c for c in candidates if agrees(c[4], COMMENTER_QUOTE)]
    return candidates, hits


# ------------------------------------------------------------------------ sympy, in the document's names
def chain_form(param, net=None):
    """∂E/∂``param`` as sympy derives it from E_total, in the document's names.

    sympy differentiates E_total written with the activation as an unknown function σ, so
    its result is the chain rule itself: every σ(net_x) is then named out_x and every
    σ'(net_x) is written out_x(1 − out_x), the logistic function's derivative (which
    :func:`logistic_slope` derives).  :func:`check_chain_form` holds the result to
    ``bp.derive(net).whole(param)``.
    """
    import sympy as sp
    from ..symbolic import derive, loss_expr
    net = net if net is not None else presets.load("2-2-2")
    if any(a != "sigmoid" for a in net.activations):
        raise SpecError("chain_form: written for sigmoid neurons")
    d = derive(net)
    sigma = sp.Function("sigma")
    outs, layers = list(d.inputs), []
    for k in range(len(d.layers) - 1):
        nets = [sp.Add(*[w * o for w, o in zip(d.W[k][j], outs)]) + d.b[k][j] for j in range(d.layers[k + 1])]
        outs = [sigma(n) for n in nets]
        layers.append(nets)
    g = sp.diff(loss_expr(d.loss, outs, d.targets), d.symbol[param])
    for k, nets in enumerate(layers):             # name each layer's outputs, innermost first
        for j in range(len(nets)):
            n = d.local_net[k + 1][j]               # the net input, in the names of the layer below
            o = d.out_sym[k + 1][j]
            g = g.xreplace({sigma(n): o})
            g = g.replace(lambda e: isinstance(e, sp.Subs) and tuple(e.point) == (n,),
                          lambda e: o * (1 - o))
    return g


def logistic_slope():
    """``(sympy's derivative of σ(net), that derivative minus out(1 − out) simplified)``."""
    import sympy as sp
    net_ = sp.Symbol("net", real=True)
    s = 1 / (1 + sp.exp(-net_))
    derivative = sp.diff(s, net_)
    return derivative, sp.simplify(derivative - s * (1 - s))


def check_chain_form(param, net=None, points=3, seed=0):
    """The largest difference between :func:`chain_form` and ``derive(net).whole(param)`` at
    ``points`` random parameter values (the neurons' outputs computed from them)."""
    import sympy as sp
    from ..symbolic import derive
    net = net if net is not None else presets.load("2-2-2")
    d = derive(net)
    whole = sp.lambdify(d.params + d.inputs + d.targets, d.whole(param), "math")
    short = chain_form(param, net)
    syms = sorted(short.free_symbols, key=str)
    f = sp.lambdify(syms, short, "math")
    rng = np.random.default_rng(seed)
    worst = 0.0
    for _ in range(points):
        trial = net.with_flat(rng.uniform(-1, 1, len(net.flat())))
        trace = trial.forward()
        values = {str(s): float(v) for s, v in zip(d.params, trial.flat())}
        values.update({str(s): float(v) for s, v in zip(d.inputs, trial.inputs[0])})
        values.update({str(s): float(v) for s, v in zip(d.targets, trial.targets[0])})
        for l in range(1, len(d.layers)):
            for j, name in enumerate(trial.neuron_names[l]):
                values[f"out_{name}"] = float(trace.out[l][0, j])
        a = whole(*[values[str(s)] for s in d.params + d.inputs + d.targets])
        b = f(*[values[str(s)] for s in syms])
        worst = max(worst, abs(a - b))
    return worst


def path_terms(expr):
    """The terms of a :func:`chain_form` derivative, one per path through the network: every
    sum of weighted terms inside a product is multiplied out (a (1 − out) factor is kept)."""
    import sympy as sp
    terms = []
    for term in sp.Add.make_args(expr):
        parts = [list(sp.Add.make_args(f)) if isinstance(f, sp.Add) and len(f.args) > 1
                 and all(any(str(s).startswith("w") for s in a.free_symbols) for a in f.args) else [f]
                 for f in sp.Mul.make_args(term)]
        stack = [[]]
        for options in parts:
            stack = [chosen + [o] for chosen in stack for o in options]
        terms += [sp.Mul(*chosen) for chosen in stack]
    return terms


def path_factors(param, net=None):
    """:func:`chain_form`'s terms, one per path, each as ``(sign, factors)`` with the factors in
    the order of the path from the error back to ``param``: (out − target), the output's
    out and (1 − out), the weight, the hidden neuron's out and (1 − out), … the input.
    ``sign · Π factors`` is the term; a −(target − out) is written (out − target)."""
    import sympy as sp
    net = net if net is not None else presets.load("2-2-2")
    L = net.depth
    layer_of = {}
    for l, row in enumerate(net.neuron_names):
        for n in row:
            layer_of["out_" + n if l else n] = l
            layer_of["target_" + n] = -1
    weight_layer = {p.name: p.location[1] for p in net.parameters()}

    def rank(factor):
        ranks = []
        for s in factor.free_symbols:
            s = str(s)
            if s in weight_layer:
                ranks.append(2 * (L - weight_layer[s] - 1) + 1)
            elif layer_of.get(s) == -1:
                ranks.append(-1)
            else:
                ranks.append(2 * (L - layer_of.get(s, 0)))
        return (min(ranks) if ranks else 99, isinstance(factor, sp.Add))

    result = []
    for term in path_terms(chain_form(param, net)):
        factors = list(sp.Mul.make_args(term))
        sign = 1
        for f in list(factors):
            if f.is_number:
                sign *= int(f)
                factors.remove(f)
        for n, f in enumerate(factors):      # −(target − out) → (out − target)
            targets = [x for x in f.free_symbols if str(x).startswith("target_")]
            if isinstance(f, sp.Add) and targets and sign < 0:
                outs = [x for x in f.free_symbols if not str(x).startswith("target_")]
                factors[n] = sp.Add(*outs, *[-t for t in targets], evaluate=False)
                sign = -sign
        factors.sort(key=rank)
        result.append((sign, factors))
    return result


def chain_form_latex(param, net=None, lhs=None, size=""):
    """:func:`chain_form` as display LaTeX in the book's notation, one path per line, each
    product in the order of its path (:func:`path_factors`): what sympy's derivative of E,
    taken with σ left unknown, says about ``param``."""
    import sympy as sp
    from ..book import book_name
    net = net if net is not None else presets.load("2-2-2")

    def name(s):
        s = str(s)
        kind, _, rest = s.partition("_")
        return rf"\mathrm{{target}}_{{{rest}}}" if kind == "target" else book_name(s)

    def tex(sign, factors, first):
        names = {s: name(s) for f in factors for s in f.free_symbols}
        body = r" \, ".join(sp.latex(f, symbol_names=names, order="none") if not isinstance(f, sp.Add)
                            else r"\left(" + sp.latex(f, symbol_names=names, order="none") + r"\right)"
                            for f in factors) or "1"
        return ("- " if sign < 0 else ("" if first else "+ ")) + body
    lhs = lhs or rf"\frac{{\partial E}}{{\partial {book_name(param)}}}"
    paths = path_factors(param, net)
    if len(paths) == 1:
        return f"{size}{lhs} = {tex(*paths[0], True)}"
    body = r" \\ & ".join(tex(sign, factors, k == 0) for k, (sign, factors) in enumerate(paths))
    return rf"{size}\begin{{aligned}} {lhs} = {{}} & {body} \end{{aligned}}"


#: The document's symbols the book sets upright (:class:`backprop_lib.book.Notation` names).
NAMES = {"target_o1": r"\mathrm{target}_{o1}", "target_o2": r"\mathrm{target}_{o2}"}

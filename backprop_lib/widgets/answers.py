"""Judging a reader's answer as a teacher would: to the digits typed, with the slips named.

The same rules run in the browser (``js/judge.js``: ``judge``, ``mistakes``) for the answer
box; :func:`check_answer` runs them in Python.  Tests compare the two on many answers and on
random networks.

**Rounding-aware (the default, ``tolerance=None``).**  An answer is right when it is the exact
value rounded to the digits the reader typed, from 3 significant figures up: for an exact
0.082667628, "0.0827" and "0.08267" are right and "0.0828" is not.  A number typed to fewer
than 3 significant figures is asked for more (unless it is exactly right).  A number given as
a float is read as its shortest text (``repr``), so ``0.0827`` counts 3 figures.

**An author's tolerance** stays as it was: ``tolerance=0.001`` (a number) accepts answers
within ±0.001, ``tolerance="0.1%"`` (a string) within 0.1 % of the exact value (of the change,
for an updated parameter such as ``w5+``), or half a unit of the network's last decimal.

**Mistakes.**  A wrong answer that is what a common slip gives (a flipped sign, the
activation's derivative left out or taken of net, one path of several, the updated weights
used on the way back, one neuron's delta for a shared bias, the wrong input on the last
factor, the transposed weight, the step added, …) gets that slip's hint, which never gives
the answer.  A slip is recognised only where its value differs from the right answer at the
precision typed.  A right answer whose digits cannot tell it from a slip (the weight before
an update, when the update is smaller than the last digit typed) is asked for more digits.
"""
from __future__ import annotations

import math
import re
from collections import namedtuple

import numpy as np

from ..activations import ACTIVATIONS
from ..losses import LOSSES
from ..network import Network, SpecError
from ..quantities import _KEY, value

FIGURES = 3                 # the fewest significant figures a rounded answer may have
NEAR = 1.5                  # within this many units of the last typed digit: "nearly"
FAR = 3.0                   # a slip matched loosely must differ from the exact by this many units

HINTS = {
    "sign": "the sign is flipped. Check each factor's sign, starting with ∂E/∂out: for squared error "
            "−(target − out) = out − target, for cross-entropy −target/out.",
    "added": "you added the step. Gradient descent subtracts it: w⁺ = w − η·∂E/∂w.",
    "no_rate": "the learning rate is missing: w⁺ = w − η·∂E/∂w.",
    "factor2": "off by a factor of 2. The ½ in E = ½(target − out)² cancels the 2 that the square brings down.",
    "sigma_net": "the sigmoid's derivative takes the neuron's output: ∂out/∂net = out·(1 − out), not net·(1 − net).",
    "sigma_missing": "the activation's slope is missing. Between ∂E/∂out and ∂net/∂w comes ∂out/∂net "
                     "(for a sigmoid, out·(1 − out)), once for every neuron the path passes through.",
    "one_path": "only one path is counted. What feeds every output (a hidden neuron, or a bias the outputs "
                "share) reaches the error through each of them, so its gradient sums what arrives by every path.",
    "updated_weights": "that uses the updated weights on the way back. The backward pass uses the weights "
                       "the forward pass used; every weight is updated only at the end.",
    "wrong_weight": "a weight on the way back is the wrong one. The error of an output reaches a hidden "
                    "neuron through the weight that joins those two neurons, not the one with its indices swapped.",
    "bias_one_neuron": "that is one neuron's share only. A shared bias feeds every neuron of its layer, so its "
                       "gradient adds their deltas: ∂E/∂b = Σ δ.",
    "missing_paths": "some paths are missing. The bias reaches the error through every neuron it feeds, and "
                     "each of those through every output: one product per path, all of them added.",
    "wrong_input": "the last factor is off. ∂net/∂w is the output of the neuron the weight comes from "
                   "(an input, for a first-layer weight), not of another neuron.",
    "sum_not_mean": "that is the sum over the samples; the loss of several samples is their mean.",
    "gradient_only": "that is the gradient (or the step), not the updated value: w⁺ = w − η·∂E/∂w.",
    "unchanged": "that is the value before the update: subtract η·∂E/∂w.",
    "forgot_activation": "that is the net input; the output applies the activation: out = f(net).",
    "before_step": "that is the value before training; this asks for it after the step(s).",
    "not_a_number": "type a number, such as 0.0822 or -1.5e-3.",
    "few_digits": f"give at least {FIGURES} significant figures: the answer is checked to the digits you type.",
    "more_digits": "give more significant figures: to the digits you typed, the right answer and a common "
                   "slip give the same number.",
    "last_digit": "nearly: the last digit is off. Carry more digits through each factor and round only at the end.",
    "generic": "recompute each factor of the chain rule with the numbers shown, carrying all their decimals.",
    "direction": "look at the sign of the gradient: a step moves a parameter against it, w⁺ = w − η·∂E/∂w.",
    "sign_of": "look at the sign of each factor of the chain-rule product.",
}

# The choices of a question that asks for a direction or a sign instead of a number.
CHOICES = {"direction": ["up", "down", "no change"], "sign": ["positive", "negative", "zero"]}
ASKS = ("number", "direction", "sign")

Judgement = namedtuple("Judgement", "right code exact allowed figures")
Judgement.__doc__ = """One answer judged: ``right``; ``code``, a key of :data:`HINTS` or None;
``exact``; ``allowed``, the largest |answer − exact| accepted; ``figures``, the significant
figures typed when the answer is right by rounding (None otherwise)."""

_NUMBER = re.compile(r"^[+-]?(?P<int>[0-9]*)(?:\.(?P<frac>[0-9]*))?(?:[eE](?P<exp>[+-]?[0-9]+))?$")


def _number_text(answer):
    """A typed answer as clean text (typographic minus, spaces, decimal comma), or None."""
    if isinstance(answer, bool):
        return None
    if isinstance(answer, (int, float, np.integer, np.floating)):
        x = float(answer)
        if not math.isfinite(x):
            return None
        text = repr(x)                       # the shortest text, as JavaScript's given()
        return text[:-2] if text.endswith(".0") else text
    if not isinstance(answer, str):
        return None
    t = re.sub(r"\s+", "", answer.strip().replace("\u2212", "-"))
    if "," in t and "." not in t:
        t = t.replace(",", ".", 1)
    m = _NUMBER.match(t)
    if not m or not (m["int"] or m["frac"]):
        return None
    return t


def parse_answer(answer):
    """A typed answer as a float, or None: "0.0822", "-1.5e-3", "−0.019", "0,5"."""
    t = _number_text(answer)
    if t is None:
        return None
    x = float(t)
    return x if math.isfinite(x) else None


def typed_precision(answer):
    """``(figures, unit)``: the significant figures typed and the place value of the last
    digit: "0.0827" → (3, 1e-4); "8.270e-2" → (4, 1e-5); "120" → (3, 1).  None if not a number."""
    t = _number_text(answer)
    if t is None:
        return None
    m = _NUMBER.match(t)
    integer, frac = m["int"] or "", m["frac"] or ""
    figures = len((integer + frac).lstrip("0"))
    last = int(m["exp"] or 0) - len(frac)
    return figures, float(f"1e{last}")


def tolerance_spec(tolerance):
    """The tolerance as the front end takes it: ``{"figures": 3}`` (rounding-aware, the
    default), ``{"absolute": x}`` or ``{"relative": r}``."""
    if tolerance is None:
        return {"figures": FIGURES}
    if isinstance(tolerance, bool):
        raise SpecError(f"tolerance: must be a number or a percentage such as \"0.1%\", got {tolerance!r}")
    if isinstance(tolerance, (int, float)):
        if not math.isfinite(tolerance) or tolerance <= 0:
            raise SpecError(f"tolerance: must be greater than 0, got {tolerance!r}")
        return {"absolute": float(tolerance)}
    if isinstance(tolerance, str):
        m = re.fullmatch(r"\s*(\d+(\.\d*)?|\.\d+)\s*%\s*", tolerance)
        if not m or float(m[1]) <= 0:
            raise SpecError(f"tolerance: a percentage must look like \"0.1%\", got {tolerance!r}")
        return {"relative": float(m[1]) / 100}
    raise SpecError(f"tolerance: must be a number or a percentage such as \"0.1%\", got {type(tolerance).__name__}")


def tolerance_text(net, tol, ask="number"):
    """The rule in words, as the answer box states it."""
    if ask != "number":
        return "Choose one; the page checks it for the numbers shown."
    if "figures" in tol:
        return (f"Type at least {tol['figures']} significant figures: an answer is right when it is the "
                "exact value rounded to the digits you give.")
    if "absolute" in tol:
        return f"Answers within ±{tol['absolute']:g} of the exact value are accepted."
    pct = f"{tol['relative'] * 100:g}"
    return (f"Answers within {pct} % of the exact value (of the change, for an updated parameter) "
            f"or within ±{0.5 * 10.0 ** -net.decimals:g} are accepted.")


def _trained(net, steps, cache):
    trained = cache.setdefault("trained", {})
    if steps not in trained:
        trained[steps] = net.train(steps)[1]
    return trained[steps]


def allowed_error(net, key, exact, tol, cache=None):
    """The largest accepted |answer − exact| under an author's tolerance (absolute or
    relative; see the module's docstring)."""
    cache = {} if cache is None else cache
    if "absolute" in tol:
        return tol["absolute"]
    floor = 0.5 * 10.0 ** -net.decimals
    scale = abs(exact)
    body = _KEY.match(key)["body"]
    if body.endswith("+"):
        steps = _KEY.match(key)["steps"]
        before = net if steps is None else _trained(net, int(steps), cache)
        scale = abs(exact - before[body[:-1]])
    return max(floor, tol["relative"] * scale)


def _noise(v):
    """What floating point alone can change in a computed value."""
    return 1e-12 * abs(v) + 1e-15


# ------------------------------------------------------------------ mistaken worlds
def _world_backward(net, trace, only=None, sigma_from_net=False, plain=(), back=None):
    """backprop_lib's backward pass in a mistaken world: ``only`` one output's error;
    ``sigma_from_net`` σ'(net) = net·(1 − net); ``plain`` the layers whose activation's
    derivative is left out; ``back`` the weight matrices used on the way back.
    Returns (dE_dout, delta, named gradient)."""
    S = len(trace.targets)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        dE = LOSSES[net.loss].gradient(trace.outputs, trace.targets)
    if only is not None:
        mask = np.zeros(net.layers[-1])
        mask[only] = 1.0
        dE = dE * mask
    back = net.weights if back is None else back
    dE_douts, deltas = [None] * (net.depth + 1), [None] * (net.depth + 1)
    for l in range(net.depth, 0, -1):
        name = net.activations[l - 1]
        act = ACTIVATIONS[name]
        dE_douts[l] = dE
        if l in plain and name != "softmax":
            deltas[l] = dE * 1.0
        elif sigma_from_net and name == "sigmoid":
            deltas[l] = dE * (trace.net[l] * (1.0 - trace.net[l]))
        else:
            deltas[l] = act.backward(trace.net[l], trace.out[l], dE)
        dE = deltas[l] @ back[l - 1]
    named = {}
    for p in net.parameters():
        k = p.location[1]
        d = deltas[k + 1]
        if p.kind == "weights":
            named[p.name] = float(np.sum(d[:, p.location[2]] * trace.out[k][:, p.location[3]]) / S)
        elif len(p.location) == 2:
            named[p.name] = float(np.sum(d) / S)
        else:
            named[p.name] = float(np.sum(d[:, p.location[2]]) / S)
    return dE_douts, deltas, named


def _world_derivative(net, trace, body, s, world):
    """A derivative key's value in a mistaken world (the keys that depend on the backward
    pass or on the activation's derivative)."""
    world = dict(world)
    num, _, den = body[1:].partition("/d")
    if num == "E" and ":" not in den:
        return _world_backward(net, trace, **world)[2][den]
    if num.startswith("E"):
        if ":" in num:
            world["only"] = net.neuron(num.split(":", 1)[1])[1]
        dE_douts, deltas, _ = _world_backward(net, trace, **world)
        what, _, name = den.partition(":")
        l, j = net.neuron(name)
        return float({"out": dE_douts, "net": deltas}[what][l][s, j])
    if num == "out":
        num = "out:" + den[4:]
    if num.startswith("out:") and den.startswith("net:"):
        l, j = net.neuron(den[4:] or num[4:])
        n = trace.net[l][s, j]
        if world.get("sigma_from_net") and net.activations[l - 1] == "sigmoid":
            return float(n * (1.0 - n))
        return float(ACTIVATIONS[net.activations[l - 1]].derivative(n, trace.out[l][s, j]))
    return value(net, body + f"[{s}]")


def _worlds(net, base_is_batch_step=True):
    """The mistaken worlds of the backward pass, in the order they are tried: [(code, world)]."""
    L = net.depth
    worlds = []
    if "sigmoid" in net.activations:
        worlds.append(("sigma_net", {"sigma_from_net": True}))
    curved = [l for l in range(1, L + 1) if net.activations[l - 1] not in ("linear", "softmax")]
    if curved:
        worlds.append(("sigma_missing", {"plain": tuple(curved)}))
        if len(curved) > 1:
            worlds += [("sigma_missing", {"plain": (l,)}) for l in curved]
    if net.layers[-1] > 1:
        worlds += [("one_path", {"only": k}) for k in range(net.layers[-1])]
    if L > 1 and base_is_batch_step:
        worlds.append(("updated_weights", {"back": net.step().weights}))
    if any(net.layers[l] == net.layers[l + 1] for l in range(1, L)):
        back = [w.T if w.shape[0] == w.shape[1] else w for w in net.weights]
        worlds.append(("wrong_weight", {"back": back}))
    return worlds


def _batch_step(net):
    """Whether one step is one update with the gradient of the mean loss."""
    return net.samples == 1 or net.mode == "batch"


def _local_derivative(net, trace, l):
    """∂out/∂net of layer l (elementwise activations), samples × neurons."""
    return ACTIVATIONS[net.activations[l - 1]].derivative(trace.net[l], trace.out[l]) * np.ones_like(trace.out[l])


def _parameter_slips(net, trace, p):
    """Slips particular to one parameter's gradient: [(code, gradient)]: one neuron's delta
    or one path per neuron for a shared bias, the wrong output on the last factor."""
    S = net.samples
    k = p.location[1]
    deltas = net.backward(trace).delta
    d = deltas[k + 1]
    out = []
    if p.kind == "biases" and len(p.location) == 2:
        out += [("bias_one_neuron", float(np.sum(d[:, j]) / S)) for j in range(net.layers[k + 1])]
        L = net.depth
        H, O = net.layers[k + 1], net.layers[L]
        if (k + 2 == L and O > 1 and O ** H <= 64 and net.activations[k] != "softmax"):
            top = deltas[L]
            local = _local_derivative(net, trace, k + 1)
            W = net.weights[L - 1]
            for idx in range(O ** H):
                total = 0.0
                for s in range(S):
                    for j in range(H):
                        m = (idx // O ** j) % O
                        total += top[s, m] * W[m, j] * local[s, j]
                out.append(("missing_paths", total / S))
    elif p.kind == "weights":
        j, i = p.location[2], p.location[3]
        alternatives = [trace.out[k][:, a] for a in range(net.layers[k]) if a != i]
        alternatives.append(trace.out[k + 1][:, j])
        if k > 0:
            alternatives.append(trace.net[k][:, i])
        out += [("wrong_input", float(np.sum(d[:, j] * alt) / S)) for alt in alternatives]
    return out


def mistakes(net, key, cache=None):
    """``[(code, value), …]``: what each common slip gives for this key, in the order they
    are tried (the browser's ``mistakes`` in judge.js, line for line)."""
    cache = {} if cache is None else cache
    m = _KEY.match(key)
    body, s = m["body"], int(m["sample"] or 0)
    steps = None if m["steps"] is None else int(m["steps"])
    base = net if steps is None else _trained(net, steps, cache)
    plain = body + (f"[{s}]" if m["sample"] is not None else "")
    x = value(base, plain)
    S = net.samples
    half = net.loss == "half_sse"
    out = []
    if body.endswith("+"):
        name = body[:-1]
        p = base.param(name)
        before, rate = p.value, base.learning_rate

        def stepped(r):
            return base.replace(learning_rate=r).step()[name]

        out.append(("added", stepped(-rate)))
        if rate != 1:
            out.append(("no_rate", stepped(1.0)))
        if half:
            out += [("factor2", stepped(2 * rate)), ("factor2", stepped(rate / 2))]
        g = base.named_gradient()[name]
        out += [("gradient_only", g), ("gradient_only", rate * g), ("unchanged", before)]
        if base.trainable(p) and _batch_step(base):
            trace = base.forward()
            for code, world in _worlds(base):
                out.append((code, before - rate * _world_backward(base, trace, **world)[2][name]))
            for code, g1 in _parameter_slips(base, trace, p):
                out.append((code, before - rate * g1))
        out.append(("sign", -x))
    elif body == "E" or body.startswith("E:"):
        if half:
            out += [("factor2", 2 * x), ("factor2", x / 2)]
        if S > 1:
            out.append(("sum_not_mean", S * x))
        out.append(("sign", -x))
    elif body.startswith("net:") or body.startswith("out:"):
        if body.startswith("out:"):
            l, _ = base.neuron(body[4:])
            if l > 0 and base.activations[l - 1] != "linear":
                out.append(("forgot_activation", value(base, "net:" + plain[4:])))
        out.append(("sign", -x))
    elif body.startswith("dout") or body.startswith("dnet:"):
        if body.startswith("dout") and "sigmoid" in base.activations:
            out.append(("sigma_net", _world_derivative(base, base.forward(), body, s, {"sigma_from_net": True})))
        out.append(("sign", -x))
    elif body.startswith("dE"):
        out.append(("sign", -x))
        if half:
            out += [("factor2", 2 * x), ("factor2", x / 2)]
        trace = base.forward()
        num, _, den = body[1:].partition("/d")
        for code, world in _worlds(base, _batch_step(base)):
            if code == "one_path" and num != "E":
                continue
            out.append((code, _world_derivative(base, trace, body, s, world)))
        if num == "E" and ":" not in den:
            out += _parameter_slips(base, trace, base.param(den))
            if S > 1:
                out.append(("sum_not_mean", S * x))
    else:
        out.append(("sign", -x))
    if steps is not None:
        out.append(("before_step", value(net, plain)))
    return [(c, float(v)) for c, v in out]


# ------------------------------------------------------------------ judging
def _slips(net, key, cache):
    if ("mistakes", key) not in cache:
        cache["mistakes", key] = mistakes(net, key, cache)
    return cache["mistakes", key]

def check_answer(net, key, answer, tol, ask="number", cache=None):
    """A :class:`Judgement` of one answer (the browser's ``judge``).  ``cache``: a dict kept
    between answers to the same key of the same network (the exact value and the slips are
    then computed once)."""
    if ask != "number":
        return judge_choice(net, key, answer, ask)
    cache = {} if cache is None else cache
    if ("exact", key) not in cache:
        cache["exact", key] = float(value(net, key, cache.setdefault("trained", {})))
    exact = cache["exact", key]
    x = parse_answer(answer)
    if x is None:
        return Judgement(False, "not_a_number", exact, 0.0, None)
    if "figures" not in tol:
        allowed = allowed_error(net, key, exact, tol, cache)

        def close(v):
            return math.isfinite(v) and abs(x - v) <= allowed * (1 + 1e-9)

        if close(exact):
            return Judgement(True, None, exact, allowed, None)
        for code, v in _slips(net, key, cache):
            if close(v):
                return Judgement(False, code, exact, allowed, None)
        return Judgement(False, None, exact, allowed, None)

    figures, unit = typed_precision(answer)
    half = 0.5 * unit * (1 + 1e-9)

    def within(v, units):
        return math.isfinite(v) and abs(x - v) <= max(units * unit * (1 + 1e-9), _noise(v))

    if abs(x - exact) <= _noise(exact):
        return Judgement(True, None, exact, _noise(exact), None)
    if figures < tol["figures"]:
        return Judgement(False, "few_digits", exact, half, None)
    slips = [(c, v) for c, v in _slips(net, key, cache) if math.isfinite(v) and abs(v - exact) > _noise(exact)]
    if within(exact, 0.5):
        if any(within(v, 0.5) for _, v in slips):
            return Judgement(False, "more_digits", exact, half, None)
        figures = figures if unit > 1.5 * float(f"1e-{max(net.decimals, 9)}") else None
        return Judgement(True, None, exact, half, figures)
    for code, v in slips:
        if within(v, 0.5) and abs(v - exact) > half:
            return Judgement(False, code, exact, half, None)
    if within(exact, NEAR):
        return Judgement(False, "last_digit", exact, half, None)
    for code, v in slips:
        if within(v, NEAR) and abs(v - exact) > FAR * unit:
            return Judgement(False, code, exact, half, None)
    return Judgement(False, None, exact, half, None)


def _before(net, key, cache=None):
    """The value a direction is measured from: the parameter before the update, or the key's
    quantity before the training steps."""
    m = _KEY.match(key)
    body = m["body"]
    sample = f"[{m['sample']}]" if m["sample"] is not None else ""
    if body.endswith("+"):
        base = net if m["steps"] is None else _trained(net, int(m["steps"]), cache if cache is not None else {})
        return base[body[:-1]]
    if m["steps"] is None:
        raise SpecError(f"{key}: a direction needs an update (w5+) or training steps (E@1)")
    return float(value(net, body + sample))


def correct_choice(net, key, ask):
    """The right choice for a question that asks for a direction or a sign."""
    exact = float(value(net, key))
    if ask == "direction":
        change = exact - _before(net, key)
        if abs(change) <= _noise(exact):
            return "no change"
        return "up" if change > 0 else "down"
    if abs(exact) <= 1e-15:
        return "zero"
    return "positive" if exact > 0 else "negative"


def judge_choice(net, key, answer, ask):
    """A :class:`Judgement` of a chosen direction or sign."""
    exact = float(value(net, key))
    right = correct_choice(net, key, ask)
    if not isinstance(answer, str) or answer.strip().lower() not in CHOICES[ask]:
        return Judgement(False, "not_a_choice", exact, 0.0, None)
    ok = answer.strip().lower() == right
    return Judgement(ok, None if ok else ("direction" if ask == "direction" else "sign_of"), exact, 0.0, None)


def hint_text(code, author_hint=""):
    if code is None:
        return author_hint or HINTS["generic"]
    if code == "not_a_choice":
        return "choose one of the answers offered."
    return HINTS[code]


def shown(net, x):
    """A computed value as the box shows it: the network's decimals, at least 9."""
    from ..network import format_number
    return format_number(x, max(net.decimals, 9))


def verdict(judgement, author_hint, net, ask="number", key=""):
    """The line the answer box and :func:`check` show."""
    right, code, exact, _, figures = judgement
    if ask != "number":
        if right:
            return f"Right: {correct_choice(net, key, ask)}."
        return f"Not yet: {hint_text(code, author_hint)}"
    if right:
        if figures is not None:
            return f"Right to {figures} significant figures; the exact value is {shown(net, exact)}."
        return f"Right: {shown(net, exact)}."
    return f"Not yet: {hint_text(code, author_hint)}"


def _is_network(x):
    return isinstance(x, Network)

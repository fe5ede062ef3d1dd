"""Checking a reader's answer: tolerance, common mistakes, hints.

The same rules run in the browser (``js/engine.js``: ``allowedError``, ``mistakes``,
``checkAnswer``) for the answer box; :func:`check` runs them in Python.  Tests compare the
two on many answers.

Tolerance.  ``tolerance=None`` accepts an answer within 0.01 % of the exact value, or within
half a unit of the network's last decimal (9 decimals for the first document: ±0.5e-9),
whichever is wider.  For an updated parameter (``w5+``) the 0.01 % is of its change η·∂E/∂w5,
not of its value (otherwise the unchanged weight would pass).  ``tolerance=0.001`` (a number)
accepts answers within ±0.001; ``tolerance="0.1%"`` (a string) sets the relative part.

Mistakes.  A wrong answer that equals what a common mistake gives (a flipped sign, the step
added instead of subtracted, the learning rate forgotten, net used for out in the sigmoid's
derivative, a factor of 2 from the ½, one path of several, the sum of the samples' losses
for their mean, …) gets a hint naming that mistake, without the answer; otherwise the
author's hint.
"""
from __future__ import annotations

import math
import re

import numpy as np

from ..activations import ACTIVATIONS
from ..losses import LOSSES
from ..network import Network, SpecError
from ..quantities import _KEY, value

DEFAULT_RELATIVE = 1e-4

HINTS = {
    "sign": "the sign is flipped. Check each factor's sign: ∂E/∂out = −(target − out) = out − target.",
    "added": "you added the step. Gradient descent subtracts it: w⁺ = w − η·∂E/∂w.",
    "no_rate": "the learning rate is missing: w⁺ = w − η·∂E/∂w.",
    "factor2": "off by a factor of 2. The ½ in E = ½(target − out)² cancels the 2 that the square brings down.",
    "sigma_net": "the sigmoid's derivative takes the neuron's output: ∂out/∂net = out·(1 − out), not net·(1 − net).",
    "one_path": "only one path is counted. A hidden neuron feeds every output, so its ∂E_total/∂out sums "
                "the error arriving through each of them.",
    "sum_not_mean": "that is the sum over the samples; the loss of several samples is their mean.",
    "gradient_only": "that is the gradient (or the step), not the updated value: w⁺ = w − η·∂E/∂w.",
    "unchanged": "that is the value before the update: subtract η·∂E/∂w.",
    "forgot_activation": "that is the net input; the output applies the activation: out = f(net).",
    "before_step": "that is the value before training; this asks for it after the step(s).",
    "not_a_number": "type a number, such as 0.0822 or -1.5e-3.",
    "generic": "recompute each factor of the chain rule with the numbers shown, carrying all their decimals.",
}

_NUMBER = re.compile(r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$")


def parse_answer(answer):
    """A typed answer as a float, or None: "0.0822", "-1.5e-3", "−0.019", "0,5"."""
    if isinstance(answer, bool):
        return None
    if isinstance(answer, (int, float, np.integer, np.floating)):
        x = float(answer)
        return x if math.isfinite(x) else None
    if not isinstance(answer, str):
        return None
    t = re.sub(r"\s+", "", answer.strip().replace("\u2212", "-"))
    if "," in t and "." not in t:
        t = t.replace(",", ".", 1)
    if not _NUMBER.match(t):
        return None
    x = float(t)
    return x if math.isfinite(x) else None


def tolerance_spec(tolerance):
    """The tolerance as the front end takes it: ``{"absolute": x}`` or ``{"relative": r}``."""
    if tolerance is None:
        return {"relative": DEFAULT_RELATIVE}
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


def tolerance_text(net, tol):
    """The tolerance in words, as the answer box states it."""
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
    """The largest accepted |answer − exact| (see the module's docstring)."""
    cache = {} if cache is None else cache
    if "absolute" in tol:
        return tol["absolute"]
    floor = 0.5 * 10.0 ** -net.decimals
    scale = abs(exact)
    m = _KEY.match(key)
    body = m["body"]
    if body.endswith("+"):
        before = net if m["steps"] is None else _trained(net, int(m["steps"]), cache)
        scale = abs(exact - before[body[:-1]])
    return max(floor, tol["relative"] * scale)


# ------------------------------------------------------------------ mistaken worlds
def _world_backward(net, trace, only=None, sigma_from_net=False):
    """backprop_lib's backward pass, optionally with one output's error alone or with the
    mistake σ'(net) = net·(1 − net): (dE_dout, delta, named gradient)."""
    S = len(trace.targets)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        dE = LOSSES[net.loss].gradient(trace.outputs, trace.targets)
    if only is not None:
        mask = np.zeros(net.layers[-1])
        mask[only] = 1.0
        dE = dE * mask
    dE_douts, deltas = [None] * (net.depth + 1), [None] * (net.depth + 1)
    for l in range(net.depth, 0, -1):
        name = net.activations[l - 1]
        act = ACTIVATIONS[name]
        dE_douts[l] = dE
        if sigma_from_net and name == "sigmoid":
            deltas[l] = dE * (trace.net[l] * (1.0 - trace.net[l]))
        else:
            deltas[l] = act.backward(trace.net[l], trace.out[l], dE)
        dE = deltas[l] @ net.weights[l - 1]
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


def _world_derivative(net, trace, body, s, only=None, sigma_from_net=False):
    """A derivative key's value in a mistaken world (the keys that depend on the backward
    pass or on the sigmoid's derivative)."""
    num, _, den = body[1:].partition("/d")
    if num == "E" and ":" not in den:
        return _world_backward(net, trace, only, sigma_from_net)[2][den]
    if num.startswith("E"):
        if ":" in num:
            only = net.neuron(num.split(":", 1)[1])[1]
        dE_douts, deltas, _ = _world_backward(net, trace, only, sigma_from_net)
        what, _, name = den.partition(":")
        l, j = net.neuron(name)
        return float({"out": dE_douts, "net": deltas}[what][l][s, j])
    if num == "out":
        num = "out:" + den[4:]
    if num.startswith("out:") and den.startswith("net:"):
        l, j = net.neuron(den[4:] or num[4:])
        n = trace.net[l][s, j]
        if sigma_from_net and net.activations[l - 1] == "sigmoid":
            return float(n * (1.0 - n))
        return float(ACTIVATIONS[net.activations[l - 1]].derivative(n, trace.out[l][s, j]))
    return value(net, body + f"[{s}]")


def mistakes(net, key, cache=None):
    """``[(code, value), …]``: what each common mistake gives for this key, in the order
    they are tried (the browser's ``mistakes`` in engine.js, line for line)."""
    cache = {} if cache is None else cache
    m = _KEY.match(key)
    body, s = m["body"], int(m["sample"] or 0)
    steps = None if m["steps"] is None else int(m["steps"])
    base = net if steps is None else _trained(net, steps, cache)
    plain = body + (f"[{s}]" if m["sample"] is not None else "")
    x = value(base, plain)
    S = net.samples
    half = net.loss == "half_sse"
    has_sigmoid = "sigmoid" in net.activations
    n_out = net.layers[-1]
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
        if base.trainable(p) and (base.samples == 1 or base.mode != "online"):
            trace = base.forward()
            if has_sigmoid:
                out.append(("sigma_net", before - rate * _world_backward(base, trace, None, True)[2][name]))
            if n_out > 1:
                for k in range(n_out):
                    g1 = _world_backward(base, trace, k)[2][name]
                    if g1 != 0:
                        out.append(("one_path", before - rate * g1))
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
                out.append(("forgot_activation", value(base, "net:" + body[4:] + (f"[{s}]" if m["sample"] is not None else ""))))
        out.append(("sign", -x))
    elif body.startswith("dout") or body.startswith("dnet:"):
        if body.startswith("dout") and has_sigmoid:
            out.append(("sigma_net", _world_derivative(base, base.forward(), body, s, None, True)))
        out.append(("sign", -x))
    elif body.startswith("dE"):
        out.append(("sign", -x))
        if half:
            out += [("factor2", 2 * x), ("factor2", x / 2)]
        trace = base.forward()
        if has_sigmoid:
            out.append(("sigma_net", _world_derivative(base, trace, body, s, None, True)))
        num, _, den = body[1:].partition("/d")
        if num == "E" and n_out > 1:
            for k in range(n_out):
                v1 = _world_derivative(base, trace, body, s, k, False)
                if v1 != 0:
                    out.append(("one_path", v1))
        if S > 1 and num == "E" and ":" not in den:
            out.append(("sum_not_mean", S * x))
    else:
        out.append(("sign", -x))
    if steps is not None:
        out.append(("before_step", value(net, plain)))
    return [(c, float(v)) for c, v in out]


def check_answer(net, key, answer, tol):
    """``(right, code, exact, allowed)`` for one answer (code: a key of :data:`HINTS` or None)."""
    cache = {}
    exact = float(value(net, key, cache.setdefault("trained", {})))
    allowed = allowed_error(net, key, exact, tol, cache)
    x = parse_answer(answer)
    if x is None:
        return False, "not_a_number", exact, allowed

    def close(v):
        return math.isfinite(v) and abs(x - v) <= allowed * (1 + 1e-9)

    if close(exact):
        return True, None, exact, allowed
    for code, v in mistakes(net, key, cache):
        if close(v):
            return False, code, exact, allowed
    return False, None, exact, allowed


def hint_text(code, author_hint=""):
    if code is None:
        return author_hint or HINTS["generic"]
    return HINTS[code]


def verdict(right, code, author_hint, exact, net):
    """The line the answer box and :func:`check` show."""
    if right:
        return f"Right: {net.fmt(exact)} to {net.decimals} decimals."
    return f"Not yet: {hint_text(code, author_hint)}"


def _is_network(x):
    return isinstance(x, Network)

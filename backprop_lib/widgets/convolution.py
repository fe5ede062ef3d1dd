"""Widgets for conv networks, computed in the browser so that they stay live in the static book.

>>> from backprop_lib.widgets.convolution import ConvPlayground, ConvAnswerBox, check
>>> ConvPlayground(conv.example())              # sliders for the kernel, the biases, the dense weights
>>> ConvAnswerBox(conv.example(), "dE/dk11")    # an exercise's answer box, with "New numbers"
>>> check(conv.example(), "dE/dk11", 0.01795)   # the same judgement in Python

Their front ends are ``js/conv_widget.js`` and ``js/conv_answer.js``; they compute with
``js/conv.js`` (the twin of :mod:`backprop_lib.conv`) and judge with ``js/conv_judge.js``
(the twin of the judging below).  The tests hold each pair together.

Judging.  An answer is right within 0.05 % of the exact value (so any answer correct to four
significant figures passes; for an updated parameter, 0.05 % of its change), or within half
a unit of the network's last decimal.  A wrong answer that equals what a common slip gives
gets a hint naming the slip (not the answer): the gradient of a max-pool spread over its whole
window, the ReLU gate forgotten, a flipped sign, a factor of 2, the update added or without
the learning rate; otherwise the author's hint.
"""
from __future__ import annotations

import math
import re
from pathlib import Path

import anywidget
import traitlets

from .. import conv
from ..network import SpecError
from ..quantities import _KEY
from . import _bundle
from .answers import FIGURES, NEAR, HINTS as ANSWER_HINTS, typed_precision

CSS = (Path(__file__).parent / "js" / "conv.css").read_text(encoding="utf-8")

HINTS = {
    "spread": "a max-pool sends each pooled value's ∂E/∂out only to the position that held its window's "
              "maximum; the other positions of the window get 0.",
    "no_gate": "where a ReLU's net input is negative (its output is 0) it passes no gradient: "
               "δ = ∂E/∂out · 0 there.",
    "sign": "the sign is flipped. Check each factor's sign: ∂E/∂out of an output is out − target.",
    "factor2": "off by a factor of 2. The ½ in E = ½(target − out)² cancels the 2 that the square brings down.",
    "added": "you added the step. Gradient descent subtracts it: k⁺ = k − η·∂E/∂k.",
    "no_rate": "the learning rate is missing: k⁺ = k − η·∂E/∂k.",
    "unchanged": "that is the value before the update: subtract η·∂E/∂k.",
    "gradient_only": "that is the gradient, not the updated value: k⁺ = k − η·∂E/∂k.",
    "not_a_number": "type a number, such as 0.0179 or -1.5e-3.",
    "few_digits": ANSWER_HINTS["few_digits"],
    "more_digits": ANSWER_HINTS["more_digits"],
    "last_digit": ANSWER_HINTS["last_digit"],
    "generic": "recompute each step with the numbers shown, carrying all their decimals.",
}

_NUMBER = re.compile(r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$")


def parse_answer(answer):
    """A typed answer as a float, or None: "0.0179", "-1.5e-3", "−0.019", "0,5"."""
    if isinstance(answer, bool):
        return None
    if isinstance(answer, (int, float)):
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
    """``{"figures": 3}`` (None: right to the digits typed, at least 3 significant figures, as
    every answer box of the book), ``{"relative": r}`` (a string "0.1%") or ``{"absolute": a}``
    (a number)."""
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


def tolerance_text(net, tol):
    if "figures" in tol:
        return (f"An answer is right when it is the exact value rounded to the digits you type "
                f"(at least {tol['figures']} significant figures).")
    if "absolute" in tol:
        return f"Answers within ±{tol['absolute']:g} of the exact value are accepted."
    return (f"Answers within {tol['relative'] * 100:g} % of the exact value (of the change, for an updated "
            f"parameter) or within ±{0.5 * 10.0 ** -net.decimals:g} are accepted.")


def allowed_error(net, key, exact, tol):
    if "figures" in tol:
        return 0.5 * 10.0 ** -net.decimals
    if "absolute" in tol:
        return tol["absolute"]
    body = _KEY.match(key)["body"]
    scale = abs(exact)
    if body.endswith("+"):
        scale = abs(exact - net[body[:-1]])
    return max(0.5 * 10.0 ** -net.decimals, tol["relative"] * scale)


def world_value(net, key, mistake):
    """A derivative key's value when the backward pass makes ``mistake`` (see
    :meth:`backprop_lib.conv.ConvNetwork.backward`)."""
    m = _KEY.match(key)
    s = int(m["sample"] or 0)
    num, _, den = m["body"][1:].partition("/d")
    trace = net.forward()
    g = net.backward(trace, mistake=mistake)
    if num == "E" and ":" not in den:
        return float(net.gradient(grads=g)[[p.name for p in net.parameters()].index(den)])
    what, _, name = den.partition(":")
    l, j = net.neuron(name)
    return float((g.dE_dout if what == "out" else g.delta)[l][s].reshape(-1)[j])


def _differs(v, x):
    return abs(v - x) > 1e-12 * (1 + abs(x))


def mistakes(net, key):
    """``[(code, value), …]``: what each common slip gives for this key, in the order they are
    tried (``mistakes`` in js/conv_judge.js, line for line)."""
    m = _KEY.match(key)
    body = m["body"]
    x = conv.value(net, key)
    out = []
    if m["steps"] is not None:
        return [("sign", -x)]
    half = net.loss == "half_sse"
    if body.endswith("+"):
        name = body[:-1]
        p = net.param(name)
        before, rate = p.value, net.learning_rate
        g = conv.value(net, f"dE/d{name}")
        if net.trainable(p):
            out.append(("added", before + rate * g))
            if rate != 1:
                out.append(("no_rate", before - g))
            for mistake in ("spread", "no_gate"):
                v = before - rate * world_value(net, f"dE/d{name}", mistake)
                if _differs(v, x):
                    out.append((mistake, v))
        out += [("unchanged", before), ("gradient_only", g), ("sign", -x)]
    elif body.startswith("dE/d"):
        out.append(("sign", -x))
        if half:
            out += [("factor2", 2 * x), ("factor2", x / 2)]
        for mistake in ("spread", "no_gate"):
            v = world_value(net, key, mistake)
            if _differs(v, x):
                out.append((mistake, v))
    elif body == "E" or body.startswith("E:") or body.startswith("dE:"):
        if half:
            out += [("factor2", 2 * x), ("factor2", x / 2)]
        out.append(("sign", -x))
    else:
        out.append(("sign", -x))
    return [(c, float(v)) for c, v in out]


def check_answer(net, key, answer, tol):
    """``(right, code, exact, allowed)`` for one answer (code: a key of :data:`HINTS` or None)."""
    exact = float(conv.value(net, key))
    allowed = allowed_error(net, key, exact, tol)
    x = parse_answer(answer)
    if x is None:
        return False, "not_a_number", exact, allowed

    def close(v):
        return math.isfinite(v) and abs(x - v) <= allowed * (1 + 1e-9)

    if "figures" not in tol:
        if close(exact):
            return True, None, exact, allowed
        for code, v in mistakes(net, key):
            if close(v):
                return False, code, exact, allowed
        return False, None, exact, allowed
    # the book's rule (backprop_lib/widgets/answers.py): right to the digits typed
    figures, unit = typed_precision(answer)
    half = 0.5 * unit * (1 + 1e-9)
    noise = 1e-12 * abs(exact) + 1e-15
    if abs(x - exact) <= noise:
        return True, None, exact, noise
    if figures < tol["figures"]:
        return False, "few_digits", exact, half
    slips = [(c, v) for c, v in mistakes(net, key) if math.isfinite(v) and abs(v - exact) > noise]

    def within(v):                      # (a slip's last bits may differ between the languages)
        return abs(x - v) <= max(half, 1e-12 * abs(v) + 1e-15)

    if abs(x - exact) <= half:
        if any(within(v) for _, v in slips):
            return False, "more_digits", exact, half
        return True, None, exact, half
    for code, v in slips:
        if within(v):
            return False, code, exact, half
    if abs(x - exact) <= NEAR * unit:
        return False, "last_digit", exact, half
    return False, None, exact, half


def verdict(right, code, author_hint, exact, net):
    if right:
        return f"Right: {net.fmt(exact)} to {net.decimals} decimals."
    return "Not yet: " + (HINTS[code] if code else (author_hint or HINTS["generic"]))


def key_text(key):
    """A conv quantity key as the book writes it: ``dE/dk11`` → ∂E/∂k11, ``k11+`` → k11⁺."""
    m = _KEY.match(key)
    body = m["body"]
    if body.endswith("+"):
        text = body[:-1] + "⁺"
    elif body.startswith("d") and "/d" in body:
        num, den = body[1:].split("/d", 1)
        text = "∂" + num.replace(":", "_") + "/∂" + den.replace(":", "_")
    else:
        text = body.replace(":", "_")
    return text + (f" (sample {int(m['sample']) + 1})" if m["sample"] else "")


def resolve(net_or_spec, where):
    """A validated conv network from a :class:`backprop_lib.conv.ConvNetwork` or a conv spec."""
    if isinstance(net_or_spec, conv.ConvNetwork):
        return conv.parse(net_or_spec.to_spec())
    if isinstance(net_or_spec, dict):
        if not conv.is_conv_spec(net_or_spec):
            raise SpecError(f"{where}: the spec has no layer objects; this widget is for conv networks")
        return conv.parse(net_or_spec)
    raise SpecError(f"{where}: expected a conv network or its spec, got {type(net_or_spec).__name__}")


def _validated(net, key):
    if not isinstance(key, str) or not key:
        raise SpecError(f"key: expected a quantity key such as \"dE/dk11\", got {key!r}")
    try:
        return float(conv.value(net, key))
    except SpecError:
        raise
    except (KeyError, IndexError, ValueError) as e:
        raise SpecError(f"{key}: not a quantity of this network ({e.args[0] if e.args else e})") from None


# ------------------------------------------------------------------ the widgets
class ConvPlayground(anywidget.AnyWidget):
    """A slider for every kernel entry, bias and dense weight of a conv network (one sample
    shown); the image, the feature map with ReLU's zeros, the pooling choices, the outputs and
    E, and the backward pass (the deltas routed through the max, ∂E/∂kernel, ∂E/∂image, every
    bias and weight gradient), recomputed in the browser as a slider moves.

    >>> pg = ConvPlayground(conv.example(), decimals=6)
    >>> pg.network()          # the ConvNetwork at the current slider values
    """

    _esm = _bundle.esm("conv_widget.js")
    _css = CSS
    _kind = traitlets.Unicode("conv-playground").tag(sync=True)
    spec = traitlets.Dict().tag(sync=True)
    values = traitlets.Dict().tag(sync=True)

    def __init__(self, net_or_spec, decimals=None):
        net = resolve(net_or_spec, "ConvPlayground")
        if decimals is not None:
            if isinstance(decimals, bool) or not isinstance(decimals, int) or not 0 <= decimals <= 17:
                raise SpecError(f"decimals: must be a whole number from 0 to 17, got {decimals!r}")
            net = net.replace(decimals=decimals)
        if not net.parameters():
            raise SpecError("ConvPlayground: the network has no parameters to move")
        super().__init__(spec=net.to_spec(), values={p.name: p.value for p in net.parameters()})

    def network(self):
        net = conv.parse(self.spec)
        return net.with_params(**{k: float(v) for k, v in self.values.items()})

    def set_value(self, name, value):
        """Move one slider from Python (the page follows)."""
        if name not in self.values:
            raise SpecError(f"values: no slider named {name!r}")
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
            raise SpecError(f"values[{name!r}]: must be a finite number, got {value!r}")
        self.values = {**self.values, name: float(value)}

    def reset(self):
        self.values = {p.name: p.value for p in conv.parse(self.spec).parameters()}

    def __repr__(self):
        return f"ConvPlayground({conv.parse(self.spec)!r})"


class ConvAnswerBox(anywidget.AnyWidget):
    """An exercise's answer box for a quantity of a conv network, with the same arguments as
    :class:`backprop_lib.widgets.AnswerBox`: ``hint``, ``tolerance`` (None: right to the digits typed; a number:
    absolute; "0.1%"), ``variants`` ("New numbers"), ``seed`` and ``label``.  The numbers shown
    and the exact value are computed in the browser (the answer is not in the page)."""

    _esm = _bundle.esm("conv_answer.js")
    _css = CSS
    _kind = traitlets.Unicode("conv-answer").tag(sync=True)
    spec = traitlets.Dict().tag(sync=True)
    key = traitlets.Unicode("").tag(sync=True)
    label = traitlets.Unicode("").tag(sync=True)
    hint = traitlets.Unicode("").tag(sync=True)
    tolerance = traitlets.Dict().tag(sync=True)
    variants = traitlets.Bool(True).tag(sync=True)
    seed = traitlets.Int(0).tag(sync=True)
    variant = traitlets.Int(0).tag(sync=True)
    answer = traitlets.Unicode("").tag(sync=True)
    result = traitlets.Unicode("").tag(sync=True)
    _hints = traitlets.Dict().tag(sync=True)
    _tolerance_text = traitlets.Unicode("").tag(sync=True)

    def __init__(self, net_or_spec, key, hint="", tolerance=None, variants=True, seed=0, label=""):
        net = resolve(net_or_spec, "ConvAnswerBox")
        _validated(net, key)
        for name, v in (("hint", hint), ("label", label)):
            if not isinstance(v, str):
                raise SpecError(f"{name}: must be text, got {type(v).__name__}")
        if not isinstance(variants, bool):
            raise SpecError(f"variants: must be True or False, got {variants!r}")
        if isinstance(seed, bool) or not isinstance(seed, int) or not 0 <= seed < 2**31:
            raise SpecError(f"seed: must be a whole number from 0 to 2147483647, got {seed!r}")
        tol = tolerance_spec(tolerance)
        if variants:
            _validated(conv.draw(net, 1, seed), key)
        super().__init__(spec=net.to_spec(), key=key, label=label or f"{key_text(key)} =", hint=hint,
                         tolerance=tol, variants=variants, seed=seed, _hints=dict(HINTS),
                         _tolerance_text=tolerance_text(net, tol))

    def network(self):
        return conv.draw(conv.parse(self.spec), self.variant, self.seed)

    def check(self, answer):
        right, code, exact, _ = check_answer(self.network(), self.key, answer, self.tolerance)
        print(verdict(right, code, self.hint, exact, self.network()))
        return right

    def __repr__(self):
        return f"ConvAnswerBox({self.key!r})"


def check(net_or_spec, key, answer, tolerance=None, variant=0, hint="", seed=0):
    """Check a hand-computed ``answer`` for a conv network's quantity ``key``: prints "Right …"
    or "Not yet: <hint>" and returns True or False (``variant=n``: against "New numbers" n)."""
    net = resolve(net_or_spec, "check")
    _validated(net, key)
    tol = tolerance_spec(tolerance)
    net = conv.draw(net, variant, seed)
    right, code, exact, _ = check_answer(net, key, answer, tol)
    print(verdict(right, code, hint, exact, net))
    return right

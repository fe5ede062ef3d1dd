"""Answer boxes for self-study exercises, and :func:`check` for a live notebook.

The box states the question and the network's numbers; the reader types a number (or, for
``ask="direction"`` or ``"sign"``, picks one); the browser computes the exact value with
``js/engine.js`` and judges it with ``js/judge.js`` (the answer is never in the page): "Right",
to the figures typed, or "Not yet" with the hint of the slip the answer shows.  After two
wrong tries it offers the working, one factor at a time, and a folded worked solution; both
are computed for the numbers on screen.  "New numbers" draws a fresh network of the same
shape (:mod:`backprop_lib.variants`, the same generator in both languages).
"""
from __future__ import annotations

import re

import anywidget
import traitlets

from ..network import SpecError
from ..quantities import value
from ..spec import parse, to_spec
from ..variants import draw
from . import _bundle
from .answers import ASKS, HINTS, _before, check_answer, tolerance_spec, tolerance_text, verdict
from .common import resolve


def _validated_key(net, key):
    if not isinstance(key, str) or not key:
        raise SpecError(f"key: expected a quantity key such as \"dE/dw5\", got {key!r}")
    try:
        x = value(net, key)
    except SpecError:
        raise
    except KeyError as e:
        raise SpecError(f"{key}: {e.args[0] if e.args else 'unknown name'}") from None
    except (IndexError, TypeError, ValueError):
        raise SpecError(f"{key}: not a quantity of this network") from None
    return float(x)


def key_text(key):
    """A key as the book writes it, with ``_{…}`` for a subscript (the box typesets it):
    ``dE/dw5`` → ∂E/∂w_{5}, ``dE/dout:h1`` → ∂E/∂out_{h1}, ``w5+`` → w_{5}⁺."""
    body, _, steps = key.partition("@")
    sample = ""
    if body.endswith("]") and "[" in body:
        body, _, s = body[:-1].partition("[")
        sample = f" (sample {int(s) + 1})"

    def sub(name):
        m = re.fullmatch(r"([A-Za-z]+)(\d+)", name)
        return f"{m[1]}_{{{m[2]}}}" if m else name

    def term(t):
        if t == "E":
            return "E"
        if ":" in t:
            kind, name = t.split(":", 1)
            return f"{kind}_{{{name}}}"
        return sub(t)
    if body.endswith("+"):
        text = sub(body[:-1]) + "⁺"
    elif body.startswith("d") and "/d" in body:
        num, den = body[1:].split("/d", 1)
        text = f"∂{term(num)}/∂{term(den)}"
    else:
        text = term(body)
    if steps:
        text += f" after {int(steps):,} step{'s' if int(steps) != 1 else ''}"
    return text + sample


class AnswerBox(anywidget.AnyWidget):
    """An exercise's answer box for quantity ``key`` of a network.

    ``hint``: the author's hint, folded in the box until the reader opens it, and shown on a
    wrong answer that no common slip explains; ``tolerance``: None (the exact value rounded to
    the digits typed, from 3 significant figures), a number (absolute) or "0.1%";
    ``variants``: offer "New numbers"; ``seed``: the generator's seed; ``label``: the question
    (default: the key as the documents write it); ``ask``: "number", or "direction" (up,
    down or no change, for ``w5+`` or ``E@1``) or "sign" (positive, negative or zero);
    ``working``: offer the working after two wrong tries, and a folded worked solution;
    ``names``: the working's terms in a document's own names, e.g. ``{"out_{prediction}":
    "prediction", "target_{prediction}": "actual"}`` (``_{…}`` is a subscript).
    """

    _esm = _bundle.esm("answer.js")
    _css = _bundle.css()
    _kind = traitlets.Unicode("answer").tag(sync=True)
    spec = traitlets.Dict().tag(sync=True)
    key = traitlets.Unicode("").tag(sync=True)
    label = traitlets.Unicode("").tag(sync=True)
    hint = traitlets.Unicode("").tag(sync=True)
    tolerance = traitlets.Dict().tag(sync=True)
    variants = traitlets.Bool(True).tag(sync=True)
    seed = traitlets.Int(0).tag(sync=True)
    ask = traitlets.Unicode("number").tag(sync=True)
    working = traitlets.Bool(True).tag(sync=True)
    names = traitlets.Dict().tag(sync=True)
    variant = traitlets.Int(0).tag(sync=True)        # which numbers are shown (0: the network's own)
    answer = traitlets.Unicode("").tag(sync=True)    # what the reader last checked
    result = traitlets.Unicode("").tag(sync=True)    # and the verdict
    _hints = traitlets.Dict().tag(sync=True)
    _tolerance_text = traitlets.Unicode("").tag(sync=True)

    def __init__(self, net_or_preset_id, key, hint="", tolerance=None, variants=True, seed=0, label="",
                 ask="number", working=True, names=None):
        net = resolve(net_or_preset_id, "AnswerBox")
        _validated_key(net, key)
        if not isinstance(hint, str):
            raise SpecError(f"hint: must be text, got {type(hint).__name__}")
        if not isinstance(label, str):
            raise SpecError(f"label: must be text, got {type(label).__name__}")
        if not isinstance(variants, bool):
            raise SpecError(f"variants: must be True or False, got {variants!r}")
        if not isinstance(working, bool):
            raise SpecError(f"working: must be True or False, got {working!r}")
        if isinstance(seed, bool) or not isinstance(seed, int) or not 0 <= seed < 2**31:
            raise SpecError(f"seed: must be a whole number from 0 to 2147483647, got {seed!r}")
        _validated_ask(net, key, ask)
        names = {} if names is None else names
        if not isinstance(names, dict) or not all(isinstance(k, str) and k and isinstance(v, str)
                                                  for k, v in names.items()):
            raise SpecError("names: must map terms to text, e.g. {\"out_{prediction}\": \"prediction\"}")
        tol = tolerance_spec(tolerance)
        if variants:
            _validated_key(draw(net, 1, seed), key)
        super().__init__(spec=to_spec(net), key=key, label=label or f"{key_text(key)} =", hint=hint,
                         tolerance=tol, variants=variants, seed=seed, ask=ask, working=working, names=dict(names),
                         _hints=dict(HINTS), _tolerance_text=tolerance_text(net, tol, ask))

    def network(self):
        """The network whose numbers the box shows now (its current variant)."""
        return draw(parse(self.spec), self.variant, self.seed)

    def check(self, answer):
        """Check an answer against the numbers shown now; prints the verdict, returns True/False."""
        net = self.network()
        judgement = check_answer(net, self.key, answer, self.tolerance, self.ask)
        print(verdict(judgement, self.hint, net, self.ask, self.key))
        return judgement.right

    def __repr__(self):
        return f"AnswerBox({self.key!r})"


def _validated_ask(net, key, ask):
    if ask not in ASKS:
        raise SpecError(f"ask: must be one of {', '.join(ASKS)}, got {ask!r}")
    if ask == "direction":
        try:
            _before(net, key)
        except SpecError as e:
            raise SpecError(f"ask: {e}") from None


def check(net_or_preset_id, key, answer, tolerance=None, variant=0, hint="", seed=0, ask="number"):
    """Check a hand-computed ``answer`` for quantity ``key``: prints a line starting "Right"
    or "Not yet: <hint>" and returns True or False.  ``variant=n`` checks against the n-th
    drawn network (:func:`backprop_lib.variants.draw`), as the answer box's "New numbers";
    ``ask="direction"`` or ``"sign"`` checks a choice ("up", "down", "no change"; "positive",
    "negative", "zero") instead of a number."""
    net = resolve(net_or_preset_id, "check")
    _validated_key(net, key)
    _validated_ask(net, key, ask)
    tol = tolerance_spec(tolerance)
    net = draw(net, variant, seed)
    judgement = check_answer(net, key, answer, tol, ask)
    print(verdict(judgement, hint, net, ask, key))
    return judgement.right

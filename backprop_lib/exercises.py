"""Code exercises: the reader completes a short function in a live notebook, and a check cell
says right or wrong.

>>> def hidden_delta(out_h, weights_out, deltas_out):
...     return sum(w * d for w, d in zip(weights_out, deltas_out)) * out_h * (1 - out_h)
>>> check_function(hidden_delta)          # shown as one line; true when right
Right: hidden_delta gives backpropagation's value on all 6 networks it was tried on …

Each exercise is found by the function's name (:data:`EXERCISES`).  It is tried on the
document's own network and on fresh networks of the same shape (:func:`backprop_lib.variants.draw`,
seeded, so the verdict is the same on every run), and compared with what the library
computes for the same quantity.  The verdict is one line: "Right: …", or "Not yet: …" naming
the first case that fails, with the arguments, what the function returned and the right
value.  An unfinished function (its body still ``...``) gets "Not yet", never a traceback.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable

from . import presets
from .quantities import value
from .variants import draw

FRESH = 5                 # fresh networks tried besides the document's own
SEED = 2024               # their generator's seed
TOLERANCE = 1e-9          # relative: the function must give the library's value to ~9 figures


@dataclass(frozen=True)
class Exercise:
    name: str             # the function's name
    preset: str           # the document whose network (and fresh ones of its shape) it is tried on
    arguments: Callable   # network → {argument name: value}
    expected: Callable    # network → the right result (a number, or a list of numbers)
    shape: str            # what the function returns, for the verdict


def _hidden_delta_arguments(net):
    # h1 of a 2-2-2 network: its output, its weights to o1 and o2 (w5, w7), their deltas
    return {"out_h": value(net, "out:h1"),
            "weights_out": [float(net.weights[1][k, 0]) for k in range(net.layers[2])],
            "deltas_out": [value(net, f"dE/dnet:{o}") for o in net.neuron_names[2]]}


def _update_arguments(net):
    return {"weights": [net[f"w{k}"] for k in range(1, 7)], "i1": float(net.inputs[0, 0]),
            "i2": float(net.inputs[0, 1]), "actual": float(net.targets[0, 0]), "eta": net.learning_rate}


def _bias_gradient_arguments(net):
    return {"out_h": [value(net, f"out:{h}") for h in net.neuron_names[1]],
            "out_o": [value(net, f"out:{o}") for o in net.neuron_names[2]],
            "target": [float(t) for t in net.targets[0]],
            "w_out": [[float(w) for w in row] for row in net.weights[1]]}


def _output_delta_arguments(net):
    return {"out": value(net, "out:o1"), "target": float(net.targets[0, 0])}


EXERCISES = {e.name: e for e in [
    Exercise("hidden_delta", "2-2-2", _hidden_delta_arguments, lambda net: value(net, "dE/dnet:h1"), "a number"),
    Exercise("output_delta", "2-2-2", _output_delta_arguments, lambda net: value(net, "dE/dnet:o1"), "a number"),
    Exercise("update", "2-2-1", _update_arguments, lambda net: [value(net, f"w{k}+") for k in range(1, 7)],
             "a list of the six new weights"),
    Exercise("bias_gradient", "3-2-2", _bias_gradient_arguments, lambda net: value(net, "dE/db1"), "a number"),
]}


def networks(exercise):
    """The networks an exercise is tried on: the document's, then :data:`FRESH` fresh ones."""
    net = presets.load(exercise.preset)
    return [net] + [draw(net, n, SEED) for n in range(1, FRESH + 1)]


def _show(x):
    if isinstance(x, float):
        return f"{x:.9g}"
    if isinstance(x, (list, tuple)):
        return "[" + ", ".join(_show(v) for v in x) + "]"
    return "..." if x is Ellipsis else repr(x)


def _as_numbers(result, expected):
    """The result as a float or a list of floats shaped like ``expected``, or None."""
    def number(v):
        if isinstance(v, bool):
            return None
        try:
            x = float(v)
        except (TypeError, ValueError):
            return None
        return x if math.isfinite(x) else None
    if isinstance(expected, list):
        try:
            items = list(result)
        except TypeError:
            return None
        if len(items) != len(expected):
            return None
        numbers = [number(v) for v in items]
        return None if None in numbers else numbers
    return number(result)


def _close(a, b):
    if isinstance(b, list):
        return all(_close(x, y) for x, y in zip(a, b))
    return abs(a - b) <= TOLERANCE * max(1.0, abs(b))


def judge_function(fn):
    """``(right, line)`` for the reader's function (see the module's docstring)."""
    name = getattr(fn, "__name__", "")
    if name not in EXERCISES:
        return False, (f"Not yet: no exercise is called {name or type(fn).__name__!r}; "
                       f"keep the function's name ({', '.join(EXERCISES)}).")
    exercise = EXERCISES[name]
    tried = networks(exercise)
    for n, net in enumerate(tried):
        args = exercise.arguments(net)
        expected = exercise.expected(net)
        where = ", ".join(f"{k} = {_show(v)}" for k, v in args.items())
        which = "the document's numbers" if n == 0 else f"fresh numbers (set {n})"
        try:
            result = fn(**args)
        except Exception as e:                                     # the reader's code: report, not raise
            message = str(e).splitlines()[0] if str(e) else ""
            return False, f"Not yet: with {which}, {name} raised {type(e).__name__}{': ' + message if message else ''}."
        unfinished = result is Ellipsis or (isinstance(result, (list, tuple)) and Ellipsis in result)
        if result is None or unfinished:
            return False, (f"Not yet: {name} returns {'nothing' if result is None else _show(result)}: "
                           f"write the formula where the ... are, and return {exercise.shape}.")
        got = _as_numbers(result, expected)
        if got is None:
            return False, f"Not yet: {name} returned {_show(result)}; it should return {exercise.shape}."
        if not _close(got, expected):
            return False, (f"Not yet: with {which} ({where}) {name} returns {_show(got)}; "
                           f"backpropagation gives {_show(expected)}.")
    return True, (f"Right: {name} gives backpropagation's value on all {len(tried)} networks it was tried on "
                  "(the document's and fresh ones).")


class Verdict:
    """A check's verdict: shown as its one line (a notebook displays it as the cell's result),
    true when right."""

    def __init__(self, right, line):
        self.right, self.line = right, line

    def __bool__(self):
        return self.right

    def __repr__(self):
        return self.line

    __str__ = __repr__

    def _repr_markdown_(self):           # in the book: prose that wraps, not a code line
        return self.line.replace("_", "\\_").replace("*", "\\*")


def check_function(fn):
    """Check the reader's function: a :class:`Verdict`, shown as one line starting "Right" or
    "Not yet", and true when right."""
    return Verdict(*judge_function(fn))

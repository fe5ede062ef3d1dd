"""What Part II's data chapters show: their tables, figures and glued numbers, computed by the
library (:mod:`backprop_lib.classifier`, :mod:`backprop_lib.datasets`), so that a chapter's
hidden cells are one call each and the numbers can be tested.

* :mod:`.iris`: the Iris chapter; :mod:`.digits`: the handwritten digits;
  :mod:`.training`: the training playground's chapter.
* :func:`check`: the code exercises' checks (one line, "Right" or "Not yet").
"""
from __future__ import annotations

import math

import numpy as np


def fixed(x, decimals=6):
    """x to ``decimals`` places, with a typographic minus for Markdown tables."""
    text = f"{float(x):.{decimals}f}"
    if text.startswith("-") and float(text) == 0.0:
        text = text[1:]
    return text.replace("-", "−")


def tex(x, decimals=6):
    """x to ``decimals`` places for LaTeX, negative numbers in parentheses (as a factor)."""
    text = f"{float(x):.{decimals}f}"
    if text.startswith("-") and float(text) == 0.0:
        text = text[1:]
    return f"({text})" if text.startswith("-") else text


def tex_result(x, decimals=6):
    """x to ``decimals`` places for LaTeX, as a result (no parentheses)."""
    text = f"{float(x):.{decimals}f}"
    return text[1:] if text.startswith("-") and float(text) == 0.0 else text


# ---------------------------------------------------------------------------- code exercises
def _close(a, b, tol=1e-9):
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    return a.shape == b.shape and bool(np.all(np.abs(a - b) <= tol * np.maximum(1.0, np.abs(b))))


def judge(fn, name, cases, shape):
    """``(right, line)`` for the reader's function ``fn``: each case is ``(arguments, expected,
    description)``; the first that fails is named in the line."""
    if getattr(fn, "__name__", "") != name:
        return False, f"Not yet: the function must keep its name, {name}."
    for args, expected, what in cases:
        try:
            result = fn(*args)
        except Exception as e:                                   # the reader's code: report, never raise
            message = str(e).splitlines()[0] if str(e) else ""
            return False, f"Not yet: on {what}, {name} raised {type(e).__name__}{': ' + message if message else ''}."
        if result is None or result is Ellipsis:
            return False, (f"Not yet: {name} returns {'nothing' if result is None else '...'}: "
                           f"write its body where the ... are, and return {shape}.")
        try:
            ok = (_close(result[0], expected[0]) and _close(result[1], expected[1])) if isinstance(expected, tuple) \
                else _close(result, expected)
        except (TypeError, ValueError, IndexError):
            ok = False
        if not ok:
            return False, f"Not yet: on {what}, {name} does not return {shape}; compare with the worked example above."
    return True, f"Right: {name} agrees with the library on all {len(cases)} cases it was tried on."


def check(fn, name, cases, shape):
    """The verdict on the reader's function: shown as one line, "Right: …" or "Not yet: …",
    and true when right."""
    from ..verdict import Verdict

    right, line = judge(fn, name, cases, shape)
    return Verdict(right, line.split(": ", 1)[1])


def finite(x):
    return x is not None and math.isfinite(float(x))

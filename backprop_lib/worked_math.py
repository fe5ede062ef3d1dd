"""A worked example's rows (:mod:`backprop_lib.explain`) as the book's display math.

Each row is ``symbol = formula = the numbers = value``; a row too wide for the page breaks
after its formula.  Names follow the book's notation page: \\mathrm{net}_{h1},
\\mathrm{out}_{o1}, \\mathrm{target}_{o1}, and a neuron ``h2_1`` of several hidden layers is
h^{(2)}_{1}.
"""
from __future__ import annotations

import re

from .book import Markdown
from .explain import Row, worked_example

_NEURON = re.compile(r"\b([a-z])(\d+)_(\d+)\b")


def book_tex(latex):
    """explain's LaTeX in the book's notation."""
    text = re.sub(r"(?<![A-Za-z\\])(out|net|target)_\{", r"\\mathrm{\1}_{", latex)
    return _NEURON.sub(lambda m: f"{m[1]}^{{({m[2]})}}_{{{m[3]}}}", text)


def neuron_tex(name):
    """A neuron's name as the book sets it: h1 → h1, h2_1 → h^{(2)}_{1}."""
    return _NEURON.sub(lambda m: f"{m[1]}^{{({m[2]})}}_{{{m[3]}}}", name)


def fmt(x, decimals=9):
    text = f"{float(x):.{decimals}f}"
    return text[1:] if text.startswith("-") and float(text) == 0.0 else text


def _group(text, i):
    """The {…} group that starts at text[i]: (its inside, the index after it)."""
    depth = 0
    for j in range(i, len(text)):
        depth += {"{": 1, "}": -1}.get(text[j], 0)
        if depth == 0:
            return text[i + 1:j], j + 1
    return text[i + 1:], len(text)


def _width(latex):
    """Roughly how many characters a formula shows: a fraction counts as the wider of its
    numerator and denominator; commands and braces count nothing, a few symbols one."""
    total, i = 0, 0
    while i < len(latex):
        m = re.match(r"\\[dt]?frac", latex[i:])
        if m:
            num, i = _group(latex, i + m.end())
            den, i = _group(latex, i)
            total += max(_width(num), _width(den))
            continue
        m = re.match(r"\\[A-Za-z]+", latex[i:])
        if m:
            i += m.end()
            total += 1 if m.group() in (r"\partial", r"\delta", r"\eta", r"\cdot", r"\sum", r"\log") else 0
            continue
        total += 0 if latex[i] in "{}_^ " else 1
        i += 1
    return total


def row_math(row, decimals=9, limit=64):
    """One row as display math (a string with $$ … $$): ``symbol = formula = numbers = value``,
    broken into aligned lines where it would be wider than about ``limit`` characters."""
    lhs, formula = book_tex(row.lhs[1]), book_tex(row.formula[1])
    numbers = row.numbers[1] if row.numbers[1] != row.formula[1] else None
    parts = [formula] + ([numbers] if numbers else []) + [fmt(row.value, decimals)]
    lines, current = [], [lhs + " &= " + parts[0]]
    for part in parts[1:]:
        if _width(" = ".join(current + [part])) > limit:
            lines.append(" = ".join(current))
            current = ["&= " + part]
        else:
            current.append(part)
    lines.append(" = ".join(current))
    if len(lines) == 1:
        return "$$" + lines[0].replace(" &= ", " = ") + "$$"
    return "$$\\begin{aligned}" + r" \\ ".join(lines) + "\\end{aligned}$$"


def show(rows, decimals=9):
    """Several rows, one display each."""
    return Markdown("\n\n".join(row_math(r, decimals) for r in rows))


def rows_by_symbol(net):
    """Every row of the network's worked example (one sample, one step), by its symbol's text:
    ``net_h1``, ``out_o1``, ``E_total``, ``δ_o1 = ∂E_total/∂net_o1``, ``∂E_total/∂w5``, ``w5⁺``."""
    return {r.lhs[0]: r for section in worked_example(net) for r in section.rows}


def row(lhs, formula, numbers, value):
    """A row of one's own: each part a (text, LaTeX) pair or one LaTeX string for both."""
    pair = lambda p: p if isinstance(p, tuple) else (p, p)
    return Row(pair(lhs), pair(formula), pair(numbers), float(value))


def three_ways(net, params=None, method="whole", label="E_total"):
    """Every gradient three ways, as a table: sympy's derivative (of the whole E, or its
    local factors chained), the backward pass, a finite difference."""
    from .gradcheck import finite_difference
    from .symbolic import derive

    names = [p.name for p in net.parameters()]
    d = derive(net)
    sym = d.whole_gradient(net) if method == "whole" else d.chain_gradient(net)
    by = {"sympy": dict(zip(names, sym)), "backprop": dict(zip(names, net.gradient())),
          "nudge": dict(zip(names, finite_difference(net)))}
    lines = ["| derivative | sympy | backpropagation | finite difference |", "|---|---:|---:|---:|"]
    for p in params or names:
        lines.append(f"| ∂{label}/∂{p} | {by['sympy'][p]:.12f} | {by['backprop'][p]:.12f} | {by['nudge'][p]:.12f} |")
    gaps = (float(max(abs(by["sympy"][p] - by["backprop"][p]) for p in names)),
            float(max(abs(by["nudge"][p] - by["backprop"][p]) for p in names)))
    return Markdown("\n".join(lines)), gaps


def full_precision(values):
    """A table of numbers at full double precision (the shortest text that reads back as
    the same double), beside their nine-decimal form."""
    lines = ["| quantity | nine decimals | full precision |", "|---|---:|---:|"]
    for name, v in values.items():
        lines.append(f"| {name} | {fmt(v, 9)} | {float(v)!r} |")
    return Markdown("\n".join(lines))

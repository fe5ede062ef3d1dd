"""Symbol names as the book typesets them, without sympy (the command line imports this)."""
from __future__ import annotations

import re


def latex_name(name):
    """LaTeX for a symbol name: w5 → w_{5}, w1_2_3 → w^{(1)}_{2,3}, out_h1 → out_{h1}."""
    m = re.fullmatch(r"([A-Za-z]+)(\d+)_(\d+)_(\d+)", name)
    if m:
        return rf"{m[1]}^{{({m[2]})}}_{{{m[3]},{m[4]}}}"
    m = re.fullmatch(r"([A-Za-z]+)(\d+)_(\d+)", name)
    if m:
        return rf"{m[1]}^{{({m[2]})}}_{{{m[3]}}}"
    m = re.fullmatch(r"([A-Za-z]+)(\d+)", name)
    if m:
        return rf"{m[1]}_{{{m[2]}}}"
    m = re.fullmatch(r"([A-Za-z]+)_(\w+)", name)
    if m:
        return rf"{m[1]}_{{{m[2].replace('_', ',')}}}"
    return name.replace("_", r"\_")

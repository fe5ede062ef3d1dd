"""nbval (make test) compares each cell's new outputs with the stored ones as text.  A float's
last digits depend on the CPU the notebook runs on (the BLAS kernels numpy picks for it), so
the stored outputs, executed on one machine, differ from a run on another in digits that mean
nothing.  Before nbval compares two outputs, each number of the new output that agrees with
the stored one to a relative 1e-8 (or differs by less than 1e-10) is written as the stored one
is; any other difference, in a number or in the text around it, still fails the cell.

matplotlib names an SVG's clip paths by a hash of their coordinates; the sanitize file
(tests/nbval_sanitize.cfg) replaces those names, and the coordinates are compared as numbers.

Two cell tags loosen this where a cell shows chaos or rounding noise on purpose, so that its
last digits, or its pixels, vary from one CPU to another by more:
- ``nbval-close-1e-3`` (any power of ten): the cell's numbers agree to that relative tolerance;
- ``nbval-figure-varies``: the cell's pictures are not compared (its text and numbers are).

A kernel that dies before it answers (two workers' kernels can race for the same TCP port
while they start) is started again, up to twice; a notebook's own failures are not retried.
"""
from __future__ import annotations

import math
import re

NUMBER = re.compile(r"(-?(?:\d+\.\d*|\.\d+|\d+)(?:[eE][-+]?\d+)?)")
CLIP_ID = re.compile(r"\bp[0-9a-f]{10}\b")
REL, ABS = 1e-8, 1e-10


FIGURES = ("image/svg+xml", "image/png", "image/jpeg")


def _close(a: str, b: str, rel: float) -> bool:
    try:
        x, y = float(a), float(b)
    except ValueError:
        return False
    return math.isclose(x, y, rel_tol=rel, abs_tol=ABS)


def align_numbers(stored: str, new: str, rel: float = REL) -> str:
    """``new`` with each number that is close to its counterpart in ``stored`` written as there;
    ``new`` unchanged if the two differ in anything but such numbers."""
    if stored == new:
        return new
    if "<svg" in stored and "<svg" in new:
        stored, new = CLIP_ID.sub("pCLIP", stored), CLIP_ID.sub("pCLIP", new)
    a, b = NUMBER.split(stored), NUMBER.split(new)
    if len(a) != len(b):
        return new
    out = []
    for i, (x, y) in enumerate(zip(a, b)):
        if i % 2 == 0:                      # the text between numbers must be the same
            if x != y:
                return new
            out.append(x)
        elif x == y or _close(x, y, rel):
            out.append(x)
        else:
            return new
    return "".join(out)


def _align_output(stored, new, rel=REL):
    """A new cell output (a dict) with its strings aligned to the stored output's."""
    if not (isinstance(stored, dict) and isinstance(new, dict)):
        return new
    aligned = dict(new)
    for key, value in new.items():
        if isinstance(value, str) and isinstance(stored.get(key), str):
            aligned[key] = align_numbers(stored[key], value, rel)
        elif key == "data" and isinstance(value, dict) and isinstance(stored.get(key), dict):
            aligned[key] = {mime: align_numbers(stored[key][mime], text, rel)
                            if isinstance(text, str) and isinstance(stored[key].get(mime), str) else text
                            for mime, text in value.items()}
    return aligned


def _without_figures(output):
    if isinstance(output, dict) and isinstance(output.get("data"), dict):
        output = dict(output, data={k: v for k, v in output["data"].items() if k not in FIGURES})
    return output


def cell_tolerance(tags) -> tuple[float, bool]:
    """The relative tolerance a cell's tags set, and whether its figures are compared."""
    rel = REL
    for tag in tags:
        if re.fullmatch(r"nbval-close-1e-\d+", tag):
            rel = max(rel, float(tag[len("nbval-close-"):]))
    return rel, "nbval-figure-varies" not in tags


def retrying(start, attempts=3):
    """``start`` (nbval's kernel start), tried again when the kernel dies while starting."""
    def start_new_kernel(*args, **kwargs):
        for attempt in range(attempts):
            try:
                return start(*args, **kwargs)
            except RuntimeError:            # "Kernel died before replying to kernel_info"
                if attempt == attempts - 1:
                    raise
    return start_new_kernel


def pytest_configure(config):
    if not config.getoption("nbval", default=False):
        return
    import nbformat
    from nbval.plugin import IPyNbCell

    compare = IPyNbCell.compare_outputs
    if getattr(compare, "aligns_numbers", False):
        return
    import nbval.kernel

    nbval.kernel.start_new_kernel = retrying(nbval.kernel.start_new_kernel)

    def compare_outputs(self, test, ref, skip_compare=None):
        rel, figures = cell_tolerance(self.cell.metadata.get("tags", []))
        if not figures:
            test = [nbformat.from_dict(_without_figures(t)) for t in test]
            ref = [nbformat.from_dict(_without_figures(r)) for r in ref]
        if len(test) == len(ref):
            test = [nbformat.from_dict(_align_output(r, t, rel)) for r, t in zip(ref, test)]
        return compare(self, test, ref, skip_compare)

    compare_outputs.aligns_numbers = True
    IPyNbCell.compare_outputs = compare_outputs

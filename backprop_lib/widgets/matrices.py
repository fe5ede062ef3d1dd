"""The matrix playground: the four equations of backpropagation with one sample's numbers.

Every array of the forward and backward pass (W, out, net, δ, ∂E/∂out, f′(net) and each
outer product δ·outᵀ = ∂E/∂W) is shown as a matrix of its numbers; a slider for every
weight, bias, input and target moves them, and the numbers that changed light up.  The
browser computes everything (``js/matrices.js`` with ``js/matrixform.js`` on
``js/engine.js``), so it stays live in the static HTML book.
"""
from __future__ import annotations

import anywidget
import traitlets

from ..activations import ACTIVATIONS
from ..network import SpecError
from ..spec import parse, to_spec
from . import _bundle
from .common import apply_values, resolve, slider_values


def _css():
    return _bundle.css() + (_bundle.JS / "matrices.css").read_text(encoding="utf-8")


class MatrixPlayground(anywidget.AnyWidget):
    """The four equations of one sample as matrices, live.

    >>> MatrixPlayground("2-2-2")         # a preset id, a backprop_lib Network or a spec dict
    """

    _esm = _bundle.esm("matrices.js")
    _css = _css()
    _kind = traitlets.Unicode("matrices").tag(sync=True)
    spec = traitlets.Dict().tag(sync=True)
    values = traitlets.Dict().tag(sync=True)       # slider name → value (parameters, inputs, targets)

    def __init__(self, net_or_preset_id):
        net = resolve(net_or_preset_id, "MatrixPlayground")
        if net.samples != 1:
            raise SpecError(f"MatrixPlayground: shows one sample; this network has {net.samples}")
        for k, act in enumerate(net.activations):
            if not ACTIVATIONS[act].elementwise:
                raise SpecError(f"activations[{k}]: {act} has a matrix of ∂out/∂net; "
                                "the matrix playground needs element-wise activations")
        values = {k: v for k, v in slider_values(net).items() if k != "learning rate"}
        super().__init__(spec=to_spec(net), values=values)

    def network(self):
        """The :class:`backprop_lib.Network` at the current slider values."""
        return apply_values(parse(self.spec), self.values)

    def set_value(self, name, value):
        """Move one slider from Python (the page follows)."""
        if name == "learning rate" or name not in self.values:
            raise SpecError(f"values: no slider named {name!r}")
        apply_values(parse(self.spec), {name: value})
        self.values = {**self.values, name: float(value)}

    def __repr__(self):
        net = parse(self.spec)
        return f"MatrixPlayground({'-'.join(map(str, net.layers))}: {net.title or 'network'})"

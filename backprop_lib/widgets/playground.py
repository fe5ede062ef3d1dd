"""The playground: a network's sliders and every number of one training step, live.

Everything is computed in the browser by ``js/engine.js`` (the library's twin), so the
playground stays live in the static HTML book, with no kernel; in a live notebook its slider
values are synced traits, and :meth:`Playground.network` carries them back into
``backprop_lib``.
"""
from __future__ import annotations

import anywidget
import traitlets

from ..network import SpecError
from ..spec import parse, to_spec
from . import _bundle
from .common import apply_values, resolve, slider_values

MAX_STEPS = 100_000


class Playground(anywidget.AnyWidget):
    """A slider for every weight, bias, input, target and the learning rate; the network
    drawn with its numbers; forward values, error, gradients, updated weights, the chosen
    parameter's chain-rule product, and the loss over ``steps`` training steps.

    >>> pg = Playground("2-2-2")          # a preset id, a backprop_lib Network or a spec dict
    >>> pg.network()                      # the Network at the current slider values
    """

    _esm = _bundle.esm("widget.js")
    _css = _bundle.css()
    _kind = traitlets.Unicode("playground").tag(sync=True)
    spec = traitlets.Dict().tag(sync=True)          # the network as given: what "Reset" restores
    values = traitlets.Dict().tag(sync=True)        # slider name → current value
    steps = traitlets.Int(1000).tag(sync=True)      # length of the loss curve
    selected = traitlets.Unicode("").tag(sync=True)  # the parameter whose chain rule is shown

    def __init__(self, net_or_preset_id, steps=1000, selected=None):
        net = resolve(net_or_preset_id, "Playground")
        if isinstance(steps, bool) or not isinstance(steps, int) or not 0 <= steps <= MAX_STEPS:
            raise SpecError(f"steps: must be a whole number from 0 to {MAX_STEPS:,}, got {steps!r}")
        names = [p.name for p in net.parameters()]
        if not names:
            raise SpecError("Playground: the network has no parameters to move")
        if selected is None:
            selected = names[-1] if len(names) < 2 else _first_output_weight(net)
        if selected not in names:
            raise SpecError(f"selected: no parameter named {selected!r}; this network has {', '.join(names)}")
        super().__init__(spec=to_spec(net), values=slider_values(net), steps=steps, selected=selected)

    def network(self):
        """The :class:`backprop_lib.Network` at the current slider values."""
        return apply_values(parse(self.spec), self.values)

    def set_value(self, name, value):
        """Move one slider from Python (the page follows)."""
        apply_values(parse(self.spec), {name: value})            # validates the name and value
        self.values = {**self.values, name: float(value)}

    def reset(self):
        """Every slider back to the network's own values."""
        self.values = slider_values(parse(self.spec))

    def __repr__(self):
        net = parse(self.spec)
        return f"Playground({'-'.join(map(str, net.layers))}: {net.title or 'network'})"


def _first_output_weight(net):
    """The first weight into the output layer (w5 of the first document)."""
    for p in net.parameters():
        if p.kind == "weights" and p.layer == net.depth:
            return p.name
    return net.parameters()[0].name

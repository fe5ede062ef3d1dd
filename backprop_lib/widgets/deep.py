"""The deeper-networks chapter's playgrounds, live in the static HTML book.

* :class:`DepthPlayground`: depth 1–10, the activation, the initialisation scale and a seed;
  the size of ∂E/∂W for every layer, recomputed on every move;
* :class:`SymmetryPlayground`: the first document's network started with two identical
  hidden neurons (or equal incoming weights only, or random weights) and trained; the two
  neurons' weights side by side, and how far apart they are after every step.

Both compute in the browser (``js/depth.js`` on ``js/engine.js``); in a live notebook their
settings are synced traits, and :meth:`result` gives the same numbers from the library
(:mod:`backprop_lib.depth`).
"""
from __future__ import annotations

from pathlib import Path

import anywidget
import traitlets

from .. import presets
from ..depth import depth_playground, depth_state, symmetry_run, symmetry_state
from ..spec import to_spec
from . import _bundle

CSS = (Path(__file__).parent / "js" / "deep.css").read_text(encoding="utf-8")


class DepthPlayground(anywidget.AnyWidget):
    """>>> DepthPlayground(depth=5, activation="sigmoid", scale=1.0)"""

    _esm = _bundle.esm("depth_view.js")
    _css = CSS
    _kind = traitlets.Unicode("depth").tag(sync=True)
    depth = traitlets.Int(5).tag(sync=True)
    activation = traitlets.Unicode("sigmoid").tag(sync=True)
    scale = traitlets.Float(1.0).tag(sync=True)
    seed = traitlets.Int(0).tag(sync=True)

    def __init__(self, depth=5, activation="sigmoid", scale=1.0, seed=0):
        state = depth_state(depth, activation, scale, seed)
        super().__init__(**state)

    def state(self):
        return depth_state(self.depth, self.activation, self.scale, self.seed)

    def result(self):
        """What the page shows, from the library: the sizes per layer, first/last, the loss."""
        return depth_playground(self.state())

    def __repr__(self):
        return f"DepthPlayground(depth={self.depth}, activation={self.activation!r}, scale={self.scale:g})"


class SymmetryPlayground(anywidget.AnyWidget):
    """>>> SymmetryPlayground(start="equal", steps=1000)"""

    _esm = _bundle.esm("symmetry_view.js")
    _css = CSS
    _kind = traitlets.Unicode("symmetry").tag(sync=True)
    base = traitlets.Dict().tag(sync=True)          # the first document's network
    start = traitlets.Unicode("equal").tag(sync=True)
    w1 = traitlets.Float(0.15).tag(sync=True)
    w2 = traitlets.Float(0.20).tag(sync=True)
    w5 = traitlets.Float(0.40).tag(sync=True)
    w7 = traitlets.Float(0.50).tag(sync=True)
    seed = traitlets.Int(1).tag(sync=True)
    steps = traitlets.Int(1000).tag(sync=True)

    def __init__(self, start="equal", w1=0.15, w2=0.20, w5=0.40, w7=0.50, seed=1, steps=1000):
        state = symmetry_state(start, w1, w2, w5, w7, seed, steps)
        super().__init__(base=to_spec(presets.load("2-2-2")), **state)

    def state(self):
        return symmetry_state(self.start, self.w1, self.w2, self.w5, self.w7, self.seed, self.steps)

    def result(self):
        """The library's run: the gap after every step, the losses, the trained network."""
        return symmetry_run(self.state())

    def __repr__(self):
        return f"SymmetryPlayground(start={self.start!r}, steps={self.steps})"

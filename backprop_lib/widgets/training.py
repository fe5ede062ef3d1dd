"""The training playground: a network learning a 2-D dataset, live in the page.

The browser does all the work (``js/train_view.js`` with ``js/trainer.js`` and
``js/datasets.js``): it draws the dataset from its seed, trains one mini-batch per step,
draws the decision boundary, the loss curve and the network, and opens any weight's gradient
on the current mini-batch as its chain-rule product.  So it stays live in the static HTML
book, with no kernel.  Its settings and the number of steps trained are traits: in a live
notebook they travel back to Python, where :meth:`TrainingPlayground.network` rebuilds the
same network with ``backprop_lib`` (:class:`backprop_lib.classifier.Plane`).
"""
from __future__ import annotations

from pathlib import Path

import anywidget
import traitlets

from ..classifier import BATCH_SIZES, Plane, minibatch_steps, status_line
from ..network import SpecError
from . import _bundle

MAX_STEPS = 1_000_000
_CSS = (Path(__file__).parent / "js" / "training.css").read_text(encoding="utf-8")


class TrainingPlayground(anywidget.AnyWidget):
    """Buttons Train, Pause, Step and Reset; the dataset, noise, seed, hidden layers,
    activation, learning rate and batch size; a status line ``step N · loss X · accuracy Y``;
    the decision boundary over the points beside the loss curve; the network, whose weights
    and biases open their gradient on the current mini-batch.

    >>> tp = TrainingPlayground("xor", hidden=(4,), steps=500)
    >>> tp.network()          # the Network after tp.steps mini-batch steps, by backprop_lib
    >>> tp.status()           # the status line, computed in Python
    """

    _esm = _bundle.esm("train_view.js")
    _css = _CSS
    _kind = traitlets.Unicode("training").tag(sync=True)
    dataset = traitlets.Unicode("moons").tag(sync=True)
    seed = traitlets.Int(1).tag(sync=True)
    noise = traitlets.Float(0.1).tag(sync=True)
    hidden = traitlets.List(traitlets.Int(), default_value=[8, 8]).tag(sync=True)
    activation = traitlets.Unicode("tanh").tag(sync=True)
    learning_rate = traitlets.Float(1.0).tag(sync=True)
    batch_size = traitlets.Int(10).tag(sync=True)
    samples = traitlets.Int(200).tag(sync=True)
    steps = traitlets.Int(0).tag(sync=True)            # mini-batch steps trained
    selected = traitlets.Unicode("").tag(sync=True)    # the parameter whose gradient is open
    use_url = traitlets.Bool(True).tag(sync=True)      # read and write the page's address

    def __init__(self, dataset="moons", seed=1, noise=0.1, hidden=(8, 8), activation="tanh",
                 learning_rate=1.0, batch_size=10, steps=0, selected="", samples=200, use_url=True):
        plane = _plane(dataset, seed, noise, hidden, activation, learning_rate, batch_size, samples)
        if isinstance(steps, bool) or not isinstance(steps, int) or not 0 <= steps <= MAX_STEPS:
            raise SpecError(f"steps: must be a whole number from 0 to {MAX_STEPS:,}, got {steps!r}")
        if selected and selected not in [p.name for p in plane.network().parameters()]:
            raise SpecError(f"selected: no parameter named {selected!r} in a {'-'.join(map(str, plane.layers))} network")
        if not isinstance(use_url, bool):
            raise SpecError(f"use_url: must be True or False, got {use_url!r}")
        super().__init__(dataset=plane.dataset, seed=plane.seed, noise=float(plane.noise), hidden=list(plane.hidden),
                         activation=plane.activation, learning_rate=float(plane.learning_rate),
                         batch_size=plane.batch_size, samples=plane.samples, steps=steps, selected=selected,
                         use_url=use_url)

    def plane(self):
        """The current settings as a :class:`backprop_lib.classifier.Plane`."""
        return _plane(self.dataset, self.seed, self.noise, tuple(self.hidden), self.activation,
                      self.learning_rate, self.batch_size, self.samples)

    def network(self):
        """The :class:`backprop_lib.Network` after ``steps`` mini-batch steps, trained by the
        library's own forward and backward passes."""
        return minibatch_steps(self.plane().network(), self.steps, record=False)[1]

    def status(self):
        """The status line for the current state, computed in Python."""
        return status_line(self.network(), self.steps)

    def __repr__(self):
        p = self.plane()
        return (f"TrainingPlayground({p.dataset}, {'-'.join(map(str, p.layers))} {p.activation}, "
                f"η = {p.learning_rate:g}, batch {p.batch_size}, step {self.steps})")


def _plane(dataset, seed, noise, hidden, activation, learning_rate, batch_size, samples):
    if not isinstance(hidden, (list, tuple)) or any(isinstance(h, bool) or not isinstance(h, int) for h in hidden):
        raise SpecError(f"hidden: must be a list of whole numbers (neurons per hidden layer), got {hidden!r}")
    if batch_size not in BATCH_SIZES and not (isinstance(batch_size, int) and not isinstance(batch_size, bool)):
        raise SpecError(f"batch_size: must be a whole number, got {batch_size!r}")
    return Plane(dataset=dataset, seed=seed, noise=noise, hidden=tuple(hidden), activation=activation,
                 learning_rate=learning_rate, batch_size=batch_size, samples=samples)

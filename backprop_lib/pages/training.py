"""The training playground chapter's tables, figures and glued numbers
(chapters/training-playground.ipynb)."""
from __future__ import annotations

import html
import urllib.parse

import numpy as np

from .. import classifier
from ..book import Markdown, glue
from ..network import format_number
from . import check as _check
from . import fixed

NAMES = {"moons": "two moons", "circles": "circles", "xor": "XOR", "spirals": "spirals"}


def query(plane, steps):
    """The page address's query string for ``plane`` after ``steps`` steps, as the playground
    writes it (``widgets/js/trainer.js``, ``toQuery``)."""
    items = [("dataset", plane.dataset), ("seed", str(plane.seed)), ("noise", _js_number(plane.noise)),
             ("hidden", "-".join(map(str, plane.hidden)) if plane.hidden else "none"),
             ("activation", plane.activation), ("rate", _js_number(plane.learning_rate)),
             ("batch", str(plane.batch_size)), ("steps", str(steps))]
    if plane.samples != 200:
        items.append(("samples", str(plane.samples)))
    return urllib.parse.urlencode(items)


def _js_number(x):
    """A number as JavaScript's String(x) writes it (for the values the settings offer)."""
    x = float(x)
    return str(int(x)) if x.is_integer() else repr(x)


def link(plane, steps, text):
    """A link to this page with the playground in that state."""
    return f'<a href="?{html.escape(query(plane, steps))}">{html.escape(text)}</a>'


def status(tp):
    """The status line the playground shows for ``tp``'s state, computed here, and a link."""
    line = tp.status()
    glue("tp_status", Markdown(f"`{line}`"), display=False)
    glue("tp_steps", tp.steps, display=False)
    return Markdown(f"`{line}`  \n{link(tp.plane(), tp.steps, 'Open the playground in this state')}")


def gradient_table(tp, name):
    """The opened gradient of ``name`` on the mini-batch of step ``tp.steps`` + 1, as the
    playground's panel shows it."""
    net = tp.network()
    x = classifier.explain_step(net, tp.steps, name)
    p = net.param(name)
    k, j = p.location[1], p.location[2]
    neuron = net.neuron_names[k + 1][j]
    source = net.neuron_names[k][p.location[3]] if p.kind == "weights" else None
    last = f"out_{source}" if source else "1"
    rows = [f"| point | target | ∂E/∂out_{neuron} | ∂out_{neuron}/∂net_{neuron} | ∂net_{neuron}/∂{name} = {last} | product |",
            "|---|---:|---:|---:|---:|---:|"]
    for q in x["samples"]:
        rows.append(f"| #{q['row'] + 1} | {int(q['target'][0])} | {fixed(q['dEdout'])} | {fixed(q['local'])} | "
                    f"{fixed(q['input'])} | {fixed(q['product'], 9)} |")
    glue("tp_gradient", x["gradient"], display=False)
    glue("tp_updated", x["updated"], display=False)
    glue("tp_param", Markdown(name), display=False)
    mean = (f"\n\nMean of the {len(x['samples'])} products: ∂E/∂{name} = {fixed(x['gradient'], 9)}; "
            f"the step makes {name}⁺ = {fixed(x['value'], 9)} − {format_number(net.learning_rate, 1)}·"
            f"({fixed(x['gradient'], 9)}) = {fixed(x['updated'], 9)}.")
    return Markdown("\n".join(rows) + mean)


def hidden_layer_table(epochs=50):
    """Each dataset trained with no hidden layer and with two of eight tanh neurons (default
    settings otherwise): the training accuracy after ``epochs`` epochs."""
    rows = ["| dataset | no hidden layer | two hidden layers of 8 (tanh) |", "|---|---:|---:|"]
    for name in ("moons", "circles", "xor", "spirals"):
        results = []
        for hidden in ((), (8, 8)):
            plane = classifier.Plane(dataset=name, hidden=hidden)
            fast = classifier.FastSGD(plane.network())
            for e in range(epochs):
                fast.epoch(e)
            acc = classifier.accuracy(fast.network())
            results.append(acc)
            glue(f"tp_acc_{name}_{len(hidden)}", acc, display=False)
        rows.append(f"| {NAMES[name]} | {results[0]:.3f} | {results[1]:.3f} |")
    glue("tp_epochs", epochs, display=False)
    glue("tp_steps_trained", epochs * len(classifier.batches(classifier.Plane().network(), 0)), display=False)
    return Markdown("\n".join(rows))


RATE_PANELS = {"A": 3.0, "B": 0.01, "C": 0.3}


def learning_rate_figure(epochs=50):
    """The error after each epoch on the default settings for three learning rates, shown as
    curves A, B and C (which is which is the exercise)."""
    import matplotlib.pyplot as plt
    fig, axes = plt.subplots(1, 3, figsize=(8, 2.6), sharey=True)
    facts = {}
    for ax, (label, rate) in zip(axes, RATE_PANELS.items()):
        plane = classifier.Plane(learning_rate=rate)
        fast = classifier.FastSGD(plane.network())
        losses = [plane.network().forward().loss]
        for e in range(epochs):
            fast.epoch(e)
            losses.append(fast.network().forward().loss)
        ax.plot(np.arange(epochs + 1), losses, color="#1f6fb2")
        ax.set_title(f"curve {label}", fontsize=10)
        ax.set_xlabel("epoch")
        rises = [b - a for a, b in zip(losses, losses[1:])]
        facts[label] = {"end": losses[-1], "rises": sum(r > 0 for r in rises), "largest_rise": max(rises)}
    axes[0].set_ylabel("error over all points")
    fig.tight_layout()
    plt.show()
    for label, f in facts.items():
        glue(f"tp_lr_{label}_end", f["end"], display=False)
        glue(f"tp_lr_{label}_rises", f["rises"], display=False)
        glue(f"tp_lr_{label}_rate", RATE_PANELS[label], display=False)
    glue("tp_lr_epochs", epochs, display=False)
    return facts


def spirals_settings(max_epochs=400):
    """A setting that learns the spirals: the epochs it needs to reach 95 % (glued), and a link."""
    plane = classifier.Plane(dataset="spirals", hidden=(8, 8, 8), activation="relu", learning_rate=0.3)
    fast = classifier.FastSGD(plane.network())
    per_epoch = len(classifier.batches(plane.network(), 0))
    reached = None
    for e in range(max_epochs):
        fast.epoch(e)
        if (e + 1) % 10 == 0 and classifier.accuracy(fast.network()) >= 0.95:
            reached = e + 1
            break
    steps = (reached or max_epochs) * per_epoch
    glue("tp_spiral_epochs", reached or max_epochs, display=False)
    glue("tp_spiral_steps", steps, display=False)
    glue("tp_spiral_accuracy", classifier.accuracy(fast.network()), display=False)


XOR_SMALL = dict(dataset="xor", hidden=(2,), batch_size=2)


def first_batch_network(**settings):
    """The network of a playground setting with its first mini-batch as its samples: one step
    of it (batch mode) is the playground's first Step."""
    plane = classifier.Plane(**settings)
    net = plane.network()
    rows = classifier.batch_rows(net, 0)
    return net.replace(inputs=net.inputs[rows], targets=net.targets[rows], mode="batch", batch_size=None,
                       title=f"{NAMES[plane.dataset]}, {'-'.join(map(str, plane.layers))}, first mini-batch")


def exercise_numbers():
    from ..quantities import value
    net = first_batch_network(**XOR_SMALL)
    glue("tp_ex_gradient", value(net, "dE/dw2_1_1"), display=False)
    glue("tp_ex_link", Markdown(link(classifier.Plane(**XOR_SMALL), 0, "open it")), display=False)


def answer_box():
    from ..widgets import AnswerBox
    return AnswerBox(first_batch_network(**XOR_SMALL), "dE/dw2_1_1",
                     label="∂E/∂w2_1_1 (from h1 to o1) on the first mini-batch =",
                     hint="For each of the two points: (out_o1 − target)·out_o1·(1 − out_o1)·out_h1; then their mean.")


# ---------------------------------------------------------------------------- the code exercise
def _cases():
    from ..datasets import shuffled
    cases = []
    for n, size in [(10, 3), (200, 10), (7, 7), (13, 1)]:
        per = -(-n // size)

        def order(e, n=n):
            return shuffled(n, 5, e)
        for step in (0, per - 1, per, 3 * per + 1):
            e, b = divmod(step, per)
            expected = order(e)[b * size:(b + 1) * size]
            cases.append(((step, n, size, order), expected, f"step {step} with n = {n} and batches of {size}"))
    return cases


def check(fn):
    """The verdict on the reader's ``batch_of_step(step, n, batch_size, order)``."""
    return _check(fn, "batch_of_step", _cases(), "the sample indices of that step's mini-batch")

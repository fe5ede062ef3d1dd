"""The handwritten digits chapter's tables, figures and glued numbers (chapters/digits.ipynb)."""
from __future__ import annotations

import numpy as np

from .. import classifier, datasets
from ..book import Markdown, glue
from . import check as _check

DIVERGING = "PuOr"            # weights: orange negative, purple positive (readable without red–green)


def gallery(digits, count=30):
    """The first ``count`` digits as pictures, each with its class."""
    import matplotlib.pyplot as plt
    cols = 10
    rows = -(-count // cols)
    fig, axes = plt.subplots(rows, cols, figsize=(8, 0.95 * rows + 0.3))
    for n, ax in enumerate(np.ravel(axes)):
        ax.set_axis_off()
        if n < count:
            ax.imshow(digits.images[n], cmap="gray_r", vmin=0, vmax=16, interpolation="nearest")
            ax.set_title(str(digits.labels[n]), fontsize=9)
    fig.tight_layout()
    plt.show()
    counts = np.bincount(digits.labels, minlength=10)
    glue("digits_n", len(digits), display=False)
    glue("digits_fewest", int(counts.min()), display=False)
    glue("digits_most", int(counts.max()), display=False)


def pixel_facts(digits):
    """Glue how many pixels never change (zero standard deviation) and how many are blank in
    most images."""
    std = digits.inputs.std(axis=0)
    glue("digits_constant_pixels", int(np.sum(std == 0)), display=False)
    glue("digits_mostly_blank", int(np.sum(np.mean(digits.inputs == 0, axis=0) > 0.9)), display=False)


def split_sizes(data):
    glue("digits_n_train", len(data.train_index), display=False)
    glue("digits_n_test", len(data.test_index), display=False)


def parameter_count(net):
    count = len(net.parameters())
    glue("digits_parameters", count, display=False)
    glue("digits_updates_per_epoch", len(classifier.batches(net, 0)), display=False)


def same_as_library(net):
    """One epoch with the lean trainer and one with the library's forward and backward passes:
    the largest difference of any parameter after it (glued)."""
    fast = classifier.FastSGD(net)
    fast.epoch(0)
    per_epoch = len(classifier.batches(net, 0))
    library = classifier.minibatch_steps(net, per_epoch, record=False)[1]
    gap = float(np.max(np.abs(fast.network().flat() - library.flat())))
    glue("digits_lean_gap", gap, display=False)
    return gap


def curves_figure(curves):
    import matplotlib.pyplot as plt
    epochs = np.arange(curves.epochs + 1)
    fig, (a, b) = plt.subplots(1, 2, figsize=(8, 3.2))
    a.plot(epochs, curves.train_loss, label="training images", color="#1f6fb2")
    a.plot(epochs, curves.test_loss, label="held-out images", color="#d95f02", linestyle="--")
    a.set_xlabel("epoch")
    a.set_ylabel("mean cross-entropy E")
    a.legend(frameon=False, fontsize=9)
    b.plot(epochs, curves.train_accuracy, label="training images", color="#1f6fb2")
    b.plot(epochs, curves.test_accuracy, label="held-out images", color="#d95f02", linestyle="--")
    b.set_xlabel("epoch")
    b.set_ylabel("accuracy")
    b.set_ylim(0, 1.02)
    b.legend(frameon=False, fontsize=9, loc="lower right")
    fig.tight_layout()
    plt.show()
    glue("digits_epochs", curves.epochs, display=False)
    glue("digits_test_accuracy", curves.test_accuracy[-1], display=False)
    glue("digits_train_accuracy", curves.train_accuracy[-1], display=False)
    glue("digits_loss_end", curves.train_loss[-1], display=False)
    glue("digits_test_loss_end", curves.test_loss[-1], display=False)


def mistakes(trained, data, digits, count=12):
    """The held-out digits the network gets wrong, as pictures titled "true → said"."""
    import matplotlib.pyplot as plt
    outputs = trained.forward(data.test_inputs, data.test_targets).outputs
    said = classifier.predict(outputs)
    true = data.test_labels
    wrong = np.flatnonzero(said != true)
    glue("digits_wrong", len(wrong), display=False)
    shown = wrong[:count]
    cols = 6
    rows = max(1, -(-len(shown) // cols))
    fig, axes = plt.subplots(rows, cols, figsize=(8, 1.45 * rows + 0.2))
    for n, ax in enumerate(np.ravel(axes)):
        ax.set_axis_off()
        if n < len(shown):
            i = shown[n]
            ax.imshow(digits.images[data.test_index[i]], cmap="gray_r", vmin=0, vmax=16, interpolation="nearest")
            ax.set_title(f"{true[i]} → {said[i]} ({outputs[i, said[i]]:.2f})", fontsize=9)
    fig.tight_layout()
    plt.show()


def confused_pairs(trained, data, top=3):
    """The most frequent (true, said) pairs among the held-out mistakes, as a sentence."""
    said = classifier.predict(trained.forward(data.test_inputs, data.test_targets).outputs)
    counts = classifier.confusion(data.test_labels, said, 10)
    np.fill_diagonal(counts, 0)
    pairs = sorted(((counts[a, b], a, b) for a in range(10) for b in range(10) if counts[a, b]), reverse=True)[:top]
    text = ", ".join(f"{a} taken for {b} ({n}×)" if n > 1 else f"{a} taken for {b} (once)" for n, a, b in pairs)
    glue("digits_confused", Markdown(text or "none"), display=False)
    return pairs


def hidden_pictures(trained, units=12):
    """The weights into the first ``units`` hidden neurons, each as an 8×8 picture."""
    import matplotlib.pyplot as plt
    W = trained.weights[0]
    cols = 6
    rows = -(-units // cols)
    limit = float(np.max(np.abs(W[:units])))
    fig, axes = plt.subplots(rows, cols, figsize=(8, 1.5 * rows + 0.5))
    image = None
    for n, ax in enumerate(np.ravel(axes)):
        ax.set_axis_off()
        if n < units:
            image = ax.imshow(W[n].reshape(8, 8), cmap=DIVERGING, vmin=-limit, vmax=limit, interpolation="nearest")
            ax.set_title(f"h{n + 1}", fontsize=9)
    fig.colorbar(image, ax=list(np.ravel(axes)), shrink=0.8, label="weight")
    plt.show()


def permuted_pixels(net, data, epochs):
    """The same training with the 64 pixels of every image shuffled by one fixed permutation:
    the held-out accuracy (glued)."""
    order = datasets.shuffled(64, 99)
    other = classifier.Prepared(data.train_inputs[:, order], data.train_targets, data.test_inputs[:, order],
                                data.test_targets, data.train_index, data.test_index, data.scale)
    shuffled_net = net.replace(inputs=other.train_inputs)
    curves, _ = classifier.fit(shuffled_net, epochs, test=(other.test_inputs, other.test_targets), fast=True)
    glue("digits_permuted_accuracy", curves.test_accuracy[-1], display=False)
    return curves.test_accuracy[-1]


# ---------------------------------------------------------------------------- a compiled framework
def jax_gradient_check(net):
    """JAX's gradient (automatic differentiation of the loss's code) against the library's
    backward pass on the first mini-batch: the largest difference (glued)."""
    import jax
    _, params_of, grad = classifier.jax_step(net)
    rows = classifier.batch_rows(net, 0)
    batch = net.replace(inputs=net.inputs[rows], targets=net.targets[rows], mode="batch", batch_size=None)
    theirs = jax.device_get(grad(params_of(batch), batch.inputs, batch.targets))
    ours = batch.backward()
    mine = [x for w, b in zip(ours.weights, ours.biases) for x in (w, b)]
    gap = max(float(np.max(np.abs(np.asarray(a) - b))) for a, b in zip(theirs, mine))
    glue("digits_jax_gap", gap, display=False)
    return gap


def timing_table(net, repeat=2):
    """One training step at batch 32 and 256, measured here: the library's NumPy step and JAX's
    compiled one, float64 both; and JAX's compile time.  Measured numbers: the cell that
    shows them is not compared between runs."""
    rows = ["| batch | NumPy step (µs) | JAX compiled step (µs) | NumPy ÷ JAX |", "|---:|---:|---:|---:|"]
    ratios = {}
    compiled = None
    for size in (32, 256):
        r = classifier.time_steps(net, size, repeat=repeat, number=max(20, 3200 // size))
        compiled = r["compile"] if compiled is None else compiled
        ratios[size] = r["numpy"] / r["jax"]
        rows.append(f"| {size} | {r['numpy'] * 1e6:.0f} | {r['jax'] * 1e6:.0f} | {ratios[size]:.2f} |")
    compile_ms = compiled * 1e3
    numpy_32 = float(rows[2].split("|")[2]) / 1e3
    text = "\n".join(rows) + (
        f"\n\nMeasured on this machine when the page was built: here the NumPy step takes "
        f"{ratios[32]:.2f} times as long as the compiled one at batch 32, and {ratios[256]:.2f} times at batch 256. "
        f"JAX's first call compiles the step: {compile_ms:.0f} ms here, the time of some "
        f"{compile_ms / numpy_32:,.0f} NumPy steps at batch 32.")
    return Markdown(text)


# ---------------------------------------------------------------------------- exercises
def tiny_network():
    """A 2×2-pixel "image" into two tanh hidden neurons and three softmax outputs, with two-
    decimal numbers: the exercises' network."""
    from ..network import Network
    return Network(layers=[4, 2, 3], activations=["tanh", "softmax"],
                   weights=[[[0.12, -0.35, 0.41, 0.08], [-0.22, 0.17, 0.05, 0.31]],
                            [[0.5, -0.4], [-0.3, 0.6], [0.2, 0.1]]],
                   biases=[[0.05, -0.05], [0.0, 0.1, -0.1]], loss="cross_entropy", learning_rate=0.3,
                   inputs=[[0.0, 0.75, 1.0, 0.25]], targets=[[0.0, 1.0, 0.0]],
                   title="a 2×2-pixel image, 4-2-3")


def exercise_numbers(trained):
    from ..quantities import value
    net = tiny_network()
    glue("digits_ex_delta", value(net, "dE/dnet:o2"), display=False)
    glue("digits_ex_out", value(net, "out:o2"), display=False)
    glue("digits_ex_hidden", value(net, "dE/dw1_1_2"), display=False)
    for h in (16, 32, 64):
        glue(f"digits_ex_params_{h}", 64 * h + h + h * 10 + 10, display=False)


def answer_box(key, hint, label=""):
    from ..widgets import AnswerBox
    return AnswerBox(tiny_network(), key, hint=hint, label=label)


def _picture_cases():
    rng = np.random.default_rng(5)
    cases = []
    for units in (3, 8, 32):
        W = rng.normal(0, 1, (units, 64))
        for j in (0, units - 1):
            cases.append(((W, j), W[j].reshape(8, 8), f"a {units}×64 weight matrix, unit {j}"))
    return cases


def check(fn):
    """The verdict on the reader's ``picture(W, j)``."""
    return _check(fn, "picture", _picture_cases(), "row j of W as an 8×8 array (the picture's rows in order)")


def chapter_network():
    """The chapter's network on its training set, before training (for the benchmark)."""
    data = classifier.prepare(datasets.load_digits(), 0.2, seed=1, scale=16)
    return classifier.classifier_network([64, 32, 10], data, learning_rate=0.3, batch_size=32, seed=1)

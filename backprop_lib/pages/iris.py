"""The Iris chapter's tables, figures and glued numbers (chapters/iris.ipynb)."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .. import classifier, datasets
from ..book import Markdown, glue
from ..gradcheck import finite_difference
from . import check as _check
from . import fixed, tex, tex_result

SPECIES_COLOURS = ["#1b9e77", "#d95f02", "#7570b3"]
SPECIES_MARKERS = ["o", "s", "^"]
WEIGHT = "w1_1_3"                 # the weight worked by hand: from i3 (petal length) to h1
FEATURES = ["sepal length", "sepal width", "petal length", "petal width"]


def species_means(iris):
    """The mean of each measurement per species, as a table (cm)."""
    rows = ["| species | flowers | " + " | ".join(f"{f} (cm)" for f in FEATURES) + " |",
            "|---|---:|" + "---:|" * 4]
    for k, name in enumerate(iris.class_names):
        members = iris.inputs[iris.labels == k]
        rows.append(f"| *{name}* | {len(members)} | " + " | ".join(f"{m:.2f}" for m in members.mean(axis=0)) + " |")
    return Markdown("\n".join(rows))


def scatter(iris):
    """The flowers by sepal and by petal, one colour and marker per species."""
    import matplotlib.pyplot as plt
    fig, axes = plt.subplots(1, 2, figsize=(8, 3.4))
    for ax, (a, b) in zip(axes, [(0, 1), (2, 3)]):
        for k, name in enumerate(iris.class_names):
            members = iris.inputs[iris.labels == k]
            ax.scatter(members[:, a], members[:, b], s=16, c=SPECIES_COLOURS[k], marker=SPECIES_MARKERS[k],
                       label=name, alpha=0.8, linewidths=0)
        ax.set_xlabel(f"{FEATURES[a]} (cm)")
        ax.set_ylabel(f"{FEATURES[b]} (cm)")
    axes[1].legend(frameon=False, fontsize=9)
    fig.suptitle("The 150 flowers, by sepal and by petal", fontsize=11)
    fig.tight_layout()
    plt.show()


def standardising(iris, data):
    """μ and σ of each measurement over the training flowers, and the training inputs after."""
    glue("iris_n_train", len(data.train_index), display=False)
    glue("iris_n_test", len(data.test_index), display=False)
    rows = ["| measurement | μ (training, cm) | σ (training, cm) | mean after | standard deviation after |",
            "|---|---:|---:|---:|---:|"]
    for f, mu, sd, m, s in zip(FEATURES, data.scale.mean, data.scale.std, data.train_inputs.mean(axis=0),
                               data.train_inputs.std(axis=0)):
        rows.append(f"| {f} | {mu:.4f} | {sd:.4f} | {fixed(m, 4)} | {s:.4f} |")
    return Markdown("\n".join(rows))


def _matrix(m, decimals=4):
    body = r" \\ ".join(" & ".join(fixed(v, decimals).replace("−", "-") for v in row) for row in np.atleast_2d(m))
    return r"\begin{pmatrix}" + body + r"\end{pmatrix}"


def network_summary(net):
    """The network's shape and its starting weights as matrices (rows: receiving neurons)."""
    count = len(net.parameters())
    glue("iris_parameters", count, display=False)
    W1, W2 = net.weights
    text = (f"{'-'.join(map(str, net.layers))}: {count} parameters, every one of them trained. The starting "
            f"weights, to four decimals (the biases start at 0):\n\n"
            f"$$W^{{(1)}} = {_matrix(W1)},$$\n\n$$W^{{(2)}} = {_matrix(W2)}.$$")
    return Markdown(text)


@dataclass
class FirstBatch:
    """The first mini-batch of training and the by-hand gradient of one weight on it."""
    net: object
    batch: object               # the network with the batch's four flowers as its samples
    rows: list
    step: dict                  # classifier.explain_step for the weight
    table: object
    first_flower: object
    products: object

    @property
    def mean_of_products(self):
        return float(np.mean([s["product"] for s in self.step["samples"]]))

    def finite_difference(self, name):
        names = [p.name for p in self.batch.parameters()]
        return float(finite_difference(self.batch)[names.index(name)])


def first_batch(net, data, iris):
    """The flowers of step 0's mini-batch, the first flower's forward and backward pass in
    numbers, and the four per-flower products for ∂E/∂w1_1_3."""
    rows = classifier.batch_rows(net, 0)
    batch = net.replace(inputs=net.inputs[rows], targets=net.targets[rows], mode="batch", batch_size=None)
    step = classifier.explain_step(net, 0, WEIGHT)
    species = [iris.class_names[int(np.argmax(t))] for t in batch.targets]
    lines = ["| flower | species | $i_1$ | $i_2$ | $i_3$ | $i_4$ | target |", "|---|---|---:|---:|---:|---:|---|"]
    for s, row in enumerate(rows):
        flower = data.train_index[row] + 1
        lines.append(f"| {s + 1} (no. {flower}) | *{species[s]}* | "
                     + " | ".join(fixed(v, 4) for v in batch.inputs[s]) + " | ("
                     + ", ".join(str(int(v)) for v in batch.targets[s]) + ") |")
    table = Markdown("The first mini-batch: four training flowers (their number in the data set, counted from 1), "
                     "with their standardised measurements.\n\n" + "\n".join(lines))
    return FirstBatch(net, batch, rows, step, table, _first_flower(batch), _products(step))


def _terms(factors, per_line=2):
    """Products "a·b" joined by +, two to a line of an aligned block."""
    lines = []
    for n in range(0, len(factors), per_line):
        lines.append(" + ".join(f"{a}\\cdot {b}" for a, b in factors[n:n + per_line]))
    return " \\\\\n&\\quad + ".join(lines)


def _first_flower(batch):
    trace = batch.forward()
    g = batch.backward(trace)
    W1, W2 = batch.weights
    x = batch.inputs[0]
    t = batch.targets[0]
    net_h, out_h = trace.net[1][0], trace.out[1][0]
    net_o, out_o = trace.net[2][0], trace.out[2][0]
    d_o = g.delta[2][0]
    blocks = []
    for j in range(2):
        products = _terms([(tex(W1[j, i], 4), tex(x[i], 4)) for i in range(4)])
        blocks.append(f"$$\n\\begin{{aligned}}\n\\mathrm{{net}}_{{h{j + 1}}} &= {products} + 0 \\\\\n"
                      f"&= {tex_result(net_h[j])}, \\qquad \\mathrm{{out}}_{{h{j + 1}}} = \\tanh({tex_result(net_h[j])}) = "
                      f"{tex_result(out_h[j])}\n\\end{{aligned}}\n$$")
    rows = ["| output | $\\mathrm{net}_{ok} = w^{(2)}_{k,1}\\mathrm{out}_{h1} + w^{(2)}_{k,2}\\mathrm{out}_{h2} + 0$ "
            "| $\\mathrm{out}_{ok}$ (softmax) | $t_k$ | $\\delta_{ok} = \\mathrm{out}_{ok} - t_k$ |",
            "|---|---:|---:|---:|---:|"]
    for k in range(3):
        rows.append(f"| $o_{k + 1}$ | {fixed(net_o[k])} | {fixed(out_o[k])} | {int(t[k])} | {fixed(d_o[k])} |")
    blocks.append("\n".join(rows))
    dEdout = g.dE_dout[1][0, 0]
    paths = _terms([(tex(d_o[k]), tex(W2[k, 0], 4)) for k in range(3)])
    blocks.append("$$\n\\begin{aligned}\n\\frac{\\partial E_1}{\\partial \\mathrm{out}_{h1}} &= "
                  "\\delta_{o1} w^{(2)}_{1,1} + \\delta_{o2} w^{(2)}_{2,1} + \\delta_{o3} w^{(2)}_{3,1} \\\\\n"
                  f"&= {paths} \\\\\n&= {tex_result(dEdout)}\n\\end{{aligned}}\n$$")
    local = 1 - out_h[0] ** 2
    product = dEdout * local * x[2]
    blocks.append("$$\n\\begin{aligned}\n"
                  f"\\frac{{\\partial \\mathrm{{out}}_{{h1}}}}{{\\partial \\mathrm{{net}}_{{h1}}}} &= 1 - {tex(out_h[0])}^2 "
                  f"= {tex_result(local)}, \\qquad i_3 = {tex_result(x[2])}, \\\\\n"
                  f"\\frac{{\\partial E_1}}{{\\partial w^{{(1)}}_{{1,3}}}} &= {tex(dEdout)}\\cdot {tex(local)}\\cdot "
                  f"{tex(x[2])} = {tex_result(product, 9)}\n\\end{{aligned}}\n$$")
    return Markdown("\n\n".join(blocks))


def _products(step):
    rows = ["| flower | $\\partial E_s/\\partial \\mathrm{out}_{h1}$ | $1 - \\mathrm{out}_{h1}^2$ | $i_3$ | product |",
            "|---|---:|---:|---:|---:|"]
    for s, q in enumerate(step["samples"]):
        rows.append(f"| {s + 1} | {fixed(q['dEdout'])} | {fixed(q['local'])} | {fixed(q['input'])} | "
                    f"{fixed(q['product'], 9)} |")
    products = [q["product"] for q in step["samples"]]
    mean = float(np.mean(products))
    sums = " + ".join(tex(p, 9) for p in products[:2]) + " \\\\\n&\\qquad + " + " + ".join(tex(p, 9) for p in products[2:])
    rows.append("")
    rows.append("$$\n\\begin{aligned}\n\\frac{\\partial E}{\\partial w^{(1)}_{1,3}} &= \\tfrac14\\big(" + sums
                + f"\\big) \\\\\n&= {tex_result(mean, 9)}\n\\end{{aligned}}\n$$")
    return Markdown("\n".join(rows))


def three_ways(net, by_hand, by_backprop, by_sympy, by_nudging):
    """The four numbers side by side; glues the gaps and the update of the weight."""
    update(net, by_backprop)
    rows = ["| method | $\\partial E/\\partial w^{(1)}_{1,3}$ |", "|---|---:|"]
    for label, v in [("by hand: the mean of the four products", by_hand),
                     ("backpropagation over the batch", by_backprop),
                     ("sympy: the derivative of E as an expression of the weight", by_sympy),
                     ("finite difference", by_nudging)]:
        rows.append(f"| {label} | {fixed(v, 12)} |")
    glue("iris_sympy_gap", abs(by_sympy - by_backprop), display=False)
    glue("iris_fd_gap", abs(by_nudging - by_backprop), display=False)
    return Markdown("\n".join(rows))


def update(net, gradient):
    """Glue the weight, its update by hand, and whether training's first step gives the same."""
    w = net[WEIGHT]
    by_hand = w - net.learning_rate * gradient
    after = classifier.minibatch_steps(net, 1, record=False)[1][WEIGHT]
    glue("iris_rate", net.learning_rate, display=False)
    glue("iris_w", w, display=False)
    glue("iris_w_new", by_hand, display=False)
    glue("iris_same_step", Markdown("the same number to the last bit" if after == by_hand
                                    else f"within {abs(after - by_hand):.1e}"), display=False)
    return after == by_hand


def curves_figure(curves, net):
    """Loss and accuracy on both sets after every epoch; glues the final numbers."""
    import matplotlib.pyplot as plt
    per_epoch = len(classifier.batches(net, 0))
    glue("iris_updates_per_epoch", per_epoch, display=False)
    glue("iris_updates", per_epoch * curves.epochs, display=False)
    epochs = np.arange(curves.epochs + 1)
    fig, (a, b) = plt.subplots(1, 2, figsize=(8, 3.2))
    a.plot(epochs, curves.train_loss, label="training flowers", color="#1f6fb2")
    a.plot(epochs, curves.test_loss, label="test flowers", color="#d95f02", linestyle="--")
    a.set_xlabel("epoch")
    a.set_ylabel("mean cross-entropy E")
    a.legend(frameon=False, fontsize=9)
    b.plot(epochs, curves.train_accuracy, label="training flowers", color="#1f6fb2")
    b.plot(epochs, curves.test_accuracy, label="test flowers", color="#d95f02", linestyle="--")
    b.set_xlabel("epoch")
    b.set_ylabel("accuracy")
    b.set_ylim(0, 1.02)
    b.legend(frameon=False, fontsize=9, loc="lower right")
    fig.tight_layout()
    plt.show()
    glue("iris_loss_0", curves.train_loss[0], display=False)
    glue("iris_loss_end", curves.train_loss[-1], display=False)
    glue("iris_test_loss_end", curves.test_loss[-1], display=False)
    glue("iris_test_accuracy", curves.test_accuracy[-1], display=False)
    glue("iris_train_accuracy", curves.train_accuracy[-1], display=False)


def confusion_table(trained, data, iris):
    """The test set's confusion matrix, and a sentence on the flowers it gets wrong."""
    predicted = classifier.predict(trained.forward(data.test_inputs, data.test_targets).outputs)
    counts = classifier.confusion(data.test_labels, predicted, iris.classes)
    head = "| true species ↓ · predicted → | " + " | ".join(f"*{n}*" for n in iris.class_names) + " |"
    rows = [head, "|---|" + "---:|" * iris.classes]
    for k, name in enumerate(iris.class_names):
        rows.append(f"| *{name}* | " + " | ".join(str(c) for c in counts[k]) + " |")
    wrong = [(iris.class_names[a], iris.class_names[b], counts[a, b]) for a in range(iris.classes)
             for b in range(iris.classes) if a != b and counts[a, b]]
    if wrong:
        parts = [f"{n} *{a}* taken for *{b}*" for a, b, n in wrong]
        sentence = f"The mistakes: {', '.join(parts)}; every other test flower is right."
    else:
        sentence = "Every test flower is right."
    return Markdown("\n".join(rows) + "\n\n" + sentence)


def reader_question(net, iris):
    """Mini-batches of one: each flower's error before its update against the mean over all
    training flowers; and the same network on unscaled inputs.  A figure and glued numbers."""
    import matplotlib.pyplot as plt
    single = net.replace(batch_size=1)
    epochs = 3
    steps = epochs * single.samples
    errors = []
    history, _ = classifier.minibatch_steps(single, steps, batch_losses=errors)
    fig, ax = plt.subplots(figsize=(8, 3.2))
    ax.plot(np.arange(1, steps + 1), errors, color="#999999", linewidth=0.7,
            label="error of the flower about to be trained on")
    ax.plot(np.arange(steps + 1), history, color="#1f6fb2", linewidth=2, label="mean error over all training flowers")
    ax.set_xlabel("update (one flower each)")
    ax.set_ylabel("cross-entropy")
    ax.legend(frameon=False, fontsize=9)
    fig.tight_layout()
    plt.show()
    last = errors[-single.samples:]
    glue("iris_online_min", min(last), display=False)
    glue("iris_online_max", max(last), display=False)
    glue("iris_online_mean", history[-1], display=False)
    raw = classifier.prepare(iris, 0.3, seed=net.shuffle_seed, scale=1.0)
    raw_net = net.replace(inputs=raw.train_inputs, targets=raw.train_targets)
    curves, _ = classifier.fit(raw_net, 20, test=(raw.test_inputs, raw.test_targets), fast=True)
    glue("iris_raw_accuracy", curves.test_accuracy[-1], display=False)


def rounded_batch(net):
    """The first mini-batch with its inputs and the network's numbers rounded to two decimals,
    for the exercises worked by hand."""
    rows = classifier.batch_rows(net, 0)
    return net.replace(inputs=np.round(net.inputs[rows], 2), targets=net.targets[rows], mode="batch",
                       batch_size=None, weights=[np.round(w, 2) for w in net.weights],
                       biases=[np.round(b, 2) for b in net.biases], title="the first mini-batch, rounded")


def exercise_numbers(net, data, iris):
    """Glue the exercises' solutions."""
    from ..quantities import value
    ex = rounded_batch(net)
    glue("iris_ex_bias", value(ex, "dE/db1_1"), display=False)
    glue("iris_ex_output", value(ex, "dE/dw2_2_1"), display=False)
    full = net.replace(batch_size=net.samples)
    curves, _ = classifier.fit(full, 20, test=(data.test_inputs, data.test_targets), fast=True)
    glue("iris_ex_full_batch", curves.test_accuracy[-1], display=False)
    small = classifier.classifier_network([4, 3], data, learning_rate=net.learning_rate, batch_size=net.batch_size,
                                          seed=net.shuffle_seed)
    curves, _ = classifier.fit(small, 20, test=(data.test_inputs, data.test_targets), fast=True)
    glue("iris_ex_no_hidden", curves.test_accuracy[-1], display=False)


def answer_box(net, key, hint, label=None):
    """An answer box on the rounded first mini-batch."""
    from ..widgets import AnswerBox
    return AnswerBox(rounded_batch(net), key, hint=hint, label=label or "")


# ---------------------------------------------------------------------------- the code exercise
def _standardise_cases():
    rng = np.random.default_rng(7)
    cases = []
    for n, m, width in [(6, 3, 2), (20, 5, 4), (105, 45, 4)]:
        train = rng.normal(3, 2, (n, width))
        test = rng.normal(3, 2, (m, width))
        scale = datasets.Standardiser.fit(train)
        cases.append(((train, test), (scale(train), scale(test)), f"a training set of {n} rows and {width} columns"))
    return cases


def check(fn):
    """The verdict on the reader's ``standardise(train, test)``."""
    return _check(fn, "standardise", _standardise_cases(),
                  "both sets scaled by the training set's mean and standard deviation")

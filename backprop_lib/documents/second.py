"""The second document (3-2-2): its procedures as written, and its readers' computations.

Each function reproduces a number the document or a reader publishes from the procedure
that produced it, so a disagreement with the exact computation is explained by running
that procedure, not asserted.

* ∂E/∂b1.  The text writes ∂E/∂b1 as two chain-rule paths, o1 through h1 (with w7) and o2
  through h2 (with w10), and leaves out the other two (o1 through h2 with w9, o2 through h1
  with w8).  The exact derivative sums all four: ∂E/∂b1 = δ_h1 + δ_h2.  Its Python code
  does the same (``term1``, ``term2``).  :func:`db1_paths`, :func:`db1_as_written`.
* Its code.  :func:`run_code` re-expresses the training loop of its cell In [6] statement by
  statement, with switches for the exact ∂E/∂b1 and for the readings tried in the book.
* Its readers.  The gradient check that found w5's gradient "7 times greater" used the
  summed binary cross-entropy, not the document's ½Σ(o − t)² (:func:`gradient_check`);
  the reader who got ∂E/∂o2 = .3004 used t2 = 0.5 (:func:`kyunghoon_target`); the
  0.5882953953632 of another reader is the text's own product with 1598 for 0.1598
  (:func:`micon_product`).
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import sympy as sp

from .. import presets
from ..symbolic import activation_expr

PRESET = "3-2-2"

# The factors the text prints in its ∂E/∂b1 line, four decimals each:
# (0.7896)(0.0983)(0.7)(0.0132)(1) + (0.7504)(0.1598)(0.1)(0.0049)(1) = 0.0008
QUOTED_DB1_FACTORS = ((0.7896, 0.0983, 0.7, 0.0132, 1.0), (0.7504, 0.1598, 0.1, 0.0049, 1.0))


def _net():
    return presets.load(PRESET)


# ---------------------------------------------------------------------------- ∂E/∂b1
def db1_paths(net=None):
    """The four chain-rule paths from b1 to E, as ``{(output, hidden): value}``.

    The path through output o and hidden neuron h is
    ∂E/∂o · ∂o/∂z_o · ∂z_o/∂h · ∂h/∂z_h · ∂z_h/∂b1, with ∂z_o/∂h the weight from h to o
    and ∂z_h/∂b1 = 1 (b1 is shared by h1 and h2).  The text keeps (o1, h1) and (o2, h2).
    """
    net = net or _net()
    trace = net.forward()
    grads = net.backward(trace)
    paths = {}
    for k, o in enumerate(net.neuron_names[2]):
        delta_o = grads.delta[2][0, k]                     # ∂E/∂o · ∂o/∂z_o
        for j, h in enumerate(net.neuron_names[1]):
            out_h = trace.out[1][0, j]
            paths[(o, h)] = float(delta_o * net.weights[1][k, j] * out_h * (1 - out_h) * 1.0)
    return paths


def db1_as_written():
    """∂E/∂b1 computed with the document's two-path formula (w7 via h1, w10 via h2)."""
    net = _net()
    trace = net.forward()
    grads = net.backward(trace)
    d_o1, d_o2 = grads.delta[2][0]
    h1, h2 = trace.out[1][0]
    term1 = d_o1 * net["w7"] * h1 * (1 - h1)
    term2 = d_o2 * net["w10"] * h2 * (1 - h2)
    return {"dE/db1": float(term1 + term2)}


def db1_from_quoted_factors():
    """The text's ∂E/∂b1 line multiplied out with its own four-decimal factors."""
    return {"dE/db1": sum(float(np.prod(f)) for f in QUOTED_DB1_FACTORS)}


def micon_product():
    """A reader's product: the text's ∂E/∂b1 line with 1598 typed for 0.1598."""
    (a, b, c, d, e), (f, _, h, i, j) = QUOTED_DB1_FACTORS
    return {"dE/db1": a * b * c * d * e + f * 1598 * h * i * j}


# ---------------------------------------------------------------------------- the targets
def with_target_o2(t2, net=None):
    """The network with the second target changed (the first kept)."""
    net = net or _net()
    targets = net.targets.copy()
    targets[0, 1] = t2
    return net.replace(targets=targets)


def kyunghoon_target():
    """∂E/∂o2 = o2 − t2 with t2 = 0.5, as a reader computed it."""
    net = with_target_o2(0.5)
    out = net.forward().outputs[0]
    return {"dE/dout:o2": float(out[1] - net.targets[0, 1])}


# ---------------------------------------------------------------------------- costs
def half_sse(net):
    """The document's E = ½Σ(o − t)² (mean over samples)."""
    return net.forward().loss


def sum_of_squares(net):
    """Σ(o − t)², without the half."""
    return 2 * net.forward().loss


def categorical_cross_entropy(net):
    """−Σ t·log o (backprop_lib's ``cross_entropy``)."""
    out, t = net.forward().outputs, net.targets
    return float(np.mean(np.sum(-t * np.log(out), axis=1)))


def binary_cross_entropy(net):
    """−Σ [t·log o + (1 − t)·log(1 − o)], summed over the outputs (mean over samples)."""
    out, t = net.forward().outputs, net.targets
    return float(np.mean(np.sum(-(t * np.log(out) + (1 - t) * np.log(1 - out)), axis=1)))


def mean_binary_cross_entropy(net):
    """The binary cross-entropy averaged over the two outputs instead of summed."""
    return binary_cross_entropy(net) / net.layers[-1]


COSTS = {
    "½Σ(o − t)² (the document's E)": half_sse,
    "Σ(o − t)²": sum_of_squares,
    "−Σ t·log o": categorical_cross_entropy,
    "−Σ [t·log o + (1 − t)·log(1 − o)]": binary_cross_entropy,
    "the same, averaged over the outputs": mean_binary_cross_entropy,
}


def gradient_check(cost, name="w5", h=1e-4, net=None):
    """A reader's gradient check: the cost at ``name`` ± h and the central difference.

    Returns ``(cost_up, cost_down, slope)``.
    """
    net = net or _net()
    up = cost(net.with_params(**{name: net[name] + h}))
    down = cost(net.with_params(**{name: net[name] - h}))
    return up, down, (up - down) / (2 * h)


def gradient_check_cross_entropy():
    """The reader's 0.07614: the central difference of the summed binary cross-entropy."""
    return {"dE/dw5": gradient_check(binary_cross_entropy)[2]}


def binary_cross_entropy_expr(derivation):
    """sympy's summed binary cross-entropy of one sample, in the parameters, inputs and
    targets of ``derivation`` (a :class:`backprop_lib.symbolic.Derivation`)."""
    outs = list(derivation.inputs)
    for k in range(len(derivation.layers) - 1):
        nets = [sp.Add(*[w * o for w, o in zip(derivation.W[k][j], outs)]) + derivation.b[k][j]
                for j in range(derivation.layers[k + 1])]
        outs = activation_expr(derivation.activations[k], nets)
    return -sp.Add(*[t * sp.log(o) + (1 - t) * sp.log(1 - o) for o, t in zip(outs, derivation.targets)])


# ---------------------------------------------------------------------------- its code
@dataclass
class CodeRun:
    """What the document's training loop leaves behind."""
    err_list: list                  # errList: the error computed at the top of each iteration
    w: list                         # w1 … w10 after the loop
    b: list                         # b1, b2 after the loop
    printed: dict = field(default_factory=dict)   # iteration (from 0) → the text it prints
    lines_printed: int = 0
    dE_db1: list = field(default_factory=list)    # dE_db1 of each iteration
    b1_used: list = field(default_factory=list)   # b1 at the top of each iteration

    def params(self):
        """``{name: value}`` in the document's names."""
        names = [f"w{n}" for n in range(1, 11)] + ["b1", "b2"]
        return dict(zip(names, [float(v) for v in self.w + self.b]))

    def network(self):
        """The preset's network at the parameters the loop ends with."""
        return _net().with_params(**self.params())


def run_code(num_iter=10000, db1="as written", dh_weights="scalars", update=True, print_iterations=()):
    """The document's Python code, cells In [2]–In [6], re-expressed statement by statement.

    ``db1``: ``"as written"`` (term1 + term2, two paths) or ``"exact"`` (all four paths).
    ``dh_weights``: ``"scalars"`` uses w7 … w10 inside the loop as the code does, ``"wList"``
    the list the forward pass used.  ``update=False`` runs the loop without its update block
    (a reading of the text where the unindented blocks fall outside the loop).
    ``print_iterations``: the iterations (from 0) whose printed text is kept; every iteration
    prints seven lines, which are counted.
    """
    if db1 not in ("as written", "exact"):
        raise ValueError(f"db1: must be 'as written' or 'exact', got {db1!r}")
    if dh_weights not in ("scalars", "wList"):
        raise ValueError(f"dh_weights: must be 'scalars' or 'wList', got {dh_weights!r}")
    if isinstance(num_iter, bool) or not isinstance(num_iter, int) or num_iter < 0:
        raise ValueError(f"num_iter: must be a whole number ≥ 0, got {num_iter!r}")

    # In [2]
    numIter = num_iter
    w1, w2, w3, w4, w5, w6, w7, w8, w9, w10 = 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.1
    wList = [w1, w2, w3, w4, w5, w6, w7, w8, w9, w10]
    b1, b2 = 0.5, 0.5
    bList = [b1, b2]
    x1, x2, x3 = 1, 4, 5
    xList = [x1, x2, x3]
    t1, t2 = 0.1, 0.05
    tList = [t1, t2]
    alpha = 0.01

    # In [3]
    def sigmoid(x):
        return np.divide(1, (1 + np.exp(-x)))

    # In [4]
    def forwardProp(xList, wList, bList):
        zh1 = wList[0] * xList[0] + wList[2] * xList[1] + wList[4] * xList[2] + bList[0]
        zh2 = wList[1] * xList[0] + wList[3] * xList[1] + wList[5] * xList[2] + bList[0]
        h1 = sigmoid(zh1)
        h2 = sigmoid(zh2)
        zo1 = wList[6] * h1 + wList[8] * h2 + bList[1]
        zo2 = wList[7] * h1 + wList[9] * h2 + bList[1]
        o1 = sigmoid(zo1)
        o2 = sigmoid(zo2)
        return h1, h2, o1, o2

    # In [5]
    def error(oList, tList):
        return 0.5 * (np.power(oList[0] - tList[0], 2) + np.power(oList[1] - tList[1], 2))

    # In [6]
    keep = set(print_iterations)
    printed, lines, db1_history, b1_history = {}, 0, [], []
    errList = []
    for i in range(numIter):
        b1_history.append(float(bList[0]))
        h1, h2, o1, o2 = forwardProp(xList, wList, bList)
        sse = error([o1, o2], tList)
        errList.append(sse)

        text = ["Running " + str(i + 1) + " of " + str(numIter), "o1: " + str(o1), "t1: " + str(t1),
                "o2: " + str(o2), "t2: " + str(t2), "error: " + str(sse), ""]
        lines += len(text)
        if i in keep:
            printed[i] = "\n".join(text)

        dE_do1 = o1 - t1
        do1_dzo1 = o1 * (1 - o1)
        dzo1_dw7 = h1
        dE_dw7 = dE_do1 * do1_dzo1 * dzo1_dw7
        dE_do2 = o2 - t2
        do2_dzo2 = o2 * (1 - o2)
        dzo2_dw8 = h1
        dE_dw8 = dE_do2 * do2_dzo2 * dzo2_dw8
        dzo1_dw9 = h2
        dE_dw9 = dE_do1 * do1_dzo1 * dzo1_dw9
        dzo2_dw10 = h2
        dE_dw10 = dE_do2 * do2_dzo2 * dzo2_dw10

        dzo1_db2 = 1
        dzo2_db2 = 1
        dE_db2 = dE_do1 * do1_dzo1 * dzo1_db2 + dE_do2 * do2_dzo2 * dzo2_db2
        if dh_weights == "scalars":
            dzo1_dh1, dzo2_dh1, dzo1_dh2, dzo2_dh2 = w7, w8, w9, w10
        else:
            dzo1_dh1, dzo2_dh1, dzo1_dh2, dzo2_dh2 = wList[6], wList[7], wList[8], wList[9]
        dE_dh1 = dE_do1 * do1_dzo1 * dzo1_dh1 + dE_do2 * do2_dzo2 * dzo2_dh1
        dh1_dzh1 = h1 * (1 - h1)
        dzh1_dw1 = x1
        dE_dw1 = dE_dh1 * dh1_dzh1 * dzh1_dw1
        dzh1_dw3 = x2
        dE_dw3 = dE_dh1 * dh1_dzh1 * dzh1_dw3
        dzh1_dw5 = x3
        dE_dw5 = dE_dh1 * dh1_dzh1 * dzh1_dw5
        dE_dh2 = dE_do1 * do1_dzo1 * dzo1_dh2 + dE_do2 * do2_dzo2 * dzo2_dh2
        dh2_dzh2 = h2 * (1 - h2)
        dzh2_dw2 = x1
        dE_dw2 = dE_dh2 * dh2_dzh2 * dzh2_dw2
        dzh2_dw4 = x2
        dE_dw4 = dE_dh2 * dh2_dzh2 * dzh2_dw4
        dzh2_dw6 = x3
        dE_dw6 = dE_dh2 * dh2_dzh2 * dzh2_dw6
        dzh1_db1 = 1
        dzh2_db1 = 1
        if db1 == "as written":
            term1 = dE_do1 * do1_dzo1 * dzo1_dh1 * dh1_dzh1 * dzh1_db1
            term2 = dE_do2 * do2_dzo2 * dzo2_dh2 * dh2_dzh2 * dzh2_db1
            dE_db1 = term1 + term2
        else:                                   # all four paths: δ_h1 + δ_h2
            dE_db1 = dE_dh1 * dh1_dzh1 * dzh1_db1 + dE_dh2 * dh2_dzh2 * dzh2_db1
        db1_history.append(float(dE_db1))

        if not update:
            continue
        w1 = w1 - alpha * dE_dw1
        w2 = w2 - alpha * dE_dw2
        w3 = w3 - alpha * dE_dw3
        w4 = w4 - alpha * dE_dw4
        w5 = w5 - alpha * dE_dw5
        w6 = w6 - alpha * dE_dw6
        w7 = w7 - alpha * dE_dw7
        w8 = w8 - alpha * dE_dw8
        w9 = w9 - alpha * dE_dw9
        w10 = w10 - alpha * dE_dw10
        b1 = b1 - alpha * dE_db1
        b2 = b2 - alpha * dE_db2
        wList = [w1, w2, w3, w4, w5, w6, w7, w8, w9, w10]
        bList = [b1, b2]

    return CodeRun([float(e) for e in errList], [float(v) for v in wList], [float(v) for v in bList],
                   printed, lines, db1_history, b1_history)


# ---------------------------------------------------------------------------- several samples
def several_samples(mode="batch", net=None):
    """The document's sample with two more (made up for the book's answer to a reader's
    question about other observations), as one network in ``mode``."""
    net = net or _net()
    return net.replace(inputs=[list(net.inputs[0]), [2, 1, 3], [3, 2, 1]],
                       targets=[list(net.targets[0]), [0.9, 0.5], [0.4, 0.8]], mode=mode)


# ---------------------------------------------------------------------------- the book's names
def in_book_names(net=None):
    """The preset with its inputs named as the book names inputs, i1, i2, i3 (the document's
    x1, x2, x3); every parameter keeps the document's own name."""
    net = net or _net()
    return net.replace(neuron_names=[[f"i{j + 1}" for j in range(net.layers[0])]] + [list(r) for r in net.neuron_names[1:]])


def quotes():
    """The document's own published numbers (its readers' numbers, section ``comments``, left
    out), as :func:`backprop_lib.published` lists them."""
    return [p for p in presets.published(PRESET) if p["section"] != "comments"]

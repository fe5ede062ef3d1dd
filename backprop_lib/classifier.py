"""Training classifiers on real data: Part II's Iris and digits chapters and the training
playground.

* :func:`predict`, :func:`accuracy`, :func:`confusion`: what a network's outputs say.
* :func:`fit`: train epoch by epoch with the library's mini-batch SGD
  (:mod:`backprop_lib.sgd`), recording the loss and accuracy on the training and test sets
  after every epoch.
* :class:`FastSGD`: the same mini-batch SGD for bigger networks, with every array allocated
  once and the output layer's delta fused (softmax with cross-entropy: δ = out − t); the same
  formulas, so the same numbers up to rounding in the last bits (the tests hold the two to
  1e-12), at a fraction of the per-update cost.  ``make bench`` times one of its steps
  against JAX's compiled step (:func:`time_steps`).
* :func:`minibatch_steps`: training one mini-batch at a time, the training playground's
  *step*: step s uses batch s mod B of epoch s div B (B batches per epoch), so that after
  whole epochs it is exactly :func:`backprop_lib.sgd.train`.
* :class:`Plane`: the training playground's settings and the network they make; the browser
  computes the same (``widgets/js/trainer.js``).
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field, replace

import numpy as np

from . import datasets
from .activations import ACTIVATIONS
from .losses import LOSSES
from .network import Network, SpecError, format_number
from .sgd import batches
from .variants import Mulberry32, start_state


# ---------------------------------------------------------------------------- what outputs say
def predict(outputs):
    """The class each row of outputs picks: the largest output; with a single output, class 1
    when it is at least 0.5."""
    outputs = np.asarray(outputs)
    if outputs.shape[1] == 1:
        return (outputs[:, 0] >= 0.5).astype(int)
    return np.argmax(outputs, axis=1)


def labels_of(targets):
    """The classes of target rows (one-hot rows, or a single 0/1 column)."""
    return predict(np.asarray(targets))


def accuracy(net, inputs=None, labels=None):
    """The fraction of samples whose predicted class is their class (``net``'s own samples
    unless others are given)."""
    inputs = net.inputs if inputs is None else inputs
    labels = labels_of(net.targets) if labels is None else np.asarray(labels)
    return float(np.mean(predict(net.forward(inputs, np.zeros((len(inputs), net.layers[-1]))).outputs) == labels))


def confusion(labels, predicted, classes):
    """counts[true class][predicted class]."""
    counts = np.zeros((classes, classes), dtype=int)
    np.add.at(counts, (np.asarray(labels), np.asarray(predicted)), 1)
    return counts


# ---------------------------------------------------------------------------- a data set, prepared
@dataclass
class Prepared:
    """A data set split into training and test samples, scaled, with one-hot targets."""
    train_inputs: np.ndarray
    train_targets: np.ndarray
    test_inputs: np.ndarray
    test_targets: np.ndarray
    train_index: list
    test_index: list
    scale: object

    @property
    def train_labels(self):
        return labels_of(self.train_targets)

    @property
    def test_labels(self):
        return labels_of(self.test_targets)


def prepare(data, test_fraction, seed, scale="standardise"):
    """Split ``data`` (a :class:`backprop_lib.datasets.Dataset`) with a seed, stratified by
    class, and scale its inputs: ``"standardise"`` with the training set's mean and standard
    deviation only, or a number to divide by (16 for the digits' grey levels)."""
    train, test = datasets.split(data.labels, test_fraction, seed)
    if scale == "standardise":
        scaler = datasets.Standardiser.fit(data.inputs[train])
    else:
        divisor = float(scale)
        scaler = lambda x: np.asarray(x, dtype=float) / divisor   # noqa: E731
    targets = datasets.one_hot(data.labels, data.classes)
    return Prepared(scaler(data.inputs[train]), targets[train], scaler(data.inputs[test]), targets[test],
                    train, test, scaler)


def classifier_network(layers, prepared, learning_rate, batch_size, seed, hidden="tanh"):
    """A network for ``prepared``'s training set: ``hidden`` activations, a softmax output
    layer with the cross-entropy error, Glorot-uniform weights and zero biases from ``seed``,
    mini-batches of ``batch_size`` shuffled with ``seed``."""
    weights, biases = glorot(layers, seed)
    return Network(layers=list(layers), activations=[hidden] * (len(layers) - 2) + ["softmax"],
                   weights=weights, biases=biases, loss="cross_entropy", learning_rate=learning_rate,
                   inputs=prepared.train_inputs, targets=prepared.train_targets, mode="minibatch",
                   batch_size=batch_size, shuffle_seed=seed)


# ---------------------------------------------------------------------------- initial weights
def glorot(layers, seed, stream=(1 << 30) + 1):
    """Weights drawn uniformly from ±√(6 / (fan_in + fan_out)) (Glorot and Bengio's
    initialisation), layer by layer and row by row, from mulberry32; biases zero, one per
    neuron.  The browser draws the same numbers (``widgets/js/trainer.js``)."""
    rng = Mulberry32(start_state(int(seed), stream))
    weights = []
    for k in range(len(layers) - 1):
        limit = math.sqrt(6.0 / (layers[k] + layers[k + 1]))
        weights.append([[(2.0 * rng.next() - 1.0) * limit for _ in range(layers[k])]
                        for _ in range(layers[k + 1])])
    biases = [[0.0] * n for n in layers[1:]]
    return weights, biases


# ---------------------------------------------------------------------------- epochs with curves
@dataclass
class Curves:
    """Loss and accuracy after each epoch (entry 0: before training)."""
    train_loss: list = field(default_factory=list)
    train_accuracy: list = field(default_factory=list)
    test_loss: list = field(default_factory=list)
    test_accuracy: list = field(default_factory=list)

    @property
    def epochs(self):
        return len(self.train_loss) - 1


def _record(curves, net, test):
    curves.train_loss.append(net.forward().loss)
    curves.train_accuracy.append(accuracy(net))
    if test is not None:
        X, T = test
        curves.test_loss.append(net.forward(X, T).loss)
        curves.test_accuracy.append(accuracy(net, X, labels_of(T)))


def fit(net, epochs, test=None, fast=False):
    """Train ``net`` (mode ``minibatch``) for ``epochs`` passes over its samples; returns
    ``(curves, trained)``.  ``test``: ``(inputs, targets)``, measured after every epoch and
    never trained on.  Epoch e shuffles with (``shuffle_seed``, e), as
    :func:`backprop_lib.sgd.train` does; ``fast``: update with :class:`FastSGD` (the same
    numbers up to rounding) rather than the library's forward and backward passes."""
    if net.mode != "minibatch":
        raise SpecError(f"mode: fit trains in mini-batches (mode \"minibatch\"), got {net.mode!r}")
    curves = Curves()
    _record(curves, net, test)
    runner = FastSGD(net) if fast else None
    per_epoch = len(batches(net, 0))
    for epoch in range(epochs):
        if fast:
            runner.epoch(epoch)
            net = runner.network()
        else:
            net = minibatch_steps(net, per_epoch, start=epoch * per_epoch, record=False)[1]
        _record(curves, net, test)
    return curves, net


# ---------------------------------------------------------------------------- one mini-batch at a time
def batch_rows(net, step):
    """The sample rows of mini-batch step ``step`` (from 0): batch ``step mod B`` of epoch
    ``step div B``, B the number of mini-batches per epoch."""
    per_epoch = -(-net.samples // net.batch_size)
    return batches(net, step // per_epoch)[step % per_epoch]


def minibatch_steps(net, count, start=0, record=True, batch_losses=None):
    """``count`` mini-batch updates from step ``start``, each with the library's forward and
    backward passes; returns ``(history, trained)``: the mean loss over all samples before the
    first update and after each (``record=False``: only before the first).  From step 0,
    B·k steps equal ``sgd.train(net, k)`` exactly.  ``batch_losses``, a list, receives each
    mini-batch's own loss just before its update (what a training loop usually prints)."""
    if net.mode != "minibatch":
        raise SpecError(f"mode: steps of one mini-batch need mode \"minibatch\", got {net.mode!r}")
    work = net.replace(weights=[w.copy() for w in net.weights],
                       biases=[b if b is None or isinstance(b, float) else b.copy() for b in net.biases])
    rate, X, T = net.learning_rate, net.inputs, net.targets
    everything = len(X)
    history = [work.forward().loss]
    with np.errstate(over="ignore", invalid="ignore"):
        for step in range(start, start + count):
            rows = batch_rows(net, step)
            trace = work.forward() if len(rows) == everything else work.forward(X[rows], T[rows])
            if batch_losses is not None:
                batch_losses.append(trace.loss)
            g = work.backward(trace)
            for k in range(net.depth):
                work.weights[k] -= rate * g.weights[k]
                if net.update_biases and work.biases[k] is not None:
                    if isinstance(work.biases[k], float):
                        work.biases[k] = work.biases[k] - rate * g.biases[k]
                    else:
                        work.biases[k] -= rate * g.biases[k]
            if record:
                history.append(work.forward().loss)
    work._params = None
    return history, work


# ---------------------------------------------------------------------------- the lean trainer
def one_thread():
    """The numerical library's matrix products on one thread.  A mini-batch's matrices are
    small: splitting each product over threads costs more than it saves, and on a busy
    machine far more."""
    global _CONTROLLER
    if _CONTROLLER is None:
        from threadpoolctl import ThreadpoolController
        _CONTROLLER = ThreadpoolController()          # finding the libraries takes milliseconds: once
    return _CONTROLLER.limit(limits=1, user_api="blas")


_CONTROLLER = None

class FastSGD:
    """Mini-batch SGD on a :class:`Network`'s own numbers, every array allocated once.

    The same batches as :func:`backprop_lib.sgd.batches` and the same formulas as the
    library's backward pass (BP1–BP4), with η/S folded into the output delta and, for softmax
    with cross-entropy and one-hot targets, δ = out − t (what out·(∂E/∂out − Σ ∂E/∂out·out)
    equals when the targets add up to 1).  The numbers agree with the library's to rounding.

    When every layer has one bias per neuron (and biases are trained), each layer keeps its
    weights and biases as one matrix [W | b] and its input with a column of ones, so that
    net = [out | 1]·[W | b]ᵀ and the gradient of both is one product: fewer, larger
    operations, which is what makes small mini-batches quick.
    """

    def __init__(self, net):
        if net.mode != "minibatch":
            raise SpecError(f"mode: FastSGD trains in mini-batches, got {net.mode!r}")
        self.net = net
        self.W = [np.array(w, dtype=float, order="C") for w in net.weights]
        self.b = [None if b is None else (float(b) if isinstance(b, float) else np.array(b, dtype=float))
                  for b in net.biases]
        self.acts = [ACTIVATIONS[a] for a in net.activations]
        self.loss = LOSSES[net.loss]
        self.X = np.ascontiguousarray(net.inputs, dtype=float)
        self.T = np.ascontiguousarray(net.targets, dtype=float)
        self.fused_softmax = (net.activations[-1] == "softmax" and net.loss == "cross_entropy"
                              and bool(np.all(np.abs(self.T.sum(axis=1) - 1.0) == 0.0)))
        self._buffers = {}
        self.augmented = net.update_biases and all(isinstance(b, np.ndarray) for b in self.b)
        if self.augmented:
            self.Wa = [np.ascontiguousarray(np.hstack([w, b[:, None]])) for w, b in zip(self.W, self.b)]
            self.Xa = np.hstack([self.X, np.ones((len(self.X), 1))])
            self.W = self.b = None                   # the numbers live in Wa now
        # one tanh hidden layer and softmax with cross-entropy (the digits network): the same
        # step written out without loops, per batch size
        self._quick = {} if (self.augmented and len(net.layers) == 3 and net.activations[0] == "tanh"
                             and self.fused_softmax) else None

    def _two_layers(self, S):
        """:meth:`step_batch` for one tanh hidden layer and softmax with cross-entropy, as one
        function with its arrays bound (the same operations in the same order)."""
        buf = self._augmented_plan(S)
        W1, W2 = self.Wa
        H = buf["ins"][1]
        n1, n2, h, o = buf["nets"][0], buf["nets"][1], buf["outs"][0], buf["outs"][1]
        d1, d2, back, slope = buf["deltas"][0], buf["deltas"][1], buf["back"][1], buf["slopes"][0]
        g1, g2, col = buf["grads"][0], buf["grads"][1], buf["col"]
        hidden = H[:, :-1]
        back_hidden = back[:, :-1]
        scale = self.net.learning_rate / S
        dot, subtract, multiply, add, exp, divide = np.dot, np.subtract, np.multiply, np.add, np.exp, np.divide

        def step(Xb, T):
            dot(Xb, W1.T, out=n1)
            multiply(n1, 2.0, out=h)
            exp(h, out=h)
            add(h, 1.0, out=h)
            divide(-2.0, h, out=h)
            add(h, 1.0, out=h)                                   # tanh = 1 − 2/(e^{2·net} + 1)
            hidden[...] = h
            dot(H, W2.T, out=n2)
            n2.max(axis=1, keepdims=True, out=col)
            subtract(n2, col, out=o)
            exp(o, out=o)
            o.sum(axis=1, keepdims=True, out=col)
            divide(o, col, out=o)                                # softmax
            subtract(o, T, out=d2)
            multiply(d2, scale, out=d2)                          # δ_o·η/S
            multiply(h, h, out=slope)
            subtract(1.0, slope, out=slope)                      # 1 − out_h²
            dot(d2, W2, out=back)
            multiply(back_hidden, slope, out=d1)                 # δ_h·η/S
            subtract(W2, dot(d2.T, H, out=g2), out=W2)
            subtract(W1, dot(d1.T, Xb, out=g1), out=W1)
        return step

    # ------------------------------------------------------------------ [W | b] layers
    def _augmented_plan(self, S):
        key = ("augmented", S)
        if key not in self._buffers:
            sizes = self.net.layers
            hidden = sizes[1:-1]
            self._buffers[key] = {
                "ins": [None] + [np.ones((S, n + 1)) for n in hidden],      # a layer's input and a 1
                "nets": [np.empty((S, n)) for n in sizes[1:]],
                "outs": [np.empty((S, n)) for n in sizes[1:]],               # contiguous copies of the outputs
                "deltas": [np.empty((S, n)) for n in sizes[1:]],
                "back": [None] + [np.empty((S, n + 1)) for n in hidden],     # δ·[W | b] of the layer above
                "slopes": [np.empty((S, n)) for n in sizes[1:]],
                "grads": [np.empty(w.shape) for w in self.Wa],
                "col": np.empty((S, 1)),
            }
        return self._buffers[key]

    def batch(self, X):
        """The rows ``X`` as :meth:`step_batch` takes them (with a column of ones, for [W | b])."""
        X = np.asarray(X, dtype=float)
        return np.hstack([X, np.ones((len(X), 1))]) if self.augmented else np.ascontiguousarray(X)

    def step_batch(self, Xb, T):
        """One update on rows prepared by :meth:`batch`.

        tanh is computed as 1 − 2/(e^{2·net} + 1), equal to it within a few units in the last
        place and quicker than the library's tanh on these small arrays."""
        if not self.augmented:
            return self._step(Xb, T)
        S = len(Xb)
        quick = self._quick.get(S) if self._quick is not None else None
        if quick is not None:
            return quick(Xb, T)
        if self._quick is not None:
            self._quick[S] = self._two_layers(S)
            return self._quick[S](Xb, T)
        buf = self._augmented_plan(S)
        ins, nets, outs, deltas, back, slopes, grads, col = (buf["ins"], buf["nets"], buf["outs"], buf["deltas"],
                                                             buf["back"], buf["slopes"], buf["grads"], buf["col"])
        dot, subtract, multiply, add = np.dot, np.subtract, np.multiply, np.add   # np.dot: the quickest start
        Wa, acts = self.Wa, self.acts
        L = len(Wa)
        prev = Xb
        for k in range(L):
            net, out = nets[k], outs[k]
            dot(prev, Wa[k].T, out=net)
            name = acts[k].name
            if name == "tanh":
                multiply(net, 2.0, out=out)
                np.exp(out, out=out)
                add(out, 1.0, out=out)
                np.divide(-2.0, out, out=out)
                add(out, 1.0, out=out)
            elif name == "softmax":
                net.max(axis=1, keepdims=True, out=col)
                subtract(net, col, out=out)
                np.exp(out, out=out)
                out.sum(axis=1, keepdims=True, out=col)
                np.divide(out, col, out=out)
            else:
                out[...] = acts[k].forward(net)
            if k < L - 1:
                ins[k + 1][:, :-1] = out
                prev = ins[k + 1]
        last = outs[-1]
        d = deltas[-1]
        if self.fused_softmax:
            subtract(last, T, out=d)
        else:
            d[...] = acts[-1].backward(nets[-1], last, self.loss.gradient(last, T))
        multiply(d, self.net.learning_rate / S, out=d)
        for k in range(L - 1, -1, -1):
            below = Xb if k == 0 else ins[k]
            if k > 0:
                h, slope = outs[k - 1], slopes[k - 1]
                if acts[k - 1].name == "tanh":
                    multiply(h, h, out=slope)
                    subtract(1.0, slope, out=slope)
                else:
                    slope[...] = acts[k - 1].derivative(nets[k - 1], h)
                dot(d, Wa[k], out=back[k])                   # ∂E/∂out of the layer below (scaled), and a 1
                multiply(back[k][:, :-1], slope, out=deltas[k - 1])
            subtract(Wa[k], dot(d.T, below, out=grads[k]), out=Wa[k])
            if k > 0:
                d = deltas[k - 1]

    # ------------------------------------------------------------------ any layers

    def _plan(self, S):
        """Per layer, for batches of S rows: its arrays and what to do (built once per S)."""
        if S not in self._buffers:
            plan = []
            for k, (W, b, act) in enumerate(zip(self.W, self.b, self.acts)):
                n = W.shape[0]
                bias = None if b is None else ("shared" if isinstance(b, float) else "each")
                plan.append((k, W, W.T, bias, act.name, act, np.empty((S, n)), np.empty((S, n)), np.empty((S, n)),
                             np.empty(W.shape), np.empty((S, 1))))
            self._buffers[S] = plan
        return self._buffers[S]

    def step(self, X, T):
        """One update with the gradient of the mean loss over the rows of ``X`` and ``T``."""
        if self.augmented:
            return self.step_batch(self.batch(X), T)
        return self._step(X, T)

    def _step(self, X, T):
        S = len(X)
        plan = self._plan(S)
        matmul, subtract, multiply = np.matmul, np.subtract, np.multiply
        b = self.b
        prev = X
        for k, W, WT, bias, name, act, net, out, _, _, col in plan:
            matmul(prev, WT, out=net)
            if bias is not None:
                np.add(net, b[k], out=net)
            if name == "tanh":
                np.tanh(net, out=out)
            elif name == "softmax":
                net.max(axis=1, keepdims=True, out=col)
                subtract(net, col, out=out)
                np.exp(out, out=out)
                out.sum(axis=1, keepdims=True, out=col)
                np.divide(out, col, out=out)
            else:
                out[...] = act.forward(net)
            prev = out
        last = plan[-1]
        out, d = last[7], last[8]
        if self.fused_softmax:
            subtract(out, T, out=d)
        else:
            with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
                d[...] = last[5].backward(last[6], out, self.loss.gradient(out, T))
        multiply(d, self.net.learning_rate / S, out=d)
        update_biases = self.net.update_biases
        for k in range(len(plan) - 1, -1, -1):
            _, W, _, bias, _, _, _, _, d, grad, _ = plan[k]
            below = X if k == 0 else plan[k - 1][7]
            if k > 0:
                g = matmul(d, W, out=plan[k - 1][8])               # ∂E/∂out of the layer below (scaled)
                name, act = plan[k - 1][4], plan[k - 1][5]
                if name == "tanh":
                    g *= 1.0 - below * below
                else:
                    g *= act.derivative(plan[k - 1][6], below)
            subtract(W, matmul(d.T, below, out=grad), out=W)
            if bias is not None and update_biases:
                if bias == "shared":
                    b[k] -= float(d.sum())
                else:
                    subtract(b[k], d.sum(axis=0), out=b[k])

    def epoch(self, epoch):
        """Every mini-batch of epoch ``epoch`` (counted from 0), in its shuffled order."""
        everything = len(self.X)
        X = self.Xa if self.augmented else self.X
        with one_thread(), np.errstate(over="ignore", divide="ignore", invalid="ignore"):
            for rows in batches(self.net, epoch):
                if len(rows) == everything:
                    self.step_batch(X, self.T)
                else:
                    self.step_batch(X[rows], self.T[rows])

    def parameters(self):
        """``(weights, biases)``: copies of the current numbers, shaped as the network's."""
        if self.augmented:
            return [w[:, :-1].copy() for w in self.Wa], [w[:, -1].copy() for w in self.Wa]
        return [w.copy() for w in self.W], [b if b is None or isinstance(b, float) else b.copy() for b in self.b]

    def network(self):
        """The network with the current numbers (a copy)."""
        weights, biases = self.parameters()
        return self.net.replace(weights=weights, biases=biases)


# ---------------------------------------------------------------------------- the 2-D playground
ACTIVATION_CHOICES = ("tanh", "relu", "sigmoid", "linear")
RATES = (0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1.0, 3.0)
BATCH_SIZES = (1, 2, 5, 10, 20, 50, 100, 200)
MAX_HIDDEN_LAYERS = 4
MAX_UNITS = 8


@dataclass(frozen=True)
class Plane:
    """The training playground's settings: which 2-D dataset (drawn from ``seed`` with
    ``noise``), the hidden layers' sizes and activation, the learning rate and the batch
    size.  The output is one sigmoid neuron (class 1 when out ≥ 0.5) and the error
    ½(target − out)², as in Part I."""
    dataset: str = "moons"
    seed: int = 1
    noise: float = 0.1
    hidden: tuple = (8, 8)
    activation: str = "tanh"
    learning_rate: float = 1.0
    batch_size: int = 10
    samples: int = 200

    def __post_init__(self):
        object.__setattr__(self, "hidden", tuple(int(h) for h in self.hidden))
        if self.dataset not in datasets.PLANES:
            raise SpecError(f"dataset: must be one of {', '.join(datasets.PLANES)}, got {self.dataset!r}")
        if self.activation not in ACTIVATION_CHOICES:
            raise SpecError(f"activation: must be one of {', '.join(ACTIVATION_CHOICES)}, got {self.activation!r}")
        if len(self.hidden) > MAX_HIDDEN_LAYERS or any(not 1 <= h <= MAX_UNITS for h in self.hidden):
            raise SpecError(f"hidden: up to {MAX_HIDDEN_LAYERS} layers of 1 to {MAX_UNITS} neurons, got {list(self.hidden)}")
        rate = self.learning_rate
        if isinstance(rate, bool) or not isinstance(rate, (int, float)) or not (0 < rate <= 10):
            raise SpecError(f"learning_rate: must be a number above 0 and at most 10, got {rate!r}")
        if isinstance(self.batch_size, bool) or not isinstance(self.batch_size, int) or not 1 <= self.batch_size <= self.samples:
            raise SpecError(f"batch_size: must be a whole number from 1 to {self.samples}, got {self.batch_size!r}")
        datasets.plane(self.dataset, self.samples, self.noise, self.seed)   # validates the rest

    @property
    def layers(self):
        return [2, *self.hidden, 1]

    def data(self):
        return datasets.plane(self.dataset, self.samples, self.noise, self.seed)

    def network(self):
        """The network before training: Glorot-uniform weights and zero biases from ``seed``."""
        X, y = self.data()
        weights, biases = glorot(self.layers, self.seed)
        return Network(layers=self.layers, activations=[self.activation] * len(self.hidden) + ["sigmoid"],
                       weights=weights, biases=biases, loss="half_sse", learning_rate=float(self.learning_rate),
                       inputs=X, targets=y[:, None].astype(float), mode="minibatch",
                       batch_size=self.batch_size, shuffle_seed=self.seed,
                       title=f"{self.dataset}: {'-'.join(map(str, self.layers))} {self.activation}")

    def trained(self, steps):
        """``(history, network)`` after ``steps`` mini-batch steps."""
        return minibatch_steps(self.network(), steps)

    def replace(self, **changes):
        return replace(self, **changes)


def status_line(net, step):
    """What the playground's status line reads: ``step N · loss X · accuracy Y``."""
    return f"step {step} · loss {format_number(net.forward().loss, 6)} · accuracy {format_number(accuracy(net), 3)}"


# ---------------------------------------------------------------------------- timing against JAX
def jax_step(net):
    """JAX's version of one mini-batch update of ``net`` (float64, compiled by ``jax.jit``):
    ``step(params, X, T) → params``, with ``params`` a tuple (W1, b1, W2, b2, …).  Per-neuron
    biases, element-wise hidden activations, softmax with cross-entropy or half_sse outputs."""
    import jax
    jax.config.update("jax_enable_x64", True)
    import jax.numpy as jnp

    funcs = {"tanh": jnp.tanh, "sigmoid": jax.nn.sigmoid, "relu": lambda x: jnp.where(x > 0, x, 0.0),
             "linear": lambda x: x, "softmax": lambda x: jax.nn.softmax(x, axis=-1)}
    acts = [funcs[a] for a in net.activations]
    rate = net.learning_rate

    def loss(params, X, T):
        out = X
        for k, act in enumerate(acts):
            out = act(out @ params[2 * k].T + params[2 * k + 1])
        if net.loss == "cross_entropy":
            return jnp.mean(-jnp.sum(T * jnp.log(out), axis=1))
        return jnp.mean(jnp.sum(0.5 * (T - out) ** 2, axis=1))

    def step(params, X, T):
        grads = jax.grad(loss)(params, X, T)
        return tuple(p - rate * g for p, g in zip(params, grads))

    def params_of(n):
        out = []
        for w, b in zip(n.weights, n.biases):
            out += [jnp.asarray(w), jnp.asarray(b if b is not None else np.zeros(len(w)))]
        return tuple(out)

    return jax.jit(step), params_of, jax.jit(jax.grad(loss))


def time_steps(net, batch_size, repeat=7, number=None):
    """Seconds per mini-batch step of ``batch_size`` rows: :class:`FastSGD` and JAX's compiled
    step on the same network and numbers, measured alternately (best of ``repeat`` runs of
    ``number`` steps each).  Returns ``{"numpy": s, "jax": s, "agree": largest difference of
    the parameters after one step, "compile": s of JAX's first call}``."""
    import time

    import jax
    fast = FastSGD(net.replace(batch_size=batch_size))
    step, params_of, _ = jax_step(net)
    X = np.ascontiguousarray(net.inputs[:batch_size])
    T = np.ascontiguousarray(net.targets[:batch_size])
    params = params_of(net)
    Xj, Tj = jax.device_put(X), jax.device_put(T)
    start = time.perf_counter()
    after = jax.block_until_ready(step(params, Xj, Tj))                # compile once
    compile_seconds = time.perf_counter() - start
    Xb = fast.batch(X)
    with np.errstate(over="ignore"):
        fast.step_batch(Xb, T)
    weights, biases = fast.parameters()
    agree = max(float(np.max(np.abs(np.asarray(a) - b))) for a, b in
                zip(after, [x for w, bb in zip(weights, biases) for x in (w, bb)]))
    number = number or max(50, int(20000 / batch_size))
    best = {"numpy": math.inf, "jax": math.inf}
    for _ in range(repeat):
        with one_thread(), np.errstate(over="ignore"):
            start = time.perf_counter()
            for _ in range(number):
                fast.step_batch(Xb, T)
            best["numpy"] = min(best["numpy"], (time.perf_counter() - start) / number)
        start = time.perf_counter()
        p = params
        for _ in range(number):
            p = step(p, Xj, Tj)
        jax.block_until_ready(p)
        best["jax"] = min(best["jax"], (time.perf_counter() - start) / number)
    best["agree"] = agree
    best["compile"] = compile_seconds
    return best


# ---------------------------------------------------------------------------- one gradient, opened
def explain_step(net, step, name):
    """What the gradient of parameter ``name`` on the mini-batch of step ``step`` is made of,
    in Part I's factors, per sample of the batch (``net`` holds the numbers before that step):

    ∂E/∂w = mean over the batch of ∂E/∂out_j · ∂out_j/∂net_j · ∂net_j/∂w, with ∂net_j/∂w the
    output of the neuron the weight comes from (1 for a bias), and, for a hidden neuron,
    ∂E/∂out_j = Σ_m δ_m·w_mj over the layer above.  The browser's panel shows the same
    numbers (``widgets/js/trainer.js``, ``Run.explain``)."""
    p = net.param(name)
    rows = batch_rows(net, step)
    trace = net.forward(net.inputs[rows], net.targets[rows])
    grads = net.backward(trace)
    k, j = p.location[1], p.location[2]
    l = k + 1
    act = ACTIVATIONS[net.activations[k]]
    samples = []
    for s, row in enumerate(rows):
        out, n = trace.out[l][s, j], trace.net[l][s, j]
        delta = grads.delta[l][s, j]
        x = trace.out[k][s, p.location[3]] if p.kind == "weights" else 1.0
        local = float(act.derivative(n, out)) if act.elementwise else None       # softmax: a matrix
        samples.append({"row": int(row), "target": net.targets[row].tolist(), "out": float(out), "net": float(n),
                        "dEdout": float(grads.dE_dout[l][s, j]), "local": local,
                        "delta": float(delta), "input": float(x), "product": float(delta * x)})
    terms = []
    if l < net.depth:
        for m in range(net.layers[l + 1]):
            terms.append({"neuron": net.neuron_names[l + 1][m], "weight": f"w{l + 1}_{m + 1}_{j + 1}",
                          "delta": grads.delta[l + 1][0, m], "w": net.weights[l][m, j]})
    gradient = (grads.weights[k][j, p.location[3]] if p.kind == "weights" else grads.biases[k][j])
    return {"name": name, "rows": list(rows), "samples": samples, "terms": terms, "value": p.value,
            "gradient": float(gradient), "updated": p.value - net.learning_rate * float(gradient)}


# ---------------------------------------------------------------------------- sympy, one parameter
def sympy_partial(net, name):
    """sympy's ∂E/∂p for one parameter ``name``: the mean error over ``net``'s samples written
    as an expression of that parameter alone (every other number in place), and differentiated
    by sympy.  Returns ``(E, dE_dp, value)``: both expressions, in a symbol named ``name``, and
    the derivative's value at the parameter's current number.  Cheap even for networks whose
    whole-expression gradient is not, because only one symbol is left in it."""
    import sympy as sp

    from .symbolic import activation_expr, loss_expr
    p = net.param(name)
    w = sp.Symbol(name, real=True)

    def number(loc, v):
        return w if loc == p.location else sp.Float(float(v))

    total = 0
    for x, t in zip(net.inputs, net.targets):
        outs = [sp.Float(float(v)) for v in x]
        for k in range(net.depth):
            b = net.biases[k]
            nets = []
            for j in range(net.layers[k + 1]):
                value = sp.Add(*[number(("weights", k, j, i), net.weights[k][j, i]) * outs[i]
                                 for i in range(net.layers[k])])
                if b is not None:
                    value += number(("biases", k), b) if isinstance(b, float) else number(("biases", k, j), b[j])
                nets.append(value)
            outs = activation_expr(net.activations[k], nets)
        total += loss_expr(net.loss, outs, [sp.Float(float(v)) for v in t])
    E = total / len(net.inputs)
    dE = sp.diff(E, w)
    return E, dE, float(dE.subs(w, sp.Float(p.value)))


def bench():
    """``make bench``'s section: one mini-batch step of the digits chapter's 64-32-10 network
    (tanh, softmax, cross-entropy, float64) at batch 32 and 256, the library's NumPy step
    (:class:`FastSGD`) against JAX's jit-compiled step, measured alternately in one run."""
    from .pages.digits import chapter_network
    net = chapter_network()
    print("One mini-batch step of the digits network 64-32-10 (float64), NumPy against JAX's compiled step")
    print(f"  {'batch':>5} {'NumPy':>10} {'JAX jit':>10} {'NumPy/JAX':>10}   parameters after one step agree to")
    for size in (32, 256):
        r = time_steps(net, size, repeat=9)
        ratio = r["numpy"] / r["jax"]
        need = "   (required ≤ 1.5)" if size == 32 else ""
        print(f"  {size:>5} {r['numpy'] * 1e6:8.1f} µs {r['jax'] * 1e6:8.1f} µs {ratio:10.2f}   {r['agree']:.1e}{need}")

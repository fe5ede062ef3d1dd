"""A small dense network, its forward pass, its backward pass and its update.

Notation (the first document's): for neuron j of layer l,

    net_j = Σ_i w_ji · out_i + b_j        (the total net input)
    out_j = f(net_j)                      (its output, f its layer's activation)

Layers are numbered from 0 (the inputs) to L (the outputs).  ``weights[k]`` and
``biases[k]`` belong to the connections from layer k to layer k + 1, so the weight from
neuron i of layer k to neuron j of layer k + 1 is ``weights[k][j][i]`` (rows are the
receiving neurons, as in PyTorch).  A layer's bias is absent (``None``), one number shared
by the whole layer (as all three documents do), or one number per neuron.

The backward pass is the four equations of backpropagation (Nielsen's BP1–BP4):

    BP1  δ_L = ∂E/∂out_L ⊙ f'(net_L)                   the output layer's deltas
    BP2  δ_l = (W_lᵀ · δ_{l+1}) ⊙ f'(net_l)            a hidden layer's, from the next
    BP3  ∂E/∂b_j = δ_j     (a shared bias: Σ_j δ_j)    biases
    BP4  ∂E/∂w_ji = δ_j · out_i                        weights

with δ_j = ∂E/∂net_j, the node delta.  Several samples are rows of every array; the loss of
several samples is the mean of their losses.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from .activations import ACTIVATIONS
from .losses import LOSSES


class SpecError(ValueError):
    """A network description that cannot be used; the message names the field and the problem."""


class TrainingDiverged(ArithmeticError):
    """The loss stopped being a finite number during training."""


@dataclass(frozen=True)
class Param:
    """One trainable number: its name, where it lives, and its value."""
    name: str
    location: tuple        # ("weights", k, j, i), ("biases", k) shared, ("biases", k, j)
    value: float

    @property
    def kind(self):
        return self.location[0]

    @property
    def layer(self):
        """The number of the layer whose neurons this parameter feeds (1 … L)."""
        return self.location[1] + 1


@dataclass
class Trace:
    """Everything the forward pass computed: one row per sample.

    ``net[l]`` and ``out[l]`` for layers l = 1 … L (``out[0]`` is the inputs, ``net[0]`` is
    None); ``terms`` are the per-output error terms (E_o1, E_o2, … of the first document),
    ``sample_loss`` each sample's E, and ``loss`` their mean: the E that training lowers.
    """
    net: list
    out: list
    targets: np.ndarray
    terms: np.ndarray
    sample_loss: np.ndarray
    loss: float

    @property
    def outputs(self):
        return self.out[-1]


@dataclass
class Gradients:
    """Everything the backward pass computed.

    ``dE_dout[l]`` and ``delta[l]`` (= ∂E/∂net) per layer and sample, each row the
    derivative of that sample's own loss; ``weights`` and ``biases`` shaped like the
    network's, the gradient of the mean loss.
    """
    dE_dout: list
    delta: list
    weights: list
    biases: list


def _as_matrix(values, width=None):
    array = np.array(values, dtype=float)
    if array.ndim == 1:
        array = array[None, :]
    return array


@dataclass
class Network:
    """A dense network together with its training data and settings (one worked example)."""

    layers: list
    activations: list
    weights: list
    biases: list = None
    loss: str = "half_sse"
    learning_rate: float = 0.5
    update_biases: bool = True
    inputs: object = None
    targets: object = None
    mode: str = "batch"
    batch_size: int = None
    shuffle_seed: int = 0
    names: dict = field(default_factory=dict)
    neuron_names: list = None
    title: str = ""
    decimals: int = 9

    def __post_init__(self):
        self.layers = [int(n) for n in self.layers]
        self.weights = [np.array(w, dtype=float) for w in self.weights]
        if self.biases is None:
            self.biases = [None] * (len(self.layers) - 1)
        self.biases = [b if b is None or isinstance(b, float) else
                       (float(b) if np.ndim(b) == 0 else np.array(b, dtype=float))
                       for b in self.biases]
        self.inputs = _as_matrix(self.inputs if self.inputs is not None else [[0.0] * self.layers[0]])
        self.targets = _as_matrix(self.targets if self.targets is not None else [[0.0] * self.layers[-1]])
        self.names = dict(self.names or {})
        if self.neuron_names is None:
            self.neuron_names = default_neuron_names(self.layers)
        self._params = None

    # ------------------------------------------------------------------ parameters
    @property
    def depth(self):
        """The number of non-input layers, L."""
        return len(self.layers) - 1

    def parameters(self):
        """Every trainable number, in the canonical order (layer by layer, weights row by row,
        then the layer's bias or biases)."""
        if self._params is None:
            by_location = {tuple(loc): name for name, loc in self.names.items()}
            params = []
            for k in range(self.depth):
                for j in range(self.layers[k + 1]):
                    for i in range(self.layers[k]):
                        loc = ("weights", k, j, i)
                        params.append(Param(by_location.get(loc, f"w{k + 1}_{j + 1}_{i + 1}"),
                                            loc, float(self.weights[k][j, i])))
                b = self.biases[k]
                if b is None:
                    continue
                if isinstance(b, float):
                    loc = ("biases", k)
                    params.append(Param(by_location.get(loc, f"b{k + 1}"), loc, b))
                else:
                    for j in range(self.layers[k + 1]):
                        loc = ("biases", k, j)
                        params.append(Param(by_location.get(loc, f"b{k + 1}_{j + 1}"), loc, float(b[j])))
            self._params = params
        return self._params

    def param(self, name):
        for p in self.parameters():
            if p.name == name:
                return p
        raise KeyError(f"no parameter named {name!r}; this network has "
                       + ", ".join(p.name for p in self.parameters()))

    def __getitem__(self, name):
        return self.param(name).value

    def flat(self):
        """All parameters as one vector, in the order of :meth:`parameters`."""
        return np.array([p.value for p in self.parameters()])

    def with_flat(self, vector):
        """A copy of this network with the parameters taken from ``vector``."""
        vector = [float(v) for v in vector]
        weights = [w.copy() for w in self.weights]
        biases = [b if b is None or isinstance(b, float) else b.copy() for b in self.biases]
        for p, v in zip(self.parameters(), vector):
            if p.kind == "weights":
                _, k, j, i = p.location
                weights[k][j, i] = v
            elif len(p.location) == 2:
                biases[p.location[1]] = v
            else:
                biases[p.location[1]][p.location[2]] = v
        return self.replace(weights=weights, biases=biases)

    def with_params(self, **values):
        """A copy with some parameters changed by name: ``net.with_params(w5=0.3)``."""
        known = {p.name for p in self.parameters()}
        for name, v in values.items():
            if name not in known:
                raise KeyError(f"no parameter named {name!r}; this network has " + ", ".join(sorted(known)))
            if not np.isfinite(v):
                raise SpecError(f"{name}: must be a finite number, got {v!r}")
        return self.with_flat([values.get(p.name, p.value) for p in self.parameters()])

    def replace(self, **changes):
        """A copy of this network with some fields changed."""
        fields = dict(layers=self.layers, activations=self.activations, weights=self.weights,
                      biases=self.biases, loss=self.loss, learning_rate=self.learning_rate,
                      update_biases=self.update_biases, inputs=self.inputs, targets=self.targets,
                      mode=self.mode, batch_size=self.batch_size, shuffle_seed=self.shuffle_seed,
                      names=self.names, neuron_names=self.neuron_names,
                      title=self.title, decimals=self.decimals)
        fields.update(changes)
        return Network(**fields)

    def trainable(self, p):
        """Whether an update changes parameter ``p`` (biases may be held fixed)."""
        return p.kind == "weights" or self.update_biases

    @property
    def samples(self):
        return len(self.inputs)

    def neuron(self, name):
        """(layer, index) of a neuron from its name, e.g. ``"o1"`` → (2, 0)."""
        for l, layer in enumerate(self.neuron_names):
            if name in layer:
                return l, layer.index(name)
        raise KeyError(f"no neuron named {name!r}")

    # ------------------------------------------------------------------ forward
    def forward(self, inputs=None, targets=None):
        """The forward pass, keeping every intermediate value (see :class:`Trace`)."""
        out_prev = self.inputs if inputs is None else _as_matrix(inputs)
        targets = self.targets if targets is None else _as_matrix(targets)
        net, out = [None], [out_prev]
        for k in range(self.depth):
            b = self.biases[k]
            n = out_prev @ self.weights[k].T + (0.0 if b is None else b)   # net_j = Σ_i w_ji·out_i + b_j
            out_prev = ACTIVATIONS[self.activations[k]].forward(n)          # out_j = f(net_j)
            net.append(n)
            out.append(out_prev)
        loss = LOSSES[self.loss]
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            terms = loss.terms(out_prev, targets)
        sample_loss = np.sum(terms, axis=1)
        return Trace(net, out, targets, terms, sample_loss, float(np.mean(sample_loss)))

    # ------------------------------------------------------------------ backward
    def backward(self, trace=None, only_output=None):
        """The backward pass: every delta and every gradient of the mean loss.

        ``only_output=k`` backpropagates the error term of output k alone (E_ok of the first
        document), e.g. to get ∂E_o1/∂out_h1.
        """
        trace = trace or self.forward()
        S = len(trace.targets)
        loss = LOSSES[self.loss]
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            dE_dout = loss.gradient(trace.outputs, trace.targets)        # ∂E/∂out_L
        if only_output is not None:
            mask = np.zeros(self.layers[-1])
            mask[only_output] = 1.0
            dE_dout = dE_dout * mask
        dE_douts, deltas = [None] * (self.depth + 1), [None] * (self.depth + 1)
        for l in range(self.depth, 0, -1):
            act = ACTIVATIONS[self.activations[l - 1]]
            dE_douts[l] = dE_dout
            deltas[l] = act.backward(trace.net[l], trace.out[l], dE_dout)   # BP1 / BP2
            dE_dout = deltas[l] @ self.weights[l - 1]                        # Σ_j δ_j·w_ji
        weights, biases = [], []
        for k in range(self.depth):
            delta = deltas[k + 1]
            weights.append(delta.T @ trace.out[k] / S)                        # BP4
            b = self.biases[k]
            if b is None:
                biases.append(None)
            elif isinstance(b, float):
                biases.append(float(np.sum(delta) / S))                       # BP3, shared
            else:
                biases.append(np.sum(delta, axis=0) / S)                      # BP3
        return Gradients(dE_douts, deltas, weights, biases)

    def gradient(self, trace=None):
        """The gradient of the loss as a vector, in the order of :meth:`parameters`."""
        g = self.backward(trace)
        values = []
        for p in self.parameters():
            if p.kind == "weights":
                _, k, j, i = p.location
                values.append(g.weights[k][j, i])
            elif len(p.location) == 2:
                values.append(g.biases[p.location[1]])
            else:
                values.append(g.biases[p.location[1]][p.location[2]])
        return np.array(values, dtype=float)

    def named_gradient(self, trace=None):
        return {p.name: float(v) for p, v in zip(self.parameters(), self.gradient(trace))}

    # ------------------------------------------------------------------ update
    def step(self):
        """One training step: gradient descent, θ ← θ − η·∂E/∂θ.

        ``batch``: one update with the gradient of the mean loss over all samples;
        ``online``: one update per sample, in order, each with that sample's own gradient;
        ``minibatch``: the samples shuffled (seeded), one update per mini-batch (see
        :mod:`backprop_lib.sgd`).  Biases stay fixed when ``update_biases`` is false.
        """
        if self.mode == "minibatch":
            from .sgd import train
            return train(self, 1)[1]
        if self.mode == "online" and self.samples > 1:
            net = self
            for s in range(self.samples):
                one = net.replace(inputs=self.inputs[s:s + 1], targets=self.targets[s:s + 1])
                net = one._descend().replace(inputs=self.inputs, targets=self.targets)
            return net
        return self._descend()

    def _descend(self):
        theta, grad = self.flat(), self.gradient()
        rate = np.array([self.learning_rate if self.trainable(p) else 0.0 for p in self.parameters()])
        return self.with_flat(theta - rate * grad)

    def train(self, steps, engine="compiled", progress=None):
        """``steps`` training steps.  Returns ``(history, network)``: the ``steps + 1`` losses
        (before any step, then after each) and the trained network.

        ``engine="compiled"`` runs straight-line Python generated for this network (see
        :mod:`backprop_lib.compiled`), the fastest for the documents' tiny networks;
        ``engine="numpy"`` updates whole layers at once (:mod:`backprop_lib.sgd`), the fast
        one for big networks and the one mini-batches take.  Both give the same numbers.  ``progress``, if given, is called with
        the number of steps just done, about a hundred times in all; the steps then run in
        chunks, with exactly the same numbers.
        """
        steps = int(steps)
        if steps < 0:
            raise SpecError(f"steps: must be 0 or more, got {steps}")
        if progress is not None:
            return self._train_in_chunks(steps, engine, progress)
        if engine == "compiled":
            from .compiled import train_compiled
            result = train_compiled(self, steps)
            if result is not None:
                history, theta = result
                return _checked(history, theta), self.with_flat(theta)
        from .sgd import train
        # a diverging run overflows on its way to inf; _checked reports it as TrainingDiverged
        history, net = train(self, steps)
        return _checked(history, np.concatenate([np.ravel(a) for a in net.weights]
                                                + [np.ravel(b) for b in net.biases if b is not None])), net

    def _train_in_chunks(self, steps, engine, progress):
        # Each chunk starts from the parameters the last one ended with, and its first loss
        # is the one the last chunk ended with, so the joined history is the same.
        chunk = max(1, -(-steps // 100))
        history, net, done = None, self, 0
        while done < steps or history is None:
            n = min(chunk, steps - done)
            part, net = net.train(n, engine)
            history = part if history is None else history + part[1:]
            done += n
            if n:
                progress(n)
        return history, net

    # ------------------------------------------------------------------ numbers
    def fmt(self, x):
        """A number as this network's document prints it (its number of decimals)."""
        return format_number(x, self.decimals)


def _checked(history, theta=None):
    if math.isfinite(math.fsum(history)):
        if theta is not None and not np.all(np.isfinite(theta)):
            raise TrainingDiverged(
                f"training diverged: a weight became {np.asarray(theta)[~np.isfinite(theta)][0]} "
                f"in step {len(history) - 1}; try a smaller learning_rate")
        return [float(v) for v in history]
    for n, value in enumerate(history):
        if not math.isfinite(value):
            raise TrainingDiverged(
                f"training diverged: the loss became {value} after {n} step(s); "
                "try a smaller learning_rate")
    return [float(v) for v in history]


def format_number(x, decimals=9):
    """``x`` rounded to ``decimals`` places, without a negative zero."""
    text = f"{float(x):.{decimals}f}"
    if text.startswith("-") and float(text) == 0.0:
        text = text[1:]
    return text


def default_neuron_names(layers):
    """i1, i2, … for inputs; h1, h2, … for one hidden layer (h1_1, h2_1, … for several);
    o1, o2, … for outputs."""
    hidden = len(layers) - 2
    names = [[f"i{j + 1}" for j in range(layers[0])]]
    for l in range(1, len(layers) - 1):
        names.append([f"h{j + 1}" if hidden == 1 else f"h{l}_{j + 1}" for j in range(layers[l])])
    names.append([f"o{j + 1}" for j in range(layers[-1])])
    return names

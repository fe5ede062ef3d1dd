"""Convolutional networks: conv2d, max-pool and dense layers, forward, backward and training.

A spec whose ``layers`` is a list of objects describes one (the README gives the format):

    {"input_shape": [1, 5, 5],
     "layers": [{"type": "conv2d", "filters": 1, "kernel": 2, "stride": 1, "activation": "relu"},
                {"type": "maxpool", "size": 2},
                {"type": "dense", "units": 2, "activation": "sigmoid"}], …}

The conventions are PyTorch's.  An image is [channels][rows][columns]; a conv2d layer's
weights are [filters][channels][k][k], valid padding, stride s; a max-pool of size p has
stride p and drops the rows and columns that do not fill a window; a dense layer after an
image layer sees it flattened in channel, row, column order.  Layers are numbered from 1
(``weights[k]`` belongs to layer k + 1); layer 0 is the input image.

For output position (r, c) of filter f of a conv2d layer with stride s,

    net[f, r, c] = Σ_ch Σ_u Σ_v K[f, ch, u, v] · x[ch, s·r + u, s·c + v] + b_f,   out = f(net),

a max-pool's output is the largest of its window, and its backward pass sends each output's
∂E/∂out to the position that held that maximum (the others get 0).  **Ties**: when several
positions of a window hold the same largest value, the first in reading order (top row
first, left to right) is the maximum, as in PyTorch.  The backward rules of a conv layer:

    δ = ∂E/∂out ⊙ f′(net)                                   the node deltas, one per position
    ∂E/∂K[f, ch, u, v] = Σ_r Σ_c δ[f, r, c] · x[ch, s·r + u, s·c + v]    a correlation of x with δ
    ∂E/∂b_f = Σ_r Σ_c δ[f, r, c]                            (a shared bias sums all filters too)
    ∂E/∂x[ch, i, j] = Σ_f Σ_(r,c,u,v: s·r+u = i, s·c+v = j) δ[f, r, c] · K[f, ch, u, v]

which for stride 1 is the full convolution of δ with the kernel flipped in both directions.
Every layer is vectorised over the samples and positions: a conv layer gathers its input's
windows once (im2col) and multiplies matrices.  The worked example, the tests, the playground
checks and the digits training all run this one code path.
"""
from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np

from .activations import ACTIVATIONS
from .losses import LOSSES
from .network import Param, SpecError, _checked, format_number

LAYER_TYPES = ("conv2d", "maxpool", "dense")
LAYER_FIELDS = {
    "conv2d": (("type", "filters", "kernel", "activation"), ("stride",)),
    "maxpool": (("type", "size"), ()),
    "dense": (("type", "units", "activation"), ()),
}
REQUIRED = ("input_shape", "layers", "weights", "inputs", "targets", "loss", "learning_rate")
OPTIONAL = ("biases", "update_biases", "mode", "batch_size", "shuffle_seed", "names", "title", "decimals")


def is_conv_spec(spec):
    """Whether a spec (a dict) describes a network of layer objects (this module's kind)."""
    return isinstance(spec, dict) and ("input_shape" in spec or (
        isinstance(spec.get("layers"), list) and any(isinstance(x, dict) for x in spec["layers"])))


# ---------------------------------------------------------------------------- layers
@dataclass(frozen=True)
class Layer:
    """One layer: its type, its settings, and the shapes it takes and gives (per sample)."""
    type: str
    in_shape: tuple
    out_shape: tuple
    activation: str = None       # None for maxpool
    filters: int = 0
    kernel: int = 0
    stride: int = 1
    size: int = 0
    units: int = 0

    @property
    def has_weights(self):
        return self.type != "maxpool"

    @property
    def weight_shape(self):
        if self.type == "conv2d":
            return (self.filters, self.in_shape[0], self.kernel, self.kernel)
        if self.type == "dense":
            return (self.units, int(np.prod(self.in_shape)))
        return None

    @property
    def bias_count(self):
        """How many biases one per filter or unit means."""
        return self.filters if self.type == "conv2d" else self.units

    def to_spec(self):
        if self.type == "conv2d":
            return {"type": "conv2d", "filters": self.filters, "kernel": self.kernel, "stride": self.stride,
                    "activation": self.activation}
        if self.type == "maxpool":
            return {"type": "maxpool", "size": self.size}
        return {"type": "dense", "units": self.units, "activation": self.activation}

    def describe(self):
        if self.type == "conv2d":
            return (f"conv2d: {self.filters} filter{'s' if self.filters != 1 else ''} "
                    f"{self.kernel}×{self.kernel}, stride {self.stride}, {self.activation}")
        if self.type == "maxpool":
            return f"maxpool {self.size}×{self.size}"
        return f"dense: {self.units} unit{'s' if self.units != 1 else ''}, {self.activation}"


def shape_text(shape):
    return " × ".join(map(str, shape))


def build_layers(input_shape, entries):
    """:class:`Layer` objects from validated settings: ``entries`` are dicts as in a spec."""
    layers, shape = [], tuple(input_shape)
    for entry in entries:
        kind = entry["type"]
        if kind == "conv2d":
            C, H, W = shape
            k, s = entry["kernel"], entry.get("stride", 1)
            out = (entry["filters"], (H - k) // s + 1, (W - k) // s + 1)
            layers.append(Layer("conv2d", shape, out, entry["activation"], filters=entry["filters"], kernel=k, stride=s))
        elif kind == "maxpool":
            C, H, W = shape
            p = entry["size"]
            layers.append(Layer("maxpool", shape, (C, H // p, W // p), size=p))
        else:
            layers.append(Layer("dense", shape, (entry["units"],), entry["activation"], units=entry["units"]))
        shape = layers[-1].out_shape
    return layers


# ---------------------------------------------------------------------------- the vectorised layers
@lru_cache(maxsize=64)
def _window_index(shape, k, s):
    """For an input of ``shape`` (C, H, W) flattened: the index of every number of every k×k
    window at stride s, as (Ho·Wo, C·k·k) in the order of a kernel's weights."""
    C, H, W = shape
    Ho, Wo = (H - k) // s + 1, (W - k) // s + 1
    c, u, v = np.meshgrid(np.arange(C), np.arange(k), np.arange(k), indexing="ij")
    r, q = np.meshgrid(np.arange(Ho), np.arange(Wo), indexing="ij")
    index = ((c[None, None] * H + s * r[:, :, None, None, None] + u[None, None]) * W
             + s * q[:, :, None, None, None] + v[None, None])
    return index.reshape(Ho * Wo, C * k * k)


def windows(x, k, s):
    """im2col: every k×k window of ``x`` (S, C, H, W) at stride s, as (S, Ho, Wo, C·k·k), each
    window's numbers in channel, row, column order (the order of a kernel's weights)."""
    S, C, H, W = x.shape
    Ho, Wo = (H - k) // s + 1, (W - k) // s + 1
    return x.reshape(S, -1)[:, _window_index((C, H, W), k, s)].reshape(S, Ho, Wo, C * k * k)


def conv_forward(x, K, b, s):
    """net (S, F, Ho, Wo) of a conv layer, and the windows it used."""
    F = K.shape[0]
    cols = windows(x, K.shape[2], s)
    S, Ho, Wo, n = cols.shape
    net = (cols.reshape(-1, n) @ K.reshape(F, -1).T).reshape(S, Ho, Wo, F).transpose(0, 3, 1, 2)
    if b is not None:
        net = net + (b if np.ndim(b) == 0 else np.asarray(b)[None, :, None, None])
    return np.ascontiguousarray(net), cols


def conv_backward(delta, cols, K, s, in_shape, input_gradient=True):
    """(∂E/∂K summed over the samples, ∂E/∂x) from the deltas (S, F, Ho, Wo)."""
    S, F, Ho, Wo = delta.shape
    C, H, W = in_shape
    k = K.shape[2]
    d = delta.transpose(0, 2, 3, 1).reshape(-1, F)                      # (S·Ho·Wo, F)
    gK = (d.T @ cols.reshape(-1, cols.shape[-1])).reshape(K.shape)        # Σ δ · window: the correlation
    if not input_gradient:
        return gK, None
    dcols = (d @ K.reshape(F, -1)).reshape(S, Ho, Wo, C, k, k)            # each window's share
    dx = np.zeros((S, C, H, W))
    for u in range(k):                                                     # col2im: add the shares back
        for v in range(k):
            dx[:, :, u:u + s * (Ho - 1) + 1:s, v:v + s * (Wo - 1) + 1:s] += dcols[:, :, :, :, u, v].transpose(0, 3, 1, 2)
    return gK, dx


@lru_cache(maxsize=64)
def _pool_index(shape, p):
    """For an input of ``shape`` (C, H, W) flattened: the index of every position of every p×p
    pooling window, as (C·Ho·Wo, p²) with each window's positions in reading order."""
    C, H, W = shape
    Ho, Wo = H // p, W // p
    c, r, q, u, v = np.meshgrid(np.arange(C), np.arange(Ho), np.arange(Wo), np.arange(p), np.arange(p), indexing="ij")
    return ((c * H + r * p + u) * W + q * p + v).reshape(C * Ho * Wo, p * p)


def pool_forward(x, p):
    """The max of every p×p window (S, C, H//p, W//p) and which position of the window held it
    (0 … p² − 1 in reading order; the first of equal values)."""
    S, C, H, W = x.shape
    win = x.reshape(S, -1)[:, _pool_index((C, H, W), p)]                   # (S, windows, p²)
    shape = (S, C, H // p, W // p)
    return np.max(win, axis=-1).reshape(shape), np.argmax(win, axis=-1).reshape(shape)


def pool_backward(g, arg, p, in_shape, spread=False):
    """∂E/∂x of a max-pool: each output's ∂E/∂out goes to its maximum's position, 0 elsewhere
    (``spread``: the mistake of giving it to every position of the window)."""
    S = len(g)
    index = _pool_index(tuple(in_shape), p)
    flat = g.reshape(S, -1)
    dx = np.zeros((S, int(np.prod(in_shape))))
    if spread:
        dx[:, index] = flat[..., None]
    else:                                                  # the windows do not overlap: one write each
        chosen = index[np.arange(len(index)), arg.reshape(S, -1)]
        dx[np.arange(S)[:, None], chosen] = flat
    return dx.reshape((S,) + tuple(in_shape))


def full_convolution(delta, kernel):
    """The full convolution of one map of deltas (h × w) with a k × k kernel flipped in both
    directions: the input gradient of a stride-1 conv layer, written the textbook way (a
    second route to the number the backward pass computes)."""
    delta, kernel = np.asarray(delta, dtype=float), np.asarray(kernel, dtype=float)
    k = kernel.shape[0]
    padded = np.pad(delta, k - 1)
    flipped = kernel[::-1, ::-1]
    h, w = padded.shape[0] - k + 1, padded.shape[1] - k + 1
    return np.array([[float(np.sum(padded[i:i + k, j:j + k] * flipped)) for j in range(w)] for i in range(h)])


# ---------------------------------------------------------------------------- trace and gradients
@dataclass
class ConvTrace:
    """The forward pass: ``net[l]``, ``out[l]`` for layers l = 1 … L in their own shapes with
    the samples first (``out[0]`` is the input images; a max-pool's ``net`` is None),
    ``choice[l]`` a max-pool's chosen window positions, the error terms, each sample's loss
    and their mean."""
    net: list
    out: list
    choice: list
    cols: list
    targets: np.ndarray
    terms: np.ndarray
    sample_loss: np.ndarray
    loss: float

    @property
    def outputs(self):
        return self.out[-1]


@dataclass
class ConvGradients:
    """The backward pass: ``dE_dout[l]`` (l = 0 … L: ``dE_dout[0]`` is the input image's
    gradient) and ``delta[l]`` = ∂E/∂net per sample (None for a max-pool), and the gradient of
    the mean loss, ``weights`` and ``biases`` shaped like the network's."""
    dE_dout: list
    delta: list
    weights: list
    biases: list


# ---------------------------------------------------------------------------- the network
def _names_of(prefix, shape):
    """Neuron names for a layer's positions in (channel, row, column) order: ``i11`` … for a
    one-channel image, ``c1_2_11`` (layer 1, filter 2, row 1, column 1) when several."""
    C, H, W = shape
    sep = "" if max(H, W) <= 9 else "_"
    return [f"{prefix}{f'{c + 1}_' if C > 1 else ''}{r + 1}{sep}{q + 1}"
            for c in range(C) for r in range(H) for q in range(W)]


@dataclass
class ConvNetwork:
    """A network of conv2d, max-pool and dense layers with its data and settings.

    It answers to the same calls as :class:`backprop_lib.Network` (``parameters``, ``flat``,
    ``with_flat``, ``forward``, ``backward``, ``gradient``, ``step``, ``train`` …), so the
    finite difference, the command line and the widgets work with either.
    """

    input_shape: tuple
    layers: list                      # Layer objects
    weights: list                     # per layer: K (F, C, k, k), W (units, inputs) or None
    biases: list = None               # per layer: None, a float (shared) or an array
    loss: str = "half_sse"
    learning_rate: float = 0.5
    update_biases: bool = True
    inputs: object = None             # (S, C, H, W)
    targets: object = None            # (S, units of the last layer)
    mode: str = "batch"
    batch_size: int = None
    shuffle_seed: int = 0
    names: dict = field(default_factory=dict)
    title: str = ""
    decimals: int = 9

    is_conv = True

    def __post_init__(self):
        self.input_shape = tuple(int(n) for n in self.input_shape)
        self.weights = [None if w is None else np.array(w, dtype=float) for w in self.weights]
        if self.biases is None:
            self.biases = [None] * len(self.layers)
        self.biases = [b if b is None or isinstance(b, float) else
                       (float(b) if np.ndim(b) == 0 else np.array(b, dtype=float)) for b in self.biases]
        self.inputs = np.array(self.inputs, dtype=float).reshape((-1,) + self.input_shape)
        self.targets = np.array(self.targets, dtype=float).reshape(len(self.inputs), -1)
        self.names = {n: tuple(loc) for n, loc in (self.names or {}).items()}
        self._params = None
        self._neuron_index = None

    # ------------------------------------------------------------------ shape and names
    @property
    def depth(self):
        return len(self.layers)

    @property
    def samples(self):
        return len(self.inputs)

    @property
    def shapes(self):
        """The per-sample shape of every layer's output, the input image first."""
        return [self.input_shape] + [layer.out_shape for layer in self.layers]

    @property
    def neuron_names(self):
        """Names of every layer's positions, flattened in (channel, row, column) order: the
        input image ``i11`` …, a conv layer ``c1_11`` …, a max-pool ``p2_11`` …, a hidden
        dense layer ``h3_1`` …, the output layer ``o1``, ``o2`` …"""
        names = [_names_of("i", self.input_shape)]
        for l, layer in enumerate(self.layers, start=1):
            if l == self.depth:
                names.append([f"o{j + 1}" for j in range(layer.units)])
            elif layer.type == "dense":
                names.append([f"h{l}_{j + 1}" for j in range(layer.units)])
            else:
                names.append(_names_of(("c" if layer.type == "conv2d" else "p") + f"{l}_", layer.out_shape))
        return names

    def neuron(self, name):
        """(layer, flat index) of a neuron from its name, e.g. ``"c1_23"`` → (1, 6)."""
        if self._neuron_index is None:
            self._neuron_index = {n: (l, j) for l, row in enumerate(self.neuron_names) for j, n in enumerate(row)}
        try:
            return self._neuron_index[name]
        except KeyError:
            raise KeyError(f"no neuron named {name!r}") from None

    def default_name(self, loc):
        l = loc[1]
        layer = self.layers[l]
        if loc[0] == "biases":
            return f"b{l + 1}" if len(loc) == 2 else f"b{l + 1}_{loc[2] + 1}"
        if layer.type == "dense":
            return f"w{l + 1}_{loc[2] + 1}_{loc[3] + 1}"
        _, _, f, c, u, v = loc
        single = sum(1 for x in self.layers if x.type == "conv2d") == 1
        if single and layer.filters == 1 and layer.in_shape[0] == 1 and layer.kernel <= 9:
            return f"k{u + 1}{v + 1}"
        return f"k{l + 1}_{f + 1}_{c + 1}_{u + 1}_{v + 1}"

    # ------------------------------------------------------------------ parameters
    def parameters(self):
        """Every trainable number in the canonical order: layer by layer, the weights in the
        order of their array (a kernel's [filter][channel][row][column], a dense layer's row
        by row), then the layer's bias or biases."""
        if self._params is None:
            named = {tuple(loc): n for n, loc in self.names.items()}
            params = []
            for l, layer in enumerate(self.layers):
                w = self.weights[l]
                if w is None:
                    continue
                for idx in np.ndindex(*w.shape):
                    loc = ("weights", l) + tuple(int(i) for i in idx)
                    params.append(Param(named.get(loc, self.default_name(loc)), loc, float(w[idx])))
                b = self.biases[l]
                if b is None:
                    continue
                if isinstance(b, float):
                    loc = ("biases", l)
                    params.append(Param(named.get(loc, self.default_name(loc)), loc, b))
                else:
                    for j in range(len(b)):
                        loc = ("biases", l, j)
                        params.append(Param(named.get(loc, self.default_name(loc)), loc, float(b[j])))
            self._params = params
        return self._params

    def param(self, name):
        for p in self.parameters():
            if p.name == name:
                return p
        raise KeyError(f"no parameter named {name!r}")

    def __getitem__(self, name):
        return self.param(name).value

    def trainable(self, p):
        return p.kind == "weights" or self.update_biases

    def _pieces(self):
        """Per layer, the arrays of parameters in the canonical order (weights, then biases)."""
        out = []
        for l in range(self.depth):
            if self.weights[l] is None:
                continue
            out.append(("weights", l))
            if self.biases[l] is not None:
                out.append(("biases", l))
        return out

    def flat(self):
        parts = []
        for kind, l in self._pieces():
            parts.append(np.ravel(self.weights[l] if kind == "weights" else self.biases[l]))
        return np.concatenate(parts) if parts else np.zeros(0)

    def with_flat(self, vector):
        vector = np.asarray(vector, dtype=float)
        weights = [None if w is None else w.copy() for w in self.weights]
        biases = [b if b is None or isinstance(b, float) else b.copy() for b in self.biases]
        n = 0
        for kind, l in self._pieces():
            if kind == "weights":
                size = weights[l].size
                weights[l] = vector[n:n + size].reshape(weights[l].shape).copy()
            elif isinstance(biases[l], float):
                size = 1
                biases[l] = float(vector[n])
            else:
                size = biases[l].size
                biases[l] = vector[n:n + size].copy()
            n += size
        return self.replace(weights=weights, biases=biases)

    def with_params(self, **values):
        known = {p.name: i for i, p in enumerate(self.parameters())}
        theta = self.flat()
        for name, v in values.items():
            if name not in known:
                raise KeyError(f"no parameter named {name!r}; this network has " + ", ".join(known))
            if not np.isfinite(v):
                raise SpecError(f"{name}: must be a finite number, got {v!r}")
            theta[known[name]] = float(v)
        return self.with_flat(theta)

    def replace(self, **changes):
        fields = dict(input_shape=self.input_shape, layers=self.layers, weights=self.weights, biases=self.biases,
                      loss=self.loss, learning_rate=self.learning_rate, update_biases=self.update_biases,
                      inputs=self.inputs, targets=self.targets, mode=self.mode, batch_size=self.batch_size,
                      shuffle_seed=self.shuffle_seed, names=self.names, title=self.title, decimals=self.decimals)
        fields.update(changes)
        return ConvNetwork(**fields)

    # ------------------------------------------------------------------ forward
    def forward(self, inputs=None, targets=None):
        """The forward pass over every sample at once (see :class:`ConvTrace`)."""
        x = self.inputs if inputs is None else np.asarray(inputs, dtype=float).reshape((-1,) + self.input_shape)
        targets = self.targets if targets is None else np.asarray(targets, dtype=float).reshape(len(x), -1)
        nets, outs, choice, cols = [None], [x], [None], [None]
        for l, layer in enumerate(self.layers):
            b = self.biases[l]
            if layer.type == "conv2d":
                n, c = conv_forward(x, self.weights[l], b, layer.stride)
                x = ACTIVATIONS[layer.activation].forward(n)
                nets.append(n), outs.append(x), choice.append(None), cols.append(c)
            elif layer.type == "maxpool":
                x, arg = pool_forward(x, layer.size)
                nets.append(None), outs.append(x), choice.append(arg), cols.append(None)
            else:
                flat = x.reshape(len(x), -1)
                n = flat @ self.weights[l].T + (0.0 if b is None else b)
                x = ACTIVATIONS[layer.activation].forward(n)
                nets.append(n), outs.append(x), choice.append(None), cols.append(None)
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            terms = LOSSES[self.loss].terms(x, targets)
        sample_loss = np.sum(terms, axis=1)
        return ConvTrace(nets, outs, choice, cols, targets, terms, sample_loss, float(np.mean(sample_loss)))

    # ------------------------------------------------------------------ backward
    def backward(self, trace=None, input_gradient=True, only_output=None, mistake=None):
        """The backward pass (see :class:`ConvGradients`).  ``input_gradient=False`` skips
        ∂E/∂x of the first layer, which training does not need.  ``only_output=j``
        backpropagates output j's error term alone.  ``mistake`` computes what a common slip
        gives, for recognising a reader's answer: ``"spread"`` sends a pooled value's ∂E/∂out
        to every position of its window, ``"no_gate"`` lets ReLU pass it where net ≤ 0."""
        trace = trace or self.forward()
        S = len(trace.targets)
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            g = LOSSES[self.loss].gradient(trace.outputs, trace.targets)
        if only_output is not None:
            mask = np.zeros(g.shape[1])
            mask[only_output] = 1.0
            g = g * mask
        L = self.depth
        dE_douts, deltas = [None] * (L + 1), [None] * (L + 1)
        weights, biases = [None] * L, [None] * L
        for l in range(L, 0, -1):
            layer = self.layers[l - 1]
            k = l - 1
            dE_douts[l] = g
            need = l > 1 or input_gradient
            if layer.type == "maxpool":
                g = pool_backward(g, trace.choice[l], layer.size, layer.in_shape, mistake == "spread") if need else None
                continue
            if mistake == "no_gate" and layer.activation == "relu":
                delta = np.array(g, dtype=float)
            else:
                delta = ACTIVATIONS[layer.activation].backward(trace.net[l], trace.out[l], g)
            deltas[l] = delta
            if layer.type == "dense":
                prev = trace.out[k].reshape(S, -1)
                weights[k] = delta.T @ prev / S
                sums = np.sum(delta, axis=0)
                g = (delta @ self.weights[k]).reshape((S,) + layer.in_shape) if need else None
            else:
                gK, g = conv_backward(delta, trace.cols[l], self.weights[k], layer.stride, layer.in_shape, need)
                weights[k] = gK / S
                sums = np.sum(delta, axis=(0, 2, 3))
            b = self.biases[k]
            if b is None:
                biases[k] = None
            elif isinstance(b, float):
                biases[k] = float(np.sum(sums) / S)
            else:
                biases[k] = sums / S
        dE_douts[0] = g
        return ConvGradients(dE_douts, deltas, weights, biases)

    def gradient(self, trace=None, grads=None):
        """The gradient as a vector in the order of :meth:`parameters` (from ``grads``, a
        backward pass already made, if given)."""
        g = grads if grads is not None else self.backward(trace, input_gradient=False)
        parts = []
        for kind, l in self._pieces():
            parts.append(np.ravel(g.weights[l] if kind == "weights" else g.biases[l]))
        return np.concatenate(parts) if parts else np.zeros(0)

    def named_gradient(self, trace=None):
        return {p.name: float(v) for p, v in zip(self.parameters(), self.gradient(trace))}

    # ------------------------------------------------------------------ training
    def step(self):
        """One training step (one pass over the samples, as :meth:`train`)."""
        return self.train(1)[1]

    def train(self, steps, engine=None, progress=None):
        """``steps`` passes over the samples: ``batch`` one update with the gradient of the
        mean loss; ``online`` one update per sample in order; ``minibatch`` the samples
        shuffled (seeded, as for dense networks), one update per mini-batch.  Returns
        ``(history, trained)``: the loss before any step and after each, and the network.
        The arrays are updated in place, a layer at a time (θ ← θ − η·∂E/∂θ)."""
        from .sgd import batches

        steps = int(steps)
        if steps < 0:
            raise SpecError(f"steps: must be 0 or more, got {steps}")
        work = self.replace(weights=[None if w is None else w.copy() for w in self.weights],
                            biases=[b if b is None or isinstance(b, float) else b.copy() for b in self.biases])
        rate = self.learning_rate
        X, T = self.inputs, self.targets
        history = [work.forward().loss]
        with np.errstate(over="ignore", invalid="ignore"):
            for epoch in range(steps):
                for rows in batches(self, epoch):
                    trace = work.forward() if len(rows) == len(X) else work.forward(X[rows], T[rows])
                    g = work.backward(trace, input_gradient=False)
                    for k in range(self.depth):
                        if work.weights[k] is None:
                            continue
                        work.weights[k] -= rate * g.weights[k]
                        if self.update_biases and work.biases[k] is not None:
                            if isinstance(work.biases[k], float):
                                work.biases[k] = work.biases[k] - rate * g.biases[k]
                            else:
                                work.biases[k] -= rate * g.biases[k]
                history.append(work.forward().loss)
                if progress is not None:
                    progress(1)
                if not np.isfinite(history[-1]):
                    break
        work._params = None
        return _checked(history), work

    # ------------------------------------------------------------------ numbers
    def fmt(self, x):
        return format_number(x, self.decimals)

    def predict(self, inputs):
        """The output layer's values for images ``inputs`` (S, C, H, W)."""
        x = np.asarray(inputs, dtype=float).reshape((-1,) + self.input_shape)
        return self.forward(x, np.zeros((len(x), self.layers[-1].units))).outputs

    def to_spec(self):
        """The spec (a JSON-ready dict): ``parse(to_spec(net))`` gives the network back."""
        spec = {
            "input_shape": list(self.input_shape),
            "layers": [layer.to_spec() for layer in self.layers],
            "weights": [None if w is None else w.tolist() for w in self.weights],
            "biases": [None if b is None else (b if isinstance(b, float) else b.tolist()) for b in self.biases],
            "update_biases": self.update_biases,
            "inputs": self.inputs.tolist(),
            "targets": self.targets.tolist(),
            "loss": self.loss,
            "learning_rate": self.learning_rate,
            "mode": self.mode,
        }
        if self.mode == "minibatch":
            spec["batch_size"] = self.batch_size
            spec["shuffle_seed"] = self.shuffle_seed
        if self.names:
            spec["names"] = {n: list(loc) for n, loc in self.names.items()}
        if self.title:
            spec["title"] = self.title
        spec["decimals"] = self.decimals
        return spec

    def __repr__(self):
        return (f"ConvNetwork({shape_text(self.input_shape)} → " + " → ".join(l.describe() for l in self.layers)
                + f"; {self.samples} sample{'s' if self.samples != 1 else ''})")


# ---------------------------------------------------------------------------- quantities
def value(net, key, _trained=None, _cache=None):
    """The number a quantity key names (the keys of :mod:`backprop_lib.quantities`, for the
    neurons and parameters of a conv network): ``E``, ``E:o1``, ``net:c1_23``, ``out:p2_11``,
    ``dE/dk11``, ``dE/dnet:c1_23`` (δ), ``dE/dout:p2_11``, ``dE/dout:i23`` (an input pixel's
    gradient), ``dout/dnet:c1_23``, ``k11+``; ``[s]`` for sample s, ``@N`` after N steps.
    (``_trained`` and ``_cache`` keep trained networks and passes between calls: :func:`table`.)"""
    from .quantities import _KEY

    cache = {} if _cache is None else _cache

    m = _KEY.match(key) if isinstance(key, str) else None
    if not m:
        raise SpecError(f"{key}: not a quantity key")
    body, s = m["body"], int(m["sample"] or 0)
    if m["steps"] is not None:
        steps = int(m["steps"])
        _trained = _trained if _trained is not None else {}
        if steps not in _trained:
            _trained[steps] = (net.train(steps)[1], {})
        trained, inner = _trained[steps]
        return value(trained, body + (f"[{s}]" if m["sample"] else ""), None, inner)
    if s >= net.samples:
        raise SpecError(f"{key}: no sample {s} (the network has {net.samples})")
    if body.endswith("+"):
        if "stepped" not in cache:
            cache["stepped"] = net.step()
        return cache["stepped"][body[:-1]]
    if "trace" not in cache:
        cache["trace"] = net.forward()
    trace = cache["trace"]
    if body == "E":
        return trace.loss
    kind, _, rest = body.partition(":")
    if kind in ("net", "out"):
        l, j = net.neuron(rest)
        table = trace.out if kind == "out" else trace.net
        if table[l] is None:
            raise SpecError(f"{key}: {'inputs have' if l == 0 else 'a max-pool has'} no net input")
        return float(table[l][s].reshape(-1)[j])
    if kind == "E":
        l, j = net.neuron(rest)
        if l != net.depth:
            raise SpecError(f"{key}: {rest} is not an output")
        return float(np.mean(trace.terms[:, j]))
    if body.startswith("d"):
        num, _, den = body[1:].partition("/d")
        if "grads" not in cache:
            cache["grads"] = net.backward(trace)
        if num == "E" and ":" not in den:
            if "named" not in cache:
                cache["named"] = dict(zip([p.name for p in net.parameters()], net.gradient(grads=cache["grads"])))
            if den not in cache["named"]:
                raise KeyError(f"no parameter named {den!r}")
            return float(cache["named"][den])
        if num.startswith("E"):
            grads = cache["grads"]
            if ":" in num:
                lo, only = net.neuron(num.split(":", 1)[1])
                if lo != net.depth:
                    raise SpecError(f"{key}: {num[2:]} is not an output")
                grads = net.backward(trace, only_output=only)
            what, _, name = den.partition(":")
            l, j = net.neuron(name)
            table = {"out": grads.dE_dout, "net": grads.delta}.get(what)
            if table is None or table[l] is None:
                raise SpecError(f"{key}: not a quantity of this network")
            return float(table[l][s].reshape(-1)[j])
        if num in ("out",) or num.startswith("out:"):
            name = den[4:] if den.startswith("net:") else ""
            l, j = net.neuron(name)
            if l == 0 or net.layers[l - 1].type == "maxpool" or net.layers[l - 1].activation == "softmax":
                raise SpecError(f"{key}: {name} has no single ∂out/∂net")
            act = ACTIVATIONS[net.layers[l - 1].activation]
            return float(act.derivative(trace.net[l][s].reshape(-1)[j], trace.out[l][s].reshape(-1)[j]))
    raise SpecError(f"{key}: not a quantity key")


def table(net, keys):
    """``{key: value}`` for several keys, each pass and training computed once."""
    trained, cache = {}, {}
    return {k: value(net, k, trained, cache) for k in keys}


# ---------------------------------------------------------------------------- fresh numbers
TIE_MARGIN = 1e-9


def near_ties(net, margin=TIE_MARGIN):
    """True when a max-pool window's largest positive value is within ``margin`` of another
    in its window, or a ReLU net input within ``margin`` of 0: where the derivative jumps."""
    trace = net.forward()
    for l, layer in enumerate(net.layers, start=1):
        if layer.activation == "relu" and np.min(np.abs(trace.net[l])) <= margin:
            return True
        if layer.type == "maxpool":
            x = trace.out[l - 1]
            S, C, H, W = x.shape
            p = layer.size
            Ho, Wo = H // p, W // p
            win = x[:, :, :Ho * p, :Wo * p].reshape(S, C, Ho, p, Wo, p).transpose(0, 1, 2, 4, 3, 5).reshape(S, C, Ho, Wo, p * p)
            top = np.sort(win, axis=-1)
            if p * p > 1 and np.any((top[..., -1] - top[..., -2] <= margin) & (top[..., -1] > 0)):
                return True
    return False


def draw(net, variant, seed=0, attempts=100):
    """The ``variant``-th network of ``net``'s shape (0: ``net`` itself), for "New numbers".

    With the generator of :mod:`backprop_lib.variants` (the JavaScript draws the same), in
    this order: each layer's weights in their array order, then its bias or biases; then the
    inputs sample by sample; then the targets.  Conv kernels and biases: one decimal from 0.1
    to 0.9, negative three times in ten; dense weights and biases: two decimals from 0.05 to
    0.95; inputs: one decimal from 0 to 0.9; targets: two decimals from 0.01 to 0.99 (one class
    per sample for softmax).  A draw with a near tie in a pooling window, or a ReLU net input
    near 0, is thrown away and the generator draws again."""
    from .variants import Mulberry32, _check_whole, start_state

    variant = _check_whole(variant, "variant")
    seed = _check_whole(seed, "seed")
    if variant == 0:
        return net.replace()
    rng = Mulberry32(start_state(seed, variant))
    for _ in range(attempts):
        candidate = _draw_once(net, rng)
        if not near_ties(candidate):
            return candidate
    raise SpecError(f"variant: no draw without a tie in {attempts} attempts")


def _draw_once(net, rng):
    def conv_number():
        v = rng.integer(1, 9) / 10
        return -v if rng.next() < 0.3 else v

    def dense_number():
        return rng.integer(5, 95) / 100

    weights, biases = [], []
    for l, layer in enumerate(net.layers):
        w, b = net.weights[l], net.biases[l]
        number = conv_number if layer.type == "conv2d" else dense_number
        weights.append(None if w is None else np.array([number() for _ in range(w.size)]).reshape(w.shape))
        if b is None:
            biases.append(None)
        elif isinstance(b, float):
            biases.append(number())
        else:
            biases.append(np.array([number() for _ in range(b.size)]))
    inputs = np.array([rng.integer(0, 9) / 10 for _ in range(net.inputs.size)]).reshape(net.inputs.shape)
    n_out = net.targets.shape[1]
    if net.layers[-1].activation == "softmax":
        targets = []
        for _ in range(net.samples):
            c = rng.integer(0, n_out - 1)
            targets.append([1.0 if j == c else 0.0 for j in range(n_out)])
    else:
        targets = [[rng.integer(1, 99) / 100 for _ in range(n_out)] for _ in range(net.samples)]
    return net.replace(weights=weights, biases=biases, inputs=inputs, targets=np.array(targets))


# ---------------------------------------------------------------------------- the spec
def parse(spec):
    """A :class:`ConvNetwork` from a spec (a dict as read from JSON); :class:`SpecError`,
    one line naming the field, for anything wrong."""
    from .spec import NAME, _list, _number, _samples, training_options

    if not isinstance(spec, dict):
        raise SpecError(f"spec: must be a JSON object, got {type(spec).__name__}")
    unknown = sorted(set(spec) - set(REQUIRED) - set(OPTIONAL))
    if unknown:
        extra = " (each layer object gives its own activation)" if unknown[0] == "activations" else ""
        raise SpecError(f"{unknown[0]}: unknown field for a spec of layer objects{extra} "
                        f"(known: {', '.join(REQUIRED + OPTIONAL)})")
    for key in REQUIRED:
        if key not in spec:
            raise SpecError(f"{key}: missing (required: {', '.join(REQUIRED)})")

    shape = _list(spec["input_shape"], "input_shape", 3, "whole numbers ([channels, height, width])")
    for n, v in enumerate(shape):
        if isinstance(v, bool) or not isinstance(v, int) or v < 1:
            raise SpecError(f"input_shape[{n}]: must be a whole number ≥ 1, got {json.dumps(v)}")
    shape = tuple(shape)

    entries = _list(spec["layers"], "layers")
    if not entries:
        raise SpecError("layers: needs at least one layer")
    current = shape
    settings = []
    for k, entry in enumerate(entries):
        where = f"layers[{k}]"
        if not isinstance(entry, dict):
            raise SpecError(f"{where}: must be a layer object such as {{\"type\": \"dense\", \"units\": 2, "
                            f"\"activation\": \"sigmoid\"}}, got {json.dumps(entry)}")
        kind = entry.get("type")
        if kind not in LAYER_TYPES:
            raise SpecError(f"{where}.type: must be \"conv2d\", \"maxpool\" or \"dense\", got {json.dumps(kind)}")
        required, optional = LAYER_FIELDS[kind]
        extra = sorted(set(entry) - set(required) - set(optional))
        if extra:
            raise SpecError(f"{where}.{extra[0]}: unknown field for a {kind} layer "
                            f"(known: {', '.join(required + optional)})")
        for name in required:
            if name not in entry:
                raise SpecError(f"{where}.{name}: missing (a {kind} layer needs {', '.join(required[1:])})")

        def whole(name, default=None):
            v = entry.get(name, default)
            if isinstance(v, bool) or not isinstance(v, int) or v < 1:
                raise SpecError(f"{where}.{name}: must be a whole number ≥ 1, got {json.dumps(v)}")
            return v

        if kind in ("conv2d", "maxpool") and len(current) != 3:
            raise SpecError(f"{where}.type: a {kind} layer needs an image ([channels, height, width]); "
                            f"layer {k} is dense, its output a list of {current[0]}")
        if kind == "conv2d":
            filters, kernel, stride = whole("filters"), whole("kernel"), whole("stride", 1)
            if kernel > min(current[1], current[2]):
                raise SpecError(f"{where}.kernel: {kernel} is larger than its input "
                                f"({current[1]} × {current[2]})")
        elif kind == "maxpool":
            size = whole("size")
            if size > min(current[1], current[2]):
                raise SpecError(f"{where}.size: {size} is larger than its input ({current[1]} × {current[2]})")
        else:
            whole("units")
        if kind != "maxpool":
            act = entry["activation"]
            if act not in ACTIVATIONS:
                raise SpecError(f"{where}.activation: unknown activation {json.dumps(act)} "
                                f"(known: {', '.join(ACTIVATIONS)})")
            if act == "softmax" and (kind != "dense" or k != len(entries) - 1):
                raise SpecError(f"{where}.activation: softmax is allowed on the last (dense) layer only")
        settings.append(dict(entry))
        current = build_layers(current, [entry])[0].out_shape
    if settings[-1]["type"] != "dense":
        raise SpecError(f"layers[{len(entries) - 1}].type: the last layer must be dense (its outputs "
                        f"meet the targets), got {settings[-1]['type']}")
    layers = build_layers(shape, settings)
    L = len(layers)

    weights = _list(spec["weights"], "weights", L, "entries (one per layer; null for a maxpool)")
    parsed_weights = []
    for k, (layer, w) in enumerate(zip(layers, weights)):
        where = f"weights[{k}]"
        if layer.type == "maxpool":
            if w is not None:
                raise SpecError(f"{where}: a maxpool layer has no weights; give null")
            parsed_weights.append(None)
            continue
        if layer.type == "conv2d":
            F, C, kk, _ = layer.weight_shape
            _list(w, where, F, f"kernels (one per filter of layer {k + 1}; shape [filters][channels][k][k])")
            for f, per_filter in enumerate(w):
                _list(per_filter, f"{where}[{f}]", C, f"kernels (one per input channel; the input has {C})")
                for c, kernel in enumerate(per_filter):
                    _list(kernel, f"{where}[{f}][{c}]", kk, f"rows (kernel {kk} × {kk})")
                    for u, row in enumerate(kernel):
                        _list(row, f"{where}[{f}][{c}][{u}]", kk, f"numbers (kernel {kk} × {kk})")
                        for v, x in enumerate(row):
                            _number(x, f"{where}[{f}][{c}][{u}][{v}]")
        else:
            units, n_in = layer.weight_shape
            _list(w, where, units, f"rows (one per unit of layer {k + 1})")
            flat_note = (f"the flattened size of its input, {shape_text(layer.in_shape)} = {n_in}"
                         if len(layer.in_shape) == 3 else f"one per output of layer {k}")
            for j, row in enumerate(w):
                _list(row, f"{where}[{j}]", n_in, f"numbers ({flat_note})")
                for i, x in enumerate(row):
                    _number(x, f"{where}[{j}][{i}]")
        parsed_weights.append(np.array(w, dtype=float))

    biases = spec.get("biases")
    if biases is None:
        biases = [None] * L
    _list(biases, "biases", L, "entries (one per layer: null, a number or a list)")
    parsed_biases = []
    for k, (layer, b) in enumerate(zip(layers, biases)):
        where = f"biases[{k}]"
        if b is None:
            parsed_biases.append(None)
        elif layer.type == "maxpool":
            raise SpecError(f"{where}: a maxpool layer has no bias; give null")
        elif isinstance(b, list):
            what = "filter" if layer.type == "conv2d" else "unit"
            _list(b, where, layer.bias_count, f"numbers (one per {what} of layer {k + 1})")
            parsed_biases.append([_number(v, f"{where}[{j}]") for j, v in enumerate(b)])
        else:
            parsed_biases.append(_number(b, where))

    update_biases = spec.get("update_biases", True)
    if not isinstance(update_biases, bool):
        raise SpecError(f"update_biases: must be true or false, got {json.dumps(update_biases)}")

    inputs = _list(spec["inputs"], "inputs")
    if not inputs:
        raise SpecError("inputs: must hold at least one sample (each [channels][rows][columns])")
    C, H, W = shape
    for s, sample in enumerate(inputs):
        where = f"inputs[{s}]"
        if not isinstance(sample, list) or (sample and not isinstance(sample[0], list)):
            raise SpecError(f"{where}: must be an image [channels][rows][columns] of input_shape "
                            f"{list(shape)}, got {json.dumps(sample)[:40]}")
        _list(sample, where, C, f"channels (input_shape {list(shape)})")
        for c, channel in enumerate(sample):
            if not isinstance(channel, list) or (channel and not isinstance(channel[0], list)):
                raise SpecError(f"{where}[{c}]: must be {H} rows of {W} numbers (input_shape {list(shape)})")
            _list(channel, f"{where}[{c}]", H, f"rows (input_shape {list(shape)})")
            for r, row in enumerate(channel):
                _list(row, f"{where}[{c}][{r}]", W, f"numbers (input_shape {list(shape)})")
                for q, x in enumerate(row):
                    _number(x, f"{where}[{c}][{r}][{q}]")
    n_out = layers[-1].units
    targets = _samples(spec["targets"], "targets", n_out, "output")
    if len(inputs) != len(targets):
        raise SpecError(f"targets: {len(targets)} sample(s) for {len(inputs)} sample(s) of inputs")

    loss = spec["loss"]
    if loss not in LOSSES:
        raise SpecError(f"loss: unknown loss {json.dumps(loss)} (known: {', '.join(LOSSES)})")
    last = layers[-1].activation
    if loss == "cross_entropy" and last not in ("sigmoid", "softmax"):
        raise SpecError(f"loss: cross_entropy takes log(out), so the last layer must be sigmoid or softmax, not {last}")
    rate, mode, batch_size, shuffle_seed, decimals, title = training_options(spec)

    names = spec.get("names") or {}
    if not isinstance(names, dict):
        raise SpecError(f"names: must be an object of name → location, got {json.dumps(names)}")
    seen = {}
    for name, loc in names.items():
        where = f"names.{name}"
        if not NAME.match(name):
            raise SpecError(f"{where}: a name must be a letter then letters, digits or _")
        _check_location(loc, where, layers, parsed_biases)
        if tuple(loc) in seen:
            raise SpecError(f"{where}: names the same parameter as {seen[tuple(loc)]}")
        seen[tuple(loc)] = name

    net = ConvNetwork(input_shape=shape, layers=layers, weights=parsed_weights, biases=parsed_biases, loss=loss,
                      learning_rate=rate, update_biases=update_biases, inputs=inputs, targets=targets, mode=mode,
                      batch_size=batch_size, shuffle_seed=shuffle_seed, names={n: tuple(v) for n, v in names.items()},
                      title=title, decimals=decimals)
    all_names = [p.name for p in net.parameters()]
    if len(set(all_names)) != len(all_names):
        clash = next(n for n in all_names if all_names.count(n) > 1)
        raise SpecError(f"names.{clash}: clashes with the default name of another parameter")
    neurons = {n for row in net.neuron_names for n in row}
    for name in all_names:
        if name in neurons:
            raise SpecError(f"names.{name}: is the name of a neuron; choose another")
    return net


def _check_location(loc, where, layers, biases):
    if not isinstance(loc, list) or not loc or loc[0] not in ("weights", "biases"):
        raise SpecError(f"{where}: location must be [\"weights\", l, f, c, u, v] (conv2d), "
                        f"[\"weights\", l, j, i] (dense) or [\"biases\", l(, j)]")
    if any(isinstance(v, bool) or not isinstance(v, int) for v in loc[1:]) or len(loc) < 2:
        raise SpecError(f"{where}: location indices must be whole numbers")
    l = loc[1]
    if not 0 <= l < len(layers) or layers[l].type == "maxpool":
        raise SpecError(f"{where}: layer {l} has no parameters")
    layer = layers[l]
    if loc[0] == "weights":
        shape = layer.weight_shape
        if len(loc) != 2 + len(shape) or not all(0 <= i < n for i, n in zip(loc[2:], shape)):
            raise SpecError(f"{where}: no weight at {json.dumps(loc)} (layer {l} weights are "
                            f"{' × '.join(map(str, shape))})")
        return
    b = biases[l]
    if len(loc) == 2 and not isinstance(b, float):
        raise SpecError(f"{where}: layer {l} has no shared bias")
    if len(loc) == 3 and not (isinstance(b, list) and 0 <= loc[2] < len(b)):
        raise SpecError(f"{where}: no per-filter or per-unit bias at {json.dumps(loc)}")
    if len(loc) > 3:
        raise SpecError(f"{where}: no bias at {json.dumps(loc)}")


# ---------------------------------------------------------------------------- how big a check may be
CHECK_MAX_DERIVATIVES = 5000      # local derivatives sympy writes for the chain of Jacobians
CHECK_MAX_NUDGES = 20000          # finite differences: parameters × samples


def refuse_if_too_big(net):
    """``explain --check`` of a conv network: one :class:`SpecError` line, before sympy is
    imported, when sympy's local Jacobians or the finite differences would take far longer
    than a reader waits (each layer's Jacobian has an entry per output and input or parameter)."""
    entries = 0
    for l, layer in enumerate(net.layers):
        own = 0 if net.weights[l] is None else net.weights[l].size + (0 if net.biases[l] is None else np.size(net.biases[l]))
        entries += int(np.prod(layer.out_shape)) * (int(np.prod(layer.in_shape)) + own)
    if entries > CHECK_MAX_DERIVATIVES:
        raise SpecError(f"--check: sympy would write {entries:,} local derivatives for this network (at most "
                        f"{CHECK_MAX_DERIVATIVES:,} are checked); check a smaller network of the same kind")
    nudges = len(net.parameters()) * net.samples
    if nudges > CHECK_MAX_NUDGES:
        raise SpecError(f"--check: the finite differences would need {nudges:,} parameter-sample passes (at most "
                        f"{CHECK_MAX_NUDGES:,}); check fewer samples or a smaller network")


# ---------------------------------------------------------------------------- the worked example
EXAMPLE = {
    "title": "A small convolutional network",
    "input_shape": [1, 5, 5],
    "layers": [
        {"type": "conv2d", "filters": 1, "kernel": 2, "stride": 1, "activation": "relu"},
        {"type": "maxpool", "size": 2},
        {"type": "dense", "units": 2, "activation": "sigmoid"},
    ],
    "weights": [[[[[0.10, 0.20], [-0.30, 0.40]]]], None,
                [[0.15, 0.20, 0.25, 0.30], [0.40, 0.45, 0.50, 0.55]]],
    "biases": [0.05, None, 0.60],
    "inputs": [[[[0.0, 0.2, 0.9, 0.8, 0.1],
                 [0.1, 0.0, 0.3, 0.7, 0.0],
                 [0.0, 0.1, 0.6, 0.2, 0.1],
                 [0.2, 0.5, 0.4, 0.0, 0.0],
                 [0.6, 0.3, 0.0, 0.1, 0.2]]]],
    "targets": [[0.01, 0.99]],
    "loss": "half_sse",
    "learning_rate": 0.5,
}


def example():
    """The issue's worked example: a 5×5 image, one 2×2 kernel with ReLU, a 2×2 max-pool, and
    two sigmoid outputs (the spec in the README and the chapter)."""
    return parse(json.loads(json.dumps(EXAMPLE)))


def digits_network(filters=4, kernel=3, pool=2, seed=0, learning_rate=0.1, batch_size=32,
                   inputs=None, targets=None, shuffle_seed=0):
    """A small CNN for scikit-learn's 8×8 digits: ``filters`` kernels of ``kernel``×``kernel``
    with ReLU, a max-pool, and a dense softmax layer of 10, with He-scaled random weights from
    ``seed`` and cross-entropy, trained in mini-batches."""
    rng = np.random.default_rng(seed)
    conv_out = 8 - kernel + 1
    pooled = filters * (conv_out // pool) ** 2
    spec_layers = [{"type": "conv2d", "filters": filters, "kernel": kernel, "stride": 1, "activation": "relu"},
                   {"type": "maxpool", "size": pool},
                   {"type": "dense", "units": 10, "activation": "softmax"}]
    layers = build_layers((1, 8, 8), spec_layers)
    K = rng.normal(0.0, math.sqrt(2.0 / kernel ** 2), (filters, 1, kernel, kernel))
    W = rng.normal(0.0, math.sqrt(1.0 / pooled), (10, pooled))
    inputs = np.zeros((1, 1, 8, 8)) if inputs is None else inputs
    targets = np.full((len(inputs), 10), 0.1) if targets is None else targets
    return ConvNetwork(input_shape=(1, 8, 8), layers=layers, weights=[K, None, W],
                       biases=[np.zeros(filters), None, np.zeros(10)], loss="cross_entropy",
                       learning_rate=learning_rate, inputs=inputs, targets=targets, mode="minibatch",
                       batch_size=batch_size, shuffle_seed=shuffle_seed, title="digits CNN")

"""Deeper networks: two hidden layers worked by hand, the gradient's size layer by layer
(vanishing and exploding gradients), initialisation schemes, and symmetry.

Used by the chapter "Deeper networks" and by its two playgrounds, whose front ends
(``widgets/js/depth.js``) compute the same numbers in the browser:

* :func:`depth_spec` and :func:`gradient_sizes`: the depth playground's network, its weights
  drawn by mulberry32 (the generator the exercises use, identical in both languages), and
  the size of ∂E/∂W for each layer;
* :func:`symmetry_spec` and :func:`symmetry_run`: the symmetry playground's start and its
  training, step by step.

:func:`study` is the chapter's study of depth 1–30: vectorised over seeds with NumPy (its
generator need not match the browser's), held by the tests to :class:`Network`'s backward pass.
"""
from __future__ import annotations

import math

import numpy as np

from . import presets
from .network import Network, SpecError
from .spec import parse
from .variants import Mulberry32, start_state

ACTIVATIONS = ("sigmoid", "tanh", "relu")
SCHEMES = ("naive", "xavier", "he")
SCHEME_NAMES = {"naive": "naive, N(0, 1)", "xavier": "Xavier/Glorot", "he": "He"}


def scheme_std(scheme, fan_in, fan_out):
    """The standard deviation of a layer's initial weights: ``naive`` 1 whatever the layer's
    size (what a plain ``randn`` gives), ``xavier`` √(2 / (fan-in + fan-out)) (Glorot and
    Bengio, 2010), ``he`` √(2 / fan-in) (He et al., 2015)."""
    if scheme == "naive":
        return 1.0
    if scheme == "xavier":
        return math.sqrt(2.0 / (fan_in + fan_out))
    if scheme == "he":
        return math.sqrt(2.0 / fan_in)
    raise SpecError(f"scheme: unknown initialisation {scheme!r} (known: {', '.join(SCHEMES)})")


def _act(name, z):
    if name == "sigmoid":
        return 1.0 / (1.0 + np.exp(-z))
    if name == "tanh":
        return np.tanh(z)
    if name == "relu":
        return np.where(z > 0.0, z, 0.0)
    if name == "linear":
        return z
    raise SpecError(f"activation: unknown {name!r} (known: {', '.join(ACTIVATIONS)})")


def _slope(name, z, a):
    if name == "sigmoid":
        return a * (1.0 - a)
    if name == "tanh":
        return 1.0 - a * a
    if name == "relu":
        return np.where(z > 0.0, 1.0, 0.0)
    return np.ones_like(a)


# ------------------------------------------------------------------------ the study


def study_weights(depth, width, scheme, seeds, seed=0):
    """The weights of ``seeds`` networks of ``depth`` hidden layers and a linear output layer,
    all ``width`` wide, normally distributed with the scheme's standard deviation: a list of
    arrays [seed, receiving neuron, sending neuron], one per layer (no biases).  Layers are
    drawn in order, so a deeper network's first layers are a shallower one's."""
    rng = np.random.default_rng([seed, width, SCHEMES.index(scheme)])
    return [rng.standard_normal((seeds, width, width)) * scheme_std(scheme, width, width)
            for _ in range(depth + 1)]


def study_data(width, samples, seeds, seed=0):
    """Inputs and targets, uniform in [−1, 1]: arrays [seed, sample, neuron]."""
    rng = np.random.default_rng([seed, width, samples, 7])
    return rng.uniform(-1, 1, (seeds, samples, width)), rng.uniform(-1, 1, (seeds, samples, width))


def layer_gradients(weights, activation, inputs, targets):
    """‖∂E/∂W^(l)‖ (Frobenius) for every layer l of every network at once: an array [seed, layer].

    The networks: ``len(weights) − 1`` hidden layers of ``activation`` and a linear output
    layer; E = ½·Σ_k (out_k − t_k)² per sample, the mean over the samples.  The backward
    pass is the book's: δ = ∂E/∂net, ∂E/∂W = δ·outᵀ, δ below = (Wᵀ·δ) ⊙ f′(net)."""
    samples = inputs.shape[1]
    outs, nets = [inputs], []
    a = inputs
    L = len(weights)
    for l, W in enumerate(weights):
        z = a @ W.transpose(0, 2, 1)                          # net = W·out, for every sample
        a = z if l == L - 1 else _act(activation, z)
        nets.append(z)
        outs.append(a)
    delta = (outs[-1] - targets) / samples                    # the output layer is linear
    sizes = np.empty((inputs.shape[0], L))
    for l in range(L - 1, -1, -1):
        grad = delta.transpose(0, 2, 1) @ outs[l]             # ∂E/∂W = Σ_samples δ·outᵀ (mean)
        sizes[:, l] = np.sqrt(np.sum(grad * grad, axis=(1, 2)))
        if l:
            back = delta @ weights[l]                         # Σ_j δ_j·w_ji
            delta = back * _slope(activation, nets[l - 1], outs[l])
    return sizes


def all_depths(weights, activation, inputs, targets):
    """:func:`layer_gradients` for every depth D = 1 … len(weights) − 1 at once, the depth-D
    network being the first D + 1 layers of ``weights`` (its last one linear).

    One forward pass serves every depth: the linear output of depth D is the net input of
    layer D + 1.  The backward passes run side by side, one row per depth: at layer l, the
    depths whose output layer is l start (δ = out − t, over the samples), the deeper ones
    take one more step down.  Returns an array [depth − 1, seed, layer] (layers beyond a
    depth's own are NaN)."""
    samples = inputs.shape[1]
    top = len(weights) - 1                                    # the deepest network's hidden layers
    outs, nets = [inputs], []
    for W in weights:
        nets.append(outs[-1] @ W.transpose(0, 2, 1))
        outs.append(_act(activation, nets[-1]))
    sizes = np.full((top, inputs.shape[0], top + 1), np.nan)
    delta = np.zeros((top,) + inputs.shape)                   # [depth − 1, seed, sample, neuron]
    for l in range(top, -1, -1):                              # layer l + 1 of the book, from the top
        depths = np.arange(top)                               # depth D = index + 1
        if l >= 1:
            delta[l - 1] = (nets[l] - targets) / samples      # depth l's linear output layer
        active = depths + 1 >= l                              # depths that have a layer l + 1
        if l < top:                                           # the deeper ones: one step down
            below = depths + 1 > l
            back = delta[below] @ weights[l + 1]
            delta[below] = back * _slope(activation, nets[l], outs[l + 1])
        grad = delta[active].transpose(0, 1, 3, 2) @ outs[l]
        sizes[active, :, l] = np.sqrt(np.sum(grad * grad, axis=(2, 3)))
    return sizes


def study(max_depth=30, width=16, samples=32, seeds=6, seed=0):
    """The gradient's size per layer against depth 1 … ``max_depth``, for every activation and
    initialisation scheme.  Returns {(activation, scheme): [array per depth D of the sizes of
    layers 1 … D + 1]}, each size the geometric mean over ``seeds`` networks (sizes spread over
    many powers of ten, so they are averaged as logarithms)."""
    inputs, targets = study_data(width, samples, seeds, seed)
    result = {}
    with np.errstate(over="ignore", invalid="ignore", under="ignore"):
        for scheme in SCHEMES:
            weights = study_weights(max_depth, width, scheme, seeds, seed)
            for activation in ACTIVATIONS:
                sizes = all_depths(weights, activation, inputs, targets)
                means = np.exp(np.mean(np.log(sizes), axis=1))          # [depth − 1, layer]
                result[(activation, scheme)] = [means[D - 1, :D + 1] for D in range(1, max_depth + 1)]
    return result


def study_network(depth, width, scheme, activation, samples=32, seeds=6, seed=0, which=0):
    """Network ``which`` of the study as a backprop_lib :class:`Network` (for the tests and
    for showing one of them)."""
    weights = study_weights(depth, width, scheme, seeds, seed)
    inputs, targets = study_data(width, samples, seeds, seed)
    return Network(layers=[width] * (depth + 2), activations=[activation] * depth + ["linear"],
                   weights=[W[which] for W in weights], biases=None, inputs=inputs[which],
                   targets=targets[which], loss="half_sse", learning_rate=0.1)


# ------------------------------------------------------------------------ σ′ ≤ 1/4


def sigmoid_slope_bound():
    """sympy: σ′(net) = σ(1 − σ) is largest where its derivative is 0, at net = 0, and there
    it is 1/4.  Returns (the point, the maximum, σ′′ there)."""
    import sympy as sp

    x = sp.Symbol("net", real=True)
    sigma = 1 / (1 + sp.exp(-x))
    slope = sp.simplify(sp.diff(sigma, x))
    [point] = sp.solve(sp.diff(slope, x), x)
    return point, sp.simplify(slope.subs(x, point)), sp.simplify(sp.diff(slope, x, 2).subs(x, point))


def chain_network(depth=10, weight=1.0, activation="sigmoid", x=1.0, target=0.0):
    """A width-1 chain: one neuron per layer, every weight ``weight``, no biases."""
    return Network(layers=[1] * (depth + 1), activations=[activation] * depth,
                   weights=[[[weight]] for _ in range(depth)], biases=None, inputs=[[x]],
                   targets=[[target]], loss="half_sse", learning_rate=0.5,
                   title=f"a chain of {depth} {activation} neurons")


def chain_factors(net):
    """Per layer of a width-1 chain, from the output down: the weight w_l, the slope
    f′(net_l), the delta δ_l, and the ratio δ_l / δ_(l+1) = w_(l+1)·f′(net_l)."""
    trace = net.forward()
    grads = net.backward(trace)
    rows = []
    for l in range(net.depth, 0, -1):
        act = net.activations[l - 1]
        slope = float(_slope(act, trace.net[l][0, 0], trace.out[l][0, 0]))
        delta = float(grads.delta[l][0, 0])
        above = float(grads.delta[l + 1][0, 0]) if l < net.depth else None
        w_above = float(net.weights[l][0, 0]) if l < net.depth else None
        rows.append({"layer": l, "weight": float(net.weights[l - 1][0, 0]), "slope": slope, "delta": delta,
                     "w_above": w_above, "ratio": None if above is None else delta / above})
    return rows


# ------------------------------------------------------------------------ two hidden layers


def two_hidden_network():
    """The first document's network with a second hidden layer: inputs 0.05 and 0.10,
    targets 0.01 and 0.99, η = 0.5, sigmoid neurons, each layer's bias shared.  The weights
    continue the document's (0.15, 0.20, … in steps of 0.05), and so do the biases."""
    spec = {
        "title": "The first document's network with two hidden layers (2-2-2-2)",
        "layers": [2, 2, 2, 2],
        "activations": ["sigmoid", "sigmoid", "sigmoid"],
        "weights": [[[0.15, 0.20], [0.25, 0.30]],
                    [[0.40, 0.45], [0.50, 0.55]],
                    [[0.60, 0.65], [0.70, 0.75]]],
        "biases": [0.35, 0.60, 0.85],
        "update_biases": False,
        "inputs": [0.05, 0.10],
        "targets": [0.01, 0.99],
        "loss": "half_sse",
        "learning_rate": 0.5,
        "names": {f"w{4 * k + 2 * j + i + 1}": ["weights", k, j, i]
                  for k in range(3) for j in range(2) for i in range(2)}
        | {f"b{k + 1}": ["biases", k] for k in range(3)},
        "neuron_names": [["i1", "i2"], ["h1_1", "h1_2"], ["h2_1", "h2_2"], ["o1", "o2"]],
        "decimals": 9,
    }
    return parse(spec)


# ------------------------------------------------------------------------ the depth playground

PLAYGROUND_WIDTH = 8
PLAYGROUND_SAMPLES = 16
MAX_PLAYGROUND_DEPTH = 10


def depth_state(depth=5, activation="sigmoid", scale=1.0, seed=0):
    """The depth playground's settings, validated (one-line SpecError otherwise)."""
    if isinstance(depth, bool) or not isinstance(depth, int) or not 1 <= depth <= MAX_PLAYGROUND_DEPTH:
        raise SpecError(f"depth: must be a whole number from 1 to {MAX_PLAYGROUND_DEPTH}, got {depth!r}")
    if activation not in ACTIVATIONS:
        raise SpecError(f"activation: must be one of {', '.join(ACTIVATIONS)}, got {activation!r}")
    if isinstance(scale, bool) or not isinstance(scale, (int, float)) or not 0 < scale <= 10:
        raise SpecError(f"scale: must be a number greater than 0 and at most 10, got {scale!r}")
    if isinstance(seed, bool) or not isinstance(seed, int) or not 0 <= seed < 2**31:
        raise SpecError(f"seed: must be a whole number from 0 to 2147483647, got {seed!r}")
    return {"depth": depth, "activation": activation, "scale": float(scale), "seed": seed}


def depth_spec(state, width=PLAYGROUND_WIDTH, samples=PLAYGROUND_SAMPLES):
    """The playground's network: ``depth`` hidden layers of ``activation`` and a linear output
    layer, all ``width`` wide, no biases; the loss ½·Σ(out − t)², the mean over ``samples``
    samples.  Drawn by mulberry32 from (seed, 0): first the inputs and the targets, uniform in
    [−1, 1), then the weights layer by layer, row by row, each
    w = scale·(2u − 1)·√(3 / fan-in), so that its standard deviation is scale/√(fan-in)
    (scale 1: Xavier/Glorot for equal widths; √2: He).  A deeper network keeps the shallower
    one's first layers."""
    depth, scale = state["depth"], float(state["scale"])
    rng = Mulberry32(start_state(state["seed"], 0))
    inputs = [[2.0 * rng.next() - 1.0 for _ in range(width)] for _ in range(samples)]
    targets = [[2.0 * rng.next() - 1.0 for _ in range(width)] for _ in range(samples)]
    bound = math.sqrt(3.0 / width)
    weights = [[[scale * ((2.0 * rng.next() - 1.0) * bound) for _ in range(width)] for _ in range(width)]
               for _ in range(depth + 1)]
    return {"layers": [width] * (depth + 2), "activations": [state["activation"]] * depth + ["linear"],
            "weights": weights, "biases": None, "inputs": inputs, "targets": targets, "loss": "half_sse",
            "learning_rate": 0.1, "title": "depth playground"}


def gradient_sizes(net):
    """‖∂E/∂W^(l)‖ (Frobenius: the square root of the sum of squares) for l = 1 … L."""
    g = net.backward()
    return [float(math.sqrt(sum(float(v) * float(v) for v in np.ravel(w)))) for w in g.weights]


def depth_playground(state):
    """Everything the depth playground shows, as Python computes it."""
    net = parse(depth_spec(state))
    sizes = gradient_sizes(net)
    return {"sizes": sizes, "ratio": sizes[0] / sizes[-1], "loss": net.forward().loss}


# ------------------------------------------------------------------------ the symmetry playground

STARTS = ("equal", "incoming", "random")
MAX_SYMMETRY_STEPS = 5000


def symmetry_state(start="equal", w1=0.15, w2=0.20, w5=0.40, w7=0.50, seed=1, steps=1000):
    if start not in STARTS:
        raise SpecError(f"start: must be one of {', '.join(STARTS)}, got {start!r}")
    for name, v in (("w1", w1), ("w2", w2), ("w5", w5), ("w7", w7)):
        if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v):
            raise SpecError(f"{name}: must be a finite number, got {v!r}")
    if isinstance(seed, bool) or not isinstance(seed, int) or not 0 <= seed < 2**31:
        raise SpecError(f"seed: must be a whole number from 0 to 2147483647, got {seed!r}")
    if isinstance(steps, bool) or not isinstance(steps, int) or not 0 <= steps <= MAX_SYMMETRY_STEPS:
        raise SpecError(f"steps: must be a whole number from 0 to {MAX_SYMMETRY_STEPS}, got {steps!r}")
    return {"start": start, "w1": float(w1), "w2": float(w2), "w5": float(w5), "w7": float(w7),
            "seed": seed, "steps": steps}


def symmetry_spec(state):
    """The first document's network with the playground's starting weights:

    * ``equal``: the two hidden neurons identical, in and out: w1 = w3, w2 = w4, w5 = w6,
      w7 = w8 (from the sliders w1, w2, w5, w7);
    * ``incoming``: only what reaches them equal, w1 = w3 and w2 = w4; w5 … w8 the document's;
    * ``random``: all eight weights drawn by mulberry32 from (seed, 1), uniform in [−0.5, 0.5).
    """
    spec = presets.load("2-2-2")
    base = {p.name: p.value for p in spec.parameters()}
    if state["start"] == "random":
        rng = Mulberry32(start_state(state["seed"], 1))
        for name in ("w1", "w2", "w3", "w4", "w5", "w6", "w7", "w8"):
            base[name] = 0.5 * (2.0 * rng.next() - 1.0)
    else:
        base.update(w1=state["w1"], w3=state["w1"], w2=state["w2"], w4=state["w2"])
        if state["start"] == "equal":
            base.update(w5=state["w5"], w6=state["w5"], w7=state["w7"], w8=state["w7"])
    net = spec.with_params(**base)
    from .spec import to_spec
    return to_spec(net)


def hidden_gap(net):
    """How far apart the two hidden neurons are: |w1 − w3| + |w2 − w4| + |w5 − w6| + |w7 − w8|."""
    return (abs(net["w1"] - net["w3"]) + abs(net["w2"] - net["w4"])
            + abs(net["w5"] - net["w6"]) + abs(net["w7"] - net["w8"]))


def symmetry_run(state):
    """Train the start for ``steps`` steps (one at a time); the gap after each step, the loss
    history and the trained network."""
    net = parse(symmetry_spec(state))
    gaps, losses = [hidden_gap(net)], [net.forward().loss]
    for _ in range(state["steps"]):
        history, net = net.train(1)
        gaps.append(hidden_gap(net))
        losses.append(history[-1])
    return {"gaps": gaps, "losses": losses, "net": net}


# ------------------------------------------------------------------------ sums over paths


def paths_to_error(net, neuron, sample=0):
    """Every path from a hidden ``neuron`` up to the error, with its factors: for each step
    up, the weight and the next neuron's slope f′(net); at the top, ∂E/∂out of the output.
    Their products add up to ∂E/∂out of the neuron (the chain rule summed over paths).
    Returns a list of {"neurons": [names…], "factors": [(label, value)…], "product": value}."""
    from .activations import ACTIVATIONS as ACTS

    trace = net.forward()
    grads = net.backward(trace)
    start, j0 = net.neuron(neuron)
    L = net.depth
    names = {p.location: p.name for p in net.parameters()}
    found = []

    def walk(l, j, route, factors):
        if l == L:
            g = float(grads.dE_dout[L][sample, j])
            out_name = net.neuron_names[L][j]
            done = factors + [(f"∂E/∂out_{out_name}", g)]
            product = 1.0
            for _, v in done:
                product *= v
            found.append({"neurons": route, "factors": done, "product": product})
            return
        act = ACTS[net.activations[l]]
        for m in range(net.layers[l + 1]):
            w = float(net.weights[l][m, j])
            above = net.neuron_names[l + 1][m]
            slope = float(act.derivative(trace.net[l + 1][sample, m], trace.out[l + 1][sample, m]))
            walk(l + 1, m, route + [above],
                 factors + [(names[("weights", l, m, j)], w), (f"f′(net_{above})", slope)])

    walk(start, j0, [neuron], [])
    return found


def zero_start(net):
    """``net`` with every weight 0 (biases kept): the gradient of each weight."""
    zero = net.with_params(**{p.name: 0.0 for p in net.parameters() if p.kind == "weights"})
    return zero, zero.named_gradient()

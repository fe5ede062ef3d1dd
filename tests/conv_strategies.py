"""Random conv networks (conv2d, max-pool, dense) for the tests, and a plain-loop forward pass
written independently of the library's vectorised one."""
import math

import numpy as np
from hypothesis import strategies as st

from backprop_lib import conv

ELEMENTWISE = ["sigmoid", "tanh", "relu", "linear"]


def random_spec(rng, max_side=6, max_samples=3, losses=("half_sse", "cross_entropy"), tiny=False):
    """A random spec of layer objects: one or two conv layers (1–2 filters, kernel 1–3,
    stride 1–2), max-pools where they fit, one or two dense layers, every activation, bias
    kind, loss and mode, 1–3 samples.  ``tiny``: one conv layer and one dense output on a
    small image (for sympy's whole-expression derivative)."""
    C = int(rng.integers(1, 2 if tiny else 3))
    H = int(rng.integers(3, 4 if tiny else max_side + 1))
    W = int(rng.integers(3, 4 if tiny else max_side + 1))
    shape = (C, H, W)
    layers = []
    n_conv = 1 if tiny else int(rng.integers(1, 3))
    for n in range(n_conv):
        side = min(shape[1], shape[2])
        k = int(rng.integers(1, min(3, side) + 1))
        stride = int(rng.integers(1, 3)) if not tiny else 1
        layers.append({"type": "conv2d", "filters": int(rng.integers(1, 2 if tiny else 3)), "kernel": k,
                       "stride": stride, "activation": str(rng.choice(ELEMENTWISE))})
        shape = conv.build_layers(shape, [layers[-1]])[0].out_shape
        if min(shape[1], shape[2]) >= 2 and rng.random() < 0.7:
            layers.append({"type": "maxpool", "size": 2})
            shape = conv.build_layers(shape, [layers[-1]])[0].out_shape
        if min(shape[1], shape[2]) < 2:
            break
    loss = str(rng.choice(list(losses)))
    if not tiny and rng.random() < 0.4:
        layers.append({"type": "dense", "units": int(rng.integers(1, 4)), "activation": str(rng.choice(ELEMENTWISE))})
    units = int(rng.integers(1, 3 if tiny else 4))
    last = ["sigmoid", "softmax"] if loss == "cross_entropy" else ELEMENTWISE + ["softmax"]
    layers.append({"type": "dense", "units": units, "activation": str(rng.choice(last))})
    built = conv.build_layers((C, H, W), layers)
    weights, biases = [], []
    for layer in built:
        ws = layer.weight_shape
        weights.append(None if ws is None else rng.uniform(-1.2, 1.2, ws).tolist())
        if layer.type == "maxpool":
            biases.append(None)
            continue
        kind = rng.choice(["none", "shared", "each"])
        biases.append(None if kind == "none" else float(rng.uniform(-0.5, 0.5)) if kind == "shared"
                      else rng.uniform(-0.5, 0.5, layer.bias_count).tolist())
    samples = int(rng.integers(1, max_samples + 1))
    inputs = rng.uniform(-1, 1, (samples, C, H, W)).tolist()
    if loss == "cross_entropy":
        targets = rng.uniform(0.05, 0.95, (samples, units))
        if layers[-1]["activation"] == "softmax":
            targets = targets / targets.sum(axis=1, keepdims=True)
    else:
        targets = rng.uniform(-1, 1, (samples, units))
    return {"input_shape": [C, H, W], "layers": layers, "weights": weights, "biases": biases,
            "inputs": inputs, "targets": targets.tolist(), "loss": loss,
            "learning_rate": float(rng.choice([0.01, 0.1, 0.5])), "update_biases": bool(rng.integers(0, 2)),
            "mode": str(rng.choice(["batch", "online"]))}


@st.composite
def conv_networks(draw, tiny=False, max_side=6):
    seed = draw(st.integers(0, 2**32 - 1))
    return conv.parse(random_spec(np.random.default_rng(seed), max_side=max_side, tiny=tiny))


# ------------------------------------------------------------------ a forward pass in plain loops
def _act(name, x):
    if name == "sigmoid":
        return 1 / (1 + math.exp(-x))
    if name == "tanh":
        return math.tanh(x)
    if name == "relu":
        return x if x > 0 else 0.0
    return x


def plain_forward(spec, sample):
    """The outputs of one sample, one number at a time, read straight from the spec."""
    x = sample                                  # [C][H][W] lists
    for layer, w, b in zip(spec["layers"], spec["weights"], spec["biases"]):
        if layer["type"] == "conv2d":
            k, s = layer["kernel"], layer.get("stride", 1)
            C, H, W = len(x), len(x[0]), len(x[0][0])
            out = []
            for f in range(layer["filters"]):
                bias = 0.0 if b is None else (b if not isinstance(b, list) else b[f])
                rows = []
                for r in range((H - k) // s + 1):
                    row = []
                    for q in range((W - k) // s + 1):
                        total = 0.0
                        for c in range(C):
                            for u in range(k):
                                for v in range(k):
                                    total += w[f][c][u][v] * x[c][s * r + u][s * q + v]
                        row.append(_act(layer["activation"], total + bias))
                    rows.append(row)
                out.append(rows)
            x = out
        elif layer["type"] == "maxpool":
            p = layer["size"]
            x = [[[max(ch[r * p + u][q * p + v] for u in range(p) for v in range(p))
                   for q in range(len(ch[0]) // p)] for r in range(len(ch) // p)] for ch in x]
        else:
            flat = [v for ch in x for row in ch for v in row] if isinstance(x[0], list) else x
            nets = []
            for j in range(layer["units"]):
                bias = 0.0 if b is None else (b if not isinstance(b, list) else b[j])
                nets.append(sum(wi * xi for wi, xi in zip(w[j], flat)) + bias)
            if layer["activation"] == "softmax":
                m = max(nets)
                e = [math.exp(n - m) for n in nets]
                x = [v / sum(e) for v in e]
            else:
                x = [_act(layer["activation"], n) for n in nets]
    return x


"""Random networks of every kind the library supports, for the property tests."""
import numpy as np
from hypothesis import strategies as st

import backprop_lib as bp

ELEMENTWISE = ["sigmoid", "tanh", "relu", "linear"]


@st.composite
def networks(draw, max_depth=4, max_size=5, max_samples=4):
    """A random network: depth 1–4, sizes 1–5, every activation, bias kind, loss and mode."""
    depth = draw(st.integers(1, max_depth))
    layers = [draw(st.integers(1, max_size)) for _ in range(depth + 1)]
    loss = draw(st.sampled_from(["half_sse", "cross_entropy"]))
    activations = [draw(st.sampled_from(ELEMENTWISE)) for _ in range(depth)]
    last = ["sigmoid", "softmax"] if loss == "cross_entropy" else ELEMENTWISE + ["softmax"]
    activations[-1] = draw(st.sampled_from(last))
    kinds = [draw(st.sampled_from(["none", "shared", "each"])) for _ in range(depth)]
    samples = draw(st.integers(1, max_samples))
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    weights = [rng.uniform(-1.5, 1.5, (layers[k + 1], layers[k])).tolist() for k in range(depth)]
    biases = [None if kind == "none" else float(rng.uniform(-1, 1)) if kind == "shared"
              else rng.uniform(-1, 1, layers[k + 1]).tolist() for k, kind in enumerate(kinds)]
    inputs = rng.uniform(-1, 1, (samples, layers[0])).tolist()
    if loss == "cross_entropy":
        targets = rng.uniform(0.05, 0.95, (samples, layers[-1]))
        if activations[-1] == "softmax":
            targets = targets / targets.sum(axis=1, keepdims=True)
        targets = targets.tolist()
    else:
        targets = rng.uniform(-1, 1, (samples, layers[-1])).tolist()
    return bp.Network(layers=layers, activations=activations, weights=weights, biases=biases, loss=loss,
                      learning_rate=draw(st.sampled_from([0.01, 0.1, 0.5])),
                      update_biases=draw(st.booleans()), inputs=inputs, targets=targets,
                      mode=draw(st.sampled_from(["batch", "online"])))


def away_from_kinks(net, margin=1e-3):
    """True when no ReLU net input is within ``margin`` of 0 (where ReLU has no derivative)."""
    trace = net.forward()
    return all(np.min(np.abs(trace.net[l])) > margin
               for l in range(1, net.depth + 1) if net.activations[l - 1] == "relu")



@st.composite
def deep_or_wide_networks(draw):
    """A deep network (6–30 layers of 1–3 neurons) or a wide one (1–2 layers of 6–10), every
    activation and bias kind; weights of size about 1/√(fan-in), so that the signal neither
    dies nor explodes over the layers and a finite difference stays meaningful."""
    if draw(st.booleans()):
        depth = draw(st.integers(6, 30))
        layers = [draw(st.integers(1, 3)) for _ in range(depth + 1)]
    else:
        depth = draw(st.integers(1, 2))
        layers = [draw(st.integers(6, 10)) for _ in range(depth + 1)]
    loss = draw(st.sampled_from(["half_sse", "cross_entropy"]))
    activations = [draw(st.sampled_from(ELEMENTWISE))] * depth
    if draw(st.booleans()):                           # mixed activations, layer by layer
        activations = [draw(st.sampled_from(ELEMENTWISE)) for _ in range(depth)]
    last = ["sigmoid", "softmax"] if loss == "cross_entropy" else ELEMENTWISE + ["softmax"]
    activations[-1] = draw(st.sampled_from(last))
    kind = draw(st.sampled_from(["none", "shared", "each"]))
    samples = draw(st.integers(1, 3))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    weights = [(rng.uniform(-1.7, 1.7, (layers[k + 1], layers[k])) / np.sqrt(layers[k])).tolist()
               for k in range(depth)]
    biases = [None if kind == "none" else float(rng.uniform(-0.5, 0.5)) if kind == "shared"
              else rng.uniform(-0.5, 0.5, layers[k + 1]).tolist() for k in range(depth)]
    inputs = rng.uniform(-1, 1, (samples, layers[0])).tolist()
    if loss == "cross_entropy":
        targets = rng.uniform(0.05, 0.95, (samples, layers[-1]))
        if activations[-1] == "softmax":
            targets = targets / targets.sum(axis=1, keepdims=True)
        targets = targets.tolist()
    else:
        targets = rng.uniform(-1, 1, (samples, layers[-1])).tolist()
    return bp.Network(layers=layers, activations=activations, weights=weights, biases=biases, loss=loss,
                      learning_rate=0.1, inputs=inputs, targets=targets)

"""Training as straight-line Python, generated once per network shape.

For networks this small, NumPy spends its time on call overhead, not arithmetic: one step
of the 2-2-2 network is some thirty array operations of two or four numbers each.  The
fastest plain Python is what the documents write by hand: one statement per net input,
output, delta and update.  :func:`source` writes exactly that for any network, from the
same local derivatives as :mod:`backprop_lib.activations` and :mod:`backprop_lib.losses`,
and :func:`train_compiled` runs it.  Read it with ``print(source(net))``.

The tests check it against :meth:`Network.step` on many random networks.
"""
from __future__ import annotations

import math

# Element-wise activations: the output from the net input, and ∂out/∂net.
_FORWARD = {
    "sigmoid": "1.0 / (1.0 + exp(-{net}))",
    "tanh": "tanh({net})",
    "relu": "({net} if {net} > 0.0 else 0.0)",
    "linear": "{net}",
}
_DERIVATIVE = {
    "sigmoid": "{out} * (1.0 - {out})",
    "tanh": "(1.0 - {out} * {out})",
    "relu": "(1.0 if {net} > 0.0 else 0.0)",
    "linear": None,            # 1: nothing to multiply
}

_cache = {}


def _names(net):
    """Python variable names for every parameter, in the network's canonical order."""
    names = []
    for p in net.parameters():
        if p.kind == "weights":
            _, k, j, i = p.location
            names.append(f"w{k}_{j}_{i}")
        elif len(p.location) == 2:
            names.append(f"b{p.location[1]}")
        else:
            names.append(f"b{p.location[1]}_{p.location[2]}")
    return names


class _Writer:
    def __init__(self):
        self.lines = []

    def __call__(self, indent, text):
        self.lines.append("    " * indent + text)


def _forward(w, net, ind, x, with_loss, record=False):
    """Statements for one sample's forward pass; inputs are named ``x`` + index.  With
    ``record``, the sample's loss goes straight into the history (one sample only)."""
    prev = [f"{x}{i}" for i in range(net.layers[0])]
    for k in range(net.depth):
        act = net.activations[k]
        nets = []
        for j in range(net.layers[k + 1]):
            terms = [f"w{k}_{j}_{i} * {prev[i]}" for i in range(net.layers[k])]
            b = net.biases[k]
            if b is not None:
                terms.append(f"b{k}" if isinstance(b, float) else f"b{k}_{j}")
            w(ind, f"n{k + 1}_{j} = " + " + ".join(terms))
            nets.append(f"n{k + 1}_{j}")
        outs = [f"o{k + 1}_{j}" for j in range(net.layers[k + 1])]
        if act == "softmax":
            w(ind, f"m = max({', '.join(nets)})" if len(nets) > 1 else f"m = {nets[0]}")
            for j, n in enumerate(nets):
                w(ind, f"e{j} = exp({n} - m)")
            w(ind, "s = " + " + ".join(f"e{j}" for j in range(len(nets))))
            for j, o in enumerate(outs):
                w(ind, f"{o} = e{j} / s")
        else:
            for n, o in zip(nets, outs):
                w(ind, f"{o} = " + _FORWARD[act].format(net=n))
        prev = outs
    if with_loss:
        L = net.depth
        if net.loss == "half_sse":
            loss = "0.5 * (" + " + ".join(f"(t{j} - o{L}_{j}) * (t{j} - o{L}_{j})"
                                          for j in range(net.layers[-1])) + ")"
        else:
            loss = "-(" + " + ".join(f"t{j} * log(o{L}_{j})" for j in range(net.layers[-1])) + ")"
        w(ind, f"history.append({loss})" if record else f"E += {loss}")


def _backward(w, net, ind, x):
    """Statements for one sample's deltas d{l}_{j} = ∂E/∂net of neuron j of layer l:
    ∂E/∂out (from the loss, or Σ_m δ_m·w_mj from the layer above) times ∂out/∂net."""
    L = net.depth
    for l in range(L, 0, -1):
        act = net.activations[l - 1]
        size = net.layers[l]
        grads = []
        for j in range(size):                            # ∂E/∂out_j
            if l == L:
                grads.append(f"(o{L}_{j} - t{j})" if net.loss == "half_sse" else f"(-t{j} / o{L}_{j})")
            else:
                grads.append("(" + " + ".join(f"d{l + 1}_{m} * w{l}_{m}_{j}" for m in range(net.layers[l + 1])) + ")")
        if act == "softmax":
            for j in range(size):
                w(ind, f"g{l}_{j} = {grads[j]}")
            w(ind, "dot = " + " + ".join(f"g{l}_{j} * o{l}_{j}" for j in range(size)))
            for j in range(size):
                w(ind, f"d{l}_{j} = o{l}_{j} * (g{l}_{j} - dot)")
            continue
        d = _DERIVATIVE[act]
        for j in range(size):
            local = "" if d is None else " * " + d.format(out=f"o{l}_{j}", net=f"n{l}_{j}")
            w(ind, f"d{l}_{j} = {grads[j]}{local}")


def _gradient_terms(net, x):
    """For each parameter variable, the expression of its gradient for one sample."""
    terms = {}
    for k in range(net.depth):
        prev = [f"{x}{i}" for i in range(net.layers[k])] if k == 0 else \
               [f"o{k}_{i}" for i in range(net.layers[k])]
        for j in range(net.layers[k + 1]):
            for i in range(net.layers[k]):
                terms[f"w{k}_{j}_{i}"] = f"d{k + 1}_{j} * {prev[i]}"
        b = net.biases[k]
        if b is not None and net.update_biases:
            if isinstance(b, float):
                terms[f"b{k}"] = "(" + " + ".join(f"d{k + 1}_{j}" for j in range(net.layers[k + 1])) + ")"
            else:
                for j in range(net.layers[k + 1]):
                    terms[f"b{k}_{j}"] = f"d{k + 1}_{j}"
    return terms


def source(net):
    """The Python source of ``train(theta, samples, rate, steps)`` for this network."""
    w = _Writer()
    names = _names(net)
    n_in, n_out = net.layers[0], net.layers[-1]
    unpack_x = ", ".join([f"x{i}" for i in range(n_in)] + [f"t{j}" for j in range(n_out)])
    single = net.samples == 1
    online = net.mode == "online" and not single
    terms = _gradient_terms(net, "x")

    w(0, "def train(theta, samples, rate, steps):")
    w(1, f"{', '.join(names)}, = theta")
    w(1, f"S = {float(net.samples)!r}")
    w(1, "history = []")
    if single:
        w(1, f"({unpack_x},) = samples[0]")

    def loss_at_current(ind):
        w(ind, "E = 0.0")
        w(ind, f"for ({unpack_x},) in samples:")
        _forward(w, net, ind + 1, "x", with_loss=True)
        w(ind, "history.append(E / S)")

    w(1, "for step in range(steps):")
    if single or online:
        # one sample at a time: update straight from each sample's own gradient
        if single:
            _forward(w, net, 2, "x", with_loss=True, record=True)
            body = 2
        else:
            loss_at_current(2)
            w(2, f"for ({unpack_x},) in samples:")
            _forward(w, net, 3, "x", with_loss=False)
            body = 3
        _backward(w, net, body, "x")
        for var, expr in terms.items():
            w(body, f"{var} -= rate * ({expr})")
    else:
        # batch: the gradient of the mean loss, summed over the samples first
        w(2, "E = 0.0")
        for var in terms:
            w(2, f"G{var} = 0.0")
        w(2, f"for ({unpack_x},) in samples:")
        _forward(w, net, 3, "x", with_loss=True)
        _backward(w, net, 3, "x")
        for var, expr in terms.items():
            w(3, f"G{var} += {expr}")
        w(2, "history.append(E / S)")
        for var in terms:
            w(2, f"{var} -= rate * (G{var} / S)")
    loss_at_current(1)
    w(1, f"return history, [{', '.join(names)}]")
    return "\n".join(w.lines) + "\n"


def _shape_key(net):
    biases = tuple(None if b is None else ("shared" if isinstance(b, float) else "each") for b in net.biases)
    return (tuple(net.layers), tuple(net.activations), biases, net.loss, net.update_biases,
            net.mode, net.samples)          # the source holds S = the number of samples


def compile_train(net):
    """The compiled ``train`` function for this network's shape (cached)."""
    key = _shape_key(net)
    if key not in _cache:
        if len(_cache) >= 256:
            _cache.clear()
        namespace = {"exp": math.exp, "log": math.log, "tanh": math.tanh}
        exec(compile(source(net), f"<backprop_lib.compiled {key}>", "exec"), namespace)
        _cache[key] = namespace["train"]
    return _cache[key]


def train_compiled(net, steps):
    """``(history, theta)`` after ``steps`` steps, or None where plain floats cannot follow
    (an overflow in ``exp`` or a ``log`` of zero: the NumPy engine then takes over)."""
    if net.mode == "minibatch":
        return None                                      # shuffled mini-batches: backprop_lib.sgd
    samples = [tuple(float(v) for v in x) + tuple(float(v) for v in t)
               for x, t in zip(net.inputs, net.targets)]
    try:
        theta = [float(v) for v in net.flat()]          # Python floats: NumPy scalars are slow
        history, theta = compile_train(net)(theta, samples, float(net.learning_rate), steps)
    except (OverflowError, ValueError, ZeroDivisionError):
        return None
    return history, theta

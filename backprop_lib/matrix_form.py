"""Backpropagation in vectors and matrices: what the chapter "The four equations" computes.

For layer l (1 … L) with weight matrix W⁽ˡ⁾ (one row per receiving neuron: W[j][i] is the
weight from neuron i of layer l − 1 to neuron j of layer l), per sample:

    net⁽ˡ⁾ = W⁽ˡ⁾ out⁽ˡ⁻¹⁾ + b⁽ˡ⁾,            out⁽ˡ⁾ = f(net⁽ˡ⁾)
    BP1  δ⁽ᴸ⁾ = ∂E/∂out⁽ᴸ⁾ ⊙ f′(net⁽ᴸ⁾)
    BP2  δ⁽ˡ⁾ = (W⁽ˡ⁺¹⁾)ᵀ δ⁽ˡ⁺¹⁾ ⊙ f′(net⁽ˡ⁾)
    BP3  ∂E/∂b⁽ˡ⁾ = δ⁽ˡ⁾                     (one bias shared by the layer: Σ_j δ_j)
    BP4  ∂E/∂W⁽ˡ⁾ = δ⁽ˡ⁾ (out⁽ˡ⁻¹⁾)ᵀ         an outer product, shaped like W⁽ˡ⁾

Several samples are the rows of a matrix, and the loss is their mean, so each gradient is
the mean of the samples' own: ∂E/∂W⁽ˡ⁾ = (1/N) Δ⁽ˡ⁾ᵀ OUT⁽ˡ⁻¹⁾.

* :func:`layer_arrays`: every array of one sample, layer by layer, from the library's passes;
* :func:`matrix`: an array as a LaTeX matrix of its numbers;
* :func:`shapes_table`: every array's shape, for networks of several sizes;
* :func:`symbolic_check`: sympy's derivative of the whole E against BP1–BP4, for any
  activation (an unknown function), as matrices that must be zero;
* :func:`comparison_data`, :func:`mode_histories`: batch, online and mini-batch training;
* :func:`random_network`: seeded random networks for checks;
* :func:`check_hidden_delta`: the check cell of the chapter's code exercise (BP2).
"""
from __future__ import annotations

import numpy as np

from .activations import ACTIVATIONS
from .book import Markdown
from .network import Network, SpecError
from .verdict import Verdict


# ------------------------------------------------------------------ one sample's arrays
def layer_arrays(net, sample=0):
    """Per layer l = 1 … L, a dict of one sample's arrays: ``W``, ``b`` (a vector, a shared
    bias repeated), ``out_prev``, ``net``, ``out``, ``fprime`` (∂out/∂net), ``dE_dout``,
    ``delta`` and ``outer`` = δ·out_prevᵀ (BP4; for a network of one sample, the gradient)."""
    one = net.replace(inputs=net.inputs[sample:sample + 1], targets=net.targets[sample:sample + 1])
    trace = one.forward()
    grads = one.backward(trace)
    layers = []
    for l in range(1, net.depth + 1):
        act = ACTIVATIONS[net.activations[l - 1]]
        if not act.elementwise:
            raise SpecError(f"activations[{l - 1}]: softmax has a matrix of ∂out/∂net; "
                            "the four equations here are for element-wise activations")
        b = net.biases[l - 1]
        bias = np.zeros(net.layers[l]) if b is None else np.full(net.layers[l], b) if isinstance(b, float) else b.copy()
        delta = grads.delta[l][0]
        out_prev = trace.out[l - 1][0]
        layers.append(dict(
            W=net.weights[l - 1].copy(), b=bias, out_prev=out_prev, net=trace.net[l][0], out=trace.out[l][0],
            fprime=act.derivative(trace.net[l][0], trace.out[l][0]), dE_dout=grads.dE_dout[l][0],
            delta=delta, outer=np.outer(delta, out_prev)))
    return layers


def _entry(x, decimals):
    if decimals is None:                          # a given number, as short as it is given
        text = repr(float(x))
        return text[:-2] if text.endswith(".0") else text
    text = f"{float(x):.{decimals}f}"
    return text[1:] if text.startswith("-") and float(text) == 0.0 else text


def matrix(array, decimals=9):
    """An array as a LaTeX matrix of its numbers (a vector as a column); ``decimals=None``
    writes each number as it is given (0.15, not 0.150000000)."""
    a = np.asarray(array, dtype=float)
    if a.ndim == 1:
        a = a[:, None]
    rows = [" & ".join(_entry(x, decimals) for x in row) for row in a]
    return r"\begin{bmatrix}" + r" \\ ".join(rows) + r"\end{bmatrix}"


# ------------------------------------------------------------------ shapes
def shapes_table(nets, samples=None):
    """Markdown: every array of the forward and backward passes with its shape, one column
    per network (its shape read from the arrays the library computes for it), and a last
    column for ``samples`` rows of samples when given."""
    head = ["| array | meaning | " + " | ".join("-".join(map(str, n.layers)) + " network" for n in nets)]
    if samples:
        head[0] += f" | {nets[-1].layers[0]}-…, {samples} samples as rows"
    head[0] += " |"
    head.append("|---|---|" + "---:|" * (len(nets) + bool(samples)))
    rows = []
    arrays = [layer_arrays(n) for n in nets]
    batch = None
    if samples:
        big = nets[-1]
        rng = np.random.default_rng(0)
        many = big.replace(inputs=rng.uniform(0, 1, (samples, big.layers[0])),
                           targets=rng.uniform(0, 1, (samples, big.layers[-1])))
        trace = many.forward()
        grads = many.backward(trace)
        batch = (many, trace, grads)

    def shape(a):
        return "×".join(map(str, np.shape(a))) if np.ndim(a) else "1"

    def row(name, meaning, get, get_batch=None):
        cells = [shape(get(n, a)) for n, a in zip(nets, arrays)]
        if batch is not None:
            cells.append(shape(get_batch(*batch)) if get_batch else "—")
        rows.append(f"| {name} | {meaning} | " + " | ".join(cells) + " |")

    L = nets[0].depth
    if any(n.depth != L for n in nets):
        raise SpecError("shapes_table: the networks must have the same number of layers")
    row("$\\mathrm{out}^{(0)}$", "the inputs", lambda n, a: a[0]["out_prev"], lambda m, t, g: t.out[0])
    for l in range(1, L + 1):
        k = l - 1
        row(f"$W^{{({l})}}$", f"weights into layer {l}", lambda n, a, k=k: a[k]["W"], lambda m, t, g, k=k: m.weights[k])
        row(f"$\\mathrm{{net}}^{{({l})}}$, $\\mathrm{{out}}^{{({l})}}$", f"layer {l}'s net inputs and outputs",
            lambda n, a, k=k: a[k]["net"], lambda m, t, g, l=l: t.net[l])
    for l in range(L, 0, -1):
        k = l - 1
        row(f"$\\delta^{{({l})}}$", "BP1" if l == L else "BP2", lambda n, a, k=k: a[k]["delta"],
            lambda m, t, g, l=l: g.delta[l])
        row(f"$\\partial E/\\partial W^{{({l})}}$", "BP4: δ·outᵀ, the shape of W", lambda n, a, k=k: a[k]["outer"],
            lambda m, t, g, k=k: g.weights[k])
    return Markdown("\n".join(head + rows))


# ------------------------------------------------------------------ sympy's confirmation
def symbolic_check(layers=(2, 3, 2)):
    """sympy's derivatives of the whole E of one sample (½Σ(t − out)², per-neuron biases,
    unknown activation functions f for the hidden layer and g for the output layer) minus
    what BP1–BP4 give: ``{"dE/dW2", "dE/db2", "dE/dW1", "dE/db1"}`` → sympy matrices,
    expanded, which are zero when the equations hold."""
    import sympy as sp

    n0, n1, n2 = layers
    f, g, z = sp.Function("f"), sp.Function("g"), sp.Symbol("z")
    sym = lambda name, rows, cols: sp.Matrix(rows, cols, lambda j, i: sp.Symbol(f"{name}_{j}{i}", real=True))
    W1, W2, b1, b2 = sym("w1", n1, n0), sym("w2", n2, n1), sym("b1", n1, 1), sym("b2", n2, 1)
    x, t = sym("x", n0, 1), sym("t", n2, 1)
    net1 = W1 * x + b1
    out1 = net1.applyfunc(f)
    net2 = W2 * out1 + b2
    out2 = net2.applyfunc(g)
    E = sp.Add(*[sp.Rational(1, 2) * (t[j] - out2[j]) ** 2 for j in range(n2)])
    fprime = lambda h, e: sp.Derivative(h(z), z).subs(z, e)          # h′ at e
    delta2 = sp.Matrix(n2, 1, lambda j, _: (out2[j] - t[j]) * fprime(g, net2[j]))       # BP1
    back = W2.T * delta2
    delta1 = sp.Matrix(n1, 1, lambda j, _: back[j] * fprime(f, net1[j]))               # BP2
    grad = lambda M: M.applyfunc(lambda s: sp.diff(E, s))
    zero = lambda M: M.applyfunc(sp.expand)
    return {"dE/dW2": zero(grad(W2) - delta2 * out1.T),                                  # BP4
            "dE/db2": zero(grad(b2) - delta2),                                           # BP3
            "dE/dW1": zero(grad(W1) - delta1 * x.T),
            "dE/db1": zero(grad(b1) - delta1)}


# ------------------------------------------------------------------ many samples
def comparison_data(n=16, seed=3):
    """``(inputs, targets)``: the first document's sample, then ``n − 1`` more with inputs
    drawn uniformly from [0, 1]² (seeded), each labelled by the same rule the document's
    sample follows: o1 should say "i1 > i2" (0.99) or not (0.01), and o2 the opposite."""
    from .presets import load
    first = load("2-2-2")
    rng = np.random.default_rng(seed)
    X = np.vstack([first.inputs[:1], np.round(rng.uniform(0, 1, (n - 1, 2)), 2)])
    above = X[:, 0] > X[:, 1]
    T = np.where(above[:, None], [0.99, 0.01], [0.01, 0.99])
    if not np.allclose(T[0], first.targets[0]):
        raise AssertionError("the document's sample does not follow the rule")
    return X, T


def mode_histories(net, epochs, batch_size, shuffle_seed=0):
    """The loss (mean over all samples) before training and after each pass over the
    samples, for ``batch``, ``online`` and ``minibatch`` (``batch_size``, shuffled with
    ``shuffle_seed``): ``{mode: history}``, and the number of updates per pass."""
    histories, updates = {}, {}
    N = net.samples
    for mode in ("batch", "online", "minibatch"):
        run = net.replace(mode=mode, batch_size=batch_size if mode == "minibatch" else None,
                          shuffle_seed=shuffle_seed)
        histories[mode], _ = run.train(epochs)
        updates[mode] = {"batch": 1, "online": N, "minibatch": -(-N // batch_size)}[mode]
    return histories, updates


# ------------------------------------------------------------------ random networks
def random_network(seed, activation="sigmoid", max_width=5, max_depth=3, max_samples=4):
    """A seeded random dense network with per-neuron biases, half_sse, several samples."""
    rng = np.random.default_rng(seed)
    depth = int(rng.integers(1, max_depth + 1))
    layers = [int(n) for n in rng.integers(1, max_width + 1, depth + 1)]
    N = int(rng.integers(1, max_samples + 1))
    return Network(layers=layers, activations=[activation] * depth,
                   weights=[rng.normal(0, 1, (layers[k + 1], layers[k])) for k in range(depth)],
                   biases=[rng.normal(0, 1, layers[k + 1]) for k in range(depth)],
                   inputs=rng.uniform(-1, 1, (N, layers[0])), targets=rng.uniform(0, 1, (N, layers[-1])),
                   loss="half_sse", learning_rate=0.5)


def numpy_check(backprop, count=200, seed=0):
    """The largest difference between ``backprop(Ws, bs, X, T) → (gWs, gbs)`` (sigmoid layers,
    per-neuron biases, E the mean of ½Σ(t − out)²) and the library, over ``count`` random
    networks: ``(largest difference, number of arrays compared)``."""
    worst, compared = 0.0, 0
    for n in range(count):
        net = random_network(seed * 100_003 + n)
        gWs, gbs = backprop(net.weights, net.biases, net.inputs, net.targets)
        g = net.backward()
        for mine, theirs in zip(list(gWs) + list(gbs), g.weights + g.biases):
            worst = max(worst, float(np.max(np.abs(np.asarray(mine) - theirs))))
            compared += 1
    return worst, compared


# ------------------------------------------------------------------ the code exercise
def check_hidden_delta(hidden_delta, count=50, seed=1):
    """The check cell of the exercise "write BP2": ``hidden_delta(W_next, delta_next, out)``
    must return the δ of a sigmoid hidden layer, rows being samples (``delta_next`` is N×m,
    ``W_next`` m×n, ``out`` N×n).  Compared with the library on random networks.  Returns a
    :class:`~backprop_lib.verdict.Verdict`: one line starting "Right" or "Not yet", true or false."""
    def verdict(right, text):
        return Verdict(right, text)

    for n in range(count):
        rng = np.random.default_rng(seed * 7919 + n)
        n_in, n_h, n_o, N = (int(v) for v in rng.integers(2, 6, 4))
        if n_h == n_o:
            n_o += 1                              # W_next not square: a missing transpose shows
        net = Network(layers=[n_in, n_h, n_o], activations=["sigmoid", "sigmoid"],
                      weights=[rng.normal(0, 1, (n_h, n_in)), rng.normal(0, 1, (n_o, n_h))],
                      biases=[rng.normal(0, 1, n_h), rng.normal(0, 1, n_o)],
                      inputs=rng.uniform(-1, 1, (N, n_in)), targets=rng.uniform(0, 1, (N, n_o)))
        trace = net.forward()
        g = net.backward(trace)
        W, d_next, out = net.weights[1], g.delta[2], trace.out[1]
        try:
            got = np.asarray(hidden_delta(W.copy(), d_next.copy(), out.copy()), dtype=float)
        except Exception as e:                     # the reader's code: one line saying what went wrong
            first = str(e).splitlines()[0] if str(e) else ""
            hint = " (a missing or extra transpose?)" if "mismatch" in first or "shape" in first or "align" in first else ""
            return verdict(False, f"with W_next {W.shape[0]}×{W.shape[1]}, delta_next {N}×{n_o}, out {N}×{n_h}, "
                                  f"your function raised {type(e).__name__}: {first}{hint}")
        want = g.delta[1]
        if got.shape != want.shape:
            return verdict(False, f"the result should be {N}×{n_h} (a row per sample, a column per hidden "
                                  f"neuron), yours is {'×'.join(map(str, got.shape)) or 'a number'}")
        if np.allclose(got, want, rtol=1e-10, atol=1e-12):
            continue
        back = d_next @ W
        if np.allclose(got, back, rtol=1e-10, atol=1e-12):
            return verdict(False, "that is ∂E/∂out of the hidden layer; multiply by σ′(net) = out·(1 − out)")
        if np.allclose(got, back * out, rtol=1e-10, atol=1e-12) or np.allclose(got, back * (1 - out), rtol=1e-10, atol=1e-12):
            return verdict(False, "σ′(net) is out·(1 − out): both factors")
        if not np.any(got):
            return verdict(False, "the function returns zeros: it is still yours to write")
        return verdict(False, "the numbers differ from backpropagation's; δ = (δ_next W_next) ⊙ out·(1 − out) "
                              "with samples as rows")
    return verdict(True, f"your BP2 agrees with the library on {count} random networks.")

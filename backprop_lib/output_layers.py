"""Output layers and losses: softmax with cross-entropy, a sigmoid with binary cross-entropy,
squared error, and what each does to the output delta δ_o = ∂E/∂net_o.

Used by the chapter "Output layers and losses".  The networks are backprop_lib Networks;
the derivations are sympy's; the one loss the library's Network does not train with, binary
cross-entropy on a single sigmoid neuron, is computed here in a few lines and held by the
tests to sympy's derivative and to finite differences.
"""
from __future__ import annotations

import math

import numpy as np

from . import presets
from .network import Network

# ------------------------------------------------------------------------ the worked example


def softmax_network():
    """The first document's network (weights, biases, inputs, targets 0.01 and 0.99, η = 0.5)
    with a softmax output layer and the cross-entropy loss E = −Σ target·log(out)."""
    net = presets.load("2-2-2")
    return net.replace(activations=["sigmoid", "softmax"], loss="cross_entropy",
                       title="The first document's network with a softmax output layer")


def with_targets(net, targets):
    """``net`` with other targets (one sample)."""
    return net.replace(targets=[list(map(float, targets))])


# ------------------------------------------------------------------------ sympy's derivations


def _gap(expr):
    """``expr`` brought to one fraction and cancelled (0 when it is identically 0): much
    quicker than ``sympy.simplify`` for these rational functions of exponentials."""
    import sympy as sp
    return sp.cancel(sp.together(sp.expand_log(expr, force=True)))


def softmax_cross_entropy(n=3):
    """sympy's derivative of the cross-entropy of a softmax layer of ``n`` outputs.

    Returns a dict: the symbols (``net``, ``out``, ``t``), ``E`` in terms of the net inputs,
    ``local`` the chain's factors in terms of the outputs (∂E/∂out_k and ∂out_k/∂net_j, each
    sympy's derivative rewritten with out_k for e^{net_k}/Σe), ``delta`` ∂E/∂net_1 as sympy
    gives it, and the checks (each 0 when sympy confirms it):

    * ``general_gap``: ∂E/∂net_j − (out_j·Σ_k t_k − t_j), for every j;
    * ``sum_one_gap``: ∂E/∂net_j − (out_j − t_j) once t_n = 1 − (t_1 + … + t_{n−1});
    * ``factor_gaps``: the chain's local factors against sympy's derivatives.
    """
    import sympy as sp

    nets = sp.symbols(f"net_1:{n + 1}", real=True)
    outs = sp.symbols(f"out_1:{n + 1}", positive=True)
    t = sp.symbols(f"t_1:{n + 1}", real=True)
    exps = [sp.exp(x) for x in nets]
    total = sp.Add(*exps)
    softmax = [e / total for e in exps]
    E = -sp.Add(*[tk * sp.log(o) for tk, o in zip(t, softmax)])
    deltas = [sp.diff(E, x) for x in nets]
    to_out = dict(zip(softmax, outs))
    general = [outs[j] * sp.Add(*t) - t[j] for j in range(n)]
    general_gap = [_gap(deltas[j] - general[j].subs(dict(zip(outs, softmax)))) for j in range(n)]
    sum_one = {t[-1]: 1 - sp.Add(*t[:-1])}
    sum_one_gap = [_gap((deltas[j] - softmax[j] + t[j]).subs(sum_one)) for j in range(n)]
    # the chain's two local factors, as sympy derives them from the local formulas
    E_local = -sp.Add(*[tk * sp.log(o) for tk, o in zip(t, outs)])
    dE_dout = [sp.diff(E_local, o) for o in outs]
    jacobian = [[sp.diff(softmax[k], nets[j]) for j in range(n)] for k in range(n)]
    written = [[outs[k] * ((1 if k == j else 0) - outs[j]) for j in range(n)] for k in range(n)]
    factor_gaps = [_gap(jacobian[k][j] - written[k][j].subs(dict(zip(outs, softmax))))
                   for k in range(n) for j in range(n)]
    chained = [sp.expand(sp.Add(*[dE_dout[k] * written[k][j] for k in range(n)])) for j in range(n)]
    return {"net": nets, "out": outs, "t": t, "E": E, "E_local": E_local, "dE_dout": dE_dout,
            "jacobian_written": written, "chained": chained, "delta": deltas[0], "general": general,
            "general_gap": general_gap, "sum_one_gap": sum_one_gap, "factor_gaps": factor_gaps,
            "softmax": softmax, "to_out": to_out}


def sigmoid_losses():
    """sympy's output deltas of one sigmoid neuron, out = σ(net), under three losses:
    ``sse`` ½(t − out)², ``bce`` −[t·log out + (1 − t)·log(1 − out)] (binary cross-entropy),
    and each one's ∂E/∂out.  ``bce_gap`` and ``sse_gap`` are the differences from the forms
    the chapter writes, (out − t) and (out − t)·out·(1 − out): 0 when sympy confirms them."""
    import sympy as sp

    net, t = sp.symbols("net t", real=True)
    o = sp.Symbol("out", positive=True)
    sigma = 1 / (1 + sp.exp(-net))
    sse = sp.Rational(1, 2) * (t - o) ** 2
    bce = -(t * sp.log(o) + (1 - t) * sp.log(1 - o))
    d_sse = sp.diff(sse.subs(o, sigma), net)
    d_bce = sp.diff(bce.subs(o, sigma), net)
    # the same deltas written in out = σ(net): e^(−net) = (1 − out)/out
    in_out = lambda d: sp.factor(sp.simplify(d.subs(sp.exp(-net), (1 - o) / o).subs(sp.exp(net), o / (1 - o))))
    return {
        "sse_delta_out": in_out(d_sse), "bce_delta_out": in_out(d_bce),
        "net": net, "t": t, "out": o, "sigma": sigma, "sse": sse, "bce": bce,
        "dsse_dout": sp.diff(sse, o), "dbce_dout": sp.factor(sp.together(sp.diff(bce, o))),
        "dsigma": sp.diff(sigma, net),
        "sse_delta": d_sse, "bce_delta": d_bce,
        "sse_gap": _gap(d_sse - (sigma - t) * sigma * (1 - sigma)),
        "bce_gap": _gap(d_bce - (sigma - t)),
        "sigma_slope_gap": _gap(sp.diff(sigma, net) - sigma * (1 - sigma)),
    }


def likelihoods():
    """Each loss as a negative log-likelihood, by sympy: a Gaussian (standard deviation 1)
    gives ½(t − o)² plus a constant, a Bernoulli gives binary cross-entropy, a categorical
    distribution gives −Σ t·log o.  Returns the expressions and their gaps (0 when equal)."""
    import sympy as sp

    t, o = sp.symbols("t out", real=True)
    s = sp.Symbol("s", positive=True)
    gaussian = sp.exp(-(t - o) ** 2 / (2 * s ** 2)) / sp.sqrt(2 * sp.pi * s ** 2)
    nll_gauss = sp.expand(sp.expand_log(-sp.log(gaussian), force=True))
    p = sp.Symbol("out", positive=True)
    bernoulli = p ** t * (1 - p) ** (1 - t)
    nll_bern = sp.expand(sp.expand_log(-sp.log(bernoulli), force=True))
    bce = -(t * sp.log(p) + (1 - t) * sp.log(1 - p))
    ts = sp.symbols("t_1:4", real=True)
    ps = sp.symbols("out_1:4", positive=True)
    categorical = sp.Mul(*[pk ** tk for pk, tk in zip(ps, ts)])
    nll_cat = sp.expand(sp.expand_log(-sp.log(categorical), force=True))
    return {
        "gaussian": gaussian, "nll_gaussian": nll_gauss,
        "gaussian_gap": sp.simplify(nll_gauss.subs(s, 1) - (sp.Rational(1, 2) * (t - o) ** 2
                                                              + sp.log(2 * sp.pi) / 2)),
        "bernoulli": bernoulli, "nll_bernoulli": nll_bern, "bernoulli_gap": sp.simplify(nll_bern - bce),
        "categorical": categorical, "nll_categorical": nll_cat,
        "categorical_gap": sp.simplify(nll_cat + sp.Add(*[tk * sp.log(pk) for pk, tk in zip(ps, ts)])),
    }


# ------------------------------------------------------------------------ a saturated start


def sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


def output_deltas(net_values, target):
    """δ = ∂E/∂net of one sigmoid output at each net input: squared error (the σ′ factor
    stays), binary cross-entropy (it cancels).  Returns (out, δ_sse, δ_bce, σ′)."""
    out = sigmoid(np.asarray(net_values, dtype=float))
    slope = out * (1.0 - out)
    return out, (out - target) * slope, out - target, slope


def bce_loss(out, target):
    return -(target * np.log(out) + (1.0 - target) * np.log(1.0 - out))


def neuron(weight, bias, x, target, rate, loss="half_sse"):
    """One sigmoid neuron (one input) as a backprop_lib Network, for the squared error."""
    return Network(layers=[1, 1], activations=["sigmoid"], weights=[[[weight]]], biases=[[bias]],
                   inputs=[[x]], targets=[[target]], loss=loss, learning_rate=rate,
                   neuron_names=[["i1"], ["o1"]], title="one sigmoid neuron")


def train_bce(weight, bias, x, target, rate, steps):
    """Gradient descent on one sigmoid neuron with binary cross-entropy:
    δ = out − t, ∂E/∂w = δ·x, ∂E/∂b = δ.  Returns the outputs and losses before every step
    and after the last (steps + 1 of each)."""
    outs, losses = [], []
    w, b = float(weight), float(bias)
    for _ in range(steps + 1):
        out = 1.0 / (1.0 + math.exp(-(w * x + b)))
        outs.append(out)
        losses.append(-(target * math.log(out) + (1.0 - target) * math.log(1.0 - out)))
        delta = out - target
        w, b = w - rate * delta * x, b - rate * delta
    return np.array(outs), np.array(losses)


def train_sse(weight, bias, x, target, rate, steps):
    """The same neuron with the squared error, trained by the library: outputs and losses
    before every step and after the last."""
    net = neuron(weight, bias, x, target, rate)
    outs, losses = [], []
    for _ in range(steps + 1):
        trace = net.forward()
        outs.append(float(trace.outputs[0, 0]))
        losses.append(trace.loss)
        net = net.step()
    return np.array(outs), np.array(losses)


def saturated_start(weight=-6.0, bias=0.0, x=1.0, target=0.99, rate=0.5, steps=60):
    """Both losses from one saturated start (out near 0, target 0.99): the outputs and losses
    step by step, and the first step's deltas."""
    sse_out, sse_loss = train_sse(weight, bias, x, target, rate, steps)
    bce_out, bce_loss_ = train_bce(weight, bias, x, target, rate, steps)
    out0, d_sse, d_bce, slope = output_deltas(weight * x + bias, target)
    return {"steps": steps, "rate": rate, "target": target, "weight": weight, "bias": bias, "x": x,
            "net0": weight * x + bias, "out0": float(out0),
            "slope0": float(slope), "delta_sse0": float(d_sse), "delta_bce0": float(d_bce),
            "sse_out": sse_out, "sse_loss": sse_loss, "bce_out": bce_out, "bce_loss": bce_loss_}


def first_step_to_reach(outs, level):
    """The first step after which the output is at least ``level`` (None if never)."""
    hits = np.nonzero(np.asarray(outs) >= level)[0]
    return int(hits[0]) if len(hits) else None


# ------------------------------------------------------------------------ targets 0 and 1


def logit(p):
    """The net input a sigmoid needs to output p: ln(p / (1 − p))."""
    return math.log(p / (1.0 - p))


def targets_race(targets_a=(0.01, 0.99), targets_b=(0.0, 1.0), steps=20000, every=200):
    """The first document's network trained with targets ``targets_a`` and ``targets_b``:
    at every ``every`` steps the largest |net_o| and the error.  With 0 and 1 the error only
    vanishes as the net inputs run off to ±∞; with 0.01 and 0.99 they settle at ±ln 99."""
    base = presets.load("2-2-2").replace(mode="batch")
    rows = {}
    for targets in (targets_a, targets_b):
        net = with_targets(base, targets)
        marks, biggest, errors = [0], [float(np.max(np.abs(net.forward().net[2])))], [net.forward().loss]
        for done in range(every, steps + 1, every):
            _, net = net.train(every)
            trace = net.forward()
            marks.append(done)
            biggest.append(float(np.max(np.abs(trace.net[2]))))
            errors.append(trace.loss)
        rows[tuple(targets)] = {"steps": np.array(marks), "net": np.array(biggest), "E": np.array(errors),
                                "slope": float(np.min(trace.outputs * (1 - trace.outputs)))}
    return rows


# ------------------------------------------------------------------------ Σt ≠ 1


def unnormalised(net, targets):
    """With targets that do not sum to 1: the library's δ_o (backpropagation through the
    softmax's Jacobian), the general formula out·Σt − t, the shortcut out − t, and a finite
    difference of E in each net input.  Also where E is lowest: out = t/Σt."""
    moved = with_targets(net, targets)
    trace = moved.forward()
    grads = moved.backward(trace)
    out = trace.outputs[0]
    t = moved.targets[0]
    h = 1e-6
    nets = trace.net[-1][0]

    def E_at(n):
        shifted = np.exp(n - np.max(n))
        o = shifted / shifted.sum()
        return float(-np.sum(t * np.log(o)))
    numeric = []
    for j in range(len(nets)):
        up, down = nets.copy(), nets.copy()
        up[j] += h
        down[j] -= h
        numeric.append((E_at(up) - E_at(down)) / (2 * h))
    return {"net": moved, "out": out, "t": t, "sum_t": float(t.sum()), "delta": grads.delta[-1][0],
            "general": out * t.sum() - t, "shortcut": out - t, "numeric": np.array(numeric),
            "best_out": t / t.sum()}

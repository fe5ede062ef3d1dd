"""What a gradient costs: one backward pass against finite differences, measured.

A finite difference needs two forward passes per parameter, 2P in all, to estimate the P
numbers of the gradient; backpropagation gets all of them, exactly, from one forward and
one backward pass.  :func:`measure` times both with the library's own passes on networks of
10 to about 100,000 parameters:

* the first document's network (10 parameters), then square sigmoid networks
  ``[w, w, w]`` with a bias per neuron (P = 2w² + 2w);
* one forward pass, and one forward plus one backward pass: the best of several repeats;
* finite differences: each parameter nudged up and down in place, a forward pass each.
  Up to ``full_up_to`` parameters every one of the 2P passes is timed; above that a seeded
  sample of ``sample`` parameters is timed and the time scaled to all 2P (each pass costs
  the same, whichever parameter is nudged).  The result says which.

:func:`memory` counts what backpropagation keeps from the forward pass for the backward
one.  ``make bench`` prints :func:`measure`'s table (``python -m backprop_lib.bench``).
"""
from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np

from .network import Network

WIDTHS = (2, 5, 7, 16, 22, 50, 71, 158, 223)


def cost_network(width, seed=0):
    """A ``[width, width, width]`` sigmoid network with a bias per neuron and one sample,
    its numbers drawn from a seeded generator (weights scaled by 1/√width)."""
    rng = np.random.default_rng(seed)
    return Network(layers=[width] * 3, activations=["sigmoid", "sigmoid"],
                   weights=[rng.normal(0, 1 / np.sqrt(width), (width, width)) for _ in range(2)],
                   biases=[rng.normal(0, 0.1, width) for _ in range(2)],
                   inputs=rng.uniform(0, 1, width), targets=rng.uniform(0.1, 0.9, width),
                   loss="half_sse", learning_rate=0.5)


def networks():
    """The networks :func:`measure` times: the first document's, then :data:`WIDTHS`."""
    from .presets import load
    return [load("2-2-2")] + [cost_network(w) for w in WIDTHS]


@dataclass
class Cost:
    """One network's timings, in seconds."""
    parameters: int
    forward: float                  # one forward pass
    backprop: float                 # one forward and one backward pass: the whole gradient
    finite_difference: float        # 2P forward passes (measured, or scaled from a sample)
    nudges_timed: int               # how many of the 2P passes were actually run
    largest_difference: float       # |finite difference − backprop| over the parameters timed

    @property
    def sampled(self):
        return self.nudges_timed < 2 * self.parameters

    @property
    def ratio(self):
        return self.finite_difference / self.backprop


# Processor time, not wall-clock time: on a machine busy with other work the process waits
# for its turn, and the waiting is not the computation's cost.
clock = time.process_time


def _best(fn, seconds=0.002, repeats=3):
    """The time of one call of ``fn``: calls are batched to last about ``seconds``, and
    the best of ``repeats`` batches is kept (the least disturbed by anything else)."""
    start = clock()
    fn()
    once = max(clock() - start, 1e-6)
    n = max(1, int(seconds / once))
    best = float("inf")
    for _ in range(repeats):
        start = clock()
        for _ in range(n):
            fn()
        best = min(best, (clock() - start) / n)
    return best


def _where(net, n):
    """Where parameter ``n`` (in the network's order) lives: ``("weights", k, (j, i))``,
    ``("biases", k, (j,))`` or ``("shared", k, None)``; found from the layer sizes,
    without listing all the parameters."""
    for k in range(net.depth):
        rows, cols = net.layers[k + 1], net.layers[k]
        if n < rows * cols:
            return "weights", k, (n // cols, n % cols)
        n -= rows * cols
        b = net.biases[k]
        size = 0 if b is None else 1 if isinstance(b, float) else rows
        if n < size:
            return ("shared", k, None) if isinstance(b, float) else ("biases", k, (n,))
        n -= size
    raise IndexError("no such parameter")


def _slot(net, n):
    """(array, index) to nudge parameter ``n`` in place; ``(None, k)`` for layer k's shared
    bias (a float in the list of biases)."""
    kind, k, index = _where(net, n)
    if kind == "shared":
        return None, k
    return (net.weights if kind == "weights" else net.biases)[k], index


def _count(net):
    return sum(net.layers[k + 1] * net.layers[k] + (0 if b is None else 1 if isinstance(b, float) else net.layers[k + 1])
               for k, b in enumerate(net.biases))


def _nudged_losses(net, slots, h):
    """E with each parameter of ``slots`` (see :func:`_slots`) nudged by +h and by −h:
    2 forward passes each, the parameter restored after."""
    out = np.empty((len(slots), 2))
    for row, (array, index) in enumerate(slots):
        if array is None:                          # a shared bias: a float in the list
            keep = net.biases[index]
            net.biases[index] = keep + h
            out[row, 0] = net.forward().loss
            net.biases[index] = keep - h
            out[row, 1] = net.forward().loss
            net.biases[index] = keep
        else:
            keep = array[index]
            array[index] = keep + h
            out[row, 0] = net.forward().loss
            array[index] = keep - h
            out[row, 1] = net.forward().loss
            array[index] = keep
    return out


def measure_one(net, full_up_to=1100, sample=200, seed=0, h=1e-6):
    """:class:`Cost` of one network (see the module's docstring)."""
    net = net.replace(weights=[w.copy() for w in net.weights],
                      biases=[b if b is None or isinstance(b, float) else b.copy() for b in net.biases])
    P = _count(net)
    forward = _best(net.forward)
    backprop = _best(lambda: net.backward(net.forward()))
    if P <= full_up_to:
        which = np.arange(P)
    else:
        which = np.sort(np.random.default_rng(seed).choice(P, sample, replace=False))
    slots = [_slot(net, int(n)) for n in which]
    start = clock()
    losses = _nudged_losses(net, slots, h)
    spent = clock() - start
    estimate = (losses[:, 0] - losses[:, 1]) / (2 * h)
    g = net.backward()
    exact = []
    for n in which:
        kind, k, index = _where(net, int(n))
        exact.append(g.biases[k] if kind == "shared" else (g.weights if kind == "weights" else g.biases)[k][index])
    fd = spent * P / len(which)                     # 2P passes: scaled when sampled
    return Cost(P, forward, backprop, fd, 2 * len(which), float(np.max(np.abs(estimate - np.array(exact)))))


def measure(nets=None, full_up_to=1100, sample=200, progress=None):
    """:class:`Cost` for each network (default :func:`networks`), smallest first."""
    nets = networks() if nets is None else nets
    rows = []
    for net in nets:
        rows.append(measure_one(net, full_up_to, sample))
        if progress:
            progress(rows[-1])
    return rows


def slope(rows):
    """The slope of log(ratio) against log(P), least squares: 1 when the ratio grows like P."""
    x = np.log([r.parameters for r in rows])
    y = np.log([r.ratio for r in rows])
    return float(np.polyfit(x, y, 1)[0])


def table(rows):
    """The timings as text, one line per network (the last column: how many of the 2P
    nudged passes were run and timed)."""
    lines = [f"{'P':>7} {'forward':>9} {'backprop':>9} {'2P forwards':>11} {'ratio':>8}  {'passes timed':>15}"]
    for r in rows:
        how = f"{r.nudges_timed:,}/{2 * r.parameters:,}" if r.sampled else "all"
        lines.append(f"{r.parameters:>7,} {r.forward * 1e6:>7.1f}µs {r.backprop * 1e6:>7.1f}µs "
                     f"{r.finite_difference:>10.4f}s {r.ratio:>8,.0f}  {how:>15}")
    return "\n".join(lines)


# ------------------------------------------------------------------ memory
def memory(net, samples=1):
    """What one gradient keeps, in numbers (float64: 8 bytes each), for ``samples`` samples:
    ``{"parameters", "kept by backpropagation", "kept by finite differences"}``.
    Backpropagation keeps every layer's net inputs and outputs of every sample from the
    forward pass until the backward pass has used them (counted from the library's own
    forward pass); a finite difference keeps only the layer it is computing."""
    rng = np.random.default_rng(0)
    many = net.replace(inputs=rng.uniform(0, 1, (samples, net.layers[0])),
                       targets=rng.uniform(0, 1, (samples, net.layers[-1])))
    trace = many.forward()
    kept = sum(a.size for a in trace.out[1:]) + sum(a.size for a in trace.net[1:])
    one_layer = 2 * samples * max(net.layers)
    return {"parameters": _count(net), "kept by backpropagation": kept,
            "kept by finite differences": one_layer}

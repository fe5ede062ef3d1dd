"""Vectorised gradient descent for networks of any size: batch, online and mini-batch.

One *step* (an epoch) is one pass over the training samples, in every mode:

* ``batch``: one update, with the gradient of the mean loss over all samples;
* ``online``: one update per sample, in order, each with that sample's own gradient;
* ``minibatch``: the samples shuffled, then one update per mini-batch of ``batch_size``
  (the last one smaller when the batch size does not divide the number of samples), each
  with the gradient of the mean loss over its mini-batch.

The shuffle is Fisher–Yates driven by mulberry32 (:mod:`backprop_lib.variants`), started
from (``shuffle_seed``, epoch), so that the book's JavaScript draws the same orders.

The arrays are updated in place, a whole layer at a time (w ← w − η·∂E/∂w), with the
forward and backward passes of :class:`backprop_lib.Network`: the same arithmetic, number
for number, as :meth:`Network.step`, without building a new network per update.
"""
from __future__ import annotations

import numpy as np

from .variants import Mulberry32, start_state


def permutation(n, rng):
    """The numbers 0 … n − 1 shuffled (Fisher–Yates, from the last position down)."""
    order = list(range(n))
    for i in range(n - 1, 0, -1):
        j = rng.integer(0, i)
        order[i], order[j] = order[j], order[i]
    return order


def batches(net, epoch):
    """The sample indices of each update of epoch ``epoch`` (counted from 0), as lists."""
    n = net.samples
    if net.mode == "batch":
        return [list(range(n))]
    if net.mode == "online":
        return [[s] for s in range(n)]
    order = permutation(n, Mulberry32(start_state(net.shuffle_seed, epoch)))
    return [order[k:k + net.batch_size] for k in range(0, n, net.batch_size)]


def train(net, steps, progress=None):
    """``steps`` epochs from ``net``; returns ``(history, trained)`` as :meth:`Network.train`
    does: the mean loss over all samples before any step and after each."""
    work = net.replace(weights=[w.copy() for w in net.weights],
                       biases=[b if b is None or isinstance(b, float) else b.copy() for b in net.biases])
    rate = net.learning_rate
    X, T = net.inputs, net.targets
    everything = len(X)
    history = [work.forward().loss]
    with np.errstate(over="ignore", invalid="ignore"):
        for epoch in range(steps):
            for rows in batches(net, epoch):
                if len(rows) == everything:
                    trace = work.forward()
                else:
                    trace = work.forward(X[rows], T[rows])
                g = work.backward(trace)
                for k in range(net.depth):
                    work.weights[k] -= rate * g.weights[k]
                    if net.update_biases and work.biases[k] is not None:
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
    return history, work

"""The finite-difference check: the gradient without calculus.

∂E/∂p ≈ (E(p + h) − E(p − h)) / 2h, one parameter at a time, everything else held fixed.
Its error shrinks like h², until rounding (about 1e-16 / h) takes over; h = 1e-6 balances
the two for the numbers in this book.
"""
from __future__ import annotations

import numpy as np


def finite_difference(net, h=1e-6):
    """The central-difference estimate of the gradient, in the order of ``net.parameters()``.

    Each parameter is set to p + h, then p − h, in one working copy of the network and put
    back (the same numbers as a fresh copy per nudge, without copying every parameter for
    each one: a network of a thousand parameters takes a thousand times less)."""
    work = net.with_flat(net.flat())
    grad = np.empty(len(work.parameters()))
    for n, p in enumerate(work.parameters()):
        losses = []
        for value in (p.value + h, p.value - h):
            _put(work, p.location, value)
            losses.append(work.forward().loss)
        _put(work, p.location, p.value)
        grad[n] = (losses[0] - losses[1]) / (2 * h)
    return grad


def _put(net, location, value):
    if location[0] == "weights":            # ("weights", k, j, i); a conv kernel's ("weights", k, f, c, u, v)
        net.weights[location[1]][tuple(location[2:])] = value
    elif len(location) == 2:
        net.biases[location[1]] = value
    else:
        net.biases[location[1]][location[2]] = value


def max_abs_diff(a, b):
    return float(np.max(np.abs(np.asarray(a) - np.asarray(b)))) if len(a) else 0.0

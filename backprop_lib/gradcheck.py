"""The finite-difference check: the gradient without calculus.

∂E/∂p ≈ (E(p + h) − E(p − h)) / 2h, one parameter at a time, everything else held fixed.
Its error shrinks like h², until rounding (about 1e-16 / h) takes over; h = 1e-6 balances
the two for the numbers in this book.
"""
from __future__ import annotations

import numpy as np


def finite_difference(net, h=1e-6):
    """The central-difference estimate of the gradient, in the order of ``net.parameters()``."""
    theta = net.flat()
    grad = np.empty_like(theta)
    for n in range(len(theta)):
        up, down = theta.copy(), theta.copy()
        up[n] += h
        down[n] -= h
        grad[n] = (net.with_flat(up).forward().loss - net.with_flat(down).forward().loss) / (2 * h)
    return grad


def max_abs_diff(a, b):
    return float(np.max(np.abs(np.asarray(a) - np.asarray(b)))) if len(a) else 0.0

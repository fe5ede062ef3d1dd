"""Fresh numbers for a network of the same shape, drawn from a seeded generator.

An exercise's "New numbers" button draws the n-th variant of its network in the browser;
:func:`draw` draws the same one in Python, number for number, because both use the same
generator (mulberry32, 32-bit integer arithmetic that JavaScript and Python do alike) and
the same drawing order (``backprop_lib/widgets/js/engine.js`` holds the JavaScript twin).

Variant 0 is the network itself.  Variant n ≥ 1 keeps the shape, activations, loss, bias
kinds, learning rate, mode and names, and draws:

* every weight and bias: two decimals from 0.05 to 0.95 (as the documents choose them);
* every input: a whole number from 1 to 9 where all the network's inputs are whole
  numbers, otherwise two decimals from 0.01 to 0.99;
* every target: for a softmax output, one class per sample (1 for it, 0 for the others);
  otherwise a whole number from 1 to 3 where all targets are whole numbers, else two
  decimals from 0.01 to 0.99.

Numbers are drawn in this order: weights layer by layer, row by row; then each layer's
bias or biases; then the inputs sample by sample; then the targets sample by sample.
"""
from __future__ import annotations

import numpy as np

from .network import Network, SpecError

MASK = 0xFFFFFFFF


def _imul(a, b):
    """JavaScript's ``Math.imul``: the low 32 bits of a·b (as an unsigned number here)."""
    return (a * b) & MASK


class Mulberry32:
    """The mulberry32 generator; ``next()`` is a float in [0, 1) with 32 random bits."""

    def __init__(self, state):
        self.state = state & MASK

    def next_uint(self):
        self.state = (self.state + 0x6D2B79F5) & MASK
        a = self.state
        t = _imul(a ^ (a >> 15), 1 | a)
        t = ((t + _imul(t ^ (t >> 7), 61 | t)) & MASK) ^ t
        return (t ^ (t >> 14)) & MASK

    def next(self):
        return self.next_uint() / 4294967296.0

    def integer(self, lo, hi):
        """A whole number from ``lo`` to ``hi`` inclusive."""
        return lo + int(self.next() * (hi - lo + 1))


def start_state(seed, variant):
    """The generator's starting state for (seed, variant)."""
    return (_imul(seed & MASK, 0x9E3779B9) + _imul(variant & MASK, 0x85EBCA6B)) & MASK


def _check_whole(value, name):
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or not 0 <= value < 2**31:
        raise SpecError(f"{name}: must be a whole number from 0 to 2147483647, got {value!r}")
    return int(value)


def _all_whole(values):
    return all(float(v).is_integer() for v in np.ravel(values))


def draw(net, variant, seed=0):
    """The ``variant``-th network of ``net``'s shape (variant 0 is ``net`` itself)."""
    if not isinstance(net, Network):
        raise SpecError(f"draw: expected a backprop_lib Network, got {type(net).__name__}")
    variant = _check_whole(variant, "variant")
    seed = _check_whole(seed, "seed")
    if variant == 0:
        return net.replace()
    rng = Mulberry32(start_state(seed, variant))

    def two_decimals(lo, hi):
        return rng.integer(lo, hi) / 100

    weights = []
    for k in range(net.depth):
        weights.append([[two_decimals(5, 95) for _ in range(net.layers[k])]
                        for _ in range(net.layers[k + 1])])
    biases = []
    for k, b in enumerate(net.biases):
        if b is None:
            biases.append(None)
        elif isinstance(b, float):
            biases.append(two_decimals(5, 95))
        else:
            biases.append([two_decimals(5, 95) for _ in range(net.layers[k + 1])])
    whole_inputs = _all_whole(net.inputs)
    inputs = [[float(rng.integer(1, 9)) if whole_inputs else two_decimals(1, 99)
               for _ in range(net.layers[0])] for _ in range(net.samples)]
    n_out = net.layers[-1]
    targets = []
    if net.activations[-1] == "softmax":
        for _ in range(net.samples):
            c = rng.integer(0, n_out - 1)
            targets.append([1.0 if j == c else 0.0 for j in range(n_out)])
    else:
        whole_targets = _all_whole(net.targets)
        # whole targets of a sigmoid output are class labels, 0 or 1; of any other, 1 to 3
        lo, hi = (0, 1) if net.activations[-1] == "sigmoid" else (1, 3)
        targets = [[float(rng.integer(lo, hi)) if whole_targets else two_decimals(1, 99)
                    for _ in range(n_out)] for _ in range(net.samples)]
    return net.replace(weights=weights, biases=biases, inputs=inputs, targets=targets)


def numbers(seed, variant, count):
    """The first ``count`` raw draws for (seed, variant), for comparing with JavaScript."""
    rng = Mulberry32(start_state(_check_whole(seed, "seed"), _check_whole(variant, "variant")))
    return [rng.next() for _ in range(count)]

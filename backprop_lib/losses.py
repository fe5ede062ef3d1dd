"""Loss functions of one sample, with their derivative with respect to the outputs.

The loss of several samples is the mean of these over the samples (see ``Network``).
"""
from __future__ import annotations

import numpy as np


class Loss:
    def __init__(self, name, terms, gradient, formula, gradient_formula):
        self.name = name
        self.terms = terms          # per-output error terms E_k (rows are samples)
        self.gradient = gradient    # ∂E/∂out_k for one sample's E = Σ_k E_k
        self.formula = formula
        self.gradient_formula = gradient_formula

    def __call__(self, out, target):
        """E of each sample: the sum of its per-output terms."""
        return np.sum(self.terms(out, target), axis=-1)

    def __repr__(self):
        return f"<loss {self.name}>"


# E = Σ_k ½(t_k − o_k)².  ∂E/∂o_k = 2·½·(t_k − o_k)·(−1) = o_k − t_k: the −1 is the
# derivative of the inner (t_k − o_k) with respect to o_k (the chain rule once more).
HALF_SSE = Loss(
    "half_sse",
    lambda out, target: 0.5 * (target - out) ** 2,
    lambda out, target: out - target,
    "½·({target} − {out})²", "−({target} − {out})")

# E = −Σ_k t_k·log(o_k).  ∂E/∂o_k = −t_k / o_k.
CROSS_ENTROPY = Loss(
    "cross_entropy",
    lambda out, target: -target * np.log(out),
    lambda out, target: -target / out,
    "−{target}·log({out})", "−{target}/{out}")

LOSSES = {l.name: l for l in (HALF_SSE, CROSS_ENTROPY)}

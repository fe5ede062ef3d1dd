"""The second document (3-2-2): its formula for ∂E/∂b1.

It writes ∂E/∂b1 as two chain-rule paths, o1 through h1 (with w7) and o2 through h2 (with
w10), and leaves out the other two (o1 through h2 with w9, o2 through h1 with w8).  The
exact derivative sums all four paths: ∂E/∂b1 = δ_h1 + δ_h2.
"""
from __future__ import annotations

from .. import presets


def db1_as_written():
    """∂E/∂b1 computed with the document's two-path formula."""
    net = presets.load("3-2-2")
    trace = net.forward()
    grads = net.backward(trace)
    d_o1, d_o2 = grads.delta[2][0]
    h1, h2 = trace.out[1][0]
    term1 = d_o1 * net["w7"] * h1 * (1 - h1)
    term2 = d_o2 * net["w10"] * h2 * (1 - h2)
    return {"dE/db1": float(term1 + term2)}

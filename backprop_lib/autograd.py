"""Automatic differentiation built by hand: the chapter "Build it yourself".

A :class:`Value` is one number that remembers the Values it was computed from.  Every
operation makes a new Value and carries, in a few lines, its own local derivative: how its
result changes with each of its inputs.  ``backward()`` then visits the Values from the last
one back to the first (an order in which each Value comes before everything it was computed
from) and lets each pass its gradient on to its inputs with the chain rule,

    input.grad += (∂result/∂input) · result.grad,

adding (``+=``) because one Value may feed several others: its gradient is the sum over
every path, as for a shared bias.  This follows Andrej Karpathy's micrograd.

>>> w, x, b = Value(0.8), Value(1.5), Value(-0.2)
>>> E = 0.5 * (0.25 - (w * x + b).sigmoid()) ** 2
>>> E.backward()
>>> w.grad                                    # ∂E/∂w
"""
from __future__ import annotations

import math


class Value:
    """A number, the Values it came from (``parents``), its operation, and
    ``grad``: ∂(the Value that ``backward`` was called on)/∂(this number)."""

    def __init__(self, data, parents=(), op="", label=""):
        self.data = float(data)
        self.grad = 0.0
        self.parents = tuple(parents)
        self.op = op
        self.label = label
        self._backward = lambda: None      # passes self.grad on to the parents

    def __repr__(self):
        name = f"{self.label} = " if self.label else ""
        return f"Value({name}{self.data:.9g}, grad {self.grad:.9g})"

    # ---------------------------------------------------------------- operations
    # add distributes: ∂(a + b)/∂a = ∂(a + b)/∂b = 1
    def __add__(self, other):
        other = other if isinstance(other, Value) else Value(other)
        out = Value(self.data + other.data, (self, other), "+")
        def _backward():
            self.grad += out.grad
            other.grad += out.grad
        out._backward = _backward
        return out

    # multiply swaps: ∂(a·b)/∂a = b, ∂(a·b)/∂b = a
    def __mul__(self, other):
        other = other if isinstance(other, Value) else Value(other)
        out = Value(self.data * other.data, (self, other), "×")
        def _backward():
            self.grad += other.data * out.grad
            other.grad += self.data * out.grad
        out._backward = _backward
        return out

    # a power with a plain-number exponent: ∂(aᵏ)/∂a = k·aᵏ⁻¹
    def __pow__(self, k):
        out = Value(self.data ** k, (self,), f"^{k:g}")
        def _backward():
            self.grad += k * self.data ** (k - 1) * out.grad
        out._backward = _backward
        return out

    # ∂eᵃ/∂a = eᵃ, the output itself
    def exp(self):
        out = Value(math.exp(self.data), (self,), "exp")
        def _backward():
            self.grad += out.data * out.grad
        out._backward = _backward
        return out

    # ∂tanh(a)/∂a = 1 − out²
    def tanh(self):
        out = Value(math.tanh(self.data), (self,), "tanh")
        def _backward():
            self.grad += (1 - out.data ** 2) * out.grad
        out._backward = _backward
        return out

    # ∂σ(a)/∂a = out·(1 − out)
    def sigmoid(self):
        out = Value(1 / (1 + math.exp(-self.data)), (self,), "σ")
        def _backward():
            self.grad += out.data * (1 - out.data) * out.grad
        out._backward = _backward
        return out

    # max routes: the gradient goes to where the max came from
    def relu(self):
        out = Value(max(self.data, 0.0), (self,), "max(0, ·)")
        def _backward():
            self.grad += (1.0 if self.data > 0 else 0.0) * out.grad
        out._backward = _backward
        return out

    # the rest are made of the operations above
    def __neg__(self): return self * -1
    def __sub__(self, other): return self + (-other)
    def __truediv__(self, other): return self * other ** -1
    def __radd__(self, other): return self + other
    def __rmul__(self, other): return self * other
    def __rsub__(self, other): return other + (-self)
    def __rtruediv__(self, other): return other * self ** -1

    # ---------------------------------------------------------------- the backward pass
    def backward(self):
        """Fill in ``grad`` of every Value this one was computed from."""
        order, seen, stack = [], set(), [(self, False)]
        while stack:                       # each Value after all of its parents
            v, parents_done = stack.pop()
            if parents_done:
                order.append(v)
            elif v not in seen:
                seen.add(v)
                stack.append((v, True))
                stack.extend((p, False) for p in v.parents)
        self.grad = 1.0                    # ∂self/∂self
        for v in reversed(order):          # from this Value back to the first
            v._backward()

"""The third document (2-2-1, linear): its names, its closing forward pass, and what it leaves
implicit.

:data:`NAMES` sets sympy's symbols in the document's own names (h_1, prediction, actual, Δ,
η), for ``backprop_lib.book.Notation(third.NAMES)``.

Every number the document publishes agrees with the exact computation to its rounding.  One
question remains: it prints the updated weights to two places and then runs the forward pass
"using the new weights".  :func:`forward_again` runs that pass with the weights exact or
rounded; only the exact (or finely rounded) weights give its "0.26".

The rest computes what the document leaves implicit, for the chapter and its tests:

* a network with no activation function and no biases is one linear map (:func:`collapsed`);
* one sample's training of any n-m-1 such network is governed by three numbers: the
  prediction p, |u|² (u the output weights) and |h|² (h the hidden outputs), with c = |x|²:

      p⁺   = p − η·r·(c·|u|² + |h|²) + η²·r²·c·p
      |u⁺|² = |u|² − 2η·r·p + η²·r²·|h|²
      |h⁺|² = |h|² − 2η·r·c·p + η²·r²·c²·|u|²          with r = p − t

  (:func:`three_numbers`, :func:`run`); the tests check it against ``Network.train``;
* the learning rates at which training stops converging and at which it blows up, by
  experiment (:func:`converging_threshold`, :func:`blow_up_threshold`) and by theory
  (:func:`theory`);
* what a learning rate does to the network's own training (:func:`trajectory`,
  :func:`steps_to_reach`, :func:`regime`), for the chapter's gentle page.
"""
from __future__ import annotations

import math

import numpy as np

from .. import presets
from ..network import SpecError, TrainingDiverged


# ---------------------------------------------------------------- the document's names
NAMES = {
    "out_h1": "h_1", "out_h2": "h_2", "net_h1": "h_1", "net_h2": "h_2",
    "out_prediction": r"\text{prediction}", "net_prediction": r"\text{prediction}",
    "target_prediction": r"\text{actual}", "actual": r"\text{actual}",
    "Delta": r"\Delta", "eta": r"\eta", "mu": r"\mu",
}
"""sympy symbol → the document's LaTeX: with no activation function a neuron's net input
is its output, so the document writes h1 for both, "prediction" for the output and "actual"
for the target; Δ = prediction − actual; η for the learning rate (the document writes a)."""

TERMS = {"E": "E", "out:h1": "h_1", "out:h2": "h_2", "out:prediction": r"\text{prediction}"}
"""The same names for the quantity column of ``backprop_lib.book.published_table``."""


# ---------------------------------------------------------------- the document's procedure
def forward_again(decimals=None, net=None):
    """The prediction after one update, the weights first rounded to ``decimals`` places
    (``None``: exact), as the document's "forward pass again"."""
    net = net or presets.load("2-2-1")
    after = net.step()
    if decimals is not None:
        after = after.with_flat([round(float(v), decimals) for v in after.flat()])
    return {"out:prediction@1": float(after.forward().outputs[0, 0])}


def forward_again_with_rounded_weights():
    """The forward pass again with the weights as the document prints them (two places)."""
    return forward_again(2)


def chain_formula(d, name):
    """∂E/∂``name`` as the chain rule builds it from sympy's local derivatives (``d`` from
    ``backprop_lib.derive``): along each path from the parameter to the error the factors
    multiply (a hidden neuron's ∂E/∂out expanded over the layer above), across paths they
    add.  In the intermediate symbols (prediction, h1, …), for the chapter's table."""
    import sympy as sp

    def along(term):
        product = sp.Integer(1)
        for num, den, expr in term:
            if num == "E" and den.startswith("out:") and den[4:] not in d.neuron_names[-1]:
                product *= sp.Add(*[along(t) for t in d.paths(den[4:])])
            else:
                product *= expr
        return product
    return sp.Add(*[along(t) for t in d.chain(name)])


def rounded_training(decimals, steps, net=None):
    """The prediction before any step and after each of ``steps`` training steps when the
    weights are rounded to ``decimals`` places after every step (``None``: never rounded),
    as a reader would get who carried the document's printed weights into the next step."""
    current = net or presets.load("2-2-1")
    predictions = [float(current.forward().outputs[0, 0])]
    for _ in range(int(steps)):
        current = current.step()
        if decimals is not None:
            current = current.with_flat([round(float(v), decimals) for v in current.flat()])
        predictions.append(float(current.forward().outputs[0, 0]))
    return predictions


# ---------------------------------------------------------------- one linear map
def collapsed(net):
    """The single weight matrix of a network with only linear layers and no biases:
    W_L ⋯ W_2 · W_1, so that outputs = collapsed(net) @ inputs."""
    bad = [a for a in net.activations if a != "linear"]
    if bad:
        raise SpecError(f"activations: collapsing needs linear layers only, got {', '.join(bad)}")
    if any(b is not None for b in net.biases):
        raise SpecError("biases: collapsing into one matrix needs a network without biases")
    total = np.eye(net.layers[0])
    for w in net.weights:
        total = w @ total
    return total


# ---------------------------------------------------------------- training, three numbers
def _check_shape(net):
    if len(net.layers) != 3 or net.layers[-1] != 1 or net.activations != ["linear", "linear"]:
        raise SpecError("layers: the three-number view is for n-m-1 networks with linear layers")
    if any(b is not None for b in net.biases):
        raise SpecError("biases: the three-number view is for networks without biases")
    if net.samples != 1 or net.loss != "half_sse":
        raise SpecError("inputs: the three-number view is for one sample and the half squared error")


def three_numbers(net):
    """``(p, |u|², |h|², c, t)`` of a one-sample n-m-1 linear network."""
    _check_shape(net)
    x = net.inputs[0]
    h = net.weights[0] @ x
    u = net.weights[1][0]
    return (float(u @ h), float(u @ u), float(h @ h), float(x @ x), float(net.targets[0, 0]))


def run(net, rate=None, steps=1000, tol=None, limit=1e8):
    """Gradient descent on the three numbers.  Returns ``(predictions, outcome)``:

    the predictions before any step and after each (until the run stops), and
    ``"converged"`` (|p − t| < tol, when ``tol`` is given), ``"blew up"`` (|p| > ``limit``
    or not finite) or ``"ran out"`` (``steps`` steps done).
    """
    eta = net.learning_rate if rate is None else float(rate)
    p, a, b, c, t = three_numbers(net)
    predictions = [p]
    for _ in range(int(steps)):
        r = p - t
        if tol is not None and abs(r) < tol:
            return predictions, "converged"
        er = eta * r
        p, a, b = (p - er * (c * a + b) + er * er * c * p,
                   a - 2.0 * er * p + er * er * b,
                   b - 2.0 * er * c * p + er * er * c * c * a)
        predictions.append(p)
        if not math.isfinite(p) or abs(p) > limit:
            return predictions, "blew up"
    if tol is not None and abs(p - t) < tol:
        return predictions, "converged"
    return predictions, "ran out"


def outcome(net, rate, steps, tol=1e-10):
    return run(net, rate, steps, tol=tol)[1]


def _bisect(test, lo, hi, iterations):
    """The boundary between rates where ``test`` holds (below) and fails (above)."""
    if not test(lo) or test(hi):
        raise ValueError(f"no boundary between {lo} and {hi}")
    for _ in range(iterations):
        mid = 0.5 * (lo + hi)
        if test(mid):
            lo = mid
        else:
            hi = mid
    return lo, hi


def converging_threshold(net=None, lo=0.1, hi=0.5, steps=100_000, tol=1e-10, iterations=24):
    """By experiment: the learning rate above which training no longer reaches |p − t| < tol
    within ``steps`` steps.  Returns the bracketing ``(lo, hi)``."""
    net = net or presets.load("2-2-1")
    return _bisect(lambda r: outcome(net, r, steps, tol) == "converged", lo, hi, iterations)


def blow_up_threshold(net=None, lo=0.3, hi=1.0, steps=20_000, iterations=24):
    """By experiment: the learning rate above which the prediction runs off to infinity within
    ``steps`` steps.  Returns the bracketing ``(lo, hi)``."""
    net = net or presets.load("2-2-1")
    return _bisect(lambda r: run(net, r, steps)[1] != "blew up", lo, hi, iterations)


def theory(net=None):
    """The critical learning rates that follow from the curvature.

    ``single_neuron``: one linear neuron with weights v (the collapsed map) has the
    quadratic error ½(v·x − t)², curvature |x|², and converges iff η < 2/|x|².

    ``at_reached_minimum``: the network's error is not quadratic in its weights; at a
    minimum its Hessian has one non-zero eigenvalue, |J|² = c·|u|² + |h|² (J = ∂p/∂θ), and
    gradient descent can only settle there if η < 2/|J|².  This one is for the minimum that
    small steps (gradient flow) reach from ``net``.

    ``flattest_minimum``: among all minima (u·h = t), |J|² ≥ 2·|t|·|x|, with equality when the
    network is balanced (|h| = |x|·|u|); so no minimum is stable above η = 1/(|t|·|x|).

    ``blow_up_balanced``: for a balanced, aligned network the three numbers reduce to one,
    q⁺ = q·(1 − η·|x|·(q − t))² (q = p, t > 0), whose orbits stay bounded iff η ≤ 2/(t·|x|);
    the document's network is only nearly balanced, so this is an estimate for it.
    """
    net = net or presets.load("2-2-1")
    p, a, b, c, t = three_numbers(net)
    if t == 0 or c == 0:
        raise SpecError("targets: the limits follow from t·|x|, which is 0 here")
    x = math.sqrt(c)
    reached = _flow_curvature(net)
    return {
        "single_neuron": 2.0 / c,
        "at_reached_minimum": 2.0 / reached,
        "flattest_minimum": 1.0 / (abs(t) * x),
        "blow_up_balanced": 2.0 / (abs(t) * x),
        "curvature_start": c * a + b,
        "curvature_reached": reached,
        "curvature_flattest": 2.0 * abs(t) * x,
    }


def _flow_curvature(net):
    """|J|² = c·|u|² + |h|² at the minimum that gradient flow (infinitely small steps) reaches.

    Under the flow du/dτ = −h, dh/dτ = −c·u (τ absorbs the residual), z₊ = s·u + h and
    z₋ = s·u − h (s = |x|) scale by e^{−sτ} and e^{sτ}; p = (|z₊|² − |z₋|²)/(4s) and
    |J|² = (|z₊|² + |z₋|²)/2.  Solving p = t for λ = e^{−2sτ} gives the curvature there.
    """
    _check_shape(net)
    x = net.inputs[0]
    s = math.sqrt(float(x @ x))
    u, h = net.weights[1][0], net.weights[0] @ x
    t = float(net.targets[0, 0])
    A = float((s * u + h) @ (s * u + h))
    B = float((s * u - h) @ (s * u - h))
    lam = (4 * s * t + math.sqrt(16 * s * s * t * t + 4 * A * B)) / (2 * A)
    return 0.5 * (A * lam + B / lam)


def curvature_reached(net, rate=None, steps=100_000, tol=1e-13):
    """|J|² = c·|u|² + |h|² where gradient descent at ``rate`` settles (``None`` if it does
    not converge within ``steps``)."""
    eta = net.learning_rate if rate is None else float(rate)
    p, a, b, c, t = three_numbers(net)
    for _ in range(int(steps)):
        r = p - t
        if abs(r) < tol:
            return c * a + b
        er = eta * r
        p, a, b = (p - er * (c * a + b) + er * er * c * p,
                   a - 2.0 * er * p + er * er * b,
                   b - 2.0 * er * c * p + er * er * c * c * a)
        if not math.isfinite(p):
            return None
    return None


def trajectory(net, rate=None, steps=40, limit=1e8):
    """The prediction before any step and after each of ``steps`` steps of the network's own
    training (``Network.step``) at ``rate``; it stops early once the prediction leaves
    [−limit, limit] or stops being a number (the run blows up)."""
    current = net if rate is None else net.replace(learning_rate=float(rate))
    predictions = [float(current.forward().outputs[0, 0])]
    with np.errstate(over="ignore", invalid="ignore"):
        for _ in range(int(steps)):
            current = current.step()
            p = float(current.forward().outputs[0, 0])
            predictions.append(p)
            if not math.isfinite(p) or abs(p) > limit:
                break
    return predictions


def steps_to_reach(net, rate=None, tolerance=5e-4, steps=3000):
    """The first step count after which |prediction − target| < ``tolerance`` for good (up to
    ``steps``), from the network's own training (``Network.train``: one sample, so the miss
    is √(2E)); ``None`` if it never settles there or blows up."""
    kind, n = regime(net, rate, tolerance, steps)
    return n if kind == "reaches" else None


def regime(net, rate=None, tolerance=5e-4, steps=3000):
    """What training at ``rate`` does, from the network's own training: ``("reaches", n)``
    (|prediction − target| < ``tolerance`` from step n on), ``("never settles", None)`` (still
    outside after ``steps`` steps: it jumps between values) or ``("blows up", n)`` (training
    stops with :class:`TrainingDiverged`; n is the first step at which |prediction| passes
    10⁸)."""
    current = net if rate is None else net.replace(learning_rate=float(rate))
    if current.samples != 1:
        raise SpecError("inputs: counting steps to the target needs one sample")
    try:
        history, _ = current.train(int(steps))
    except TrainingDiverged:
        return "blows up", len(trajectory(current, steps=steps)) - 1
    misses = np.sqrt(2.0 * np.asarray(history))
    outside = np.nonzero(~(misses < tolerance))[0]
    if len(outside) and outside[-1] == len(misses) - 1:
        return "never settles", None
    return "reaches", 0 if not len(outside) else int(outside[-1]) + 1


def largest_reaching_rate(net, lo=0.001, hi=2.0, tolerance=5e-4, steps=3000, iterations=20):
    """By experiment with the network's own training: the learning rate above which it no
    longer reaches |prediction − target| < ``tolerance`` within ``steps`` steps (bisection
    between ``lo``, which must reach, and ``hi``, which must not).  Returns ``(lo, hi)``."""
    return _bisect(lambda r: regime(net, r, tolerance, steps)[0] == "reaches", lo, hi, iterations)


def period(net, rate, steps=20_000, longest=64, atol=1e-9):
    """After ``steps`` steps at ``rate``, how many steps the predictions take to repeat
    (1: settled; 2: jumping between two values; …), or ``None`` if they do not repeat within
    ``longest`` steps (chaos, or a longer cycle), or blow up."""
    predictions, outcome = run(net, rate, steps)
    if outcome == "blew up":
        return None
    tail = np.array(predictions[-4 * longest:])
    for n in range(1, longest + 1):
        if np.allclose(tail[n:], tail[:-n], rtol=0, atol=atol):
            return n
    return None


# ---------------------------------------------------------------- what it can learn
XOR_INPUTS = [[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]]
XOR_TARGETS = [[0.0], [1.0], [1.0], [0.0]]


def best_linear_fit(inputs=XOR_INPUTS, targets=XOR_TARGETS):
    """The least-squares v of outputs = v·x (no bias) and its error (mean ½ squared error)."""
    X, T = np.array(inputs, dtype=float), np.array(targets, dtype=float)
    v, *_ = np.linalg.lstsq(X, T[:, 0], rcond=None)
    error = float(np.mean(0.5 * (X @ v - T[:, 0]) ** 2))
    return v, error

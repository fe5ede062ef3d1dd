"""Second order: the Hessian, Hessian-vector products, Gauss–Newton and Levenberg–Marquardt.

The Hessian H of the loss E is the matrix of its second derivatives, H_pq = ∂²E/∂p∂q,
over the trainable parameters (the ones an update changes), in the network's parameter
order.  Four ways to it, each independent of the others:

* :func:`hvp`: the Hessian-vector product H·v without forming H, by differentiating the
  backward pass along v (Pearlmutter's R-operator, "forward over reverse"): the forward
  pass carries, beside every value, its rate of change R(·) = d(·)/dε at θ + εv, and the
  backward pass is differentiated line by line.  It costs a few gradients, whatever the
  size of H.  :func:`hessian` is H·e_q for every parameter q (exact, symmetric).
* :func:`symbolic_hessian`: sympy's second derivatives of the whole E, for small networks.
* :func:`finite_difference_hessian`: (∇E(θ + h·e_q) − ∇E(θ − h·e_q)) / 2h, each column
  from two backpropagated gradients.
* :func:`gauss_newton`: G = mean over samples of Jᵀ·(∂²loss/∂out²)·J, with J = ∂out/∂θ, the
  outputs' Jacobian, one backward pass per output (:func:`output_jacobian`).  H = G + the
  terms with the outputs' own second derivatives, weighted by ∂loss/∂out.

Then the steps they give: :func:`newton_step` (θ − H⁺∇E), :func:`gauss_newton_step`,
:func:`levenberg_marquardt` ((G + μI)⁻¹: μ → 0 is Gauss–Newton, μ → ∞ a gradient step with
rate 1/μ), and :func:`train_rates`: gradient descent at many learning rates at once,
vectorised over the rates (for the learning-rate limit η < 2/λ_max).
"""
from __future__ import annotations

import numpy as np

from .activations import ACTIVATIONS
from .losses import LOSSES
from .network import SpecError

# f''(net) of each element-wise activation, in terms of (net, out) as the documents write f'
SECOND = {
    "sigmoid": lambda net, out: out * (1.0 - out) * (1.0 - 2.0 * out),   # σ'' = σ(1 − σ)(1 − 2σ)
    "tanh": lambda net, out: -2.0 * out * (1.0 - out * out),             # tanh'' = −2·tanh·(1 − tanh²)
    "relu": lambda net, out: np.zeros_like(out),
    "linear": lambda net, out: np.zeros_like(out),
}

# ∂²loss/∂out_k² of one sample (both losses are sums of per-output terms: the matrix is diagonal)
LOSS_SECOND = {
    "half_sse": lambda out, target: np.ones_like(out),
    "cross_entropy": lambda out, target: target / (out * out),
}


# ---------------------------------------------------------------------------- parameters
def trainable(net):
    """The parameters an update changes, in the network's parameter order."""
    return [p for p in net.parameters() if net.trainable(p)]


def names(net):
    """The trainable parameters' names: the rows and columns of :func:`hessian`."""
    return [p.name for p in trainable(net)]


def _trainable_index(net):
    return np.array([n for n, p in enumerate(net.parameters()) if net.trainable(p)], dtype=int)


def _blocks(net):
    """Per layer k: (start, number of weights, bias kind, bias count) in the flat parameter
    vector (weights row by row, then the layer's bias or biases, as ``Network.parameters``)."""
    out, start = [], 0
    for k in range(net.depth):
        nw = net.layers[k + 1] * net.layers[k]
        b = net.biases[k]
        kind = None if b is None else ("shared" if isinstance(b, float) else "each")
        nb = 0 if kind is None else (1 if kind == "shared" else net.layers[k + 1])
        out.append((start, nw, kind, nb))
        start += nw + nb
    return out


def _check_dense(net, what):
    if getattr(net, "kind", "dense") != "dense" or not hasattr(net, "weights"):
        raise SpecError(f"{what}: works for dense networks only")


# ---------------------------------------------------------------------------- H·v
def _hvp_all(net, V, trace=None):
    """H·v over *all* parameters for the directions in the rows of V (shape (D, P)):
    the R-operator applied to the forward and backward passes, vectorised over D and the
    samples.  Returns an array (D, P)."""
    V = np.atleast_2d(np.asarray(V, dtype=float))
    D, S = len(V), net.samples
    trace = trace or net.forward()
    loss = LOSSES[net.loss]
    blocks = _blocks(net)
    VW, Vb = [], []                                   # the direction, per layer
    for k, (start, nw, kind, nb) in enumerate(blocks):
        VW.append(V[:, start:start + nw].reshape(D, net.layers[k + 1], net.layers[k]))
        if kind is None:
            Vb.append(None)
        elif kind == "shared":
            Vb.append(np.repeat(V[:, start + nw:start + nw + 1], net.layers[k + 1], axis=1))
        else:
            Vb.append(V[:, start + nw:start + nw + nb])

    # R-forward: R(net_l) = R(out_{l−1})·Wᵀ + out_{l−1}·Vᵀ + Vb;  R(out_l) = f'(net_l)·R(net_l)
    Rnet, Rout = [None], [np.zeros((D, S, net.layers[0]))]
    for k in range(net.depth):
        l = k + 1
        r = Rout[k] @ net.weights[k].T + trace.out[k] @ VW[k].transpose(0, 2, 1)
        if Vb[k] is not None:
            r = r + Vb[k][:, None, :]
        o = trace.out[l]
        name = net.activations[k]
        if name == "softmax":
            ro = o * (r - np.sum(o * r, axis=-1, keepdims=True))
        else:
            ro = ACTIVATIONS[name].derivative(trace.net[l], o) * r
        Rnet.append(r)
        Rout.append(ro)

    # R-backward: differentiate each line of the backward pass along v
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        g = loss.gradient(trace.outputs, trace.targets)                       # ∂loss/∂out_L
        Rg = LOSS_SECOND[net.loss](trace.outputs, trace.targets) * Rout[-1]
    result = np.zeros((D, blocks[-1][0] + blocks[-1][1] + blocks[-1][3]))
    for l in range(net.depth, 0, -1):
        k = l - 1
        name = net.activations[k]
        n, o = trace.net[l], trace.out[l]
        if name == "softmax":
            s = np.sum(g * o, axis=-1, keepdims=True)
            delta = o * (g - s)
            Rs = np.sum(Rg * o + g * Rout[l], axis=-1, keepdims=True)
            Rdelta = Rout[l] * (g - s) + o * (Rg - Rs)
        else:
            act = ACTIVATIONS[name]
            delta = act.backward(n, o, g)                                       # δ = g·f'(net)
            Rdelta = Rg * act.derivative(n, o) + g * SECOND[name](n, o) * Rnet[l]
        # ∂E/∂W = δᵀ·out / S  →  R(∂E/∂W) = (R(δ)ᵀ·out + δᵀ·R(out)) / S
        RgW = (np.einsum("dsj,si->dji", Rdelta, trace.out[k])
               + np.einsum("sj,dsi->dji", delta, Rout[k])) / S
        start, nw, kind, nb = blocks[k]
        result[:, start:start + nw] = RgW.reshape(D, nw)
        if kind == "shared":
            result[:, start + nw] = np.sum(Rdelta, axis=(1, 2)) / S
        elif kind == "each":
            result[:, start + nw:start + nw + nb] = np.sum(Rdelta, axis=1) / S
        # g_{l−1} = δ·W  →  R(g_{l−1}) = R(δ)·W + δ·V
        Rg = Rdelta @ net.weights[k] + delta @ VW[k]
        g = delta @ net.weights[k]
    return result


def hvp(net, v):
    """H·v over the trainable parameters, without forming H (the R-operator).

    ``v``: one direction (length P, the number of trainable parameters) or several (rows of
    a (D, P) array); the result has the same shape."""
    _check_dense(net, "hvp")
    v = np.asarray(v, dtype=float)
    index = _trainable_index(net)
    one = v.ndim == 1
    Vt = np.atleast_2d(v)
    if Vt.shape[1] != len(index):
        raise SpecError(f"v: expected {len(index)} numbers (one per trainable parameter), got {Vt.shape[1]}")
    V = np.zeros((len(Vt), len(net.parameters())))
    V[:, index] = Vt
    out = _hvp_all(net, V)[:, index]
    return out[0] if one else out


def _chunk(net):
    return max(1, int(2_000_000 // max(1, net.samples * max(net.layers))))


def _hessian_all(net, index):
    """Columns ``index`` of the Hessian over all parameters (rows: all parameters)."""
    P = len(net.parameters())
    trace = net.forward()
    columns, step = [], _chunk(net)
    for a in range(0, len(index), step):
        part = index[a:a + step]
        E = np.zeros((len(part), P))
        E[np.arange(len(part)), part] = 1.0
        columns.append(_hvp_all(net, E, trace))
    return np.concatenate(columns).T if columns else np.zeros((P, 0))


def hessian(net):
    """The Hessian over the trainable parameters: H·e_q for every q, symmetrised
    ((H + Hᵀ)/2 only removes rounding: each entry is computed twice, once per order)."""
    _check_dense(net, "hessian")
    index = _trainable_index(net)
    H = _hessian_all(net, index)[index]
    return (H + H.T) / 2


def entry(net, p, q):
    """∂²E/∂p∂q for two named parameters (trainable or not)."""
    params = net.parameters()
    where = {x.name: n for n, x in enumerate(params)}
    for name in (p, q):
        if name not in where:
            raise KeyError(f"no parameter named {name!r}; this network has " + ", ".join(where))
    e = np.zeros((1, len(params)))
    e[0, where[q]] = 1.0
    return float(_hvp_all(net, e)[0, where[p]])


def eigenvalues(net):
    """The Hessian's eigenvalues, in increasing order."""
    return np.linalg.eigvalsh(hessian(net))


def largest_eigenvalue(net):
    return float(eigenvalues(net)[-1])


def rate_limit(net):
    """2/λ_max: the largest learning rate at which gradient descent on the quadratic that
    matches E here (value, gradient and Hessian) does not grow along the steepest direction."""
    lam = eigenvalues(net)
    top = float(lam[-1]) if len(lam) else 0.0
    if not top > 1e-12 * np.max(np.abs(lam), initial=0.0):      # above rounding: a real curvature
        raise SpecError(f"eta_max: the Hessian has no positive eigenvalue here (λ_max = {top!r}), "
                        "so its curvature sets no limit")
    return 2.0 / top


def quantity(net, body):
    """The second-order quantity keys of :mod:`backprop_lib.quantities`:
    ``d2E/dw5/dw6`` (∂²E/∂w5∂w6), ``lambda_max`` and ``eta_max`` (2/λ_max)."""
    if body == "lambda_max":
        return largest_eigenvalue(net)
    if body == "eta_max":
        return rate_limit(net)
    parts = body.split("/")
    if len(parts) != 3 or parts[0] != "d2E" or not parts[1].startswith("d") or not parts[2].startswith("d"):
        raise SpecError(f"{body}: a second derivative is written d2E/dP/dQ, e.g. d2E/dw5/dw6")
    return entry(net, parts[1][1:], parts[2][1:])


# ---------------------------------------------------------------------------- checks
_SYMBOLIC = {}


def symbolic_fits(net):
    """Whether sympy's whole-expression Hessian stays small: few paths and parameters."""
    paths = int(np.prod(net.layers[1:-1])) if net.depth > 1 else 1
    return paths * net.layers[-1] <= 16 and len(trainable(net)) <= 24


def symbolic_hessian(net):
    """sympy's Hessian of the whole E (one sample's expression, every path written out),
    over the trainable parameters: ``sympy.diff`` twice, each entry once (the matrix is
    symmetric), evaluated with every symbol replaced by its number and averaged over the
    samples.  The expressions are derived once per network shape."""
    import sympy as sp
    from .symbolic import _shape_key, derive

    d = derive(net)
    wrt = names(net)
    key = (_shape_key(net), tuple(wrt))
    if key not in _SYMBOLIC:
        E = d.E
        symbols = [d.symbol[n] for n in wrt]
        first = [sp.diff(E, s) for s in symbols]
        _SYMBOLIC[key] = [[sp.diff(first[a], symbols[b]) for b in range(a, len(wrt))] for a in range(len(wrt))]
    upper = _SYMBOLIC[key]
    params = {s: sp.Float(float(v)) for s, v in zip(d.params, net.flat())}
    total = np.zeros((len(wrt), len(wrt)))
    for x, t in zip(net.inputs, net.targets):
        values = {**params, **{s: sp.Float(float(v)) for s, v in zip(d.inputs, x)},
                  **{s: sp.Float(float(v)) for s, v in zip(d.targets, t)}}
        for a, row in enumerate(upper):
            for c, expr in enumerate(row):
                total[a, a + c] += float(expr.xreplace(values))
    total = total / net.samples
    return np.triu(total) + np.triu(total, 1).T


def finite_difference_hessian(net, h=1e-5):
    """Column q: (∇E(θ + h·e_q) − ∇E(θ − h·e_q)) / 2h, the backpropagated gradient nudged
    one trainable parameter at a time (error ~h² from the curvature's change, ~1e-16/h from
    rounding: h = 1e-5 balances them)."""
    index = _trainable_index(net)
    theta = net.flat()
    H = np.empty((len(index), len(index)))
    for c, n in enumerate(index):
        up, down = theta.copy(), theta.copy()
        up[n] += h
        down[n] -= h
        H[:, c] = (net.with_flat(up).gradient()[index] - net.with_flat(down).gradient()[index]) / (2 * h)
    return H


def checks(net):
    """The Hessian against sympy's (where :func:`symbolic_fits`) and against the finite
    difference of gradients: their largest absolute differences."""
    H = hessian(net)
    result = {"hessian_finite_difference_max_abs_diff": float(np.max(np.abs(H - finite_difference_hessian(net)),
                                                                     initial=0.0))}
    if symbolic_fits(net):
        result["hessian_symbolic_max_abs_diff"] = float(np.max(np.abs(H - symbolic_hessian(net)), initial=0.0))
        result["hessian_symbolic_method"] = "whole"
    else:
        result["hessian_symbolic_max_abs_diff"] = None
        result["hessian_symbolic_method"] = "too large for sympy's whole expression"
    return result


# ---------------------------------------------------------------------------- Gauss–Newton
def output_jacobian(net):
    """J[s, k, q] = ∂out_k/∂θ_q for sample s, over the trainable parameters: one backward
    pass per output k, started from ∂out_k/∂out = e_k instead of the loss's gradient."""
    _check_dense(net, "output_jacobian")
    trace = net.forward()
    S, M = net.samples, net.layers[-1]
    seed = np.zeros((M, S, M))
    seed[np.arange(M), :, np.arange(M)] = 1.0
    blocks = _blocks(net)
    P = blocks[-1][0] + blocks[-1][1] + blocks[-1][3]
    J = np.zeros((M, S, P))
    g = seed
    for l in range(net.depth, 0, -1):
        k = l - 1
        delta = ACTIVATIONS[net.activations[k]].backward(trace.net[l], trace.out[l], g)   # (M, S, n_l)
        start, nw, kind, nb = blocks[k]
        J[:, :, start:start + nw] = np.einsum("msj,si->msji", delta, trace.out[k]).reshape(M, S, nw)
        if kind == "shared":
            J[:, :, start + nw] = np.sum(delta, axis=2)
        elif kind == "each":
            J[:, :, start + nw:start + nw + nb] = delta
        g = delta @ net.weights[k]
    return J.transpose(1, 0, 2)[:, :, _trainable_index(net)]


def gauss_newton(net):
    """G = (1/S)·Σ_s J_sᵀ·L_s·J_s with L_s = ∂²loss/∂out² (the identity for ½Σ(t − o)²):
    positive semi-definite whenever L_s is, since vᵀGv = mean of (J_s v)ᵀ L_s (J_s v)."""
    J = output_jacobian(net)
    trace = net.forward()
    with np.errstate(divide="ignore", invalid="ignore"):
        L = LOSS_SECOND[net.loss](trace.outputs, trace.targets)                 # (S, M)
    G = np.einsum("skp,sk,skq->pq", J, L, J) / net.samples
    return (G + G.T) / 2


# ---------------------------------------------------------------------------- steps
def gradient(net):
    """∇E over the trainable parameters, in the order of :func:`names`."""
    return net.gradient()[_trainable_index(net)]


_gradient = gradient


def values(net):
    """The trainable parameters' values, in the order of :func:`names`."""
    return net.flat()[_trainable_index(net)]


def gradient_at(net, theta):
    """∇E over the trainable parameters, with their values set to ``theta`` (the others, e.g.
    biases held fixed, as they are)."""
    full = net.flat()
    full[_trainable_index(net)] = theta
    return _gradient(net.with_flat(full))


def moved(net, d):
    """A copy of ``net`` with the trainable parameters moved by ``d``."""
    theta = net.flat()
    theta[_trainable_index(net)] += d
    return net.with_flat(theta)


_moved = moved


def pseudo_inverse_solve(M, g, rcond=1e-10):
    """x = M⁺g for a symmetric M: eigen-directions with |λ| ≤ rcond·max|λ| (flat ones) are
    left out, the others divided by their eigenvalue."""
    lam, Q = np.linalg.eigh(M)
    keep = np.abs(lam) > rcond * np.max(np.abs(lam), initial=0.0)
    coeff = np.zeros_like(lam)
    coeff[keep] = (Q.T @ g)[keep] / lam[keep]
    return Q @ coeff


def newton_direction(net, rcond=1e-10):
    """−H⁺∇E over the trainable parameters."""
    return -pseudo_inverse_solve(hessian(net), _gradient(net), rcond)


def newton_step(net, rcond=1e-10):
    """One Newton step θ⁺ = θ − H⁺∇E (H⁺: :func:`pseudo_inverse_solve`)."""
    return _moved(net, newton_direction(net, rcond))


def gauss_newton_step(net, rcond=1e-10):
    """One Gauss–Newton step θ⁺ = θ − G⁺∇E."""
    return _moved(net, -pseudo_inverse_solve(gauss_newton(net), _gradient(net), rcond))


def damped_direction(net, mu):
    """−(G + μI)⁻¹∇E, Levenberg–Marquardt's step.  For large μ it is ≈ −∇E/μ, a gradient
    step with learning rate 1/μ; for μ → 0, the Gauss–Newton step."""
    G = gauss_newton(net)
    return -np.linalg.solve(G + mu * np.eye(len(G)), _gradient(net))


def damped_step(net, mu):
    """One Levenberg–Marquardt step θ⁺ = θ − (G + μI)⁻¹∇E."""
    return _moved(net, damped_direction(net, mu))


def _run(net, steps, step):
    history, current = [net.forward().loss], net
    for _ in range(int(steps)):
        current = step(current)
        loss = current.forward().loss
        history.append(loss)
        if not np.isfinite(loss):
            break
    return history, current


def newton(net, steps, rcond=1e-10):
    """``steps`` Newton steps: ``(history, network)`` (losses before and after each)."""
    return _run(net, steps, lambda n: newton_step(n, rcond))


def gauss_newton_run(net, steps, rcond=1e-10):
    return _run(net, steps, lambda n: gauss_newton_step(n, rcond))


def gradient_descent(net, steps):
    """``steps`` plain gradient steps in batch mode (θ − η∇E), as :meth:`Network.train`."""
    return net.replace(mode="batch").train(steps)


def levenberg_marquardt(net, steps, mu=1.0, factor=10.0):
    """``steps`` Levenberg–Marquardt steps with the classic schedule: a step that lowers E
    is taken and μ divided by ``factor`` (towards Gauss–Newton); one that does not is
    refused (θ stays) and μ multiplied by ``factor`` (towards a short gradient step).
    Returns ``(history, mus, network)``: the losses, and the μ each step tried."""
    history, mus, current = [net.forward().loss], [], net
    for _ in range(int(steps)):
        mus.append(mu)
        trial = damped_step(current, mu)
        loss = trial.forward().loss
        if np.isfinite(loss) and loss < history[-1]:
            current, mu = trial, mu / factor
            history.append(loss)
        else:
            mu *= factor
            history.append(history[-1])
    return history, mus, current


# ---------------------------------------------------------------------------- many rates
def train_rates(net, rates, steps, keep=0):
    """Gradient descent from ``net`` at every learning rate in ``rates`` at once, vectorised
    over the rates (batch mode, or online with one sample, which is the same).

    Returns ``(history, outputs)``: the losses, shape (rates, steps + 1), before any step and
    after each (inf/nan once a run has blown up), and the outputs of the last ``keep`` steps,
    shape (rates, keep, samples, outputs)."""
    _check_dense(net, "train_rates")
    if net.mode not in ("batch", "online") or (net.mode == "online" and net.samples > 1):
        raise SpecError("mode: training at many rates at once takes one update per step "
                        "(batch, or online with one sample)")
    rates = np.asarray(rates, dtype=float)
    R, S = len(rates), net.samples
    W = [np.repeat(w[None], R, axis=0) for w in net.weights]
    B = []
    for b in net.biases:
        B.append(None if b is None else np.full((R, 1), float(b)) if isinstance(b, float)
                 else np.repeat(np.asarray(b)[None], R, axis=0))
    loss = LOSSES[net.loss]
    X, T = net.inputs, net.targets
    history = np.empty((R, int(steps) + 1))
    tail = np.empty((R, keep, S, net.layers[-1]))
    eta = rates[:, None, None]

    def forward():
        outs, nets = [np.broadcast_to(X, (R,) + X.shape)], [None]
        for k in range(net.depth):
            n = outs[-1] @ W[k].transpose(0, 2, 1)
            if B[k] is not None:
                n = n + B[k][:, None, :]
            nets.append(n)
            outs.append(ACTIVATIONS[net.activations[k]].forward(n))
        return nets, outs

    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        for t in range(int(steps) + 1):
            nets, outs = forward()
            history[:, t] = np.mean(np.sum(loss.terms(outs[-1], T), axis=-1), axis=-1)
            if t >= steps + 1 - keep:
                tail[:, t - (steps + 1 - keep)] = outs[-1]
            if t == steps:
                break
            g = loss.gradient(outs[-1], T)
            for l in range(net.depth, 0, -1):
                k = l - 1
                delta = ACTIVATIONS[net.activations[k]].backward(nets[l], outs[l], g)
                g_prev = delta @ W[k]
                W[k] = W[k] - eta * ((delta.transpose(0, 2, 1) @ outs[k]) / S)
                if net.update_biases and B[k] is not None:
                    if isinstance(net.biases[k], float):
                        B[k] = B[k] - rates[:, None] * np.sum(delta, axis=(1, 2))[:, None] / S
                    else:
                        B[k] = B[k] - rates[:, None] * np.sum(delta, axis=1) / S
                g = g_prev
    return history, tail


# ---------------------------------------------------------------------------- cost
def cost(layers, samples=1):
    """Multiply-adds for one gradient, one Hessian-vector product and the whole Hessian of
    a dense network with these layer sizes (weights only; biases add little), as the
    passes above do them.  With C = Σ_k n_k·n_{k+1} (the number of weights), per sample:

    * gradient: forward C, backward 2C (δ·W down, δ·outᵀ for ∂E/∂W);
    * H·v: the gradient's passes, plus R-forward 2C (R(out)·Wᵀ and out·Vᵀ) and R-backward
      4C (R(δ)·W, δ·V, R(δ)·outᵀ, δ·R(out)ᵀ), 9C in all;
    * H: one forward and backward, then P products without them: 3C + 6C·P;
    * the numbers to store: P for a gradient or H·v, P² for H.
    """
    C = sum(a * b for a, b in zip(layers[:-1], layers[1:]))
    return {"parameters": C, "gradient": 3 * C * samples, "hvp": 9 * C * samples,
            "hessian": (3 * C + 6 * C * C) * samples, "hessian_entries": C * C}


# ---------------------------------------------------------------------------- flat directions
def structural_flat_directions(net):
    """For one sample through one hidden layer: the moves of the trainable weights along
    which the Hessian is exactly zero because of the network's shape, each with what it
    keeps fixed (unit vectors over :func:`names`).

    * per hidden neuron h, each move of its incoming weights orthogonal to the input
      (n_i − 1 of them): net_h does not change, so nothing after it does;
    * moves V of the output weights with V·out_h = 0 (no output's net input changes) and
      Vᵀ·δ_o = 0 (no hidden neuron's ∂E/∂out changes): (n_o − 1)(n_h − 1) of them.

    n_h·(n_i − 1) + (n_o − 1)·(n_h − 1) in all, for networks with biases held fixed."""
    if net.depth != 2 or net.samples != 1 or net.update_biases and any(b is not None for b in net.biases):
        raise SpecError("layers: the flat directions are worked out for one sample through one hidden "
                        "layer, biases held fixed")
    n_i, n_h, n_o = net.layers
    trace = net.forward()
    delta = net.backward(trace).delta[2][0]
    x, h = net.inputs[0], trace.out[1][0]
    P = len(names(net))
    out = []

    def complement(u):
        """An orthonormal basis of the vectors orthogonal to u."""
        q, _ = np.linalg.qr(np.column_stack([u] + list(np.eye(len(u)))))
        return [q[:, c] for c in range(1, len(u))]
    for j in range(n_h):
        for w in complement(x):
            v = np.zeros(P)
            v[j * n_i:(j + 1) * n_i] = w
            out.append((v / np.linalg.norm(v), f"net_{net.neuron_names[1][j]}"))
    for a in complement(delta):
        for b in complement(h):
            v = np.zeros(P)
            v[n_h * n_i:] = np.outer(a, b).ravel()           # V = a·bᵀ: V·h = 0 and Vᵀ·δ = 0
            out.append((v / np.linalg.norm(v), "every net_o and every ∂E/∂out_h"))
    return out


def flat_direction_count(layers):
    """n_h·(n_i − 1) + (n_o − 1)·(n_h − 1): the flat directions of one sample (see
    :func:`structural_flat_directions`)."""
    n_i, n_h, n_o = layers
    return n_h * (n_i - 1) + (n_o - 1) * (n_h - 1)


# ---------------------------------------------------------------------------- an exercise's check
def judge_hvp(function, net=None, h=1e-5):
    """``(right, message)`` for a reader's ``function(net, v, h)`` that estimates H·v by
    central differences of the gradient (the chapter's code exercise)."""
    from . import presets
    net = net or presets.load("2-2-2")
    P = len(names(net))
    v = np.linspace(1.0, -0.5, P)
    exact = hvp(net, v)
    try:
        got = function(net, v, h)
    except NotImplementedError:
        return False, "Not yet: the function is still to be written."
    except Exception as e:                      # the reader's code: any error is a hint
        return False, f"Not yet: calling it raised {type(e).__name__}: {e}"
    if got is None:
        return False, "Not yet: the function returned nothing; return the vector of P numbers."
    try:
        got = np.asarray(got, dtype=float).ravel()
    except (TypeError, ValueError):
        return False, "Not yet: return a vector of numbers, one per trainable parameter."
    if got.shape != exact.shape:
        return False, f"Not yet: expected {P} numbers (one per trainable parameter), got {got.size}."
    scale = np.max(np.abs(exact))
    if np.max(np.abs(got - exact)) / scale < 1e-6:
        return True, "Right: it agrees with the exact H·v to about 1 part in 10⁶ or better."
    if np.max(np.abs(got + exact)) / scale < 1e-6:
        return False, "Not yet: the sign is flipped: (∇E(θ + h·v) − ∇E(θ − h·v)) / 2h."
    if np.max(np.abs(got / 2 - exact)) / scale < 1e-6:
        return False, "Not yet: twice the exact value: divide by 2h, the distance between the two points."
    return False, ("Not yet: move the weights by +h·v and by −h·v, take the gradient at both and "
                   "divide their difference by 2h.")


def check_hvp(function, net=None, h=1e-5):
    """Print the verdict of :func:`judge_hvp` (the chapter's check cell)."""
    print(judge_hvp(function, net, h)[1])


def markdown_table(row_names, matrix, column_names=None, digits=5, corner="$p$ \\ $q$", row_labels=None,
                   column_labels=None):
    """A matrix as a Markdown table, rows and columns named in LaTeX (w5 → $w_{5}$) unless
    ``row_labels``/``column_labels`` give the headings, each entry to ``digits`` significant
    figures in scientific notation, exact zeros as 0."""
    from .notation import latex_name
    column_names = row_names if column_names is None else column_names

    def cell(v):
        return "0" if v == 0 else f"{v:.{digits - 1}e}"
    heads = column_labels or [f"${latex_name(n)}$" for n in column_names]
    lines = [f"| {corner} | " + " | ".join(heads) + " |",
             "|---|" + "---:|" * len(heads)]
    labels = row_labels or [f"${latex_name(n)}$" for n in row_names]
    for label, row in zip(labels, matrix):
        lines.append(f"| {label} | " + " | ".join(cell(v) for v in row) + " |")
    return "\n".join(lines)


# ---------------------------------------------------------------------------- figures
_SUPERSCRIPT = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")


def log_axes(ax, x=False, y=True):
    """Label a matplotlib log axis 10⁻⁴, 10⁻², … in plain text (no mathtext, several times
    quicker to draw; the chapter draws its figures on every run) and leave minor ticks
    unlabelled."""
    from matplotlib.ticker import FuncFormatter, NullFormatter

    def label(value, _):
        if not value > 0:
            return ""
        e = np.log10(value)
        return f"10{str(int(round(e))).translate(_SUPERSCRIPT)}" if abs(e - round(e)) < 1e-9 else ""
    for on, axis in ((x, ax.xaxis), (y, ax.yaxis)):
        if on:
            axis.set_major_formatter(FuncFormatter(label))
            axis.set_minor_formatter(NullFormatter())

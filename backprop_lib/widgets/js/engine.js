// The browser's backpropagation: a second implementation of backprop_lib for dense networks.
//
// It mirrors backprop_lib/network.py (forward, backward, one step), compiled.py (training for
// N steps, in the same order of operations) and quantities.py (the quantity keys), so that
// what a page shows equals what the library computes; tests/test_widget_engine.py compares
// the two on hundreds of random networks.  It also draws the exercises' fresh numbers with
// the seeded generator of backprop_lib/variants.py; judging answers is judge.js's (as
// backprop_lib/widgets/answers.py).
//
// A network here is a plain object made by fromSpec(spec) from backprop_lib's JSON spec:
//   layers, activations, W[k][j] (Float64Array of the weights into neuron j of layer k + 1),
//   B[k] (null, a number shared by the layer, or a Float64Array), X[s], T[s] (Float64Array per
//   sample), loss, rate, updateBiases, mode, names (name → location), neuronNames, decimals.

import * as Hess from "./hessian.js";

// ------------------------------------------------------------------ networks

export function fromSpec(spec) {
  const layers = spec.layers.map(Number);
  const L = layers.length - 1;
  const rows = (v) => (Array.isArray(v[0]) ? v : [v]);
  const biases = spec.biases == null ? new Array(L).fill(null) : spec.biases;
  const net = {
    layers,
    activations: spec.activations.slice(),
    W: spec.weights.map((m) => m.map((r) => Float64Array.from(r))),
    B: biases.map((b) => (b == null ? null : Array.isArray(b) ? Float64Array.from(b) : Number(b))),
    X: rows(spec.inputs).map((r) => Float64Array.from(r)),
    T: rows(spec.targets).map((r) => Float64Array.from(r)),
    loss: spec.loss,
    rate: Number(spec.learning_rate),
    updateBiases: spec.update_biases === undefined ? true : !!spec.update_biases,
    mode: spec.mode || "batch",
    names: Object.assign({}, spec.names || {}),
    neuronNames: spec.neuron_names ? spec.neuron_names.map((r) => r.slice()) : defaultNeuronNames(layers),
    title: spec.title || "",
    decimals: spec.decimals === undefined ? 9 : spec.decimals,
  };
  return net;
}

export function toSpec(net) {
  const spec = {
    layers: net.layers.slice(),
    activations: net.activations.slice(),
    weights: net.W.map((m) => m.map((r) => Array.from(r))),
    biases: net.B.map((b) => (b === null ? null : typeof b === "number" ? b : Array.from(b))),
    update_biases: net.updateBiases,
    inputs: net.X.map((r) => Array.from(r)),
    targets: net.T.map((r) => Array.from(r)),
    loss: net.loss,
    learning_rate: net.rate,
    mode: net.mode,
  };
  if (Object.keys(net.names).length) {
    spec.names = {};
    for (const [n, loc] of Object.entries(net.names)) spec.names[n] = loc.slice();
  }
  spec.neuron_names = net.neuronNames.map((r) => r.slice());
  if (net.title) spec.title = net.title;
  spec.decimals = net.decimals;
  return spec;
}

export function clone(net, changes) {
  const copy = Object.assign({}, net, {
    W: net.W.map((m) => m.map((r) => Float64Array.from(r))),
    B: net.B.map((b) => (b === null || typeof b === "number" ? b : Float64Array.from(b))),
    X: net.X.map((r) => Float64Array.from(r)),
    T: net.T.map((r) => Float64Array.from(r)),
  });
  delete copy._params;
  return Object.assign(copy, changes || {});
}

export function defaultNeuronNames(layers) {
  const hidden = layers.length - 2;
  const names = [layers[0] ? range(layers[0]).map((j) => `i${j + 1}`) : []];
  for (let l = 1; l < layers.length - 1; l++) {
    names.push(range(layers[l]).map((j) => (hidden === 1 ? `h${j + 1}` : `h${l}_${j + 1}`)));
  }
  names.push(range(layers[layers.length - 1]).map((j) => `o${j + 1}`));
  return names;
}

function range(n) {
  return Array.from({ length: n }, (_, i) => i);
}

export const depth = (net) => net.layers.length - 1;
export const samples = (net) => net.X.length;

function locKey(loc) {
  return loc.join(",");
}

// Every trainable number, in backprop_lib's canonical order: layer by layer, weights row by
// row, then the layer's bias or biases.  Each is {name, loc, kind, layer}.
export function parameters(net) {
  if (net._params) return net._params;
  const byLoc = {};
  for (const [name, loc] of Object.entries(net.names)) byLoc[locKey(loc)] = name;
  const params = [];
  for (let k = 0; k < depth(net); k++) {
    for (let j = 0; j < net.layers[k + 1]; j++) {
      for (let i = 0; i < net.layers[k]; i++) {
        const loc = ["weights", k, j, i];
        params.push({ name: byLoc[locKey(loc)] || `w${k + 1}_${j + 1}_${i + 1}`, loc, kind: "weights", layer: k + 1 });
      }
    }
    const b = net.B[k];
    if (b === null) continue;
    if (typeof b === "number") {
      const loc = ["biases", k];
      params.push({ name: byLoc[locKey(loc)] || `b${k + 1}`, loc, kind: "biases", layer: k + 1 });
    } else {
      for (let j = 0; j < net.layers[k + 1]; j++) {
        const loc = ["biases", k, j];
        params.push({ name: byLoc[locKey(loc)] || `b${k + 1}_${j + 1}`, loc, kind: "biases", layer: k + 1 });
      }
    }
  }
  Object.defineProperty(net, "_params", { value: params, enumerable: false, configurable: true, writable: true });
  return params;
}

export function findParam(net, name) {
  const p = parameters(net).find((q) => q.name === name);
  if (!p) throw new Error(`no parameter named '${name}'`);
  return p;
}

export function getAt(net, loc) {
  if (loc[0] === "weights") return net.W[loc[1]][loc[2]][loc[3]];
  return loc.length === 2 ? net.B[loc[1]] : net.B[loc[1]][loc[2]];
}

export function setAt(net, loc, v) {
  if (loc[0] === "weights") net.W[loc[1]][loc[2]][loc[3]] = v;
  else if (loc.length === 2) net.B[loc[1]] = v;
  else net.B[loc[1]][loc[2]] = v;
}

export function param(net, name) {
  return getAt(net, findParam(net, name).loc);
}

export function flat(net) {
  return Float64Array.from(parameters(net), (p) => getAt(net, p.loc));
}

export function withFlat(net, theta) {
  const copy = clone(net);
  parameters(net).forEach((p, n) => setAt(copy, p.loc, theta[n]));
  return copy;
}

export function trainable(net, p) {
  return p.kind === "weights" || net.updateBiases;
}

export function neuron(net, name) {
  for (let l = 0; l < net.neuronNames.length; l++) {
    const j = net.neuronNames[l].indexOf(name);
    if (j >= 0) return [l, j];
  }
  throw new Error(`no neuron named '${name}'`);
}

// ------------------------------------------------------------------ activations, losses

function activate(name, n) {
  // one layer's outputs from its net inputs (a Float64Array)
  const out = new Float64Array(n.length);
  if (name === "softmax") {
    let m = -Infinity;
    for (let j = 0; j < n.length; j++) if (n[j] > m) m = n[j];
    let s = 0;
    for (let j = 0; j < n.length; j++) {
      out[j] = Math.exp(n[j] - m);
      s += out[j];
    }
    for (let j = 0; j < n.length; j++) out[j] = out[j] / s;
    return out;
  }
  for (let j = 0; j < n.length; j++) out[j] = activateOne(name, n[j]);
  return out;
}

function activateOne(name, x) {
  switch (name) {
    case "sigmoid": return 1.0 / (1.0 + Math.exp(-x));
    case "tanh": return Math.tanh(x);
    case "relu": return x > 0.0 ? x : 0.0;
    case "linear": return x;
  }
  throw new Error(`unknown activation ${name}`);
}

// ∂out/∂net of one neuron, written as the documents do (sigmoid: out·(1 − out)).
export function derivative(name, net, out) {
  switch (name) {
    case "sigmoid": return out * (1.0 - out);
    case "tanh": return 1.0 - out * out;
    case "relu": return net > 0.0 ? 1.0 : 0.0;
    case "linear": return 1.0;
  }
  throw new Error(`${name} has no element-wise derivative`);
}

function lossTerm(loss, o, t) {
  return loss === "half_sse" ? 0.5 * ((t - o) * (t - o)) : -t * Math.log(o);
}

function lossGradient(loss, o, t) {
  return loss === "half_sse" ? o - t : -t / o;
}

// ------------------------------------------------------------------ forward, backward, step

// The forward pass: net[l][s], out[l][s] (Float64Array per sample; out[0] are the inputs),
// the per-output error terms, each sample's loss and their mean.
export function forward(net, X, T) {
  X = X || net.X;
  T = T || net.T;
  const L = depth(net);
  const nets = [null];
  const outs = [X];
  let prev = X;
  for (let k = 0; k < L; k++) {
    const W = net.W[k];
    const b = net.B[k];
    const nk = [];
    const ok = [];
    for (let s = 0; s < prev.length; s++) {
      const row = new Float64Array(W.length);
      for (let j = 0; j < W.length; j++) {
        const w = W[j];
        const x = prev[s];
        let sum = 0.0;
        for (let i = 0; i < w.length; i++) sum += x[i] * w[i];
        if (b !== null) sum += typeof b === "number" ? b : b[j];
        row[j] = sum;
      }
      nk.push(row);
      ok.push(activate(net.activations[k], row));
    }
    nets.push(nk);
    outs.push(ok);
    prev = ok;
  }
  const terms = [];
  const sampleLoss = new Float64Array(prev.length);
  for (let s = 0; s < prev.length; s++) {
    const row = new Float64Array(prev[s].length);
    let sum = 0.0;
    for (let j = 0; j < row.length; j++) {
      row[j] = lossTerm(net.loss, prev[s][j], T[s][j]);
      sum += row[j];
    }
    terms.push(row);
    sampleLoss[s] = sum;
  }
  let total = 0.0;
  for (let s = 0; s < sampleLoss.length; s++) total += sampleLoss[s];
  return { net: nets, out: outs, targets: T, terms, sampleLoss, loss: total / sampleLoss.length };
}

// The backward pass: dEdout[l][s], delta[l][s] (= ∂E/∂net), and the gradient of the mean
// loss, gW[k][j][i] and gB[k], shaped like the network.
//   onlyOutput: backpropagate one output's error term alone (E_o1 of the first document);
//   sigmaFromNet: the mistake of taking the sigmoid's derivative as net·(1 − net).
export function backward(net, trace, onlyOutput = null, sigmaFromNet = false) {
  trace = trace || forward(net);
  const L = depth(net);
  const S = trace.targets.length;
  let dE = trace.out[L].map((o, s) => {
    const row = new Float64Array(o.length);
    for (let j = 0; j < o.length; j++) {
      row[j] = lossGradient(net.loss, o[j], trace.targets[s][j]);
      if (onlyOutput !== null) row[j] = row[j] * (j === onlyOutput ? 1.0 : 0.0);
    }
    return row;
  });
  const dEdout = new Array(L + 1).fill(null);
  const delta = new Array(L + 1).fill(null);
  for (let l = L; l >= 1; l--) {
    const act = net.activations[l - 1];
    dEdout[l] = dE;
    delta[l] = dE.map((g, s) => {
      const out = trace.out[l][s];
      const n = trace.net[l][s];
      const d = new Float64Array(g.length);
      if (act === "softmax") {
        let dot = 0.0;
        for (let j = 0; j < g.length; j++) dot += g[j] * out[j];
        for (let j = 0; j < g.length; j++) d[j] = out[j] * (g[j] - dot);
      } else {
        for (let j = 0; j < g.length; j++) {
          const local = sigmaFromNet && act === "sigmoid" ? n[j] * (1.0 - n[j]) : derivative(act, n[j], out[j]);
          d[j] = g[j] * local;
        }
      }
      return d;
    });
    const W = net.W[l - 1];
    dE = delta[l].map((d) => {
      const row = new Float64Array(net.layers[l - 1]);
      for (let i = 0; i < row.length; i++) {
        let sum = 0.0;
        for (let j = 0; j < d.length; j++) sum += d[j] * W[j][i];
        row[i] = sum;
      }
      return row;
    });
  }
  const gW = [];
  const gB = [];
  for (let k = 0; k < L; k++) {
    const d = delta[k + 1];
    const prev = trace.out[k];
    gW.push(range(net.layers[k + 1]).map((j) => {
      const row = new Float64Array(net.layers[k]);
      for (let i = 0; i < row.length; i++) {
        let sum = 0.0;
        for (let s = 0; s < S; s++) sum += d[s][j] * prev[s][i];
        row[i] = sum / S;
      }
      return row;
    }));
    const b = net.B[k];
    if (b === null) gB.push(null);
    else if (typeof b === "number") {
      let sum = 0.0;
      for (let s = 0; s < S; s++) for (let j = 0; j < d[s].length; j++) sum += d[s][j];
      gB.push(sum / S);
    } else {
      const row = new Float64Array(net.layers[k + 1]);
      for (let j = 0; j < row.length; j++) {
        let sum = 0.0;
        for (let s = 0; s < S; s++) sum += d[s][j];
        row[j] = sum / S;
      }
      gB.push(row);
    }
  }
  return { dEdout, delta, gW, gB };
}

// The gradient as a vector in the order of parameters(net).
export function gradient(net, trace, grads) {
  const g = grads || backward(net, trace);
  return Float64Array.from(parameters(net), (p) => {
    const loc = p.loc;
    if (loc[0] === "weights") return g.gW[loc[1]][loc[2]][loc[3]];
    return loc.length === 2 ? g.gB[loc[1]] : g.gB[loc[1]][loc[2]];
  });
}

export function namedGradient(net, trace, grads) {
  const g = gradient(net, trace, grads);
  const out = {};
  parameters(net).forEach((p, n) => (out[p.name] = g[n]));
  return out;
}

function descend(net, rate) {
  const theta = flat(net);
  const grad = gradient(net);
  const params = parameters(net);
  const r = rate === undefined ? net.rate : rate;
  const next = new Float64Array(theta.length);
  for (let n = 0; n < theta.length; n++) next[n] = theta[n] - (trainable(net, params[n]) ? r : 0.0) * grad[n];
  return withFlat(net, next);
}

// One training step, θ ← θ − η·∂E/∂θ: "batch" one update with the mean loss's gradient;
// "online" one update per sample in order, each with that sample's own gradient.
export function step(net) {
  if (net.mode === "online" && samples(net) > 1) {
    let current = net;
    for (let s = 0; s < samples(net); s++) {
      const one = clone(current, { X: [net.X[s]], T: [net.T[s]] });
      current = clone(descend(one), { X: net.X, T: net.T });
    }
    return current;
  }
  return descend(net);
}

// ------------------------------------------------------------------ training (as compiled.py)

const ACT_CODE = { sigmoid: 0, tanh: 1, relu: 2, linear: 3, softmax: 4 };

// A trainer for this network's shape: train(theta, steps) → {history, theta}, the steps + 1
// losses (before any step, then after each) and the parameters after the last step.  It does
// what backprop_lib.compiled generates, statement for statement: the same sums in the same
// order, so the numbers agree with the library's to the last bits.
export function makeTrainer(net) {
  const L = depth(net);
  const sizes = net.layers;
  const act = net.activations.map((a) => ACT_CODE[a]);
  const params = parameters(net);
  const index = {};
  params.forEach((p, n) => (index[locKey(p.loc)] = n));
  // wIdx[k][j * n_in + i]: index of the weight in theta; bIdx[k][j]: of the bias (-1: none)
  const wIdx = [];
  const bIdx = [];
  const bUpdate = [];
  for (let k = 0; k < L; k++) {
    const wi = new Int32Array(sizes[k + 1] * sizes[k]);
    const bi = new Int32Array(sizes[k + 1]).fill(-1);
    for (let j = 0; j < sizes[k + 1]; j++) {
      for (let i = 0; i < sizes[k]; i++) wi[j * sizes[k] + i] = index[locKey(["weights", k, j, i])];
      const b = net.B[k];
      if (b !== null) bi[j] = typeof b === "number" ? index[locKey(["biases", k])] : index[locKey(["biases", k, j])];
    }
    wIdx.push(wi);
    bIdx.push(bi);
    bUpdate.push(net.B[k] !== null && net.updateBiases ? (typeof net.B[k] === "number" ? 1 : 2) : 0);
  }
  const S = samples(net);
  const X = net.X;
  const T = net.T;
  const half = net.loss === "half_sse";
  const single = S === 1;
  const online = net.mode === "online" && !single;
  const n = [null];
  const o = [null];
  const d = [null];
  for (let l = 1; l <= L; l++) {
    n.push(new Float64Array(sizes[l]));
    o.push(new Float64Array(sizes[l]));
    d.push(new Float64Array(sizes[l]));
  }
  const nOut = sizes[L];

  function fwd(th, x) {
    // one sample's forward pass; returns its loss
    o[0] = x;
    for (let l = 1; l <= L; l++) {
      const k = l - 1;
      const prev = o[k];
      const wi = wIdx[k];
      const bi = bIdx[k];
      const nin = sizes[k];
      const nl = n[l];
      const ol = o[l];
      for (let j = 0; j < sizes[l]; j++) {
        let sum = th[wi[j * nin]] * prev[0];
        for (let i = 1; i < nin; i++) sum = sum + th[wi[j * nin + i]] * prev[i];
        if (bi[j] >= 0) sum = sum + th[bi[j]];
        nl[j] = sum;
      }
      switch (act[k]) {
        case 0: for (let j = 0; j < sizes[l]; j++) ol[j] = 1.0 / (1.0 + Math.exp(-nl[j])); break;
        case 1: for (let j = 0; j < sizes[l]; j++) ol[j] = Math.tanh(nl[j]); break;
        case 2: for (let j = 0; j < sizes[l]; j++) ol[j] = nl[j] > 0.0 ? nl[j] : 0.0; break;
        case 3: for (let j = 0; j < sizes[l]; j++) ol[j] = nl[j]; break;
        case 4: {
          let m = nl[0];
          for (let j = 1; j < sizes[l]; j++) m = Math.max(m, nl[j]);
          let s = 0.0;
          for (let j = 0; j < sizes[l]; j++) {
            ol[j] = Math.exp(nl[j] - m);
            s = j === 0 ? ol[0] : s + ol[j];
          }
          for (let j = 0; j < sizes[l]; j++) ol[j] = ol[j] / s;
          break;
        }
      }
    }
    return sampleLoss(x);
  }

  function sampleLoss(_x) {
    const out = o[L];
    const t = tCur;
    let sum;
    if (half) {
      sum = (t[0] - out[0]) * (t[0] - out[0]);
      for (let j = 1; j < nOut; j++) sum = sum + (t[j] - out[j]) * (t[j] - out[j]);
      return 0.5 * sum;
    }
    sum = t[0] * Math.log(out[0]);
    for (let j = 1; j < nOut; j++) sum = sum + t[j] * Math.log(out[j]);
    return -sum;
  }

  let tCur = T[0];

  function bwd(th) {
    for (let l = L; l >= 1; l--) {
      const size = sizes[l];
      const dl = d[l];
      const ol = o[l];
      const nl = n[l];
      // ∂E/∂out of each neuron into dl first
      if (l === L) {
        for (let j = 0; j < size; j++) dl[j] = half ? ol[j] - tCur[j] : -tCur[j] / ol[j];
      } else {
        const up = d[l + 1];
        const wi = wIdx[l];
        const nup = sizes[l + 1];
        for (let j = 0; j < size; j++) {
          let sum = up[0] * th[wi[j]];
          for (let m = 1; m < nup; m++) sum = sum + up[m] * th[wi[m * size + j]];
          dl[j] = sum;
        }
      }
      switch (act[l - 1]) {
        case 0: for (let j = 0; j < size; j++) dl[j] = dl[j] * ol[j] * (1.0 - ol[j]); break;
        case 1: for (let j = 0; j < size; j++) dl[j] = dl[j] * (1.0 - ol[j] * ol[j]); break;
        case 2: for (let j = 0; j < size; j++) dl[j] = dl[j] * (nl[j] > 0.0 ? 1.0 : 0.0); break;
        case 3: break;
        case 4: {
          let dot = dl[0] * ol[0];
          for (let j = 1; j < size; j++) dot = dot + dl[j] * ol[j];
          for (let j = 0; j < size; j++) dl[j] = ol[j] * (dl[j] - dot);
          break;
        }
      }
    }
  }

  // G[n] += (or θ[n] -= rate·) the sample's gradient term of each updated parameter
  function apply(th, x, target, factor) {
    for (let k = 0; k < L; k++) {
      const prev = k === 0 ? x : o[k];
      const dk = d[k + 1];
      const wi = wIdx[k];
      const nin = sizes[k];
      for (let j = 0; j < sizes[k + 1]; j++) {
        for (let i = 0; i < nin; i++) {
          const idx = wi[j * nin + i];
          target[idx] = factor === 0 ? target[idx] + dk[j] * prev[i] : target[idx] - factor * (dk[j] * prev[i]);
        }
      }
      if (bUpdate[k] === 1) {
        let sum = dk[0];
        for (let j = 1; j < sizes[k + 1]; j++) sum = sum + dk[j];
        const idx = bIdx[k][0];
        target[idx] = factor === 0 ? target[idx] + sum : target[idx] - factor * sum;
      } else if (bUpdate[k] === 2) {
        for (let j = 0; j < sizes[k + 1]; j++) {
          const idx = bIdx[k][j];
          target[idx] = factor === 0 ? target[idx] + dk[j] : target[idx] - factor * dk[j];
        }
      }
    }
  }

  function lossAtCurrent(th) {
    let E = 0.0;
    for (let s = 0; s < S; s++) {
      tCur = T[s];
      E = E + fwd(th, X[s]);
    }
    return E / S;
  }

  return function train(theta0, steps, rate) {
    const th = Float64Array.from(theta0);
    rate = rate === undefined ? net.rate : rate;
    const history = new Float64Array(steps + 1);
    const G = new Float64Array(th.length);
    for (let step = 0; step < steps; step++) {
      if (single) {
        tCur = T[0];
        history[step] = fwd(th, X[0]);
        bwd(th);
        apply(th, X[0], th, rate);
      } else if (online) {
        history[step] = lossAtCurrent(th);
        for (let s = 0; s < S; s++) {
          tCur = T[s];
          fwd(th, X[s]);
          bwd(th);
          apply(th, X[s], th, rate);
        }
      } else {
        G.fill(0.0);
        let E = 0.0;
        for (let s = 0; s < S; s++) {
          tCur = T[s];
          E = E + fwd(th, X[s]);
          bwd(th);
          apply(th, X[s], G, 0);
        }
        history[step] = E / S;
        for (let k = 0; k < L; k++) {
          const wi = wIdx[k];
          for (let m = 0; m < wi.length; m++) th[wi[m]] = th[wi[m]] - rate * (G[wi[m]] / S);
          if (bUpdate[k] === 1) th[bIdx[k][0]] = th[bIdx[k][0]] - rate * (G[bIdx[k][0]] / S);
          else if (bUpdate[k] === 2) for (let j = 0; j < sizes[k + 1]; j++) th[bIdx[k][j]] = th[bIdx[k][j]] - rate * (G[bIdx[k][j]] / S);
        }
      }
    }
    history[steps] = lossAtCurrent(th);
    return { history, theta: th };
  };
}

// steps training steps: {history, net} (history has steps + 1 losses).
export function train(net, steps) {
  const run = makeTrainer(net)(flat(net), steps);
  return { history: run.history, net: withFlat(net, run.theta) };
}

// ------------------------------------------------------------------ quantities

const KEY = /^([^@[]+)(\[(\d+)\])?(@(\d+))?$/;

export function parseKey(key) {
  const m = KEY.exec(key);
  if (!m) throw new Error(`${key}: not a quantity key`);
  return { body: m[1], sample: m[3] === undefined ? null : Number(m[3]), steps: m[5] === undefined ? null : Number(m[5]) };
}

function at(table, l, s, j, key) {
  const rows = table[l];
  if (!rows) throw new Error(`${key}: not a quantity key`);
  if (s >= rows.length) throw new Error(`${key}: no sample ${s}`);
  return rows[s][j];
}

// The number a quantity key names (see backprop_lib/quantities.py), for network net.
// cache: {trained: {steps: net}, trace, grads} shared between keys of the same network.
export function value(net, key, cache) {
  cache = cache || {};
  const { body, sample, steps } = parseKey(key);
  const s = sample || 0;
  if (steps !== null) {
    cache.trained = cache.trained || {};
    if (!(steps in cache.trained)) cache.trained[steps] = { net: train(net, steps).net };
    return value(cache.trained[steps].net, body + (sample !== null ? `[${s}]` : ""), cache.trained[steps]);
  }
  if (body.endsWith("+")) {
    if (!cache.stepped) cache.stepped = step(net);
    return param(cache.stepped, body.slice(0, -1));
  }
  const trace = cache.trace || (cache.trace = forward(net));
  if (body.startsWith("d2E/") || body === "lambda_max" || body === "eta_max") {
    return Hess.value(net, trace, grads(net, trace, cache, {}, null), parameters(net), body);   // second order
  }
  if (body === "E") return trace.loss;
  const colon = body.indexOf(":");
  const kind = colon < 0 ? body : body.slice(0, colon);
  const rest = colon < 0 ? "" : body.slice(colon + 1);
  if (kind === "net" || kind === "out") {
    const [l, j] = neuron(net, rest);
    if (kind === "net" && l === 0) throw new Error(`${key}: inputs have no net input`);
    return at(kind === "out" ? trace.out : trace.net, l, s, j, key);
  }
  if (kind === "E") {
    const [, j] = neuron(net, rest);
    let sum = 0.0;
    for (let q = 0; q < trace.terms.length; q++) sum += trace.terms[q][j];
    return sum / trace.terms.length;
  }
  if (body.startsWith("d")) return derivativeValue(net, trace, body, s, key, cache);
  throw new Error(`${key}: not a quantity key`);
}

function partition(text, sep) {
  const i = text.indexOf(sep);
  return i < 0 ? [text, ""] : [text.slice(0, i), text.slice(i + sep.length)];
}

function derivativeValue(net, trace, body, s, key, cache, world) {
  world = world || {};
  const [num, den] = partition(body.slice(1), "/d");
  if (num === "E" && !den.includes(":")) {
    findParam(net, den);
    return namedGradient(net, trace, grads(net, trace, cache, world, null))[den];
  }
  if (num.startsWith("E")) {
    let only = null;
    if (num.includes(":")) only = neuron(net, num.slice(num.indexOf(":") + 1))[1];
    const g = grads(net, trace, cache, world, only);
    const [what, name] = partition(den, ":");
    const [l, j] = neuron(net, name);
    const table = { out: g.dEdout, net: g.delta }[what];
    if (!table) throw new Error(`${key}: not a quantity key`);
    return at(table, l, s, j, key);
  }
  if (num.startsWith("out:") && den.startsWith("net:")) {
    const [l, j] = neuron(net, den.slice(4) ? den.slice(4) : num.slice(4));
    if (l === 0) throw new Error(`${key}: inputs have no activation`);
    const act = net.activations[l - 1];
    if (act === "softmax") throw new Error(`${key}: softmax has a matrix of ∂out/∂net, not one number`);
    const n = at(trace.net, l, s, j, key);
    if (world.sigmaFromNet && act === "sigmoid") return n * (1.0 - n);
    return derivative(act, n, trace.out[l][s][j]);
  }
  if (num === "out" && den.startsWith("net:")) {
    return derivativeValue(net, trace, `dout:${den.slice(4)}/dnet:${den.slice(4)}`, s, key, cache, world);
  }
  if (num.startsWith("net:")) {
    const [l, j] = neuron(net, num.slice(4));
    if (den.startsWith("out:")) {
      const [lo, i] = neuron(net, den.slice(4));
      return lo === l - 1 ? net.W[l - 1][j][i] : 0.0;
    }
    const p = findParam(net, den);
    if (p.layer !== l) return 0.0;
    if (p.kind === "weights") return p.loc[2] === j ? at(trace.out, l - 1, s, p.loc[3], key) : 0.0;
    return p.loc.length === 2 || p.loc[2] === j ? 1.0 : 0.0;
  }
  throw new Error(`${key}: not a quantity key`);
}

function grads(net, trace, cache, world, only) {
  const name = `grads:${only}:${world.sigmaFromNet ? 1 : 0}`;
  if (!cache[name]) cache[name] = backward(net, trace, only, !!world.sigmaFromNet);
  return cache[name];
}

// ------------------------------------------------------------------ numbers as text

// x to `decimals` places exactly as Python's f"{x:.{decimals}f}" (half-even on the exact
// binary value), without a negative zero: backprop_lib.format_number.
export function formatNumber(x, decimals = 9) {
  x = Number(x);
  if (Number.isNaN(x)) return "nan";
  if (!Number.isFinite(x)) return x > 0 ? "inf" : "-inf";
  let text;
  const a = Math.abs(x);
  if (a >= 1e21) {
    text = BigInt(Math.round(a)).toString() + (decimals > 0 ? "." + "0".repeat(decimals) : "");
  } else {
    text = a.toFixed(decimals);
    // toFixed rounds a tie up; Python rounds it to even.  A tie is exact in binary, so the
    // exact expansion (at most 100 digits for the numbers met here) shows it.
    const exact = a.toFixed(Math.min(100, decimals + 60));
    const cut = exact.indexOf(".") + (decimals > 0 ? decimals + 1 : 0);
    const tail = exact.slice(decimals > 0 ? cut : exact.indexOf(".") + 1);
    if (/^50*$/.test(tail)) {
      const down = exact.slice(0, decimals > 0 ? cut : exact.indexOf("."));
      const last = down.replace(".", "").slice(-1);
      if (Number(last) % 2 === 0) text = down;
    }
  }
  if (x < 0 || Object.is(x, -0)) {
    text = "-" + text;
    if (Number(text) === 0) text = text.slice(1);
  }
  return text;
}

// The shortest form of a given number (a weight, an input): Python's repr(x) without a
// trailing ".0", as backprop_lib.explain writes given numbers.
export function given(x) {
  x = Number(x);
  if (!Number.isFinite(x)) return Number.isNaN(x) ? "nan" : x > 0 ? "inf" : "-inf";
  if (x === 0) return Object.is(x, -0) ? "-0" : "0";
  const [mant, expText] = x.toExponential().split("e");
  const exp = Number(expText);
  const neg = mant.startsWith("-");
  const digits = mant.replace("-", "").replace(".", "");
  let text;
  if (exp >= -4 && exp < 16) {
    if (exp >= 0) {
      const intPart = digits.slice(0, exp + 1).padEnd(exp + 1, "0");
      const frac = digits.slice(exp + 1);
      text = frac ? `${intPart}.${frac}` : intPart;
    } else {
      text = "0." + "0".repeat(-exp - 1) + digits;
    }
  } else {
    const m = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits;
    const e = Math.abs(exp) < 10 ? `0${Math.abs(exp)}` : String(Math.abs(exp));
    text = `${m}e${exp < 0 ? "-" : "+"}${e}`;
  }
  return (neg ? "-" : "") + text;
}

// ------------------------------------------------------------------ fresh numbers (variants.py)

export function mulberry32(state) {
  let a = state >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = ((t + Math.imul(t ^ (t >>> 7), 61 | t)) >>> 0) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    integer: (lo, hi) => lo + Math.floor(next() * (hi - lo + 1)),
  };
}

export function startState(seed, variant) {
  return (Math.imul(seed >>> 0, 0x9e3779b9) + Math.imul(variant >>> 0, 0x85ebca6b)) >>> 0;
}

export function numbers(seed, variant, count) {
  const rng = mulberry32(startState(seed, variant));
  return range(count).map(() => rng.next());
}

// The variant-th network of net's shape (0: net itself); see backprop_lib/variants.py.
export function draw(net, variant, seed = 0) {
  if (variant === 0) return clone(net);
  const rng = mulberry32(startState(seed, variant));
  const twoDecimals = (lo, hi) => rng.integer(lo, hi) / 100;
  const L = depth(net);
  const W = [];
  for (let k = 0; k < L; k++) {
    W.push(range(net.layers[k + 1]).map(() => Float64Array.from(range(net.layers[k]), () => twoDecimals(5, 95))));
  }
  const B = net.B.map((b, k) => {
    if (b === null) return null;
    if (typeof b === "number") return twoDecimals(5, 95);
    return Float64Array.from(range(net.layers[k + 1]), () => twoDecimals(5, 95));
  });
  const whole = (rows) => rows.every((r) => Array.from(r).every((v) => Number.isInteger(v)));
  const wholeInputs = whole(net.X);
  const X = net.X.map(() => Float64Array.from(range(net.layers[0]), () => (wholeInputs ? rng.integer(1, 9) : twoDecimals(1, 99))));
  const nOut = net.layers[L];
  let T;
  if (net.activations[L - 1] === "softmax") {
    T = net.T.map(() => {
      const c = rng.integer(0, nOut - 1);
      return Float64Array.from(range(nOut), (j) => (j === c ? 1.0 : 0.0));
    });
  } else {
    const wholeTargets = whole(net.T);
    // whole targets of a sigmoid output are class labels, 0 or 1; of any other, 1 to 3
    const [lo, hi] = net.activations[L - 1] === "sigmoid" ? [0, 1] : [1, 3];
    T = net.T.map(() => Float64Array.from(range(nOut), () => (wholeTargets ? rng.integer(lo, hi) : twoDecimals(1, 99))));
  }
  return clone(net, { W, B, X, T });
}

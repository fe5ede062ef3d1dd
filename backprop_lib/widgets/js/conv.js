// The browser's conv networks: a second implementation of backprop_lib/conv.py (conv2d,
// max-pool and dense layers), for the conv playground and the conv answer boxes.
//
// It mirrors the library's forward and backward passes, its training (batch, online and
// mini-batch, with the same seeded shuffle), its quantity keys, its tie rule (the first
// maximum of a pooling window in reading order) and its fresh numbers (conv.draw); the tests
// (tests/test_conv_engine.py) hold the two within 1e-12 on random conv networks.
//
// A network here is a plain object made by fromSpec(spec) from a conv spec: inputShape
// [C, H, W]; layers [{type, inShape, outShape, activation, filters, kernel, stride, size,
// units}]; W[l] (a Float64Array of the layer's weights in their array order, null for a
// max-pool); B[l] (null, a number shared by the layer, or a Float64Array); X[s] and T[s]
// (Float64Array per sample, an image flattened in channel, row, column order); loss, rate,
// updateBiases, mode, batchSize, shuffleSeed, names (name → location), title, decimals.
import * as E from "./engine.js";

function range(n) {
  return Array.from({ length: n }, (_, i) => i);
}

const prod = (shape) => shape.reduce((a, b) => a * b, 1);

// ------------------------------------------------------------------ networks

export function buildLayers(inputShape, entries) {
  const layers = [];
  let shape = inputShape.slice();
  for (const e of entries) {
    let layer;
    if (e.type === "conv2d") {
      const k = e.kernel;
      const s = e.stride === undefined ? 1 : e.stride;
      layer = { type: "conv2d", inShape: shape, outShape: [e.filters, Math.floor((shape[1] - k) / s) + 1, Math.floor((shape[2] - k) / s) + 1],
        activation: e.activation, filters: e.filters, kernel: k, stride: s };
    } else if (e.type === "maxpool") {
      const p = e.size;
      layer = { type: "maxpool", inShape: shape, outShape: [shape[0], Math.floor(shape[1] / p), Math.floor(shape[2] / p)], activation: null, size: p };
    } else {
      layer = { type: "dense", inShape: shape, outShape: [e.units], activation: e.activation, units: e.units };
    }
    layers.push(layer);
    shape = layer.outShape;
  }
  return layers;
}

export function weightShape(layer) {
  if (layer.type === "conv2d") return [layer.filters, layer.inShape[0], layer.kernel, layer.kernel];
  if (layer.type === "dense") return [layer.units, prod(layer.inShape)];
  return null;
}

const flatten = (v) => (Array.isArray(v) ? v.flat(Infinity) : [v]);

export function fromSpec(spec) {
  const inputShape = spec.input_shape.map(Number);
  const layers = buildLayers(inputShape, spec.layers);
  const biases = spec.biases == null ? layers.map(() => null) : spec.biases;
  const rows = (v) => (Array.isArray(v[0]) ? v : [v]);
  return {
    inputShape,
    layers,
    W: spec.weights.map((w) => (w === null ? null : Float64Array.from(flatten(w)))),
    B: biases.map((b) => (b == null ? null : Array.isArray(b) ? Float64Array.from(b) : Number(b))),
    X: spec.inputs.map((x) => Float64Array.from(flatten(x))),
    T: rows(spec.targets).map((t) => Float64Array.from(t)),
    loss: spec.loss,
    rate: Number(spec.learning_rate),
    updateBiases: spec.update_biases === undefined ? true : !!spec.update_biases,
    mode: spec.mode || "batch",
    batchSize: spec.batch_size === undefined ? null : spec.batch_size,
    shuffleSeed: spec.shuffle_seed === undefined ? 0 : spec.shuffle_seed,
    names: Object.assign({}, spec.names || {}),
    title: spec.title || "",
    decimals: spec.decimals === undefined ? 9 : spec.decimals,
  };
}

function nest(flat, shape) {
  if (shape.length === 1) return Array.from(flat.slice(0, shape[0]));
  const size = prod(shape.slice(1));
  return range(shape[0]).map((i) => nest(flat.slice(i * size, (i + 1) * size), shape.slice(1)));
}

export function layerSpec(layer) {
  if (layer.type === "conv2d") return { type: "conv2d", filters: layer.filters, kernel: layer.kernel, stride: layer.stride, activation: layer.activation };
  if (layer.type === "maxpool") return { type: "maxpool", size: layer.size };
  return { type: "dense", units: layer.units, activation: layer.activation };
}

export function toSpec(net) {
  const spec = {
    input_shape: net.inputShape.slice(),
    layers: net.layers.map(layerSpec),
    weights: net.W.map((w, l) => (w === null ? null : nest(w, weightShape(net.layers[l])))),
    biases: net.B.map((b) => (b === null ? null : typeof b === "number" ? b : Array.from(b))),
    update_biases: net.updateBiases,
    inputs: net.X.map((x) => nest(x, net.inputShape)),
    targets: net.T.map((t) => Array.from(t)),
    loss: net.loss,
    learning_rate: net.rate,
    mode: net.mode,
  };
  if (net.mode === "minibatch") {
    spec.batch_size = net.batchSize;
    spec.shuffle_seed = net.shuffleSeed;
  }
  if (Object.keys(net.names).length) {
    spec.names = {};
    for (const [n, loc] of Object.entries(net.names)) spec.names[n] = loc.slice();
  }
  if (net.title) spec.title = net.title;
  spec.decimals = net.decimals;
  return spec;
}

export function clone(net, changes) {
  const copy = Object.assign({}, net, {
    W: net.W.map((w) => (w === null ? null : Float64Array.from(w))),
    B: net.B.map((b) => (b === null || typeof b === "number" ? b : Float64Array.from(b))),
    X: net.X.map((x) => Float64Array.from(x)),
    T: net.T.map((t) => Float64Array.from(t)),
  });
  delete copy._params;
  delete copy._neurons;
  return Object.assign(copy, changes || {});
}

export const depth = (net) => net.layers.length;
export const samples = (net) => net.X.length;

// ------------------------------------------------------------------ names

function positionNames(prefix, shape) {
  const [C, H, W] = shape;
  const sep = Math.max(H, W) <= 9 ? "" : "_";
  const names = [];
  for (let c = 0; c < C; c++) {
    for (let r = 0; r < H; r++) for (let q = 0; q < W; q++) names.push(`${prefix}${C > 1 ? `${c + 1}_` : ""}${r + 1}${sep}${q + 1}`);
  }
  return names;
}

// Every layer's positions named as backprop_lib.conv names them: i11 …, c1_11 …, p2_11 …, h3_1 …, o1 …
export function neuronNames(net) {
  const names = [positionNames("i", net.inputShape)];
  net.layers.forEach((layer, k) => {
    const l = k + 1;
    if (l === net.layers.length) names.push(range(layer.units).map((j) => `o${j + 1}`));
    else if (layer.type === "dense") names.push(range(layer.units).map((j) => `h${l}_${j + 1}`));
    else names.push(positionNames(`${layer.type === "conv2d" ? "c" : "p"}${l}_`, layer.outShape));
  });
  return names;
}

export function neuron(net, name) {
  if (!net._neurons) {
    const map = new Map();
    neuronNames(net).forEach((row, l) => row.forEach((n, j) => map.set(n, [l, j])));
    Object.defineProperty(net, "_neurons", { value: map, enumerable: false, configurable: true, writable: true });
  }
  const found = net._neurons.get(name);
  if (!found) throw new Error(`no neuron named '${name}'`);
  return found;
}

function defaultName(net, loc) {
  const l = loc[1];
  const layer = net.layers[l];
  if (loc[0] === "biases") return loc.length === 2 ? `b${l + 1}` : `b${l + 1}_${loc[2] + 1}`;
  if (layer.type === "dense") return `w${l + 1}_${loc[2] + 1}_${loc[3] + 1}`;
  const [, , f, c, u, v] = loc;
  const single = net.layers.filter((x) => x.type === "conv2d").length === 1;
  if (single && layer.filters === 1 && layer.inShape[0] === 1 && layer.kernel <= 9) return `k${u + 1}${v + 1}`;
  return `k${l + 1}_${f + 1}_${c + 1}_${u + 1}_${v + 1}`;
}

function unravel(index, shape) {
  const out = new Array(shape.length);
  for (let d = shape.length - 1; d >= 0; d--) {
    out[d] = index % shape[d];
    index = Math.floor(index / shape[d]);
  }
  return out;
}

// Every trainable number in backprop_lib.conv's order: layer by layer, the weights in their
// array order, then the layer's bias or biases.  Each is {name, loc, kind, layer, array, at}.
export function parameters(net) {
  if (net._params) return net._params;
  const byLoc = {};
  for (const [name, loc] of Object.entries(net.names)) byLoc[loc.join(",")] = name;
  const params = [];
  net.layers.forEach((layer, l) => {
    if (net.W[l] === null) return;
    const shape = weightShape(layer);
    for (let n = 0; n < net.W[l].length; n++) {
      const loc = ["weights", l, ...unravel(n, shape)];
      params.push({ name: byLoc[loc.join(",")] || defaultName(net, loc), loc, kind: "weights", layer: l + 1, at: n });
    }
    const b = net.B[l];
    if (b === null) return;
    if (typeof b === "number") {
      const loc = ["biases", l];
      params.push({ name: byLoc[loc.join(",")] || defaultName(net, loc), loc, kind: "biases", layer: l + 1, at: -1 });
    } else {
      for (let j = 0; j < b.length; j++) {
        const loc = ["biases", l, j];
        params.push({ name: byLoc[loc.join(",")] || defaultName(net, loc), loc, kind: "biases", layer: l + 1, at: j });
      }
    }
  });
  Object.defineProperty(net, "_params", { value: params, enumerable: false, configurable: true, writable: true });
  return params;
}

export function findParam(net, name) {
  const p = parameters(net).find((q) => q.name === name);
  if (!p) throw new Error(`no parameter named '${name}'`);
  return p;
}

export function getParam(net, p) {
  const l = p.loc[1];
  if (p.kind === "weights") return net.W[l][p.at];
  return p.at < 0 ? net.B[l] : net.B[l][p.at];
}

export function setParam(net, p, v) {
  const l = p.loc[1];
  if (p.kind === "weights") net.W[l][p.at] = v;
  else if (p.at < 0) net.B[l] = v;
  else net.B[l][p.at] = v;
}

export function param(net, name) {
  return getParam(net, findParam(net, name));
}

export function flat(net) {
  return Float64Array.from(parameters(net), (p) => getParam(net, p));
}

export function withFlat(net, theta) {
  const copy = clone(net);
  parameters(net).forEach((p, n) => setParam(copy, p, theta[n]));
  return copy;
}

export function trainable(net, p) {
  return p.kind === "weights" || net.updateBiases;
}

// ------------------------------------------------------------------ activations, losses

function activateOne(name, x) {
  switch (name) {
    case "sigmoid": return 1.0 / (1.0 + Math.exp(-x));
    case "tanh": return Math.tanh(x);
    case "relu": return x > 0.0 ? x : 0.0;
    case "linear": return x;
  }
  throw new Error(`unknown activation ${name}`);
}

function activate(name, n) {
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

export function derivative(name, net, out) {
  switch (name) {
    case "sigmoid": return out * (1.0 - out);
    case "tanh": return 1.0 - out * out;
    case "relu": return net > 0.0 ? 1.0 : 0.0;
    case "linear": return 1.0;
  }
  throw new Error(`${name} has no element-wise derivative`);
}

const lossTerm = (loss, o, t) => (loss === "half_sse" ? 0.5 * ((t - o) * (t - o)) : -t * Math.log(o));
const lossGradient = (loss, o, t) => (loss === "half_sse" ? o - t : -t / o);

// ------------------------------------------------------------------ the layers, one sample at a time

function convForward(layer, K, b, x) {
  const [C, H, W] = layer.inShape;
  const [F, Ho, Wo] = layer.outShape;
  const k = layer.kernel;
  const s = layer.stride;
  const out = new Float64Array(F * Ho * Wo);
  for (let f = 0; f < F; f++) {
    const bias = b === null ? 0.0 : typeof b === "number" ? b : b[f];
    for (let r = 0; r < Ho; r++) {
      for (let q = 0; q < Wo; q++) {
        let sum = 0.0;
        for (let c = 0; c < C; c++) {
          for (let u = 0; u < k; u++) {
            const row = (c * H + s * r + u) * W + s * q;
            const krow = ((f * C + c) * k + u) * k;
            for (let v = 0; v < k; v++) sum += K[krow + v] * x[row + v];
          }
        }
        out[(f * Ho + r) * Wo + q] = sum + bias;
      }
    }
  }
  return out;
}

// The max of every window and which position held it (0 … p² − 1 in reading order, the first
// of equal values: the library's tie rule).
function poolForward(layer, x) {
  const [C, H, W] = layer.inShape;
  const [, Ho, Wo] = layer.outShape;
  const p = layer.size;
  const out = new Float64Array(C * Ho * Wo);
  const arg = new Int32Array(C * Ho * Wo);
  for (let c = 0; c < C; c++) {
    for (let r = 0; r < Ho; r++) {
      for (let q = 0; q < Wo; q++) {
        let best = x[(c * H + r * p) * W + q * p];
        let at = 0;
        for (let u = 0; u < p; u++) {
          for (let v = 0; v < p; v++) {
            const val = x[(c * H + r * p + u) * W + q * p + v];
            if (val > best) {          // strictly larger: at a tie the first in reading order stays
              best = val;
              at = u * p + v;
            }
          }
        }
        out[(c * Ho + r) * Wo + q] = best;
        arg[(c * Ho + r) * Wo + q] = at;
      }
    }
  }
  return { out, arg };
}

function denseForward(layer, Wt, b, x) {
  const n = x.length;
  const out = new Float64Array(layer.units);
  for (let j = 0; j < layer.units; j++) {
    let sum = 0.0;
    for (let i = 0; i < n; i++) sum += x[i] * Wt[j * n + i];
    out[j] = sum + (b === null ? 0.0 : typeof b === "number" ? b : b[j]);
  }
  return out;
}

// ------------------------------------------------------------------ forward, backward

// net[l][s], out[l][s] (Float64Array per sample, flattened; net[l] null for a max-pool;
// out[0] the inputs), choice[l][s] (a max-pool's chosen positions), the error terms, each
// sample's loss and their mean.
export function forward(net, X, T) {
  X = X || net.X;
  T = T || net.T;
  const nets = [null];
  const outs = [X];
  const choice = [null];
  let prev = X;
  net.layers.forEach((layer, l) => {
    if (layer.type === "maxpool") {
      const pooled = prev.map((x) => poolForward(layer, x));
      nets.push(null);
      choice.push(pooled.map((r) => r.arg));
      prev = pooled.map((r) => r.out);
      outs.push(prev);
      return;
    }
    const n = prev.map((x) => (layer.type === "conv2d" ? convForward(layer, net.W[l], net.B[l], x) : denseForward(layer, net.W[l], net.B[l], x)));
    nets.push(n);
    choice.push(null);
    prev = n.map((row) => activate(layer.activation, row));
    outs.push(prev);
  });
  const terms = [];
  const sampleLoss = new Float64Array(prev.length);
  let total = 0.0;
  for (let s = 0; s < prev.length; s++) {
    const row = new Float64Array(prev[s].length);
    let sum = 0.0;
    for (let j = 0; j < row.length; j++) {
      row[j] = lossTerm(net.loss, prev[s][j], T[s][j]);
      sum += row[j];
    }
    terms.push(row);
    sampleLoss[s] = sum;
    total += sum;
  }
  return { net: nets, out: outs, choice, targets: T, terms, sampleLoss, loss: total / prev.length };
}

// The backward pass: dEdout[l][s] (l = 0 … L; l = 0 the input image's gradient), delta[l][s]
// (null for a max-pool), and the gradient of the mean loss gW[l], gB[l] shaped like W, B.
//   onlyOutput: one output's error term alone; mistake: what a common slip gives, for
//   recognising answers: "spread" sends a pooled value's ∂E/∂out to every position of its
//   window, "no_gate" lets ReLU pass it where net ≤ 0 (as ConvNetwork.backward).
export function backward(net, trace, onlyOutput = null, mistake = null) {
  const spread = mistake === "spread";
  trace = trace || forward(net);
  const L = depth(net);
  const S = trace.targets.length;
  let g = trace.out[L].map((o, s) => {
    const row = new Float64Array(o.length);
    for (let j = 0; j < o.length; j++) {
      row[j] = lossGradient(net.loss, o[j], trace.targets[s][j]);
      if (onlyOutput !== null) row[j] = row[j] * (j === onlyOutput ? 1.0 : 0.0);
    }
    return row;
  });
  const dEdout = new Array(L + 1).fill(null);
  const delta = new Array(L + 1).fill(null);
  const gW = new Array(L).fill(null);
  const gB = new Array(L).fill(null);
  for (let l = L; l >= 1; l--) {
    const layer = net.layers[l - 1];
    const k = l - 1;
    dEdout[l] = g;
    const inSize = prod(layer.inShape);
    if (layer.type === "maxpool") {
      const [C, H, W] = layer.inShape;
      const [, Ho, Wo] = layer.outShape;
      const p = layer.size;
      g = g.map((gs, s) => {
        const dx = new Float64Array(inSize);
        for (let c = 0; c < C; c++) {
          for (let r = 0; r < Ho; r++) {
            for (let q = 0; q < Wo; q++) {
              const o = (c * Ho + r) * Wo + q;
              if (spread) {
                for (let u = 0; u < p; u++) for (let v = 0; v < p; v++) dx[(c * H + r * p + u) * W + q * p + v] = gs[o];
              } else {
                const a = trace.choice[l][s][o];
                dx[(c * H + r * p + Math.floor(a / p)) * W + q * p + (a % p)] = gs[o];
              }
            }
          }
        }
        return dx;
      });
      continue;
    }
    const act = layer.activation;
    const d = g.map((gs, s) => {
      const out = trace.out[l][s];
      const n = trace.net[l][s];
      const row = new Float64Array(gs.length);
      if (act === "softmax") {
        let dot = 0.0;
        for (let j = 0; j < gs.length; j++) dot += gs[j] * out[j];
        for (let j = 0; j < gs.length; j++) row[j] = out[j] * (gs[j] - dot);
      } else if (mistake === "no_gate" && act === "relu") {
        for (let j = 0; j < gs.length; j++) row[j] = gs[j];
      } else {
        for (let j = 0; j < gs.length; j++) row[j] = gs[j] * derivative(act, n[j], out[j]);
      }
      return row;
    });
    delta[l] = d;
    const Wt = net.W[k];
    const gw = new Float64Array(Wt.length);
    const sums = new Float64Array(layer.type === "conv2d" ? layer.filters : layer.units);
    const prevOut = trace.out[k];
    const dx = d.map(() => new Float64Array(inSize));
    if (layer.type === "dense") {
      for (let s = 0; s < S; s++) {
        const x = prevOut[s];
        for (let j = 0; j < layer.units; j++) {
          const dj = d[s][j];
          sums[j] += dj;
          for (let i = 0; i < inSize; i++) {
            gw[j * inSize + i] += dj * x[i];
            dx[s][i] += dj * Wt[j * inSize + i];
          }
        }
      }
    } else {
      const [C, H, W] = layer.inShape;
      const [F, Ho, Wo] = layer.outShape;
      const kk = layer.kernel;
      const st = layer.stride;
      for (let s = 0; s < S; s++) {
        const x = prevOut[s];
        for (let f = 0; f < F; f++) {
          for (let r = 0; r < Ho; r++) {
            for (let q = 0; q < Wo; q++) {
              const dv = d[s][(f * Ho + r) * Wo + q];
              sums[f] += dv;
              for (let c = 0; c < C; c++) {
                for (let u = 0; u < kk; u++) {
                  for (let v = 0; v < kk; v++) {
                    const w = ((f * C + c) * kk + u) * kk + v;
                    const i = (c * H + st * r + u) * W + st * q + v;
                    gw[w] += dv * x[i];
                    dx[s][i] += dv * Wt[w];
                  }
                }
              }
            }
          }
        }
      }
    }
    for (let n = 0; n < gw.length; n++) gw[n] = gw[n] / S;
    gW[k] = gw;
    const b = net.B[k];
    if (b === null) gB[k] = null;
    else if (typeof b === "number") {
      let total = 0.0;
      for (let j = 0; j < sums.length; j++) total += sums[j];
      gB[k] = total / S;
    } else gB[k] = Float64Array.from(sums, (v) => v / S);
    g = dx;
  }
  dEdout[0] = g;
  return { dEdout, delta, gW, gB };
}

export function gradient(net, trace, grads) {
  const g = grads || backward(net, trace);
  return Float64Array.from(parameters(net), (p) => {
    const l = p.loc[1];
    if (p.kind === "weights") return g.gW[l][p.at];
    return p.at < 0 ? g.gB[l] : g.gB[l][p.at];
  });
}

export function namedGradient(net, trace, grads) {
  const g = gradient(net, trace, grads);
  const out = {};
  parameters(net).forEach((p, n) => (out[p.name] = g[n]));
  return out;
}

// ------------------------------------------------------------------ training (as ConvNetwork.train)

export function permutation(n, rng) {
  const order = range(n);
  for (let i = n - 1; i > 0; i--) {
    const j = rng.integer(0, i);
    const t = order[i];
    order[i] = order[j];
    order[j] = t;
  }
  return order;
}

export function batches(net, epoch) {
  const n = samples(net);
  if (net.mode === "batch") return [range(n)];
  if (net.mode === "online") return range(n).map((s) => [s]);
  const order = permutation(n, E.mulberry32(E.startState(net.shuffleSeed, epoch)));
  const out = [];
  for (let k = 0; k < n; k += net.batchSize) out.push(order.slice(k, k + net.batchSize));
  return out;
}

// steps passes over the samples: {history, net} (history has steps + 1 losses).
export function train(net, steps) {
  const work = clone(net);
  const history = [forward(work).loss];
  const all = samples(net);
  for (let epoch = 0; epoch < steps; epoch++) {
    for (const rows of batches(net, epoch)) {
      const trace = rows.length === all ? forward(work) : forward(work, rows.map((s) => net.X[s]), rows.map((s) => net.T[s]));
      const g = backward(work, trace);
      work.layers.forEach((layer, l) => {
        if (work.W[l] === null) return;
        const w = work.W[l];
        for (let n = 0; n < w.length; n++) w[n] -= net.rate * g.gW[l][n];
        const b = work.B[l];
        if (net.updateBiases && b !== null) {
          if (typeof b === "number") work.B[l] = b - net.rate * g.gB[l];
          else for (let j = 0; j < b.length; j++) b[j] -= net.rate * g.gB[l][j];
        }
      });
    }
    history.push(forward(work).loss);
    if (!Number.isFinite(history[history.length - 1])) break;
  }
  return { history, net: work };
}

export function step(net) {
  return train(net, 1).net;
}

// ------------------------------------------------------------------ quantities (backprop_lib.conv.value)

const KEY = /^([^@[]+)(\[(\d+)\])?(@(\d+))?$/;

function split(text, sep) {
  const i = text.indexOf(sep);
  return i < 0 ? [text, ""] : [text.slice(0, i), text.slice(i + sep.length)];
}

// The number a quantity key names: E, E:o1, net:c1_23, out:p2_11, dE/dk11, dE/dnet:c1_23,
// dE/dout:p2_11, dE/dout:i23, dout/dnet:c1_23, k11+; [s] for sample s, @N after N steps.
// cache: {trace, grads, trained} shared between keys of one network.
export function value(net, key, cache) {
  cache = cache || {};
  const m = KEY.exec(key);
  if (!m) throw new Error(`${key}: not a quantity key`);
  const body = m[1];
  const s = m[3] === undefined ? 0 : Number(m[3]);
  if (m[5] !== undefined) {
    const steps = Number(m[5]);
    cache.trained = cache.trained || {};
    if (!(steps in cache.trained)) cache.trained[steps] = { net: train(net, steps).net };
    return value(cache.trained[steps].net, body + (m[3] !== undefined ? `[${s}]` : ""), cache.trained[steps]);
  }
  if (s >= samples(net)) throw new Error(`${key}: no sample ${s}`);
  if (body.endsWith("+")) {
    if (!cache.stepped) cache.stepped = step(net);
    return param(cache.stepped, body.slice(0, -1));
  }
  const trace = cache.trace || (cache.trace = forward(net));
  if (body === "E") return trace.loss;
  const [kind, rest] = split(body, ":");
  if (kind === "net" || kind === "out") {
    const [l, j] = neuron(net, rest);
    const table = kind === "out" ? trace.out : trace.net;
    if (table[l] === null) throw new Error(`${key}: no net input`);
    return table[l][s][j];
  }
  if (kind === "E") {
    const [l, j] = neuron(net, rest);
    if (l !== depth(net)) throw new Error(`${key}: ${rest} is not an output`);
    let sum = 0.0;
    for (let q = 0; q < trace.terms.length; q++) sum += trace.terms[q][j];
    return sum / trace.terms.length;
  }
  if (body.startsWith("d")) {
    const [num, den] = split(body.slice(1), "/d");
    if (num === "E" && !den.includes(":")) {
      findParam(net, den);
      const g = cache.grads || (cache.grads = backward(net, trace));
      return namedGradient(net, trace, g)[den];
    }
    if (num.startsWith("E")) {
      let g;
      if (num.includes(":")) {
        const [lo, only] = neuron(net, num.slice(2));
        if (lo !== depth(net)) throw new Error(`${key}: not an output`);
        g = backward(net, trace, only);
      } else g = cache.grads || (cache.grads = backward(net, trace));
      const [what, name] = split(den, ":");
      const [l, j] = neuron(net, name);
      const table = { out: g.dEdout, net: g.delta }[what];
      if (!table || table[l] === null) throw new Error(`${key}: not a quantity of this network`);
      return table[l][s][j];
    }
    if (num === "out" || num.startsWith("out:")) {
      const name = den.startsWith("net:") ? den.slice(4) : "";
      const [l, j] = neuron(net, name);
      const layer = net.layers[l - 1];
      if (l === 0 || layer.type === "maxpool" || layer.activation === "softmax") throw new Error(`${key}: no single ∂out/∂net`);
      return derivative(layer.activation, trace.net[l][s][j], trace.out[l][s][j]);
    }
  }
  throw new Error(`${key}: not a quantity key`);
}

// ------------------------------------------------------------------ fresh numbers (backprop_lib.conv.draw)

export const TIE_MARGIN = 1e-9;

export function nearTies(net, margin = TIE_MARGIN) {
  const trace = forward(net);
  for (let l = 1; l <= depth(net); l++) {
    const layer = net.layers[l - 1];
    if (layer.activation === "relu") {
      for (const row of trace.net[l]) for (const v of row) if (Math.abs(v) <= margin) return true;
    }
    if (layer.type === "maxpool" && layer.size > 1) {
      const [C, H, W] = layer.inShape;
      const [, Ho, Wo] = layer.outShape;
      const p = layer.size;
      for (const x of trace.out[l - 1]) {
        for (let c = 0; c < C; c++) {
          for (let r = 0; r < Ho; r++) {
            for (let q = 0; q < Wo; q++) {
              const win = [];
              for (let u = 0; u < p; u++) for (let v = 0; v < p; v++) win.push(x[(c * H + r * p + u) * W + q * p + v]);
              win.sort((a, b) => a - b);
              const top = win[win.length - 1];
              if (top - win[win.length - 2] <= margin && top > 0) return true;
            }
          }
        }
      }
    }
  }
  return false;
}

function drawOnce(net, rng) {
  const convNumber = () => {
    const v = rng.integer(1, 9) / 10;
    return rng.next() < 0.3 ? -v : v;
  };
  const denseNumber = () => rng.integer(5, 95) / 100;
  const W = [];
  const B = [];
  net.layers.forEach((layer, l) => {
    const number = layer.type === "conv2d" ? convNumber : denseNumber;
    W.push(net.W[l] === null ? null : Float64Array.from(net.W[l], () => number()));
    const b = net.B[l];
    if (b === null) B.push(null);
    else if (typeof b === "number") B.push(number());
    else B.push(Float64Array.from(b, () => number()));
  });
  const X = net.X.map((x) => Float64Array.from(x, () => rng.integer(0, 9) / 10));
  const nOut = net.T[0].length;
  let T;
  if (net.layers[net.layers.length - 1].activation === "softmax") {
    T = net.X.map(() => {
      const c = rng.integer(0, nOut - 1);
      return Float64Array.from(range(nOut), (j) => (j === c ? 1.0 : 0.0));
    });
  } else {
    T = net.X.map(() => Float64Array.from(range(nOut), () => rng.integer(1, 99) / 100));
  }
  return clone(net, { W, B, X, T });
}

export function draw(net, variant, seed = 0, attempts = 100) {
  if (variant === 0) return clone(net);
  const rng = E.mulberry32(E.startState(seed, variant));
  for (let n = 0; n < attempts; n++) {
    const candidate = drawOnce(net, rng);
    if (!nearTies(candidate)) return candidate;
  }
  throw new Error(`variant: no draw without a tie in ${attempts} attempts`);
}

// A derivative key's value in a mistaken world (backward's mistake): dE/dparam, dE/dnet:x,
// dE/dout:x (with [s]); as backprop_lib.widgets.convolution.world_value.
export function worldValue(net, key, mistake) {
  const m = KEY.exec(key);
  const s = m[3] === undefined ? 0 : Number(m[3]);
  const [num, den] = split(m[1].slice(1), "/d");
  const trace = forward(net);
  const g = backward(net, trace, null, mistake);
  if (num === "E" && !den.includes(":")) return namedGradient(net, trace, g)[den];
  const [what, name] = split(den, ":");
  const [l, j] = neuron(net, name);
  return (what === "out" ? g.dEdout : g.delta)[l][s][j];
}

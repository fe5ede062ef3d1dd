// The training playground's arithmetic: a dense network on a 2-D dataset, trained one
// mini-batch at a time, as backprop_lib.classifier does it in Python.
//
// A *step* is one update with the gradient of the mean error over one mini-batch.  Step s
// uses batch (s mod B) of epoch (s div B), B = ⌈n / batch size⌉ batches per epoch; each
// epoch's order is a Fisher–Yates shuffle from mulberry32 at (seed, epoch), as
// backprop_lib.sgd shuffles.  The network: 2 inputs, the hidden layers (one activation for
// all), one sigmoid output (class 1 when out ≥ 0.5), the error ½(target − out)², Glorot-
// uniform weights and zero biases drawn from the seed.  The forward and backward passes are
// the library's (backprop_lib/network.py) in the same order of operations, so the losses
// agree with Python's to rounding (tests/test_training_engine.py: ≤ 1e-12 over 100 steps).
import * as E from "./engine.js";
import * as D from "./datasets.js";

export const ACTIVATIONS = ["tanh", "relu", "sigmoid", "linear"];
export const RATES = [0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1, 3];
export const BATCH_SIZES = [1, 2, 5, 10, 20, 50, 100, 200];
export const NOISES = [0, 0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5];
export const MAX_HIDDEN_LAYERS = 4;
export const MAX_UNITS = 8;
export const MAX_SEED = 2147483647;
export const MAX_STEPS = 1000000;
export const DEFAULTS = Object.freeze({ dataset: "moons", seed: 1, noise: 0.1, hidden: [8, 8], activation: "tanh", rate: 1, batch: 10, samples: 200 });
const WEIGHT_STREAM = (1 << 30) + 1;

// ------------------------------------------------------------------ settings

function isWhole(v, lo, hi) {
  return Number.isInteger(v) && v >= lo && v <= hi;
}

// A complete, valid settings object, or an Error naming the first bad field.
export function validate(config) {
  const c = Object.assign({}, DEFAULTS, config || {});
  c.hidden = Array.from(c.hidden || []).map(Number);
  if (!D.PLANES.includes(c.dataset)) throw new Error(`dataset: must be one of ${D.PLANES.join(", ")}`);
  if (!isWhole(c.seed, 0, MAX_SEED)) throw new Error(`seed: must be a whole number from 0 to ${MAX_SEED}`);
  if (!(typeof c.noise === "number" && c.noise >= 0 && c.noise <= 1)) throw new Error("noise: must be a number from 0 to 1");
  if (c.hidden.length > MAX_HIDDEN_LAYERS || !c.hidden.every((h) => isWhole(h, 1, MAX_UNITS))) {
    throw new Error(`hidden: up to ${MAX_HIDDEN_LAYERS} layers of 1 to ${MAX_UNITS} neurons`);
  }
  if (!ACTIVATIONS.includes(c.activation)) throw new Error(`activation: must be one of ${ACTIVATIONS.join(", ")}`);
  if (!(typeof c.rate === "number" && c.rate > 0 && c.rate <= 10)) throw new Error("rate: must be a number above 0 and at most 10");
  if (!isWhole(c.samples, 2, 100000)) throw new Error("samples: must be a whole number from 2 to 100000");
  if (!isWhole(c.batch, 1, c.samples)) throw new Error(`batch: must be a whole number from 1 to ${c.samples}`);
  return c;
}

// The settings and step count in a URL's query string, and back.  Unknown or bad values
// fall back to the defaults (a link is never an error).

export function toQuery(config, steps) {
  const c = validate(config);
  const p = new URLSearchParams();
  p.set("dataset", c.dataset);
  p.set("seed", String(c.seed));
  p.set("noise", String(c.noise));
  p.set("hidden", c.hidden.length ? c.hidden.join("-") : "none");
  p.set("activation", c.activation);
  p.set("rate", String(c.rate));
  p.set("batch", String(c.batch));
  p.set("steps", String(steps));
  if (c.samples !== DEFAULTS.samples) p.set("samples", String(c.samples));
  return p.toString();
}

export function fromQuery(search) {
  const p = new URLSearchParams(search);
  if (!p.has("dataset")) return null;
  const config = Object.assign({}, DEFAULTS);
  const num = (k) => (p.has(k) && p.get(k).trim() !== "" ? Number(p.get(k)) : undefined);
  const tryField = (k, v) => {
    if (v === undefined) return;
    const next = Object.assign({}, config, { [k]: v });
    try {
      validate(next);
      config[k] = v;
    } catch (e) {
      // keep the default for a field the link gets wrong
    }
  };
  tryField("dataset", p.get("dataset"));
  tryField("samples", num("samples"));
  tryField("seed", num("seed"));
  tryField("noise", num("noise"));
  if (p.has("hidden")) tryField("hidden", p.get("hidden") === "none" ? [] : p.get("hidden").split("-").map(Number));
  tryField("activation", p.get("activation") || undefined);
  tryField("rate", num("rate"));
  tryField("batch", num("batch"));
  let steps = num("steps");
  if (!isWhole(steps, 0, MAX_STEPS)) steps = 0;
  return { config, steps };
}

// ------------------------------------------------------------------ the network

export function layersOf(config) {
  return [2, ...config.hidden, 1];
}

// Glorot-uniform weights (±√(6/(fan_in + fan_out))), layer by layer and row by row, from
// mulberry32; zero biases (backprop_lib.classifier.glorot).  W[k] is row-major: W[k][j·n_in + i].
export function glorot(layers, seed) {
  const rng = E.mulberry32(E.startState(seed, WEIGHT_STREAM));
  const W = [];
  const b = [];
  for (let k = 0; k < layers.length - 1; k++) {
    const limit = Math.sqrt(6.0 / (layers[k] + layers[k + 1]));
    const w = new Float64Array(layers[k + 1] * layers[k]);
    for (let n = 0; n < w.length; n++) w[n] = (2.0 * rng.next() - 1.0) * limit;
    W.push(w);
    b.push(new Float64Array(layers[k + 1]));
  }
  return { W, b };
}

function activation(name) {
  switch (name) {
    case "tanh": return Math.tanh;
    case "relu": return (x) => (x > 0.0 ? x : 0.0);
    case "sigmoid": return (x) => 1.0 / (1.0 + Math.exp(-x));
    case "linear": return (x) => x;
  }
  throw new Error(`unknown activation ${name}`);
}

// ∂out/∂net in the library's form (sigmoid: out·(1 − out); tanh: 1 − out²).
export function slope(name, net, out) {
  switch (name) {
    case "tanh": return 1.0 - out * out;
    case "relu": return net > 0.0 ? 1.0 : 0.0;
    case "sigmoid": return out * (1.0 - out);
    case "linear": return 1.0;
  }
  throw new Error(`unknown activation ${name}`);
}

// Neuron and parameter names as backprop_lib names them by default: i1, i2; h1, h2, … (one
// hidden layer) or h1_1, h2_3, … (layer 1 neuron 1, layer 2 neuron 3); o1; w{k}_{j}_{i} is
// the weight into neuron j of layer k from neuron i of layer k − 1, b{k}_{j} a bias.
export function neuronNames(layers) {
  return E.defaultNeuronNames(layers);
}

export function parameterList(layers) {
  const list = [];
  for (let k = 0; k < layers.length - 1; k++) {
    for (let j = 0; j < layers[k + 1]; j++) {
      for (let i = 0; i < layers[k]; i++) list.push({ name: `w${k + 1}_${j + 1}_${i + 1}`, kind: "weight", k, j, i });
    }
    for (let j = 0; j < layers[k + 1]; j++) list.push({ name: `b${k + 1}_${j + 1}`, kind: "bias", k, j, i: -1 });
  }
  return list;
}

// ------------------------------------------------------------------ a training run

export class Run {
  constructor(config) {
    this.config = validate(config);
    const c = this.config;
    const data = D.plane(c.dataset, c.samples, c.noise, c.seed);
    this.X = data.X;
    this.y = data.y;
    this.n = c.samples;
    this.layers = layersOf(c);
    this.L = this.layers.length - 1;
    this.acts = [...c.hidden.map(() => c.activation), "sigmoid"];
    this.f = this.acts.map(activation);
    const init = glorot(this.layers, c.seed);
    this.W = init.W;
    this.b = init.b;
    this.step = 0;
    this.perEpoch = Math.ceil(this.n / c.batch);
    this._epoch = -1;
    this._order = null;
    this._bufs = new Map();
    this.gW = this.W.map((w) => new Float64Array(w.length));
    this.gb = this.b.map((v) => new Float64Array(v.length));
    const first = this.evaluate();
    this.history = [first.loss];
    this.last = first;
  }

  buffers(S) {
    let bufs = this._bufs.get(S);
    if (!bufs) {
      const mk = () => this.layers.map((n) => new Float64Array(S * n));
      bufs = { net: mk(), out: mk(), delta: mk(), rows: new Int32Array(S) };
      this._bufs.set(S, bufs);
    }
    return bufs;
  }

  // The sample indices of step `step`'s mini-batch.
  batchRows(step) {
    const B = this.config.batch;
    const epoch = Math.floor(step / this.perEpoch);
    if (epoch !== this._epoch) {
      this._order = D.permutation(this.n, E.mulberry32(E.startState(this.config.seed, epoch)));
      this._epoch = epoch;
    }
    const start = (step % this.perEpoch) * B;
    return this._order.subarray(start, Math.min(this.n, start + B));
  }

  // The forward pass over the given sample indices (rows === null: every sample, in order):
  // out[0] holds the inputs, net[l] and out[l] each layer's, row by row.
  forward(rows) {
    const S = rows === null ? this.n : rows.length;
    const bufs = this.buffers(S);
    const x = bufs.out[0];
    if (rows === null) x.set(this.X);
    else for (let s = 0; s < S; s++) {
      x[2 * s] = this.X[2 * rows[s]];
      x[2 * s + 1] = this.X[2 * rows[s] + 1];
    }
    for (let k = 0; k < this.L; k++) {
      const nin = this.layers[k];
      const nout = this.layers[k + 1];
      const W = this.W[k];
      const b = this.b[k];
      const prev = bufs.out[k];
      const net = bufs.net[k + 1];
      const out = bufs.out[k + 1];
      const f = this.f[k];
      for (let s = 0; s < S; s++) {
        const p = s * nin;
        for (let j = 0; j < nout; j++) {
          const w = j * nin;
          let sum = 0.0;
          for (let i = 0; i < nin; i++) sum += prev[p + i] * W[w + i];
          sum += b[j];
          net[s * nout + j] = sum;
          out[s * nout + j] = f(sum);
        }
      }
    }
    return bufs;
  }

  // The mean error ½(target − out)² and the accuracy over every sample.
  evaluate() {
    const bufs = this.forward(null);
    const out = bufs.out[this.L];
    let total = 0.0;
    let right = 0;
    for (let s = 0; s < this.n; s++) {
      const o = out[s];
      const d = this.y[s] - o;
      total += 0.5 * (d * d);
      if ((o >= 0.5 ? 1 : 0) === this.y[s]) right += 1;
    }
    return { loss: total / this.n, accuracy: right / this.n };
  }

  // The backward pass for a forward pass over `rows`: every layer's δ = ∂E/∂net, row by row.
  backward(bufs, rows) {
    const S = rows.length;
    const L = this.L;
    const out = bufs.out[L];
    const net = bufs.net[L];
    const d = bufs.delta[L];
    for (let s = 0; s < S; s++) {
      const o = out[s];
      d[s] = (o - this.y[rows[s]]) * slope("sigmoid", net[s], o);        // ∂E/∂out · ∂out/∂net
    }
    for (let l = L - 1; l >= 1; l--) {
      const nin = this.layers[l];
      const nout = this.layers[l + 1];
      const W = this.W[l];
      const above = bufs.delta[l + 1];
      const dl = bufs.delta[l];
      const o = bufs.out[l];
      const n = bufs.net[l];
      const act = this.acts[l - 1];
      for (let s = 0; s < S; s++) {
        for (let i = 0; i < nin; i++) {
          let sum = 0.0;
          for (let j = 0; j < nout; j++) sum += above[s * nout + j] * W[j * nin + i];   // Σ_j δ_j·w_ji
          dl[s * nin + i] = sum * slope(act, n[s * nin + i], o[s * nin + i]);
        }
      }
    }
  }

  // The gradient of the mean error over the batch (into this.gW, this.gb): BP3 and BP4.
  gradient(bufs, S) {
    for (let k = 0; k < this.L; k++) {
      const nin = this.layers[k];
      const nout = this.layers[k + 1];
      const d = bufs.delta[k + 1];
      const prev = bufs.out[k];
      const gW = this.gW[k];
      const gb = this.gb[k];
      for (let j = 0; j < nout; j++) {
        for (let i = 0; i < nin; i++) {
          let sum = 0.0;
          for (let s = 0; s < S; s++) sum += d[s * nout + j] * prev[s * nin + i];
          gW[j * nin + i] = sum / S;
        }
        let sum = 0.0;
        for (let s = 0; s < S; s++) sum += d[s * nout + j];
        gb[j] = sum / S;
      }
    }
  }

  // One training step: w ← w − η·∂E/∂w on the next mini-batch.
  stepOnce() {
    const rows = this.batchRows(this.step);
    const bufs = this.forward(rows);
    this.backward(bufs, rows);
    this.gradient(bufs, rows.length);
    const rate = this.config.rate;
    for (let k = 0; k < this.L; k++) {
      const W = this.W[k];
      const gW = this.gW[k];
      for (let n = 0; n < W.length; n++) W[n] -= rate * gW[n];
      const b = this.b[k];
      const gb = this.gb[k];
      for (let n = 0; n < b.length; n++) b[n] -= rate * gb[n];
    }
    this.step += 1;
  }

  // `count` steps; returns the evaluation after the last.  record: keep the loss over all
  // points after every step in this.history (else only after the last, as one entry).
  train(count, record = false) {
    if (count <= 0) return this.last;
    for (let c = 0; c < count; c++) {
      this.stepOnce();
      if (record && c < count - 1) this.history.push(this.evaluate().loss);
    }
    this.last = this.evaluate();
    this.history.push(this.last.loss);
    return this.last;
  }

  // The status line: "step N · loss X · accuracy Y".
  status() {
    return statusLine(this.step, this.last);
  }

  // The network's output at each point of a g×g grid over [lo, hi]² (row 0 at the top, y = hi),
  // into `out` (a Float64Array of g·g), layer by layer over all points at once.  For the
  // picture only: tanh is taken as 1 − 2/(e^{2x} + 1), quicker than Math.tanh and equal to
  // it within 1e-15.
  grid(g, lo, hi, out) {
    const P = g * g;
    const width = Math.max(...this.layers);
    if (!this._grid || this._grid.P !== P) {
      this._grid = { P, a: new Float64Array(P * width), b: new Float64Array(P * width) };
    }
    let prev = this._grid.a;
    let next = this._grid.b;
    for (let r = 0; r < g; r++) {
      const yv = hi - ((r + 0.5) * (hi - lo)) / g;
      for (let c = 0; c < g; c++) {
        prev[2 * (r * g + c)] = lo + ((c + 0.5) * (hi - lo)) / g;
        prev[2 * (r * g + c) + 1] = yv;
      }
    }
    for (let k = 0; k < this.L; k++) {
      const nin = this.layers[k];
      const nout = this.layers[k + 1];
      const W = this.W[k];
      const b = this.b[k];
      for (let p = 0; p < P; p++) {
        const pi = p * nin;
        const po = p * nout;
        for (let j = 0; j < nout; j++) {
          let sum = b[j];
          const w = j * nin;
          for (let i = 0; i < nin; i++) sum += prev[pi + i] * W[w + i];
          next[po + j] = sum;
        }
      }
      const n = P * nout;
      const act = this.acts[k];
      if (act === "tanh") {
        for (let q = 0; q < n; q++) {
          const x = next[q];
          next[q] = x > 20 ? 1.0 : x < -20 ? -1.0 : 1.0 - 2.0 / (Math.exp(2.0 * x) + 1.0);
        }
      } else if (act === "sigmoid") {
        for (let q = 0; q < n; q++) next[q] = 1.0 / (1.0 + Math.exp(-next[q]));
      } else if (act === "relu") {
        for (let q = 0; q < n; q++) if (next[q] < 0) next[q] = 0.0;
      }
      const t = prev;
      prev = next;
      next = t;
    }
    for (let p = 0; p < P; p++) out[p] = prev[p];
    return out;
  }

  // Everything the gradient of one parameter on the next mini-batch is made of, in the
  // documents' factors, per sample of the batch (see backprop_lib.classifier.explain_step).
  explain(name) {
    const p = parameterList(this.layers).find((q) => q.name === name);
    if (!p) throw new Error(`no parameter named ${name}`);
    const rows = this.batchRows(this.step);
    const S = rows.length;
    const bufs = this.forward(rows);
    this.backward(bufs, rows);
    this.gradient(bufs, S);
    const l = p.k + 1;                          // the layer of the neuron the parameter feeds
    const nin = this.layers[p.k];
    const nout = this.layers[l];
    const names = neuronNames(this.layers);
    const act = this.acts[p.k];
    const samples = [];
    for (let s = 0; s < S; s++) {
      const out = bufs.out[l][s * nout + p.j];
      const net = bufs.net[l][s * nout + p.j];
      const local = slope(act, net, out);
      const delta = bufs.delta[l][s * nout + p.j];
      let dEdout;
      if (l === this.L) dEdout = out - this.y[rows[s]];
      else {
        const above = bufs.delta[l + 1];
        const n2 = this.layers[l + 1];
        let sum = 0.0;
        for (let m = 0; m < n2; m++) sum += above[s * n2 + m] * this.W[l][m * nout + p.j];
        dEdout = sum;
      }
      const input = p.kind === "weight" ? bufs.out[p.k][s * nin + p.i] : 1.0;
      samples.push({ row: rows[s], target: this.y[rows[s]], out, net, dEdout, local, delta, input, product: delta * input });
    }
    // ∂E/∂out of the neuron for the batch's first sample, as the sum over the layer above
    const terms = [];
    if (l < this.L) {
      const n2 = this.layers[l + 1];
      for (let m = 0; m < n2; m++) {
        terms.push({ neuron: names[l + 1][m], weight: `w${l + 1}_${m + 1}_${p.j + 1}`,
          delta: bufs.delta[l + 1][m], w: this.W[l][m * nout + p.j] });
      }
    }
    const value = p.kind === "weight" ? this.W[p.k][p.j * nin + p.i] : this.b[p.k][p.j];
    const gradient = p.kind === "weight" ? this.gW[p.k][p.j * nin + p.i] : this.gb[p.k][p.j];
    return {
      name, kind: p.kind, layer: l, neuron: names[l][p.j], from: p.kind === "weight" ? names[p.k][p.i] : null,
      activation: act, output: l === this.L, step: this.step, samples, terms, value, gradient,
      rate: this.config.rate, updated: value - this.config.rate * gradient,
    };
  }
}

export function statusLine(step, r) {
  return `step ${step} · loss ${E.formatNumber(r.loss, 6)} · accuracy ${E.formatNumber(r.accuracy, 3)}`;
}

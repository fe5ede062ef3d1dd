// Second derivatives in the browser, as backprop_lib/hessian.py computes them: the
// Hessian-vector product H·v by differentiating the backward pass along v (the R-operator),
// the Hessian as H·e_q for every parameter q, and its eigenvalues (cyclic Jacobi).
//
// It takes the engine's network, forward trace and backward pass as plain data (engine.js
// calls it for the quantity keys "d2E/dP/dQ", "lambda_max" and "eta_max"), so it imports
// nothing.  tests/test_widget_engine.py compares it with the library in Node.

function zeros(n) {
  return new Float64Array(n);
}

function derivative(name, net, out) {
  switch (name) {
    case "sigmoid": return out * (1.0 - out);
    case "tanh": return 1.0 - out * out;
    case "relu": return net > 0.0 ? 1.0 : 0.0;
    case "linear": return 1.0;
  }
  throw new Error(`${name} has no element-wise derivative`);
}

// f''(net) of an element-wise activation, from (net, out)
function second(name, net, out) {
  switch (name) {
    case "sigmoid": return out * (1.0 - out) * (1.0 - 2.0 * out);
    case "tanh": return -2.0 * out * (1.0 - out * out);
    case "relu": return 0.0;
    case "linear": return 0.0;
  }
  throw new Error(`${name} has no element-wise second derivative`);
}

// ∂²loss/∂out² of one output (the losses are sums of per-output terms)
function lossSecond(loss, o, t) {
  return loss === "half_sse" ? 1.0 : t / (o * o);
}

// H·v over all parameters (v in the order of params), averaged over the samples.
// trace: the engine's forward(net); grads: its backward(net, trace) (dEdout, delta).
export function hvp(net, trace, grads, params, v) {
  const L = net.layers.length - 1;
  const S = trace.targets.length;
  const VW = [];
  const VB = [];
  const RgW = [];
  const RgB = [];
  for (let k = 0; k < L; k++) {
    VW.push(Array.from({ length: net.layers[k + 1] }, () => zeros(net.layers[k])));
    VB.push(net.B[k] === null ? null : zeros(net.layers[k + 1]));
    RgW.push(Array.from({ length: net.layers[k + 1] }, () => zeros(net.layers[k])));
    RgB.push(zeros(net.layers[k + 1]));
  }
  params.forEach((p, n) => {
    const loc = p.loc;
    if (loc[0] === "weights") VW[loc[1]][loc[2]][loc[3]] = v[n];
    else if (loc.length === 2) VB[loc[1]].fill(v[n]);
    else VB[loc[1]][loc[2]] = v[n];
  });
  for (let s = 0; s < S; s++) {
    // R-forward: R(net) = Σ_i R(out_i)·w_ji + out_i·v_ji + v_b;  R(out) = f'(net)·R(net)
    const Rnet = [null];
    const Rout = [zeros(net.layers[0])];
    for (let k = 0; k < L; k++) {
      const l = k + 1;
      const n = net.layers[l];
      const r = zeros(n);
      const prev = trace.out[k][s];
      for (let j = 0; j < n; j++) {
        let sum = 0.0;
        for (let i = 0; i < net.layers[k]; i++) sum += Rout[k][i] * net.W[k][j][i] + prev[i] * VW[k][j][i];
        r[j] = sum + (VB[k] === null ? 0.0 : VB[k][j]);
      }
      const o = trace.out[l][s];
      const ro = zeros(n);
      if (net.activations[k] === "softmax") {
        let dot = 0.0;
        for (let j = 0; j < n; j++) dot += o[j] * r[j];
        for (let j = 0; j < n; j++) ro[j] = o[j] * (r[j] - dot);
      } else {
        for (let j = 0; j < n; j++) ro[j] = derivative(net.activations[k], trace.net[l][s][j], o[j]) * r[j];
      }
      Rnet.push(r);
      Rout.push(ro);
    }
    // R-backward: each line of the backward pass differentiated along v
    const oL = trace.out[L][s];
    let Rg = zeros(net.layers[L]);
    for (let j = 0; j < Rg.length; j++) Rg[j] = lossSecond(net.loss, oL[j], trace.targets[s][j]) * Rout[L][j];
    for (let l = L; l >= 1; l--) {
      const k = l - 1;
      const n = net.layers[l];
      const g = grads.dEdout[l][s];
      const delta = grads.delta[l][s];
      const o = trace.out[l][s];
      const Rdelta = zeros(n);
      if (net.activations[k] === "softmax") {
        let dot = 0.0;
        let Rdot = 0.0;
        for (let j = 0; j < n; j++) {
          dot += g[j] * o[j];
          Rdot += Rg[j] * o[j] + g[j] * Rout[l][j];
        }
        for (let j = 0; j < n; j++) Rdelta[j] = Rout[l][j] * (g[j] - dot) + o[j] * (Rg[j] - Rdot);
      } else {
        const act = net.activations[k];
        for (let j = 0; j < n; j++) {
          const x = trace.net[l][s][j];
          Rdelta[j] = Rg[j] * derivative(act, x, o[j]) + g[j] * second(act, x, o[j]) * Rnet[l][j];
        }
      }
      const prev = trace.out[k][s];
      for (let j = 0; j < n; j++) {
        for (let i = 0; i < net.layers[k]; i++) RgW[k][j][i] += Rdelta[j] * prev[i] + delta[j] * Rout[k][i];
        RgB[k][j] += Rdelta[j];
      }
      const below = zeros(net.layers[k]);
      for (let i = 0; i < below.length; i++) {
        let sum = 0.0;
        for (let j = 0; j < n; j++) sum += Rdelta[j] * net.W[k][j][i] + delta[j] * VW[k][j][i];
        below[i] = sum;
      }
      Rg = below;
    }
  }
  return Float64Array.from(params, (p) => {
    const loc = p.loc;
    if (loc[0] === "weights") return RgW[loc[1]][loc[2]][loc[3]] / S;
    if (loc.length === 3) return RgB[loc[1]][loc[2]] / S;
    let sum = 0.0;
    for (let j = 0; j < RgB[loc[1]].length; j++) sum += RgB[loc[1]][j];
    return sum / S;
  });
}

// ∂²E/∂p∂q for two named parameters (trainable or not).
export function entry(net, trace, grads, params, p, q) {
  const ip = params.findIndex((x) => x.name === p);
  const iq = params.findIndex((x) => x.name === q);
  if (ip < 0) throw new Error(`no parameter named '${p}'`);
  if (iq < 0) throw new Error(`no parameter named '${q}'`);
  const e = zeros(params.length);
  e[iq] = 1.0;
  return hvp(net, trace, grads, params, e)[ip];
}

// The Hessian over the trainable parameters (symmetrised), as rows of Float64Arrays.
export function hessian(net, trace, grads, params) {
  const index = [];
  params.forEach((p, n) => {
    if (p.kind === "weights" || net.updateBiases) index.push(n);
  });
  const columns = index.map((q) => {
    const e = zeros(params.length);
    e[q] = 1.0;
    return hvp(net, trace, grads, params, e);
  });
  return index.map((p, a) => Float64Array.from(index, (q, b) => (columns[b][p] + columns[a][q]) / 2));
}

// The eigenvalues of a symmetric matrix, in increasing order (cyclic Jacobi rotations).
export function eigenvalues(rows) {
  const n = rows.length;
  const A = rows.map((r) => Float64Array.from(r));
  let size = 0.0;
  for (let p = 0; p < n; p++) for (let q = 0; q < n; q++) size += A[p][q] * A[p][q];
  for (let sweep = 0; sweep < 100; sweep++) {
    let off = 0.0;
    for (let p = 0; p < n; p++) for (let q = p + 1; q < n; q++) off += A[p][q] * A[p][q];
    if (!(off > 1e-36 * size)) break;
    for (let p = 0; p < n; p++) {
      for (let q = p + 1; q < n; q++) {
        if (A[p][q] === 0.0) continue;
        const theta = (A[q][q] - A[p][p]) / (2.0 * A[p][q]);
        const t = (theta >= 0 ? 1.0 : -1.0) / (Math.abs(theta) + Math.sqrt(theta * theta + 1.0));
        const c = 1.0 / Math.sqrt(t * t + 1.0);
        const sn = t * c;
        for (let k = 0; k < n; k++) {
          const akp = A[k][p];
          const akq = A[k][q];
          A[k][p] = c * akp - sn * akq;
          A[k][q] = sn * akp + c * akq;
        }
        for (let k = 0; k < n; k++) {
          const apk = A[p][k];
          const aqk = A[q][k];
          A[p][k] = c * apk - sn * aqk;
          A[q][k] = sn * apk + c * aqk;
        }
        A[p][q] = 0.0;
        A[q][p] = 0.0;
      }
    }
  }
  return Float64Array.from(A.map((r, i) => r[i])).sort();
}

// The value of a second-order quantity key: "d2E/dw5/dw6", "lambda_max" or "eta_max".
export function value(net, trace, grads, params, body) {
  if (body === "lambda_max" || body === "eta_max") {
    const lam = eigenvalues(hessian(net, trace, grads, params));
    const top = lam.length ? lam[lam.length - 1] : NaN;
    if (body === "lambda_max") return top;
    let size = 0.0;
    for (const x of lam) size = Math.max(size, Math.abs(x));
    if (!(top > 1e-12 * size)) throw new Error(`eta_max: the Hessian has no positive eigenvalue here`);
    return 2.0 / top;
  }
  const parts = body.split("/");
  if (parts.length !== 3 || parts[0] !== "d2E" || !parts[1].startsWith("d") || !parts[2].startsWith("d")) {
    throw new Error(`${body}: a second derivative is written d2E/dP/dQ`);
  }
  return entry(net, trace, grads, params, parts[1].slice(1), parts[2].slice(1));
}

// ------------------------------------------------------------------ the working
// The answer box's working for a second-order key (judge.js's working() hands these keys
// here): [{text, value, key}] in its format, text with _{…} for subscripts.
//   d2E/dA/dB, A and B weights into the output layer (one sample, element-wise activation,
//   ½Σ(t − o)²): ∂²E/∂A∂B = out_i·out_i′·[f′(net)² + (out − target)·f″(net)], or 0 when they
//   feed different outputs;
//   eta_max of a single linear neuron on one sample: λ_max = |x|², η_max = 2/|x|²;
//   otherwise one line with the value.
export function handles(body) {
  return body.startsWith("d2E/") || body === "lambda_max" || body === "eta_max";
}

function subscript(name) {
  const m = /^([A-Za-z]+)(\d+)$/.exec(name);
  return m ? `${m[1]}_{${m[2]}}` : name;
}

function fixed(x) {
  const text = x.toFixed(9).replace(/0+$/, "").replace(/\.$/, "");
  return x < 0 ? `(${text})` : text;
}

export function working(net, trace, grads, params, body, key) {
  const lines = [];
  const add = (text, v, k) => lines.push({ text, value: v === undefined ? null : v, key: k || null });
  const L = net.layers.length - 1;
  const S = trace.targets.length;
  const names = net.neuronNames;
  const exact = value(net, trace, grads, params, body);
  if (body === "eta_max" || body === "lambda_max") {
    const simple = L === 1 && net.layers[1] === 1 && net.activations[0] === "linear" && S === 1 && net.loss === "half_sse";
    if (simple) {
      const x = Array.from(trace.out[0][0]);
      const c = x.reduce((a, v) => a + v * v, 0.0);
      add(`E = ½(out_{${names[1][0]}} − target_{${names[1][0]}})² with out a weighted sum of the inputs: the Hessian is x·xᵀ, whose eigenvalues are 0 and |x|²`);
      add(`λ_max = |x|² = ${names[0].map((n) => `${subscript(n)}²`).join(" + ")} = ${x.map((v) => `${fixed(v)}²`).join(" + ")}`, c, body === "lambda_max" ? key : null);
      if (body === "eta_max") add(`η_max = 2/λ_max = 2/${fixed(c)}`, 2.0 / c, key);
      return lines;
    }
    const lam = eigenvalues(hessian(net, trace, grads, params));
    const top = lam[lam.length - 1];
    add(`λ_max, the Hessian's largest eigenvalue`, top, body === "lambda_max" ? key : null);
    if (body === "eta_max") add(`η_max = 2/λ_max = 2/${fixed(top)}`, exact, key);
    return lines;
  }
  const [, a, b] = body.split("/").map((part, n) => (n ? part.slice(1) : part));
  const pa = params.find((p) => p.name === a);
  const pb = params.find((p) => p.name === b);
  const act = net.activations[L - 1];
  const plain = pa && pb && pa.kind === "weights" && pb.kind === "weights" && pa.loc[1] === L - 1 && pb.loc[1] === L - 1 &&
    S === 1 && net.loss === "half_sse" && act !== "softmax";
  if (!plain) {
    add(`∂²E/∂${subscript(a)}∂${subscript(b)}: how much ∂E/∂${subscript(a)} changes as ${subscript(b)} moves (the backward pass differentiated along ${subscript(b)})`, exact, key);
    return lines;
  }
  const j = pa.loc[2];
  const wrt = a === b ? `∂${subscript(a)}²` : `∂${subscript(a)}∂${subscript(b)}`;
  if (pb.loc[2] !== j) {
    add(`${subscript(a)} feeds ${names[L][j]} and ${subscript(b)} feeds ${names[L][pb.loc[2]]}: no term of E contains both, so ∂²E/∂${subscript(a)}∂${subscript(b)} = 0`, exact, key);
    return lines;
  }
  const o = names[L][j];
  const out = trace.out[L][0][j];
  const t = trace.targets[0][j];
  const n = trace.net[L][0][j];
  const f1 = derivative(act, n, out);
  const f2 = second(act, n, out);
  const hi = trace.out[L - 1][0][pa.loc[3]];
  const hk = trace.out[L - 1][0][pb.loc[3]];
  const inName = (i) => (L - 1 === 0 ? subscript(names[0][i]) : `out_{${names[L - 1][i]}}`);
  add(`∂E/∂${subscript(a)} = (out_{${o}} − target_{${o}})·f′(net_{${o}})·${inName(pa.loc[3])}; differentiate again: only out_{${o}} depends on ${subscript(b)}, with ∂out_{${o}}/∂${subscript(b)} = f′(net_{${o}})·${inName(pb.loc[3])}`);
  if (act === "sigmoid") add(`f′ = out_{${o}}(1 − out_{${o}}) = ${fixed(out)}·(1 − ${fixed(out)})`, f1);
  else add(`f′(net_{${o}}) = ${fixed(f1)}`, f1);
  if (act === "sigmoid") {
    // f″ = f′·(1 − 2·out), so f′² + (out − t)·f″ = f′·[f′ + (out − t)(1 − 2·out)]
    const bracket = f1 + (out - t) * (1.0 - 2.0 * out);
    add(`bracket: f′ + (out_{${o}} − target_{${o}})(1 − 2·out_{${o}}) = ${fixed(f1)} + (${fixed(out)} − ${fixed(t)})·(1 − 2·${fixed(out)})`, bracket);
    add(`∂²E/${wrt} = ${inName(pa.loc[3])}·${inName(pb.loc[3])}·f′·bracket = ${fixed(hi)}·${fixed(hk)}·${fixed(f1)}·${fixed(bracket)}`, exact, key);
  } else {
    add(`∂²E/${wrt} = ${inName(pa.loc[3])}·${inName(pb.loc[3])}·[f′² + (out_{${o}} − target_{${o}})·f″] = ${fixed(hi)}·${fixed(hk)}·[${fixed(f1)}² + ${fixed(out - t)}·${fixed(f2)}]`, exact, key);
  }
  return lines;
}

// Judging a reader's answer as a teacher would, and the working for the numbers on screen.
//
// The same rules as backprop_lib/widgets/answers.py, line for line (tests/test_answers.py and
// tests/test_widget_engine.py run both on many answers and on random networks):
//   - an answer is right when it is the exact value rounded to the digits typed, from 3
//     significant figures up (an author's explicit tolerance, absolute or relative, stays);
//   - a wrong answer that is what a common slip gives gets that slip's hint (mistakes());
//   - working() lists the chain-rule product factor by factor, each with its number, for the
//     answer box's stepwise working and its folded worked solution.
import * as E from "./engine.js";
import * as Hess from "./hessian.js";
import * as Read from "./reading.js";

export const FIGURES = 3;
const NEAR = 1.5;
const FAR = 3.0;
export const CHOICES = { direction: ["up", "down", "no change"], sign: ["positive", "negative", "zero"] };

// ------------------------------------------------------------------ reading an answer

export const parseAnswer = Read.parseAnswer;
export const typedPrecision = Read.typedPrecision;

function noise(v) {
  return 1e-12 * Math.abs(v) + 1e-15;
}

function trainedNet(net, steps, cache) {
  cache = cache || {};
  cache.trained = cache.trained || {};
  if (!(steps in cache.trained)) cache.trained[steps] = { net: E.train(net, steps).net };
  return cache.trained[steps].net;
}

// The largest accepted |answer − exact| under an author's tolerance: {absolute: x}, or
// {relative: r} with a floor of half a unit in the network's last decimal and, for an updated
// parameter (w5+), taken of its change rather than of its value.
export function allowedError(net, key, exact, tolerance, cache) {
  if (tolerance && tolerance.absolute !== undefined) return tolerance.absolute;
  const rel = tolerance && tolerance.relative !== undefined ? tolerance.relative : 1e-4;
  const floor = 0.5 * Math.pow(10, -net.decimals);
  let scale = Math.abs(exact);
  const { body, steps } = E.parseKey(key);
  if (body.endsWith("+")) {
    const before = steps === null ? net : trainedNet(net, steps, cache);
    scale = Math.abs(exact - E.param(before, body.slice(0, -1)));
  }
  return Math.max(floor, rel * scale);
}

// ------------------------------------------------------------------ mistaken worlds

function lossGradient(loss, o, t) {
  return loss === "half_sse" ? o - t : -t / o;
}

function batchStep(net) {
  return E.samples(net) === 1 || net.mode === "batch";
}

// The backward pass in a mistaken world: {only} one output's error; {sigmaFromNet}
// σ'(net) = net·(1 − net); {plain: [l, …]} the layers whose activation's derivative is left
// out; {back} the weight matrices used on the way back.  {dEdout, delta, named}.
export function worldBackward(net, trace, world) {
  world = world || {};
  const L = E.depth(net);
  const S = trace.targets.length;
  const back = world.back || net.W;
  const plain = world.plain || [];
  let dE = trace.out[L].map((o, s) => Float64Array.from(o, (v, j) => {
    const g = lossGradient(net.loss, v, trace.targets[s][j]);
    return world.only === undefined || world.only === null ? g : g * (j === world.only ? 1.0 : 0.0);
  }));
  const dEdout = new Array(L + 1).fill(null);
  const delta = new Array(L + 1).fill(null);
  for (let l = L; l >= 1; l--) {
    const act = net.activations[l - 1];
    dEdout[l] = dE;
    delta[l] = dE.map((g, s) => {
      const out = trace.out[l][s];
      const n = trace.net[l][s];
      const d = new Float64Array(g.length);
      if (plain.includes(l) && act !== "softmax") {
        for (let j = 0; j < g.length; j++) d[j] = g[j] * 1.0;
      } else if (act === "softmax") {
        let dot = 0.0;
        for (let j = 0; j < g.length; j++) dot += g[j] * out[j];
        for (let j = 0; j < g.length; j++) d[j] = out[j] * (g[j] - dot);
      } else if (world.sigmaFromNet && act === "sigmoid") {
        for (let j = 0; j < g.length; j++) d[j] = g[j] * (n[j] * (1.0 - n[j]));
      } else {
        for (let j = 0; j < g.length; j++) d[j] = g[j] * E.derivative(act, n[j], out[j]);
      }
      return d;
    });
    const W = back[l - 1];
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
  const named = {};
  for (const p of E.parameters(net)) {
    const k = p.loc[1];
    const d = delta[k + 1];
    let sum = 0.0;
    for (let s = 0; s < S; s++) {
      if (p.kind === "weights") sum += d[s][p.loc[2]] * trace.out[k][s][p.loc[3]];
      else if (p.loc.length === 2) for (let j = 0; j < d[s].length; j++) sum += d[s][j];
      else sum += d[s][p.loc[2]];
    }
    named[p.name] = sum / S;
  }
  return { dEdout, delta, named };
}

function partition(text, sep) {
  const i = text.indexOf(sep);
  return i < 0 ? [text, ""] : [text.slice(0, i), text.slice(i + sep.length)];
}

// A derivative key's value in a mistaken world.
function worldDerivative(net, trace, body, s, world) {
  world = Object.assign({}, world);
  let [num, den] = partition(body.slice(1), "/d");
  if (num === "E" && !den.includes(":")) {
    E.findParam(net, den);
    return worldBackward(net, trace, world).named[den];
  }
  if (num.startsWith("E")) {
    if (num.includes(":")) world.only = E.neuron(net, num.slice(num.indexOf(":") + 1))[1];
    const g = worldBackward(net, trace, world);
    const [what, name] = partition(den, ":");
    const [l, j] = E.neuron(net, name);
    return { out: g.dEdout, net: g.delta }[what][l][s][j];
  }
  if (num === "out") num = "out:" + den.slice(4);
  if (num.startsWith("out:") && den.startsWith("net:")) {
    const [l, j] = E.neuron(net, den.slice(4) || num.slice(4));
    const n = trace.net[l][s][j];
    if (world.sigmaFromNet && net.activations[l - 1] === "sigmoid") return n * (1.0 - n);
    return E.derivative(net.activations[l - 1], n, trace.out[l][s][j]);
  }
  return E.value(net, `${body}[${s}]`);
}

// The mistaken worlds of the backward pass, in the order they are tried: [[code, world]].
function worlds(net, stepIsBatch) {
  const L = E.depth(net);
  const out = [];
  if (net.activations.includes("sigmoid")) out.push(["sigma_net", { sigmaFromNet: true }]);
  const curved = [];
  for (let l = 1; l <= L; l++) if (!["linear", "softmax"].includes(net.activations[l - 1])) curved.push(l);
  if (curved.length) {
    out.push(["sigma_missing", { plain: curved }]);
    if (curved.length > 1) for (const l of curved) out.push(["sigma_missing", { plain: [l] }]);
  }
  const nOut = net.layers[L];
  if (nOut > 1) for (let k = 0; k < nOut; k++) out.push(["one_path", { only: k }]);
  if (L > 1 && stepIsBatch) out.push(["updated_weights", { back: E.step(net).W }]);
  let square = false;
  for (let l = 1; l < L; l++) if (net.layers[l] === net.layers[l + 1]) square = true;
  if (square) {
    const back = net.W.map((W) => (W.length === W[0].length
      ? W.map((row, j) => Float64Array.from(row, (_, i) => W[i][j])) : W));
    out.push(["wrong_weight", { back }]);
  }
  return out;
}

// Slips particular to one parameter's gradient: one neuron's delta or one path per neuron for
// a shared bias; the wrong output on the last factor.  [[code, gradient]].
function parameterSlips(net, trace, p) {
  const S = E.samples(net);
  const k = p.loc[1];
  const deltas = E.backward(net, trace).delta;
  const d = deltas[k + 1];
  const out = [];
  if (p.kind === "biases" && p.loc.length === 2) {
    for (let j = 0; j < net.layers[k + 1]; j++) {
      let sum = 0.0;
      for (let s = 0; s < S; s++) sum += d[s][j];
      out.push(["bias_one_neuron", sum / S]);
    }
    const L = E.depth(net);
    const H = net.layers[k + 1];
    const O = net.layers[L];
    if (k + 2 === L && O > 1 && Math.pow(O, H) <= 64 && net.activations[k] !== "softmax") {
      const top = deltas[L];
      const W = net.W[L - 1];
      const act = net.activations[k];
      for (let idx = 0; idx < Math.pow(O, H); idx++) {
        let total = 0.0;
        for (let s = 0; s < S; s++) {
          for (let j = 0; j < H; j++) {
            const m = Math.floor(idx / Math.pow(O, j)) % O;
            const local = E.derivative(act, trace.net[k + 1][s][j], trace.out[k + 1][s][j]);
            total += top[s][m] * W[m][j] * local;
          }
        }
        out.push(["missing_paths", total / S]);
      }
    }
  } else if (p.kind === "weights") {
    const j = p.loc[2];
    const i = p.loc[3];
    const alternatives = [];
    for (let a = 0; a < net.layers[k]; a++) if (a !== i) alternatives.push((s) => trace.out[k][s][a]);
    alternatives.push((s) => trace.out[k + 1][s][j]);
    if (k > 0) alternatives.push((s) => trace.net[k][s][i]);
    for (const alt of alternatives) {
      let sum = 0.0;
      for (let s = 0; s < S; s++) sum += d[s][j] * alt(s);
      out.push(["wrong_input", sum / S]);
    }
  }
  return out;
}

// Values a common slip gives for this key: [[code, value], …] in the order they are tried.
export function mistakes(net, key, cache) {
  cache = cache || {};
  const { body, sample, steps } = E.parseKey(key);
  const s = sample || 0;
  const base = steps === null ? net : trainedNet(net, steps, cache);
  const baseCache = steps === null ? cache : cache.trained[steps];
  const plainKey = body + (sample !== null ? `[${s}]` : "");
  const x = E.value(base, plainKey, baseCache);
  const S = E.samples(net);
  const half = net.loss === "half_sse";
  const out = [];
  if (body.endsWith("+")) {
    const name = body.slice(0, -1);
    const p = E.findParam(base, name);
    const before = E.getAt(base, p.loc);
    const rate = base.rate;
    const stepped = (r) => E.param(E.step(E.clone(base, { rate: r })), name);
    out.push(["added", stepped(-rate)]);
    if (rate !== 1) out.push(["no_rate", stepped(1)]);
    if (half) out.push(["factor2", stepped(2 * rate)], ["factor2", stepped(rate / 2)]);
    const g = E.namedGradient(base, E.forward(base))[name];
    out.push(["gradient_only", g], ["gradient_only", rate * g], ["unchanged", before]);
    if (E.trainable(base, p) && batchStep(base)) {
      const tr = E.forward(base);
      for (const [code, world] of worlds(base, true)) out.push([code, before - rate * worldBackward(base, tr, world).named[name]]);
      for (const [code, g1] of parameterSlips(base, tr, p)) out.push([code, before - rate * g1]);
    }
    out.push(["sign", -x]);
  } else if (body === "E" || body.startsWith("E:")) {
    if (half) out.push(["factor2", 2 * x], ["factor2", x / 2]);
    if (S > 1) out.push(["sum_not_mean", S * x]);
    out.push(["sign", -x]);
  } else if (body.startsWith("net:") || body.startsWith("out:")) {
    if (body.startsWith("out:")) {
      const [l] = E.neuron(base, body.slice(4));
      if (l > 0 && base.activations[l - 1] !== "linear") out.push(["forgot_activation", E.value(base, "net:" + plainKey.slice(4), baseCache)]);
    }
    out.push(["sign", -x]);
  } else if (body.startsWith("dout") || body.startsWith("dnet:")) {
    if (body.startsWith("dout") && base.activations.includes("sigmoid")) {
      out.push(["sigma_net", worldDerivative(base, E.forward(base), body, s, { sigmaFromNet: true })]);
    }
    out.push(["sign", -x]);
  } else if (body.startsWith("dE")) {
    out.push(["sign", -x]);
    if (half) out.push(["factor2", 2 * x], ["factor2", x / 2]);
    const tr = E.forward(base);
    const [num, den] = partition(body.slice(1), "/d");
    for (const [code, world] of worlds(base, batchStep(base))) {
      if (code === "one_path" && num !== "E") continue;
      out.push([code, worldDerivative(base, tr, body, s, world)]);
    }
    if (num === "E" && !den.includes(":")) {
      out.push(...parameterSlips(base, tr, E.findParam(base, den)));
      if (S > 1) out.push(["sum_not_mean", S * x]);
    }
  } else {
    out.push(["sign", -x]);
  }
  if (steps !== null) out.push(["before_step", E.value(net, plainKey, {})]);
  return out;
}

// ------------------------------------------------------------------ judging

// One answer judged: {right, code, exact, allowed, figures} (as answers.check_answer).
// cache: an object kept between answers to the same key of the same network (the exact value
// and the slips are then computed once).
export function judge(net, key, answer, tolerance, ask, cache) {
  if (ask && ask !== "number") return judgeChoice(net, key, answer, ask);
  cache = cache || {};
  const memo = cache.judged || (cache.judged = {});
  if (!(key in memo)) memo[key] = { exact: E.value(net, key, cache) };
  const exact = memo[key].exact;
  const slipsOf = () => memo[key].slips || (memo[key].slips = mistakes(net, key, cache));
  const x = parseAnswer(answer);
  const result = (right, code, allowed, figures = null) => ({ right, code, exact, allowed, figures });
  if (x === null) return result(false, "not_a_number", 0.0);
  if (!tolerance || tolerance.figures === undefined) {
    const allowed = allowedError(net, key, exact, tolerance, cache);
    const close = (v) => Number.isFinite(v) && Math.abs(x - v) <= allowed * (1 + 1e-9);
    if (close(exact)) return result(true, null, allowed);
    for (const [code, v] of slipsOf()) if (close(v)) return result(false, code, allowed);
    return result(false, null, allowed);
  }
  const [figures, unit] = typedPrecision(answer);
  const half = 0.5 * unit * (1 + 1e-9);
  const within = (v, units) => Number.isFinite(v) && Math.abs(x - v) <= Math.max(units * unit * (1 + 1e-9), noise(v));
  if (Math.abs(x - exact) <= noise(exact)) return result(true, null, noise(exact));
  if (figures < tolerance.figures) return result(false, "few_digits", half);
  const slips = slipsOf().filter(([, v]) => Number.isFinite(v) && Math.abs(v - exact) > noise(exact));
  if (within(exact, 0.5)) {
    if (slips.some(([, v]) => within(v, 0.5))) return result(false, "more_digits", half);
    const shownFigures = unit > 1.5 * Number(`1e-${Math.max(net.decimals, 9)}`) ? figures : null;
    return result(true, null, half, shownFigures);
  }
  for (const [code, v] of slips) if (within(v, 0.5) && Math.abs(v - exact) > half) return result(false, code, half);
  if (within(exact, NEAR)) return result(false, "last_digit", half);
  for (const [code, v] of slips) if (within(v, NEAR) && Math.abs(v - exact) > FAR * unit) return result(false, code, half);
  return result(false, null, half);
}

// The value a direction is measured from: the parameter before the update, or the key's
// quantity before the training steps.
function before(net, key) {
  const { body, sample, steps } = E.parseKey(key);
  if (body.endsWith("+")) {
    const base = steps === null ? net : trainedNet(net, steps, {});
    return E.param(base, body.slice(0, -1));
  }
  if (steps === null) throw new Error(`${key}: a direction needs an update (w5+) or training steps (E@1)`);
  return E.value(net, body + (sample !== null ? `[${sample}]` : ""), {});
}

// The right choice for a question that asks for a direction or a sign.
export function correctChoice(net, key, ask) {
  const exact = E.value(net, key, {});
  if (ask === "direction") {
    const change = exact - before(net, key);
    if (Math.abs(change) <= noise(exact)) return "no change";
    return change > 0 ? "up" : "down";
  }
  if (Math.abs(exact) <= 1e-15) return "zero";
  return exact > 0 ? "positive" : "negative";
}

function judgeChoice(net, key, answer, ask) {
  const exact = E.value(net, key, {});
  const right = correctChoice(net, key, ask);
  const choice = typeof answer === "string" ? answer.trim().toLowerCase() : null;
  if (!CHOICES[ask].includes(choice)) return { right: false, code: "not_a_choice", exact, allowed: 0.0, figures: null };
  const ok = choice === right;
  return { right: ok, code: ok ? null : ask === "direction" ? "direction" : "sign_of", exact, allowed: 0.0, figures: null };
}

// A computed value as the box shows it: the network's decimals, at least 9.
export function shown(net, x) {
  return E.formatNumber(x, Math.max(net.decimals, 9));
}

// The verdict line (answers.verdict, except that an unexplained wrong answer points to the
// folded hint instead of printing it).
export function verdict(net, key, r, hints, authorHint, ask) {
  if (ask && ask !== "number") {
    if (r.right) return `Right: ${correctChoice(net, key, ask)}.`;
    if (r.code === "not_a_choice") return "Not yet: choose one of the answers offered.";
    return `Not yet: ${hints[r.code]}`;
  }
  if (r.right) {
    if (r.figures !== null) return `Right to ${r.figures} significant figures; the exact value is ${shown(net, r.exact)}.`;
    return `Right: ${shown(net, r.exact)}.`;
  }
  if (r.code !== null) return `Not yet: ${hints[r.code]}`;
  return `Not yet: ${hints.generic}` + (authorHint ? " The hint below may help." : "");
}

// ------------------------------------------------------------------ the working

// Names as the book writes them, with _{…} for a subscript (the view typesets it).
function sub(name) {
  const m = /^([A-Za-z]+)(\d+)$/.exec(name);
  return m ? `${m[1]}_{${m[2]}}` : name;
}

function paramName(name) {
  return sub(name);
}

// Every step of working out `key` for this network: [{text, value, key}], in order.  text uses
// _{…} for subscripts; value is the step's number (null for a heading); key, where the step's
// number is a quantity of its own, names it (the tests compare it with backprop_lib).
export function working(net, key) {
  const { body, sample, steps } = E.parseKey(key);
  const decimals = Math.max(net.decimals, 9);
  // a computed number inside a formula: the box's decimals, trailing zeros dropped (as the
  // documents write 0.74136507); the step's own result is shown in full (shown())
  const num = (x) => {
    const text = E.formatNumber(x, decimals);
    return text.includes(".") ? text.replace(/0+$/, "").replace(/\.$/, "") : text;
  };
  const par = (x) => (x < 0 ? `(${num(x)})` : num(x));
  // a number as typed (a weight, an input, a target: at most 6 decimals) or as computed
  const giv = (x) => {
    const text = Math.abs(x) < 1e6 && Number(x.toFixed(6)) === x ? E.given(x) : num(x);
    return x < 0 ? `(${text})` : text;
  };
  const lines = [];
  const add = (text, value, k) => lines.push({ text, value: value === undefined ? null : value, key: k || null });
  if (steps !== null) {
    const trained = E.train(net, steps).net;
    const list = E.parameters(trained).map((p) => `${paramName(p.name)} = ${num(E.getAt(trained, p.loc))}`);
    add(`After ${steps} training step${steps === 1 ? "" : "s"} the parameters are ${list.join(", ")}; then, with these:`);
    for (const line of working(trained, body + (sample !== null ? `[${sample}]` : ""))) lines.push(Object.assign({}, line, { key: null }));
    lines[lines.length - 1].key = key;
    return lines;
  }
  const s = sample || 0;
  const S = E.samples(net);
  const L = E.depth(net);
  const trace = E.forward(net);
  const grads = E.backward(net, trace);
  const names = net.neuronNames;
  const sfx = (q) => (q === 0 ? "" : `[${q}]`);
  const outName = (l, j) => (l === 0 ? sub(names[0][j]) : `out_{${names[l][j]}}`);
  const netName = (l, j) => `net_{${names[l][j]}}`;
  const wName = (k, j, i) => paramName(E.parameters(net).find((p) => p.kind === "weights" && p.loc[1] === k && p.loc[2] === j && p.loc[3] === i).name);
  const bName = (k, j) => {
    const p = E.parameters(net).find((q) => q.kind === "biases" && q.loc[1] === k && (q.loc.length === 2 || q.loc[2] === j));
    return p ? paramName(p.name) : null;
  };
  const act = (l) => net.activations[l - 1];
  const slope = (l, j, q) => {
    const o = trace.out[l][q][j];
    const n = trace.net[l][q][j];
    switch (act(l)) {
      case "sigmoid": return [`${outName(l, j)}·(1 − ${outName(l, j)})`, `${num(o)}·(1 − ${num(o)})`];
      case "tanh": return [`1 − ${outName(l, j)}²`, `1 − ${par(o)}²`];
      case "relu": return [`(1 if ${netName(l, j)} > 0, else 0)`, n > 0 ? "1" : "0"];
      default: return ["1", "1"];
    }
  };
  const errorLine = (j, q, only, head) => {
    const n = names[L][j];
    const o = trace.out[L][q][j];
    const t = trace.targets[q][j];
    head = head || (only === undefined ? `∂E/∂out_{${n}}` : `∂E_{${names[L][only]}}/∂out_{${n}}`);
    if (only !== undefined && only !== j) return [`${head}: E_{${names[L][only]}} does not depend on out_{${n}}`, 0.0];
    if (net.loss === "half_sse") return [`${head} = out_{${n}} − target_{${n}} = ${num(o)} − ${giv(t)}`, o - t];
    return [`${head} = −target_{${n}}/out_{${n}} = −${giv(t)}/${num(o)}`, -t / o];
  };
  // δ of neuron (l, j), or ∂E_o/∂net for one output's error alone (only)
  const dName = (l, j, only) => (only === undefined ? `δ_{${names[l][j]}}` : `∂E_{${names[L][only]}}/∂net_{${names[l][j]}}`);
  // the terms of a hidden neuron's ∂E/∂out: one per neuron of the layer above (for one
  // output's error alone, the other outputs' terms are 0 and left out)
  const sumTerms = (l, j, q, g, only) => {
    const terms = [];
    const values = [];
    names[l + 1].forEach((m, a) => {
      if (only !== undefined && l + 1 === L && a !== only) return;
      terms.push(`${dName(l + 1, a, only)}·${wName(l, a, j)}`);
      values.push(`${par(g.delta[l + 1][q][a])}·${giv(net.W[l][a][j])}`);
    });
    return [terms.join(" + "), values.join(" + ")];
  };
  // δ of neuron (l, j) for sample q, in one line, from the δs of the layer above
  const deltaOne = (l, j, q, g, only) => {
    const n = names[l][j];
    const head = dName(l, j, only);
    if (act(l) === "softmax") return `${head} = out_{${n}}·(∂E/∂out_{${n}} − Σ_k out_k·∂E/∂out_k)`;
    const [form, numbers] = slope(l, j, q);
    if (l === L) {
      const o = trace.out[L][q][j];
      const t = trace.targets[q][j];
      const first = net.loss === "half_sse" ? [`(out_{${n}} − target_{${n}})`, `(${num(o)} − ${giv(t)})`] : [`(−target_{${n}}/out_{${n}})`, `(−${giv(t)}/${num(o)})`];
      if (act(l) === "linear") return `${head} = ${first[0].slice(1, -1)} = ${first[1].slice(1, -1)}`;
      return `${head} = ${first[0]}·${form} = ${first[1]}·${numbers}`;
    }
    const [terms, values] = sumTerms(l, j, q, g, only);
    if (act(l) === "linear") return `${head} = ${terms} = ${values}`;
    return `${head} = (${terms})·${form} = (${values})·${numbers}`;
  };
  // the δs of every layer above l (the ones a hidden neuron's error is made of), one line each
  const deltasAbove = (l, q, g, only) => {
    for (let m = L; m > l; m--) {
      for (let a = 0; a < net.layers[m]; a++) {
        if (only !== undefined && m === L && a !== only) continue;
        const k = only === undefined ? `dE/dnet:${names[m][a]}${sfx(q)}` : `dE:${names[L][only]}/dnet:${names[m][a]}${sfx(q)}`;
        add(deltaOne(m, a, q, g, only), g.delta[m][q][a], k);
      }
    }
  };
  // ∂E/∂out of neuron (l, j): the output's error, or the sum over the layer above
  const dEdoutLine = (l, j, q, g, only, head) => {
    const n = names[l][j];
    if (l === L) return errorLine(j, q, only, head);
    head = head || (only === undefined ? `∂E/∂out_{${n}}` : `∂E_{${names[L][only]}}/∂out_{${n}}`);
    const [terms, values] = sumTerms(l, j, q, g, only);
    return [`${head} = ${terms} = ${values}`, g.dEdout[l][q][j]];
  };
  // the factors of δ for neuron (l, j) at sample q: ∂E/∂out, ∂out/∂net, and their product
  const deltaFactors = (l, j, q, g, only) => {
    const n = names[l][j];
    const pre = only === undefined ? "E" : `E:${names[L][only]}`;
    if (l < L) deltasAbove(l, q, g, only);
    const err = only === undefined ? "E" : `E_{${names[L][only]}}`;
    if (act(l) === "linear") {
      // no activation: out = net, so δ is ∂E/∂out itself, in one line
      const [text] = dEdoutLine(l, j, q, g, only, `${dName(l, j, only)} = ∂${err}/∂net_{${n}}`);
      add(text, g.delta[l][q][j], `d${pre}/dnet:${n}${sfx(q)}`);
      return;
    }
    const [text, v] = dEdoutLine(l, j, q, g, only);
    add(text, v, `d${pre}/dout:${n}${sfx(q)}`);
    if (act(l) === "softmax") {
      add(`δ_{${n}} = out_{${n}}·(∂E/∂out_{${n}} − Σ_k out_k·∂E/∂out_k)`, g.delta[l][q][j], `d${pre}/dnet:${n}${sfx(q)}`);
      return;
    }
    const head = only === undefined ? `δ_{${n}} = ∂E/∂net_{${n}}` : `∂${err}/∂net_{${n}}`;
    const [form, numbers] = slope(l, j, q);
    add(`∂out_{${n}}/∂net_{${n}} = ${form} = ${numbers}`, E.derivative(act(l), trace.net[l][q][j], trace.out[l][q][j]), `dout/dnet:${n}${sfx(q)}`);
    add(`${head} = ∂${err}/∂out_{${n}}·∂out_{${n}}/∂net_{${n}} = ${par(v)}·${numbers === "1" ? "1" : num(E.derivative(act(l), trace.net[l][q][j], trace.out[l][q][j]))}`,
      g.delta[l][q][j], `d${pre}/dnet:${n}${sfx(q)}`);
  };
  // the weighted sum into neuron (l, j): [symbols, numbers]
  const sumOf = (l, j, q) => {
    const terms = [];
    const values = [];
    for (let i = 0; i < net.layers[l - 1]; i++) {
      terms.push(`${wName(l - 1, j, i)}·${outName(l - 1, i)}`);
      values.push(`${giv(net.W[l - 1][j][i])}·${l - 1 === 0 ? giv(trace.out[0][q][i]) : num(trace.out[l - 1][q][i])}`);
    }
    const b = net.B[l - 1];
    if (b !== null) {
      terms.push(bName(l - 1, j));
      values.push(giv(typeof b === "number" ? b : b[j]));
    }
    return [terms.join(" + "), values.join(" + ")];
  };
  const netLine = (l, j, q) => {
    const [terms, values] = sumOf(l, j, q);
    add(`${netName(l, j)} = ${terms} = ${values}`, trace.net[l][q][j], `net:${names[l][j]}${sfx(q)}`);
  };
  const squash = { sigmoid: "σ", tanh: "tanh", relu: "max0" };
  // the forward pass of neuron (l, j) in one line: out = f(Σ w·out + b) = f(numbers) = f(net)
  const forwardLine = (l, j, q) => {
    const [terms, values] = sumOf(l, j, q);
    const o = trace.out[l][q][j];
    const k = `out:${names[l][j]}${sfx(q)}`;
    const f = act(l);
    if (f === "linear") add(`${outName(l, j)} = ${terms} = ${values}`, o, k);
    else if (f === "softmax") add(`${outName(l, j)} = softmax of the layer's net inputs, with ${netName(l, j)} = ${values} = ${num(trace.net[l][q][j])}`, o, k);
    else if (f === "relu") add(`${outName(l, j)} = max(0, ${terms}) = max(0, ${values}) = max(0, ${num(trace.net[l][q][j])})`, o, k);
    else add(`${outName(l, j)} = ${squash[f]}(${terms}) = ${squash[f]}(${values}) = ${squash[f]}(${num(trace.net[l][q][j])})`, o, k);
  };
  const forwardLines = (upTo, q) => {
    for (let l = 1; l <= upTo; l++) for (let j = 0; j < net.layers[l]; j++) forwardLine(l, j, q);
  };
  const outLine = (l, j, q) => {
    const n = trace.net[l][q][j];
    const o = trace.out[l][q][j];
    const k = `out:${names[l][j]}${sfx(q)}`;
    switch (act(l)) {
      case "sigmoid": add(`${outName(l, j)} = σ(${netName(l, j)}) = 1/(1 + e^{${n > 0 ? "−" : ""}${num(Math.abs(n))}})`, o, k); break;
      case "tanh": add(`${outName(l, j)} = tanh(${netName(l, j)}) = tanh(${num(n)})`, o, k); break;
      case "relu": add(`${outName(l, j)} = max(0, ${netName(l, j)}) = max(0, ${num(n)})`, o, k); break;
      case "softmax": add(`${outName(l, j)} = e^{${netName(l, j)}}/Σ_k e^{net_k}`, o, k); break;
      default: add(`${outName(l, j)} = ${netName(l, j)}`, o, k);
    }
  };
  // the gradient of parameter p, for sample q alone when S > 1 (key null then)
  const gradientSteps = (p) => {
    const k = p.loc[1];
    const l = k + 1;
    const perSample = [];
    for (let q = 0; q < S; q++) {
      if (S > 1) add(`Sample ${q + 1}:`);
      forwardLines(L, q);
      if (p.kind === "weights") {
        const j = p.loc[2];
        const i = p.loc[3];
        deltaFactors(l, j, q, grads);
        const o = trace.out[k][q][i];
        add(`∂net_{${names[l][j]}}/∂${paramName(p.name)} = ${outName(k, i)}`, o, `dnet:${names[l][j]}/d${p.name}${sfx(q)}`);
        const d = grads.delta[l][q][j];
        perSample.push(d * o);
        add(`∂E/∂${paramName(p.name)} = δ_{${names[l][j]}}·${outName(k, i)} = ${par(d)}·${l - 1 === 0 ? giv(o) : num(o)}`, d * o, S === 1 ? `dE/d${p.name}` : null);
      } else if (p.loc.length === 2) {
        for (let j = 0; j < net.layers[l]; j++) {
          if (l < L && j === 0) deltasAbove(l, q, grads);
          add(deltaOne(l, j, q, grads), grads.delta[l][q][j], `dE/dnet:${names[l][j]}${sfx(q)}`);
        }
        let sum = 0.0;
        for (let j = 0; j < net.layers[l]; j++) sum += grads.delta[l][q][j];
        perSample.push(sum);
        const terms = names[l].map((n) => `δ_{${n}}`);
        const values = names[l].map((n, j) => par(grads.delta[l][q][j]));
        add(terms.length > 1
          ? `${paramName(p.name)} feeds ${names[l].join(" and ")}: its gradient adds their deltas, ∂E/∂${paramName(p.name)} = ${terms.join(" + ")} = ${values.join(" + ")}`
          : `${paramName(p.name)} feeds ${names[l][0]} alone: ∂E/∂${paramName(p.name)} = ${terms[0]}·1`, sum, S === 1 ? `dE/d${p.name}` : null);
      } else {
        const j = p.loc[2];
        deltaFactors(l, j, q, grads);
        perSample.push(grads.delta[l][q][j]);
        add(`∂E/∂${paramName(p.name)} = δ_{${names[l][j]}}·1`, grads.delta[l][q][j], S === 1 ? `dE/d${p.name}` : null);
      }
    }
    if (S > 1) {
      const g = E.namedGradient(net, trace, grads)[p.name];
      add(`∂E/∂${paramName(p.name)} = the mean over the ${S} samples = (${perSample.map(par).join(" + ")})/${S}`, g, `dE/d${p.name}`);
    }
  };

  if (body.endsWith("+")) {
    const name = body.slice(0, -1);
    const p = E.findParam(net, name);
    const w = E.getAt(net, p.loc);
    const after = E.param(E.step(net), name);
    if (!E.trainable(net, p)) {
      add(`The biases are held fixed here: ${paramName(name)}⁺ = ${paramName(name)}`, after, key);
      return lines;
    }
    if (!batchStep(net)) {
      let current = net;
      for (let q = 0; q < S; q++) {
        const one = E.clone(current, { X: [net.X[q]], T: [net.T[q]] });
        const g = E.namedGradient(one, E.forward(one))[name];
        const prev = E.param(one, name);
        current = E.clone(E.step(one), { X: net.X, T: net.T });
        add(`Update ${q + 1} (sample ${q + 1} alone): ${paramName(name)} = ${num(prev)} − η·∂E/∂${paramName(name)} = ${num(prev)} − ${giv(net.rate)}·${par(g)}`, E.param(current, name));
      }
      lines[lines.length - 1].key = key;
      return lines;
    }
    gradientSteps(p);
    const g = E.namedGradient(net, trace, grads)[name];
    add(`${paramName(name)}⁺ = ${paramName(name)} − η·∂E/∂${paramName(name)} = ${giv(w)} − ${giv(net.rate)}·${par(g)}`, after, key);
    return lines;
  }
  if (body === "E" || body.startsWith("E:")) {
    const only = body === "E" ? null : E.neuron(net, body.slice(2))[1];
    const sums = [];
    for (let q = 0; q < S; q++) {
      if (S > 1) add(`Sample ${q + 1}:`);
      forwardLines(L, q);
      let sum = 0.0;
      for (let j = 0; j < net.layers[L]; j++) {
        if (only !== null && j !== only) continue;
        const n = names[L][j];
        const o = trace.out[L][q][j];
        const t = trace.targets[q][j];
        const text = net.loss === "half_sse" ? `E_{${n}} = ½(target_{${n}} − out_{${n}})² = ½(${giv(t)} − ${num(o)})²` : `E_{${n}} = −target_{${n}}·log(out_{${n}}) = −${giv(t)}·log(${num(o)})`;
        add(text, trace.terms[q][j], S === 1 ? `E:${n}` : null);
        sum += trace.terms[q][j];
      }
      sums.push(sum);
      if (only === null && net.layers[L] > 1) add(`${S > 1 ? `E of sample ${q + 1}` : "E"} = ${names[L].map((n) => `E_{${n}}`).join(" + ")}`, trace.sampleLoss[q], S === 1 ? "E" : null);
    }
    if (S > 1) add(`${only === null ? "E" : `E_{${names[L][only]}}`} = the mean over the ${S} samples = (${sums.map(par).join(" + ")})/${S}`, E.value(net, body), key);
    else lines[lines.length - 1].key = key;
    return lines;
  }
  const colon = body.indexOf(":");
  if (body.startsWith("net:") || body.startsWith("out:")) {
    const [l, j] = E.neuron(net, body.slice(colon + 1));
    if (l === 0) {
      add(`${outName(0, j)} is an input: ${giv(trace.out[0][s][j])}`, trace.out[0][s][j], key);
      return lines;
    }
    forwardLines(l - 1, s);
    netLine(l, j, s);
    if (body.startsWith("out:")) outLine(l, j, s);
    lines[lines.length - 1].key = key;
    return lines;
  }
  const [numPart, den] = partition(body.slice(1), "/d");
  if (numPart.startsWith("out") && den.startsWith("net:")) {
    const [l, j] = E.neuron(net, den.slice(4));
    const n = names[l][j];
    forwardLines(l - 1, s);
    forwardLine(l, j, s);
    const [form, numbers] = slope(l, j, s);
    add(`∂out_{${n}}/∂net_{${n}} = ${form} = ${numbers}`, E.value(net, key), key);
    return lines;
  }
  if (numPart.startsWith("net:")) {
    add(`∂${netName(...E.neuron(net, numPart.slice(4)))}/∂${den.startsWith("out:") ? `out_{${den.slice(4)}}` : paramName(den)}: ${den.startsWith("out:") ? "the weight joining the two neurons (0 if they are not joined)" : "the output the weight multiplies (1 for a bias; 0 if it does not feed this neuron)"}`, E.value(net, key), key);
    return lines;
  }
  if (numPart === "E" && !den.includes(":")) {
    gradientSteps(E.findParam(net, den));
    return lines;
  }
  if (numPart.startsWith("E")) {
    const only = numPart.includes(":") ? E.neuron(net, numPart.slice(2))[1] : undefined;
    const g = only === undefined ? grads : E.backward(net, trace, only);
    const [what, name] = partition(den, ":");
    const [l, j] = E.neuron(net, name);
    forwardLines(L, s);
    if (what === "out") {
      if (l < L) deltasAbove(l, s, g, only);
      const [text, v] = dEdoutLine(l, j, s, g, only);
      add(text, v, key);
    } else {
      deltaFactors(l, j, s, g, only);
    }
    lines[lines.length - 1].key = key;
    return lines;
  }
  if (Hess.handles(body)) {                 // second order: hessian.js works these out
    for (const line of Hess.working(net, trace, grads, E.parameters(net), body, key)) lines.push(line);
    return lines;
  }
  // a quantity without a factor-by-factor working here (a second derivative, …): its value
  add(`${key}: computed for these numbers (no factor-by-factor working for this quantity)`, E.value(net, key), key);
  return lines;
}

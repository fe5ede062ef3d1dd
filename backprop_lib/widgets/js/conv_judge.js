// Judging a reader's answer about a conv network, as backprop_lib/widgets/convolution.py does
// (the tests compare the two on many answers): tolerance, and the common slips recognised.
import * as C from "./conv.js";
import * as Read from "./reading.js";

const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
const KEY = /^([^@[]+)(\[(\d+)\])?(@(\d+))?$/;

export function parseAnswer(answer) {
  if (typeof answer === "number") return Number.isFinite(answer) ? answer : null;
  if (typeof answer !== "string") return null;
  let t = answer.trim().replace(/\u2212/g, "-").replace(/\s+/g, "");
  if (t.includes(",") && !t.includes(".")) t = t.replace(",", ".");
  if (!NUMBER.test(t)) return null;
  const x = Number(t);
  return Number.isFinite(x) ? x : null;
}

const NEAR = 1.5;               // as judge.js: within this many units of the last digit, "nearly"

export function allowedError(net, key, exact, tol) {
  if (tol.figures !== undefined) return 0.5 * Math.pow(10, -net.decimals);
  if (tol.absolute !== undefined) return tol.absolute;
  const body = KEY.exec(key)[1];
  let scale = Math.abs(exact);
  if (body.endsWith("+")) scale = Math.abs(exact - C.param(net, body.slice(0, -1)));
  return Math.max(0.5 * Math.pow(10, -net.decimals), tol.relative * scale);
}

const differs = (v, x) => Math.abs(v - x) > 1e-12 * (1 + Math.abs(x));

// [[code, value], …]: what each common slip gives for this key, in backprop_lib's order.
export function mistakes(net, key) {
  const m = KEY.exec(key);
  const body = m[1];
  const x = C.value(net, key);
  const out = [];
  if (m[5] !== undefined) return [["sign", -x]];
  const half = net.loss === "half_sse";
  if (body.endsWith("+")) {
    const name = body.slice(0, -1);
    const p = C.findParam(net, name);
    const before = C.getParam(net, p);
    const rate = net.rate;
    const g = C.value(net, `dE/d${name}`);
    if (C.trainable(net, p)) {
      out.push(["added", before + rate * g]);
      if (rate !== 1) out.push(["no_rate", before - g]);
      for (const mistake of ["spread", "no_gate"]) {
        const v = before - rate * C.worldValue(net, `dE/d${name}`, mistake);
        if (differs(v, x)) out.push([mistake, v]);
      }
    }
    out.push(["unchanged", before], ["gradient_only", g], ["sign", -x]);
  } else if (body.startsWith("dE/d")) {
    out.push(["sign", -x]);
    if (half) out.push(["factor2", 2 * x], ["factor2", x / 2]);
    for (const mistake of ["spread", "no_gate"]) {
      const v = C.worldValue(net, key, mistake);
      if (differs(v, x)) out.push([mistake, v]);
    }
  } else if (body === "E" || body.startsWith("E:") || body.startsWith("dE:")) {
    if (half) out.push(["factor2", 2 * x], ["factor2", x / 2]);
    out.push(["sign", -x]);
  } else {
    out.push(["sign", -x]);
  }
  return out;
}

// {right, code, exact, allowed} for one answer (code: a hint's name or null).
export function checkAnswer(net, key, answer, tol) {
  const exact = C.value(net, key);
  const allowed = allowedError(net, key, exact, tol);
  const x = parseAnswer(answer);
  if (x === null) return { right: false, code: "not_a_number", exact, allowed };
  if (tol.figures === undefined) {
    const close = (v) => Number.isFinite(v) && Math.abs(x - v) <= allowed * (1 + 1e-9);
    if (close(exact)) return { right: true, code: null, exact, allowed };
    for (const [code, v] of mistakes(net, key)) if (close(v)) return { right: false, code, exact, allowed };
    return { right: false, code: null, exact, allowed };
  }
  // the book's rule (judge.js): right to the digits typed
  const [figures, unit] = Read.typedPrecision(answer);
  const half = 0.5 * unit * (1 + 1e-9);
  const noise = 1e-12 * Math.abs(exact) + 1e-15;
  const r = (right, code, a) => ({ right, code, exact, allowed: a });
  if (Math.abs(x - exact) <= noise) return r(true, null, noise);
  if (figures < tol.figures) return r(false, "few_digits", half);
  const slips = mistakes(net, key).filter(([, v]) => Number.isFinite(v) && Math.abs(v - exact) > noise);
  // (a slip's last bits may differ between the languages)
  const within = (v) => Math.abs(x - v) <= Math.max(half, 1e-12 * Math.abs(v) + 1e-15);
  if (Math.abs(x - exact) <= half) {
    if (slips.some(([, v]) => within(v))) return r(false, "more_digits", half);
    return r(true, null, half);
  }
  for (const [code, v] of slips) if (within(v)) return r(false, code, half);
  if (Math.abs(x - exact) <= NEAR * unit) return r(false, "last_digit", half);
  return r(false, null, half);
}

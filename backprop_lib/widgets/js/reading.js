// Reading a typed answer, for every answer box (judge.js, conv_judge.js), as
// backprop_lib/widgets/answers.py reads it.
import * as E from "./engine.js";

const NUMBER = /^[+-]?([0-9]*)(?:\.([0-9]*))?(?:[eE]([+-]?[0-9]+))?$/;

// A typed answer as clean text (typographic minus, spaces, decimal comma), or null.  A number
// becomes its shortest text, as Python's repr (E.given).
function numberText(answer) {
  if (typeof answer === "number") return Number.isFinite(answer) ? E.given(answer) : null;
  if (typeof answer !== "string") return null;
  let t = answer.trim().replace(/\u2212/g, "-").replace(/\s+/g, "");
  if (t.includes(",") && !t.includes(".")) t = t.replace(",", ".");
  const m = NUMBER.exec(t);
  if (!m || !(m[1] || m[2])) return null;
  return t;
}

// A typed answer as a number, or null: "0.0822", "-1.5e-3", "−0.019", "0,5".
export function parseAnswer(answer) {
  const t = numberText(answer);
  if (t === null) return null;
  const x = Number(t);
  return Number.isFinite(x) ? x : null;
}

// [figures, unit]: the significant figures typed and the place value of the last digit:
// "0.0827" → [3, 1e-4].  null if not a number.
export function typedPrecision(answer) {
  const t = numberText(answer);
  if (t === null) return null;
  const m = NUMBER.exec(t);
  const integer = m[1] || "";
  const frac = m[2] || "";
  const figures = (integer + frac).replace(/^0+/, "").length;
  const last = Number(m[3] || 0) - frac.length;
  return [figures, Number(`1e${last}`)];
}

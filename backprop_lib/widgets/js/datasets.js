// The training playground's 2-D datasets, drawn from a seed exactly as backprop_lib/datasets.py
// draws them: the same generator (mulberry32, from engine.js), the same order of draws, and
// only arithmetic that both languages round alike.  Sine and cosine come from one fixed
// polynomial (Math.sin may differ from Python's math.sin in the last bit), and the noise is a
// sum of four uniform numbers scaled to unit variance.  tests/test_training_engine.py holds
// the points equal, bit for bit.
import * as E from "./engine.js";

export const PLANES = ["moons", "circles", "xor", "spirals"];
export const DATA_STREAM = 1 << 30;
const HALF_PI = Math.PI / 2;
const SQRT3 = Math.sqrt(3.0);

// [sin x, cos x]: x reduced to r = x − k·π/2 (|r| ≤ π/4), Taylor polynomials of degree 15
// and 16, the quadrant k choosing the signs (backprop_lib.datasets.sincos).
export function sincos(x) {
  const k = Math.floor(x / HALF_PI + 0.5);
  const r = x - k * HALF_PI;
  const r2 = r * r;
  const s = r * (1 + r2 * (-1 / 6 + r2 * (1 / 120 + r2 * (-1 / 5040 + r2 * (1 / 362880 + r2 * (
    -1 / 39916800 + r2 * (1 / 6227020800 + r2 * (-1 / 1307674368000))))))));
  const c = 1 + r2 * (-1 / 2 + r2 * (1 / 24 + r2 * (-1 / 720 + r2 * (1 / 40320 + r2 * (
    -1 / 3628800 + r2 * (1 / 479001600 + r2 * (-1 / 87178291200 + r2 * (1 / 20922789888000))))))));
  const q = ((k % 4) + 4) % 4;
  if (q === 0) return [s, c];
  if (q === 1) return [c, -s];
  if (q === 2) return [-s, -c];
  return [-c, s];
}

function noise(rng) {
  return (rng.next() + rng.next() + rng.next() + rng.next() - 2.0) * SQRT3;
}

// n points {X: Float64Array [x0, y0, x1, y1, …], y: Float64Array of classes 0/1}; sample s
// has class s mod 2.  See backprop_lib.datasets.plane for the four shapes.
export function plane(name, n, noiseLevel, seed) {
  if (!PLANES.includes(name)) throw new Error(`dataset: must be one of ${PLANES.join(", ")}, got ${name}`);
  const rng = E.mulberry32(E.startState(seed, DATA_STREAM));
  const half = Math.floor((n + 1) / 2);
  const X = new Float64Array(2 * n);
  const y = new Float64Array(n);
  for (let s = 0; s < n; s++) {
    const c = s % 2;
    let x;
    let v;
    if (name === "moons") {
      const [sin, cos] = sincos(Math.PI * rng.next());
      if (c === 0) {
        x = cos - 0.5;
        v = sin - 0.25;
      } else {
        x = 0.5 - cos;
        v = 0.25 - sin;
      }
    } else if (name === "circles") {
      const [sin, cos] = sincos(2 * Math.PI * rng.next());
      const r = c === 1 ? 0.5 * rng.next() : 0.7 + 0.3 * rng.next();
      x = r * cos;
      v = r * sin;
    } else if (name === "xor") {
      const sx = rng.next() < 0.5 ? 1.0 : -1.0;
      const sy = c === 1 ? sx : -sx;
      x = sx * (0.05 + rng.next());
      v = sy * (0.05 + rng.next());
    } else {
      const r = Math.floor(s / 2) / half;
      const [sin, cos] = sincos(3.5 * Math.PI * r + c * Math.PI);
      x = 1.4 * r * sin;
      v = 1.4 * r * cos;
    }
    X[2 * s] = x + noiseLevel * noise(rng);
    X[2 * s + 1] = v + noiseLevel * noise(rng);
    y[s] = c;
  }
  return { X, y };
}

// 0 … n − 1 shuffled: Fisher–Yates from the last position down (backprop_lib.sgd.permutation).
export function permutation(n, rng) {
  const order = new Int32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  for (let i = n - 1; i > 0; i--) {
    const j = rng.integer(0, i);
    const t = order[i];
    order[i] = order[j];
    order[j] = t;
  }
  return order;
}

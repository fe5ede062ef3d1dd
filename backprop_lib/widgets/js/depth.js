// The deeper-networks chapter's two playgrounds, computed in the browser: the twin of
// backprop_lib/depth.py (depth_spec, gradient_sizes, symmetry_spec, symmetry_run).
//
// Both build an ordinary network spec and let the engine (./engine.js, backprop_lib's twin)
// do the forward pass, the backward pass and the training, so that what the page shows is
// what the library computes; tests/test_depth_engine.py holds the two to 1e-12 under Node.
import * as E from "./engine.js";

export const WIDTH = 8;
export const SAMPLES = 16;
export const MAX_DEPTH = 10;
export const MAX_STEPS = 5000;
export const ACTIVATIONS = ["sigmoid", "tanh", "relu"];
export const STARTS = ["equal", "incoming", "random"];

// ------------------------------------------------------------------ the depth playground

// depth hidden layers of one activation and a linear output layer, all `width` wide, no
// biases; drawn by mulberry32 from (seed, 0): the inputs and the targets, uniform in [−1, 1),
// then the weights layer by layer, row by row, w = scale·(2u − 1)·√(3 / fan-in).
export function depthSpec(state, width = WIDTH, samples = SAMPLES) {
  const rng = E.mulberry32(E.startState(state.seed, 0));
  const draw = () => 2.0 * rng.next() - 1.0;
  const rows = (n) => Array.from({ length: n }, () => Array.from({ length: width }, draw));
  const inputs = rows(samples);
  const targets = rows(samples);
  const bound = Math.sqrt(3.0 / width);
  const scale = Number(state.scale);
  const weights = [];
  for (let l = 0; l <= state.depth; l++) {
    weights.push(Array.from({ length: width }, () => Array.from({ length: width }, () => scale * ((2.0 * rng.next() - 1.0) * bound))));
  }
  const activations = [];
  for (let l = 0; l < state.depth; l++) activations.push(state.activation);
  activations.push("linear");
  return {
    layers: Array.from({ length: state.depth + 2 }, () => width),
    activations,
    weights,
    biases: null,
    inputs,
    targets,
    loss: "half_sse",
    learning_rate: 0.1,
    title: "depth playground",
  };
}

// ‖∂E/∂W^(l)‖ for l = 1 … L: the square root of the sum of the squares, row by row.
export function gradientSizes(net) {
  const g = E.backward(net);
  return g.gW.map((m) => {
    let sum = 0.0;
    for (const row of m) for (const v of row) sum += v * v;
    return Math.sqrt(sum);
  });
}

export function depthPlayground(state) {
  const net = E.fromSpec(depthSpec(state));
  const sizes = gradientSizes(net);
  return { sizes, ratio: sizes[0] / sizes[sizes.length - 1], loss: E.forward(net).loss };
}

// ------------------------------------------------------------------ the symmetry playground

const HIDDEN = ["w1", "w2", "w3", "w4", "w5", "w6", "w7", "w8"];

// The first document's network (`base`, its spec) with the playground's starting weights:
// "equal" the two hidden neurons identical in and out, "incoming" only w1 = w3 and w2 = w4,
// "random" all eight weights from mulberry32 (seed, 1), uniform in [−0.5, 0.5).
export function symmetrySpec(base, state) {
  const net = E.fromSpec(base);
  const set = (name, v) => E.setAt(net, E.findParam(net, name).loc, v);
  if (state.start === "random") {
    const rng = E.mulberry32(E.startState(state.seed, 1));
    for (const name of HIDDEN) set(name, 0.5 * (2.0 * rng.next() - 1.0));
  } else {
    set("w1", state.w1);
    set("w3", state.w1);
    set("w2", state.w2);
    set("w4", state.w2);
    if (state.start === "equal") {
      set("w5", state.w5);
      set("w6", state.w5);
      set("w7", state.w7);
      set("w8", state.w7);
    }
  }
  return E.toSpec(net);
}

// |w1 − w3| + |w2 − w4| + |w5 − w6| + |w7 − w8|: how far apart the two hidden neurons are.
export function hiddenGap(net) {
  const p = (n) => E.param(net, n);
  return Math.abs(p("w1") - p("w3")) + Math.abs(p("w2") - p("w4")) + Math.abs(p("w5") - p("w6")) + Math.abs(p("w7") - p("w8"));
}

// Train `steps` steps one at a time: the gap after each, the losses, the trained network.
export function symmetryRun(base, state) {
  let net = E.fromSpec(symmetrySpec(base, state));
  const trainer = E.makeTrainer(net);
  let theta = E.flat(net);
  const gaps = [hiddenGap(net)];
  const losses = [E.forward(net).loss];
  for (let s = 0; s < state.steps; s++) {
    const run = trainer(theta, 1);
    theta = run.theta;
    net = E.withFlat(net, theta);
    gaps.push(hiddenGap(net));
    losses.push(run.history[1]);
  }
  return { gaps, losses, net };
}

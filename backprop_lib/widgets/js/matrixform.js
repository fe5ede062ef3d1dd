// Backpropagation in matrices, for one sample: the browser's twin of
// backprop_lib/matrix_form.py's layer_arrays (tests/test_matrix_widget.py holds the two to
// 1e-12 on random networks).  Per layer l = 1 … L:
//   net = W·outPrev + b,  out = f(net)                          the forward pass
//   delta = ∂E/∂out ⊙ f′(net)                                   BP1 (output layer) and BP2
//   outer = delta·outPrevᵀ                                      BP4: ∂E/∂W of this sample
import * as E from "./engine.js";

// The networks the matrix view can show: element-wise activations only (softmax's ∂out/∂net
// is a matrix, not a vector).
export function supported(net) {
  return net.activations.every((a) => a !== "softmax");
}

export function layerArrays(net, sample = 0) {
  if (!supported(net)) throw new Error("softmax has a matrix of ∂out/∂net; the matrix view needs element-wise activations");
  const one = E.clone(net, { X: [net.X[sample]], T: [net.T[sample]] });
  const trace = E.forward(one);
  const g = E.backward(one, trace);
  const L = E.depth(net);
  const layers = [];
  for (let l = 1; l <= L; l++) {
    const act = net.activations[l - 1];
    const n = net.layers[l];
    const b = net.B[l - 1];
    const bias = new Float64Array(n);
    for (let j = 0; j < n; j++) bias[j] = b === null ? 0.0 : typeof b === "number" ? b : b[j];
    const netL = trace.net[l][0];
    const outL = trace.out[l][0];
    const fprime = new Float64Array(n);
    for (let j = 0; j < n; j++) fprime[j] = E.derivative(act, netL[j], outL[j]);
    const delta = g.delta[l][0];
    const outPrev = trace.out[l - 1][0];
    const outer = Array.from(delta, (d) => Float64Array.from(outPrev, (o) => d * o));
    layers.push({
      W: net.W[l - 1].map((r) => Float64Array.from(r)),
      b: bias,
      outPrev: Float64Array.from(outPrev),
      net: Float64Array.from(netL),
      out: Float64Array.from(outL),
      fprime,
      dEdout: Float64Array.from(g.dEdout[l][0]),
      delta: Float64Array.from(delta),
      outer,
    });
  }
  return layers;
}

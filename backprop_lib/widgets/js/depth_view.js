// The depth playground's view: depth, activation, initialisation scale and seed; the size of
// ∂E/∂W for every layer, as bars on a scale of powers of ten and as numbers, recomputed in
// the browser on every move (./depth.js on ./engine.js).
//
// DOM contract (the browser tests read it): the root .bp-depth carries data-state (the
// settings as JSON); each layer's number is [data-layer="l"] with its full value in data-value.
import * as D from "./depth.js";
import * as Dom from "./dom.js";

const { h, s } = Dom;


let uid = 0;

const SUP = { "-": "⁻", 0: "⁰", 1: "¹", 2: "²", 3: "³", 4: "⁴", 5: "⁵", 6: "⁶", 7: "⁷", 8: "⁸", 9: "⁹" };

function power(p) {
  return "10" + String(p).split("").map((c) => SUP[c]).join("");
}

// x as the page shows it: four significant figures, a power of ten when far from 1
function short(x) {
  if (!Number.isFinite(x)) return String(x);
  if (x !== 0 && (Math.abs(x) >= 1e4 || Math.abs(x) < 1e-3)) {
    const [m, e] = x.toExponential(3).split("e");
    return `${m} × ${power(Number(e))}`;
  }
  return x.toPrecision(4);
}

function slider(label, min, max, step, value, unit) {
  const id = `bp-depth-${++uid}`;
  const input = h("input", { type: "range", id, min, max, step, value, "aria-label": label });
  const out = h("output", { for: id, class: "bp-deep-readout", text: unit(value) });
  return { row: h("div", { class: "bp-deep-slider" }, h("label", { for: id, text: label }), input, out), input, out };
}

function render({ model, el }) {
  const root = h("div", { class: "bp-deep bp-depth", role: "group", "aria-label": "depth playground" });
  const state = () => ({
    depth: model.get("depth"),
    activation: model.get("activation"),
    scale: model.get("scale"),
    seed: model.get("seed"),
  });
  const depth = slider("depth", 1, D.MAX_DEPTH, 1, model.get("depth"), (v) => `${v} hidden`);
  const scale = slider("initialisation scale", 0.1, 4, 0.05, model.get("scale"), (v) => Number(v).toFixed(2));
  const seed = slider("seed", 0, 9, 1, model.get("seed"), (v) => String(v));
  const selectId = `bp-depth-${++uid}`;
  const activation = h("select", { id: selectId, "aria-label": "activation" },
    ...D.ACTIVATIONS.map((a) => h("option", { value: a, text: a })));
  activation.value = model.get("activation");
  const controls = h("div", { class: "bp-deep-controls" },
    h("div", { class: "bp-deep-slider" }, h("label", { for: selectId, text: "activation" }), activation, h("span")),
    depth.row, scale.row, seed.row);
  const note = h("p", { class: "bp-deep-note" });
  const chart = s("svg", { class: "bp-deep-chart", viewBox: "0 0 560 240", role: "img" });
  const chartTitle = s("title", {});
  chart.append(chartTitle);
  const table = h("table", { class: "bp-deep-table" });
  const tableBox = h("div", { class: "bp-deep-tablebox" }, table);
  const summary = h("p", { class: "bp-deep-summary", role: "status" });
  root.append(controls, chart, summary, tableBox, note);
  el.append(root);

  function draw(result, st) {
    const sizes = result.sizes;
    const L = sizes.length;
    // the chart: log10 of each size, between the nearest whole powers of ten
    while (chart.childNodes.length > 1) chart.removeChild(chart.lastChild);
    const logs = sizes.map((v) => Math.log10(Math.max(v, 1e-300)));
    let lo = Math.floor(Math.min(...logs));
    let hi = Math.ceil(Math.max(...logs));
    if (hi === lo) hi = lo + 1;
    const left = 70, right = 550, top = 12, bottom = 200;
    const y = (v) => bottom - ((v - lo) / (hi - lo)) * (bottom - top);
    const every = Math.max(1, Math.ceil((hi - lo) / 8));
    for (let p = lo; p <= hi; p += every) {
      chart.append(s("line", { x1: left, x2: right, y1: y(p), y2: y(p), class: "bp-deep-grid" }));
      chart.append(s("text", { x: left - 6, y: y(p) + 4, "text-anchor": "end", text: power(p) }));
    }
    const slot = (right - left) / L;
    sizes.forEach((v, l) => {
      const x = left + l * slot + slot * 0.15;
      const yv = y(logs[l]);
      chart.append(s("rect", { x, y: Math.min(yv, bottom), width: slot * 0.7, height: Math.abs(bottom - yv), class: "bp-deep-bar" }));
      chart.append(s("text", { x: x + slot * 0.35, y: bottom + 16, "text-anchor": "middle", text: l === L - 1 ? "out" : String(l + 1) }));
    });
    chart.append(s("text", { x: (left + right) / 2, y: 234, "text-anchor": "middle", text: "layer (1 = nearest the inputs)" }));
    chartTitle.textContent = `size of the gradient per layer, ${st.activation}, ${st.depth} hidden layers: ` +
      sizes.map((v, l) => `layer ${l + 1}: ${short(v)}`).join(", ");
    // the table: one row per layer
    table.replaceChildren(
      h("caption", { text: "size of ∂E/∂W for each layer (square root of the sum of its squares)" }),
      h("thead", {}, h("tr", {}, h("th", { scope: "col", text: "layer" }), h("th", { scope: "col", text: "‖∂E/∂W‖" }),
        h("th", { scope: "col", text: "÷ the layer above" }))),
      h("tbody", {}, ...sizes.map((v, l) => h("tr", {},
        h("th", { scope: "row", text: l === L - 1 ? `${l + 1} (output, linear)` : String(l + 1) }),
        h("td", { "data-layer": String(l + 1), "data-value": String(v), text: short(v) }),
        h("td", { text: l === L - 1 ? "" : short(v / sizes[l + 1]) })))));
    summary.textContent = `The first layer's gradient is ${short(result.ratio)} times the output layer's.`;
    note.textContent = `${D.WIDTH} neurons per layer, ${D.SAMPLES} random samples; weights with standard deviation ` +
      `${Number(st.scale).toFixed(2)}/√${D.WIDTH} (scale 1: Xavier/Glorot; 1.41: He).`;
    root.setAttribute("data-state", JSON.stringify(st));
  }

  function update() {
    const st = state();
    depth.input.value = st.depth;
    depth.out.textContent = `${st.depth} hidden`;
    scale.input.value = st.scale;
    scale.out.textContent = Number(st.scale).toFixed(2);
    seed.input.value = st.seed;
    seed.out.textContent = String(st.seed);
    activation.value = st.activation;
    draw(D.depthPlayground(st), st);
  }

  const set = (name, value) => {
    model.set(name, value);
    model.save_changes();
  };
  depth.input.addEventListener("input", () => set("depth", Number(depth.input.value)));
  scale.input.addEventListener("input", () => set("scale", Number(scale.input.value)));
  seed.input.addEventListener("input", () => set("seed", Number(seed.input.value)));
  activation.addEventListener("change", () => set("activation", activation.value));
  const names = ["depth", "activation", "scale", "seed"];
  for (const n of names) model.on(`change:${n}`, update);
  update();
  return () => { for (const n of names) model.off(`change:${n}`, update); };
}

export default { render };

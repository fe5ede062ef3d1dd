// The training playground's view (anywidget's render).  All arithmetic is in ./trainer.js
// (the network, the mini-batch steps, the opened gradient) and ./datasets.js (the points);
// this file builds the controls, draws the decision boundary, the loss curve and the
// network, and keeps the page's address and the widget's traits in step with the run.
//
// DOM contract for the tests and the benchmark: the root is .bp-trainer; its status line is
// [role=status]; the link to the current state is a.bp-trainer-link; root.bpRun is the run
// and root.bpStats counts the animation frames and their work time.
import * as E from "./engine.js";
import * as D from "./datasets.js";
import * as T from "./trainer.js";
import * as Dom from "./dom.js";

const { h, s } = Dom;

const LO = -1.8;
const HI = 1.8;
const GRID = 50;
const CURVE_BUCKETS = 2048;
const PANEL_ROWS = 10;
const SPEEDS = [["1 step", 1], ["10 steps", 10], ["1 epoch", 0], ["10 epochs", -10]];
// The first playground on a page reads and writes its address (a window-wide mark: each
// widget may load its own copy of this module).
const OWNER = "__bpTrainerAddressOwner";

// ------------------------------------------------------------------ small DOM helpers


function esc(text) {
  return String(text).replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]);
}

// A number with six significant digits, a typographic minus and, when very small or large,
// a power of ten; negative factors of a product in parentheses (as Part I writes them).
function num(x) {
  if (Number.isInteger(x) && Math.abs(x) < 1e6) return x < 0 ? `−${-x}` : String(x);
  const a = Math.abs(x);
  let text;
  if (a >= 1e-4 && a < 1e6) text = a.toPrecision(6);
  else {
    const [m, e] = a.toExponential(5).split("e");
    text = `${m}·10<sup>${Number(e) < 0 ? "−" + -Number(e) : Number(e)}</sup>`;
  }
  return (x < 0 ? "−" : "") + text;
}

function factor(x) {
  return x < 0 ? `(${num(x)})` : num(x);
}

function v(x, role) {
  return `<span class="bp-n" data-role="${role}" data-value="${x}">${factor(x)}</span>`;
}

// out_h1 → out<sub>h1</sub>
function sub(base, name) {
  return `${base}<sub>${esc(name)}</sub>`;
}

function d(a, b) {
  return `∂${a}/∂${b}`;
}

function inNotebook(el) {
  return !!(window.jupyterapp || el.closest(".jp-Notebook, .jp-OutputArea, .jp-LinkedOutputView, .vscode-body"));
}

function configOf(model) {
  return {
    dataset: model.get("dataset"), seed: model.get("seed"), noise: model.get("noise"),
    hidden: Array.from(model.get("hidden") || []), activation: model.get("activation"),
    rate: model.get("learning_rate"), batch: model.get("batch_size"), samples: model.get("samples"),
  };
}

// ------------------------------------------------------------------ the loss history, decimated

// The loss over all points at the steps where it was measured (every frame, every Step), kept
// as at most CURVE_BUCKETS buckets of (last step, min, max): when full, neighbouring buckets
// merge.
class Curve {
  constructor(first) {
    this.step = [0];
    this.lo = [first];
    this.hi = [first];
    this.first = first;
    this.last = first;
  }

  push(step, x) {
    this.last = x;
    if (this.step.length >= CURVE_BUCKETS) {
      const st = [];
      const lo = [];
      const hi = [];
      for (let i = 0; i < this.step.length; i += 2) {
        const j = Math.min(i + 1, this.step.length - 1);
        st.push(this.step[j]);
        lo.push(Math.min(this.lo[i], this.lo[j]));
        hi.push(Math.max(this.hi[i], this.hi[j]));
      }
      this.step = st;
      this.lo = lo;
      this.hi = hi;
    }
    this.step.push(step);
    this.lo.push(x);
    this.hi.push(x);
  }
}

// ------------------------------------------------------------------ the playground

function render({ model, el }) {
  const root = h("div", { class: "bp-trainer" });
  el.append(root);
  const id = `bp-trainer-${Math.random().toString(36).slice(2, 10)}`;
  const notebook = inNotebook(el);
  const ownsUrl = !!model.get("use_url") && !notebook && !(window[OWNER] && window[OWNER].isConnected);
  if (ownsUrl) window[OWNER] = root;

  let config;
  let run;
  let curve;
  let running = false;
  let rafId = null;
  let catchUp = null;        // a replay in progress: {target}
  let frameCount = 0;
  let selected = model.get("selected") || "";
  let speed = 0;             // steps per frame: 0 = one epoch, negative = that many epochs
  let fromUs = false;        // traits being set by this view (not by Python)
  const stats = { frames: 0, work: [] };
  root.bpStats = stats;

  try {
    config = T.validate(configOf(model));
  } catch (e) {
    config = T.validate({});
  }
  let startSteps = Math.max(0, Math.min(T.MAX_STEPS, model.get("steps") | 0));
  if (ownsUrl) {
    const q = T.fromQuery(window.location.search);
    if (q) {
      config = T.validate(q.config);
      startSteps = q.steps;
    }
  }

  // ---------------------------------------------------------------- controls
  const controls = {};
  function field(label, control, key) {
    control.id = `${id}-${key}`;
    controls[key] = control;
    return h("div", { class: "bp-field" }, h("label", { for: control.id, text: label }), control);
  }
  function select(options, value) {
    const el = h("select");
    for (const [text, val] of options) el.append(h("option", { value: String(val), text }));
    el.value = String(value);
    return el;
  }
  const datasetSel = select(D.PLANES.map((p) => [{ moons: "two moons", circles: "circles", xor: "XOR", spirals: "spirals" }[p], p]), config.dataset);
  const noiseSel = select(T.NOISES.map((n) => [String(n), n]), config.noise);
  const seedIn = h("input", { type: "number", min: 0, max: T.MAX_SEED, step: 1, class: "bp-seed" });
  seedIn.value = String(config.seed);
  const layersSel = select(Array.from({ length: T.MAX_HIDDEN_LAYERS + 1 }, (_, n) => [String(n), n]), config.hidden.length);
  const unitsBox = h("div", { class: "bp-units" });
  const actSel = select(T.ACTIVATIONS.map((a) => [a === "relu" ? "ReLU" : a, a]), config.activation);
  const rateSel = select(T.RATES.map((r) => [String(r), r]), config.rate);
  const batchSel = select(T.BATCH_SIZES.filter((b) => b <= config.samples).map((b) => [String(b), b]), config.batch);
  const speedSel = select(SPEEDS.map(([t, n]) => [t, n]), speed);
  for (const [sel, value] of [[noiseSel, config.noise], [rateSel, config.rate], [batchSel, config.batch]]) {
    if (sel.value !== String(value)) {
      sel.append(h("option", { value: String(value), text: String(value) }));
      sel.value = String(value);
    }
  }

  const trainBtn = h("button", { type: "button", class: "bp-btn bp-train", text: "Train" });
  const pauseBtn = h("button", { type: "button", class: "bp-btn", text: "Pause" });
  const stepBtn = h("button", { type: "button", class: "bp-btn", text: "Step" });
  const resetBtn = h("button", { type: "button", class: "bp-btn", text: "Reset" });
  const status = h("p", { class: "bp-status", role: "status", "aria-live": "polite" });

  const settings = h("div", { class: "bp-settings" },
    h("fieldset", { class: "bp-set" }, h("legend", { text: "Data" }),
      field("Dataset", datasetSel, "dataset"), field("Noise", noiseSel, "noise"), field("Seed", seedIn, "seed")),
    h("fieldset", { class: "bp-set" }, h("legend", { text: "Network" }),
      field("Hidden layers", layersSel, "layers"), unitsBox, field("Activation", actSel, "activation")),
    h("fieldset", { class: "bp-set" }, h("legend", { text: "Training" }),
      field("Learning rate η", rateSel, "rate"), field("Batch size", batchSel, "batch"), field("Speed (per frame)", speedSel, "speed")));
  const buttons = h("div", { class: "bp-buttons" }, trainBtn, pauseBtn, stepBtn, resetBtn);

  // ---------------------------------------------------------------- figures
  const boundary = h("canvas", { class: "bp-boundary", role: "img", width: 300, height: 300 });
  const heat = document.createElement("canvas");
  heat.width = GRID;
  heat.height = GRID;
  const heatImage = heat.getContext("2d").createImageData(GRID, GRID);
  const gridValues = new Float64Array(GRID * GRID);
  const lossCanvas = h("canvas", { class: "bp-losscurve", role: "img", width: 300, height: 170 });
  const figures = h("div", { class: "bp-figures" },
    h("figure", { class: "bp-fig" }, boundary,
      h("figcaption", { html: "The network's output over the plane: <span class=\"bp-key1\">blue</span> where it says class 1 (out ≥ 0.5), <span class=\"bp-key0\">orange</span> where it says class 0; squares are class 1, circles class 0." })),
    h("figure", { class: "bp-fig" }, lossCanvas,
      h("figcaption", { text: "The error E over all points after each step." })));

  const netBox = h("div", { class: "bp-netbox" });
  const paramSel = h("select");
  const panel = h("div", { class: "bp-panel" });
  const link = h("a", { class: "bp-trainer-link", href: "#" });
  const linkRow = h("p", { class: "bp-linkrow" }, "Link to this state: ", link);
  const gradBox = h("div", { class: "bp-gradbox" },
    h("div", { class: "bp-field" }, h("label", { for: `${id}-param`, text: "Open the gradient of" }), paramSel), panel);
  paramSel.id = `${id}-param`;

  root.append(settings, buttons, status, figures, netBox, gradBox, linkRow);

  // JupyterLab binds arrow keys, letters and Enter to notebook commands: keep them here.
  root.addEventListener("keydown", (e) => e.stopPropagation());

  // ---------------------------------------------------------------- the network picture
  let edges = [];
  function buildNetwork() {
    const layers = run.layers;
    const names = T.neuronNames(layers);
    const L = layers.length - 1;
    const gap = 36;
    const maxN = Math.max(...layers);
    const width = 90 + 120 * L;
    const height = maxN * gap + 24;
    const x = (l) => 40 + l * 120;
    const y = (l, j) => 12 + ((maxN - layers[l]) * gap) / 2 + j * gap + gap / 2;
    const svg = s("svg", { class: "bp-network", viewBox: `0 0 ${width} ${height}`, role: "img",
      "aria-label": `The network ${layers.join("-")}: click a connection or a bias to open its gradient (or choose it in the list below)` });
    const edgeLayer = s("g", {});
    const nodeLayer = s("g", {});
    svg.append(edgeLayer, nodeLayer);
    edges = [];
    for (const p of T.parameterList(layers)) {
      let line;
      let hit;
      if (p.kind === "weight") {
        const x1 = x(p.k) + 13;
        const y1 = y(p.k, p.i);
        const x2 = x(p.k + 1) - 13;
        const y2 = y(p.k + 1, p.j);
        line = s("line", { x1, y1, x2, y2, class: "bp-w" });
        hit = s("line", { x1, y1, x2, y2, class: "bp-hit" });
        edgeLayer.append(line, hit);
      } else {
        const cx = x(p.k + 1) - 16;
        const cy = y(p.k + 1, p.j) - 13;
        line = s("rect", { x: cx - 4, y: cy - 4, width: 8, height: 8, class: "bp-b" });
        hit = s("rect", { x: cx - 7, y: cy - 7, width: 14, height: 14, class: "bp-hit" });
        nodeLayer.append(line, hit);
      }
      const title = s("title", {});
      title.textContent = p.kind === "weight" ? `${p.name}: from ${names[p.k][p.i]} to ${names[p.k + 1][p.j]}` : `${p.name}: the bias of ${names[p.k + 1][p.j]}`;
      hit.append(title);
      hit.addEventListener("click", () => choose(p.name));
      line.addEventListener("click", () => choose(p.name));
      edges.push({ p, line });
    }
    for (let l = 0; l <= L; l++) {
      for (let j = 0; j < layers[l]; j++) {
        nodeLayer.append(s("circle", { cx: x(l), cy: y(l, j), r: 13, class: `bp-node${l === 0 ? " bp-in" : ""}` }));
        const t = s("text", { x: x(l), y: y(l, j) + 3.5, "text-anchor": "middle", class: "bp-nodename" });
        t.textContent = names[l][j];
        nodeLayer.append(t);
      }
    }
    netBox.replaceChildren(svg);
    paramSel.replaceChildren(h("option", { value: "", text: "— choose a weight or bias —" }));
    for (const p of T.parameterList(layers)) {
      const what = p.kind === "weight" ? `${names[p.k][p.i]} → ${names[p.k + 1][p.j]}` : `bias of ${names[p.k + 1][p.j]}`;
      paramSel.append(h("option", { value: p.name, text: `${p.name} (${what})` }));
    }
    if (selected && !T.parameterList(layers).some((p) => p.name === selected)) selected = "";
    paramSel.value = selected;
  }

  function updateEdges() {
    for (const { p, line } of edges) {
      const w = p.kind === "weight" ? run.W[p.k][p.j * run.layers[p.k] + p.i] : run.b[p.k][p.j];
      const neg = w < 0;
      if (p.kind === "weight") line.setAttribute("stroke-width", (0.6 + 3.4 * Math.tanh(Math.abs(w))).toFixed(2));
      line.classList.toggle("bp-neg", neg);
      line.classList.toggle("bp-selected", p.name === selected);
    }
  }

  // ---------------------------------------------------------------- the opened gradient
  function choose(name) {
    selected = name;
    paramSel.value = name;
    updateEdges();
    showPanel();
    drawBoundary();
    if (!fromUs) {
      fromUs = true;
      model.set("selected", name);
      save();
      fromUs = false;
    }
  }

  function showPanel() {
    if (!selected) {
      panel.innerHTML = "<p class=\"bp-hint\">Click any connection or bias in the network (or choose one above) to see its gradient on the next mini-batch, worked out as a chain-rule product with the current numbers.</p>";
      return;
    }
    const x = run.explain(selected);
    const S = x.samples.length;
    const n = x.neuron;
    const act = x.activation;
    const w = esc(x.name);
    const last = x.kind === "weight" ? d(sub("net", n), w) : d(sub("net", n), w);
    const lines = [];
    const what = x.kind === "weight" ? `the weight from ${esc(x.from)} to ${esc(n)}` : `the bias of ${esc(n)}`;
    lines.push(`<p class="bp-lead"><strong>${d("E", w)}</strong>, ${what}, on the mini-batch of step ${x.step + 1}: ${S} point${S === 1 ? "" : "s"} (${x.samples.slice(0, PANEL_ROWS).map((q) => `#${q.row + 1}`).join(", ")}${S > PANEL_ROWS ? ", …" : ""}).</p>`);
    lines.push(`<p>For each point, as Part I writes it: ${d("E", w)} = ${d("E", sub("out", n))} · ${d(sub("out", n), sub("net", n))} · ${last}, where ${last} = ${x.kind === "weight" ? sub("out", esc(x.from)) : "1"}.</p>`);
    let table = `<table class="bp-gtable"><thead><tr><th scope="col">point</th><th scope="col">target</th><th scope="col">${d("E", sub("out", n))}</th><th scope="col">${d(sub("out", n), sub("net", n))}</th><th scope="col">${last}</th><th scope="col">product</th></tr></thead><tbody>`;
    for (const q of x.samples.slice(0, PANEL_ROWS)) {
      table += `<tr><th scope="row">#${q.row + 1}</th><td>${q.target}</td><td>${v(q.dEdout, "dEdout")}</td><td>${v(q.local, "local")}</td><td>${v(q.input, "input")}</td><td>${v(q.product, "product")}</td></tr>`;
    }
    table += "</tbody></table>";
    lines.push(`<div class="bp-tablewrap">${table}</div>`);
    if (S > PANEL_ROWS) lines.push(`<p class="bp-hint">… and ${S - PANEL_ROWS} more points, all in the mean below.</p>`);
    lines.push(`<p>The gradient of the mean error over the mini-batch is the mean of the ${S} products: ${d("E", w)} = (${x.samples.slice(0, 4).map((q) => factor(q.product)).join(" + ")}${S > 4 ? " + …" : ""}) / ${S} = ${v(x.gradient, "gradient")}.</p>`);
    // where the first two factors come from, for the batch's first point
    const q = x.samples[0];
    const why = [];
    if (x.output) {
      why.push(`${d("E", sub("out", n))} = −(target − ${sub("out", n)}) = −(${q.target} − ${factor(q.out)}) = ${v(q.dEdout, "why-dEdout")}`);
    } else {
      const sum = x.terms.map((t) => `${d("E", sub("net", t.neuron))} · ${d(sub("net", t.neuron), sub("out", n))}`).join(" + ");
      const nums = x.terms.map((t) => `${factor(t.delta)} · ${factor(t.w)}`).join(" + ");
      why.push(`${d("E", sub("out", n))} = ${sum} (each ${d(sub("net", "m"), sub("out", n))} is the weight from ${esc(n)} to m) = ${nums} = ${v(q.dEdout, "why-dEdout")}`);
    }
    const o = factor(q.out);
    const localText = { tanh: `1 − ${sub("out", n)}² = 1 − ${o}²`, sigmoid: `${sub("out", n)}·(1 − ${sub("out", n)}) = ${o}·(1 − ${o})`,
      relu: `1 if ${sub("net", n)} > 0, else 0 (${sub("net", n)} = ${factor(q.net)})`, linear: "1" }[act];
    why.push(`${d(sub("out", n), sub("net", n))} = ${localText} = ${v(q.local, "why-local")} (${act === "relu" ? "ReLU" : act})`);
    lines.push(`<p>For the first point, #${q.row + 1}:</p><ul class="bp-why">${why.map((t) => `<li>${t}</li>`).join("")}</ul>`);
    lines.push(`<p class="bp-update">The step: ${w}<sup>+</sup> = ${w} − η·${d("E", w)} = ${v(x.value, "value")} − ${x.rate}·${factor(x.gradient)} = ${v(x.updated, "updated")}.</p>`);
    panel.innerHTML = lines.join("");
  }

  // ---------------------------------------------------------------- drawing
  function canvasSize(canvas) {
    const ratio = window.devicePixelRatio || 1;
    const cssW = canvas.clientWidth || Number(canvas.getAttribute("width"));
    const cssH = cssW * (Number(canvas.getAttribute("height")) / Number(canvas.getAttribute("width")));
    const w = Math.round(cssW * ratio);
    const hgt = Math.round(cssH * ratio);
    if (canvas.width !== w || canvas.height !== hgt) {
      canvas.width = w;
      canvas.height = hgt;
    }
    return { w, h: hgt, ratio };
  }

  function drawBoundary() {
    run.grid(GRID, LO, HI, gridValues);
    const px = heatImage.data;
    for (let n = 0; n < gridValues.length; n++) {
      const o = gridValues[n];
      // white at 0.5, towards orange (class 0) or blue (class 1) as the output leaves it
      let r;
      let g;
      let b;
      if (o < 0.5) {
        const t = Math.min(1, (0.5 - o) * 2) * 0.6;
        r = 255 + (217 - 255) * t;
        g = 255 + (130 - 255) * t;
        b = 255 + (43 - 255) * t;
      } else {
        const t = Math.min(1, (o - 0.5) * 2) * 0.6;
        r = 255 + (43 - 255) * t;
        g = 255 + (108 - 255) * t;
        b = 255 + (176 - 255) * t;
      }
      px[4 * n] = r;
      px[4 * n + 1] = g;
      px[4 * n + 2] = b;
      px[4 * n + 3] = 255;
    }
    heat.getContext("2d").putImageData(heatImage, 0, 0);
    const { w, h: ht, ratio } = canvasSize(boundary);
    const ctx = boundary.getContext("2d");
    ctx.imageSmoothingEnabled = true;
    ctx.drawImage(heat, 0, 0, w, ht);
    const X = (v) => ((v - LO) / (HI - LO)) * w;
    const Y = (v) => ((HI - v) / (HI - LO)) * ht;
    const r = 3.2 * ratio;
    ctx.lineWidth = 1 * ratio;
    ctx.strokeStyle = "#1a1a1a";
    for (let q = 0; q < run.n; q++) {
      const cx = X(run.X[2 * q]);
      const cy = Y(run.X[2 * q + 1]);
      ctx.beginPath();
      if (run.y[q] === 1) {
        ctx.fillStyle = "#2b6cb0";
        ctx.rect(cx - r, cy - r, 2 * r, 2 * r);
      } else {
        ctx.fillStyle = "#d9822b";
        ctx.arc(cx, cy, r, 0, 2 * Math.PI);
      }
      ctx.fill();
      ctx.stroke();
    }
    if (selected && !running) {
      ctx.lineWidth = 2 * ratio;
      ctx.strokeStyle = "#111";
      for (const q of run.batchRows(run.step)) {
        ctx.beginPath();
        ctx.arc(X(run.X[2 * q]), Y(run.X[2 * q + 1]), r + 3 * ratio, 0, 2 * Math.PI);
        ctx.stroke();
      }
    }
    ctx.fillStyle = "#333";
    ctx.font = `${11 * ratio}px sans-serif`;
    ctx.fillText(`${LO} … ${HI}`, 4 * ratio, ht - 5 * ratio);
  }

  function drawCurve() {
    const { w, h: ht, ratio } = canvasSize(lossCanvas);
    const ctx = lossCanvas.getContext("2d");
    ctx.clearRect(0, 0, w, ht);
    const pad = { l: 48 * ratio, r: 8 * ratio, t: 8 * ratio, b: 22 * ratio };
    let top = 0;
    for (const v of curve.hi) if (Number.isFinite(v) && v > top) top = v;
    if (!(top > 0)) top = 1;
    const plotW = w - pad.l - pad.r;
    const plotH = ht - pad.t - pad.b;
    ctx.strokeStyle = "#767676";
    ctx.lineWidth = 1 * ratio;
    ctx.beginPath();
    ctx.moveTo(pad.l, pad.t);
    ctx.lineTo(pad.l, pad.t + plotH);
    ctx.lineTo(pad.l + plotW, pad.t + plotH);
    ctx.stroke();
    const n = curve.lo.length;
    const lastStep = Math.max(1, curve.step[n - 1]);
    const Xb = (i) => pad.l + (curve.step[i] * plotW) / lastStep;
    const Yv = (v) => pad.t + plotH - (Math.min(v, top) / top) * plotH;
    ctx.strokeStyle = "#1f6fb2";
    ctx.lineWidth = 1.5 * ratio;
    ctx.beginPath();
    for (let i = 0; i < n; i++) {
      const a = Number.isFinite(curve.lo[i]) ? curve.lo[i] : top;
      const b = Number.isFinite(curve.hi[i]) ? curve.hi[i] : top;
      if (i === 0) ctx.moveTo(Xb(i), Yv(b));
      else ctx.lineTo(Xb(i), Yv(b));
      if (a !== b) ctx.lineTo(Xb(i), Yv(a));
    }
    ctx.stroke();
    ctx.fillStyle = "#333";
    ctx.font = `${11 * ratio}px sans-serif`;
    ctx.textAlign = "right";
    ctx.fillText(E.formatNumber(top, 3), pad.l - 4 * ratio, pad.t + 9 * ratio);
    ctx.fillText("0", pad.l - 4 * ratio, pad.t + plotH);
    ctx.fillText(`${run.step} steps`, pad.l + plotW, ht - 6 * ratio);
    ctx.textAlign = "left";
    ctx.fillText("0", pad.l, ht - 6 * ratio);
  }

  function describe() {
    const r = run.last;
    boundary.setAttribute("aria-label", `${datasetSel.selectedOptions[0].text}: ${run.n} points; after ${run.step} steps the network classifies ${Math.round(r.accuracy * run.n)} of them correctly`);
    lossCanvas.setAttribute("aria-label", `The error over all points: ${E.formatNumber(curve.first, 6)} before training, ${E.formatNumber(curve.last, 6)} after ${run.step} steps`);
  }

  function draw(full = true) {
    status.textContent = run.status();
    drawBoundary();
    drawCurve();
    updateEdges();
    if (full) {
      describe();
      showPanel();
      showLink();
    }
  }

  // ---------------------------------------------------------------- the state's address
  function query() {
    return T.toQuery(config, run.step);
  }

  function showLink() {
    const q = query();
    let href;
    if (notebook) href = `?${q}`;
    else href = `${window.location.origin === "null" ? "" : window.location.origin}${window.location.pathname}?${q}`;
    if (window.location.protocol === "file:") href = `${window.location.href.split(/[?#]/)[0]}?${q}`;
    link.href = href;
    link.textContent = notebook ? `?${q}` : href;
    if (ownsUrl && window.location.search !== `?${q}`) {
      try {
        window.history.replaceState(window.history.state, "", `${window.location.pathname}?${q}${window.location.hash}`);
      } catch (e) {
        // a page opened from a file may not change its address; the link still works
      }
    }
  }

  // ---------------------------------------------------------------- traits
  function save() {
    try {
      model.save_changes();
    } catch (e) {
      // a static page has no kernel to save to
    }
  }

  function pushTraits() {
    fromUs = true;
    try {
      model.set("dataset", config.dataset);
      model.set("seed", config.seed);
      model.set("noise", config.noise);
      model.set("hidden", config.hidden.slice());
      model.set("activation", config.activation);
      model.set("learning_rate", config.rate);
      model.set("batch_size", config.batch);
      model.set("steps", run.step);
      model.set("selected", selected);
      save();
    } finally {
      fromUs = false;
    }
  }

  // ---------------------------------------------------------------- running
  function stepsPerFrame() {
    if (speed > 0) return speed;
    return run.perEpoch * (speed === 0 ? 1 : -speed);
  }

  function frame() {
    rafId = null;
    if (!running) return;
    const t0 = performance.now();
    run.train(Math.min(stepsPerFrame(), T.MAX_STEPS - run.step));
    run.history.length = 0;
    curve.push(run.step, run.last.loss);
    frameCount += 1;
    draw(frameCount % 15 === 0);
    stats.frames += 1;
    stats.work.push(performance.now() - t0);
    if (stats.work.length > 5000) stats.work.splice(0, 2500);
    if (run.step >= T.MAX_STEPS || !Number.isFinite(run.last.loss)) {
      pause();
      return;
    }
    rafId = requestAnimationFrame(frame);
  }

  function train() {
    if (running || catchUp) return;
    running = true;
    status.setAttribute("aria-live", "off");       // a screen reader hears the line when paused
    trainBtn.setAttribute("aria-pressed", "true");
    rafId = requestAnimationFrame(frame);
  }

  function pause() {
    if (rafId !== null) cancelAnimationFrame(rafId);
    rafId = null;
    const was = running;
    running = false;
    trainBtn.setAttribute("aria-pressed", "false");
    status.setAttribute("aria-live", "polite");
    draw(true);
    if (was) pushTraits();
  }

  function stepOne() {
    if (catchUp) return;
    if (running) pause();
    if (run.step >= T.MAX_STEPS) return;
    run.train(1);
    run.history.length = 0;
    curve.push(run.step, run.last.loss);
    draw(true);
    pushTraits();
  }

  // A new run from the settings, trained to `steps` (in slices, so that the page stays
  // responsive while a shared link replays a long run).
  function restart(steps) {
    if (running) pause();
    run = new T.Run(config);
    root.bpRun = run;
    curve = new Curve(run.history[0]);
    buildNetwork();
    syncControls();
    if (steps > 0) {
      catchUp = { target: steps };
      status.textContent = `replaying ${steps} steps…`;
      setTimeout(replay, 0);
    } else {
      draw(true);
      pushTraits();
    }
  }

  function replay() {
    const t0 = performance.now();
    while (run.step < catchUp.target && performance.now() - t0 < 40) {
      run.train(Math.min(run.perEpoch, catchUp.target - run.step));
      run.history.length = 0;
      curve.push(run.step, run.last.loss);
    }
    if (run.step < catchUp.target) {
      status.textContent = `replaying: step ${run.step} of ${catchUp.target}…`;
      setTimeout(replay, 0);
      return;
    }
    catchUp = null;
    draw(true);
    pushTraits();
  }

  // ---------------------------------------------------------------- settings
  function unitsControls() {
    unitsBox.replaceChildren();
    config.hidden.forEach((n, l) => {
      const sel = select(Array.from({ length: T.MAX_UNITS }, (_, u) => [String(u + 1), u + 1]), n);
      sel.addEventListener("change", () => {
        const hidden = config.hidden.slice();
        hidden[l] = Number(sel.value);
        setConfig({ hidden });
      });
      unitsBox.append(field(`Neurons in hidden layer ${l + 1}`, sel, `units${l}`));
    });
  }

  function syncControls() {
    datasetSel.value = config.dataset;
    noiseSel.value = String(config.noise);
    seedIn.value = String(config.seed);
    layersSel.value = String(config.hidden.length);
    actSel.value = config.activation;
    rateSel.value = String(config.rate);
    batchSel.value = String(config.batch);
    unitsControls();
  }

  function setConfig(changes) {
    let next;
    try {
      next = T.validate(Object.assign({}, config, changes));
    } catch (e) {
      syncControls();
      return;
    }
    config = next;
    restart(0);
  }

  datasetSel.addEventListener("change", () => setConfig({ dataset: datasetSel.value }));
  noiseSel.addEventListener("change", () => setConfig({ noise: Number(noiseSel.value) }));
  seedIn.addEventListener("change", () => {
    const n = Number(seedIn.value);
    if (Number.isInteger(n) && n >= 0 && n <= T.MAX_SEED) setConfig({ seed: n });
    else seedIn.value = String(config.seed);
  });
  layersSel.addEventListener("change", () => {
    const count = Number(layersSel.value);
    const hidden = Array.from({ length: count }, (_, l) => config.hidden[l] || config.hidden[config.hidden.length - 1] || 4);
    setConfig({ hidden });
  });
  actSel.addEventListener("change", () => setConfig({ activation: actSel.value }));
  rateSel.addEventListener("change", () => setConfig({ rate: Number(rateSel.value) }));
  batchSel.addEventListener("change", () => setConfig({ batch: Number(batchSel.value) }));
  speedSel.addEventListener("change", () => {
    speed = Number(speedSel.value);
  });
  paramSel.addEventListener("change", () => choose(paramSel.value));
  trainBtn.addEventListener("click", train);
  pauseBtn.addEventListener("click", pause);
  stepBtn.addEventListener("click", stepOne);
  resetBtn.addEventListener("click", () => restart(0));

  // ---------------------------------------------------------------- changes from Python
  const traitNames = ["dataset", "seed", "noise", "hidden", "activation", "learning_rate", "batch_size", "samples", "steps"];
  function fromPython() {
    if (fromUs) return;
    try {
      config = T.validate(configOf(model));
    } catch (e) {
      return;
    }
    restart(Math.max(0, Math.min(T.MAX_STEPS, model.get("steps") | 0)));
  }
  function selectedFromPython() {
    if (fromUs) return;
    const name = model.get("selected") || "";
    if (name !== selected) choose(name);
  }
  for (const t of traitNames) model.on(`change:${t}`, fromPython);
  model.on("change:selected", selectedFromPython);

  restart(startSteps);
  return () => {
    if (rafId !== null) cancelAnimationFrame(rafId);
    running = false;
    if (window[OWNER] === root) window[OWNER] = null;
    for (const t of traitNames) model.off(`change:${t}`, fromPython);
    model.off("change:selected", selectedFromPython);
  };
}

export default { render };

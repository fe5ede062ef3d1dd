// The playground's view (anywidget's render); the answer box's is answer.js.
//
// Every number comes from the engine (./engine.js, backprop_lib's twin).  The page is built
// once; a slider move recomputes the network and rewrites only the texts and attributes that
// show numbers: every such element carries data-key="<quantity key>" (backprop_lib's keys)
// and is found again through a map, so a move costs the arithmetic and a few hundred text
// assignments, not a new page.
import * as E from "./engine.js";
import * as Dom from "./dom.js";

const { h, s } = Dom;

const MAX_STEPS = 100000;

// ------------------------------------------------------------------ small DOM helpers


function escapeHTML(text) {
  return String(text).replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]);
}

// "out_o1" → out<sub>o1</sub>, "E_total" → E<sub>total</sub>: the documents' symbols.
function sym(name) {
  const m = /^(E|out|net|target|δ)_(.+)$/.exec(name);
  return m ? `${m[1]}<sub>${escapeHTML(m[2])}</sub>` : escapeHTML(name);
}

function d(a, b) {
  return `∂${sym(a)}/∂${sym(b)}`;
}

function suffix(s) {
  return s === 0 ? "" : `[${s}]`;
}

// ------------------------------------------------------------------ sliders

// name → {group, value}: the parameters, the learning rate, each input and each target
// (the second sample's are "i1[1]", "target_o1[1]").
function sliderList(net) {
  const list = [];
  for (const p of E.parameters(net)) list.push({ name: p.name, group: "parameters", value: E.getAt(net, p.loc) });
  list.push({ name: "learning rate", group: "rate", value: net.rate });
  const S = E.samples(net);
  for (let q = 0; q < S; q++) {
    net.neuronNames[0].forEach((n, i) => list.push({ name: n + suffix(q), group: "inputs", value: net.X[q][i] }));
  }
  const L = E.depth(net);
  for (let q = 0; q < S; q++) {
    net.neuronNames[L].forEach((n, j) => list.push({ name: `target_${n}` + suffix(q), group: "targets", value: net.T[q][j] }));
  }
  return list;
}

function decimalsOf(x) {
  const text = E.given(x);
  if (/e-/.test(text)) return 6;
  const dot = text.indexOf(".");
  return dot < 0 ? 0 : text.length - dot - 1;
}

// The range and step of a slider, from the network's own value: the value lies on the grid.
function sliderRange(net, item) {
  const v = item.value;
  if (item.group === "rate") {
    const step = Math.pow(10, Math.floor(Math.log10(v)) - 1);
    const dec = Math.max(0, -Math.floor(Math.log10(step)) , decimalsOf(v));
    const fine = Math.pow(10, -Math.min(6, dec));
    return { min: fine, max: Math.max(1, Math.ceil(10 * v)), step: fine };
  }
  const step = Math.pow(10, -Math.min(6, Math.max(2, decimalsOf(v))));
  const out = net.activations[E.depth(net) - 1];
  if (item.group === "targets" && (out === "sigmoid" || out === "softmax")) return { min: 0, max: 1, step };
  const R = Math.max(1, Math.ceil(2 * Math.abs(v)));
  return { min: -R, max: R, step };
}

// The network at the slider values.
function netAt(base, values) {
  const net = E.clone(base);
  for (const p of E.parameters(base)) E.setAt(net, p.loc, values[p.name]);
  net.rate = values["learning rate"];
  const L = E.depth(base);
  for (let q = 0; q < E.samples(base); q++) {
    base.neuronNames[0].forEach((n, i) => (net.X[q][i] = values[n + suffix(q)]));
    base.neuronNames[L].forEach((n, j) => (net.T[q][j] = values[`target_${n}` + suffix(q)]));
  }
  return net;
}

// ------------------------------------------------------------------ the chain rule, as text

// HTML of the chosen parameter's chain-rule product for sample q, in the documents' notation.
// Numbers are empty spans with data-key (filled on every update), data-param (a slider's
// value) or data-calc (a per-sample product, which has no quantity key).
function chainHTML(net, name, q) {
  const p = E.findParam(net, name);
  const S = E.samples(net);
  const L = E.depth(net);
  const nn = net.neuronNames;
  const sx = suffix(q);
  const K = (key) => `<span class="bp-num" data-key="${escapeHTML(key + sx)}"></span>`;
  const G = (key) => `<span class="bp-num" data-key="${escapeHTML(key)}"></span>`;
  const P = (n) => `<span class="bp-given" data-param="${escapeHTML(n)}"></span>`;
  const C = (what) => `<span class="bp-num" data-calc="${escapeHTML(what)}"></span>`;
  const lines = [];
  const line = (text, cls) => lines.push(`<div class="bp-line${cls ? " " + cls : ""}">${text}</div>`);
  const l = p.layer;
  const act = net.activations[l - 1];
  const result = S === 1 ? G(`dE/d${name}`) : C(`grad:${name}:${q}`);
  const js = p.kind === "weights" || p.loc.length === 3 ? [p.loc[2]] : range(net.layers[l]);
  const jNames = js.map((j) => nn[l][j]);

  if (S > 1) line(`Sample ${q + 1} of ${S}:`, "bp-note");
  if (p.kind === "weights" || p.loc.length === 3) {
    const nj = jNames[0];
    const last = p.kind === "weights" ? `∂${sym("net_" + nj)}/∂${escapeHTML(name)}` : `∂${sym("net_" + nj)}/∂${escapeHTML(name)}`;
    if (act === "softmax") {
      line(`${d("E_total", name)} = ${d("E_total", "net_" + nj)} · ${last}`);
      line(`= ${K(`dE/dnet:${nj}`)} · ${K(`dnet:${nj}/d${name}`)} = ${result}`, "bp-numbers");
    } else {
      line(`${d("E_total", name)} = ${d("E_total", "out_" + nj)} · ${d("out_" + nj, "net_" + nj)} · ${last}`);
      line(`= ${K(`dE/dout:${nj}`)} · ${K(`dout/dnet:${nj}`)} · ${K(`dnet:${nj}/d${name}`)} = ${result}`, "bp-numbers");
    }
  } else {
    const terms = jNames.map((n) => `${d("E_total", "net_" + n)} · ∂${sym("net_" + n)}/∂${escapeHTML(name)}`);
    line(`${d("E_total", name)} = ${terms.join(" + ")}`);
    line(`= ${jNames.map((n) => `${K(`dE/dnet:${n}`)} · ${K(`dnet:${n}/d${name}`)}`).join(" + ")} = ${result}`, "bp-numbers");
    if (act !== "softmax") {
      for (const n of jNames) {
        line(`${d("E_total", "net_" + n)} = ${d("E_total", "out_" + n)} · ${d("out_" + n, "net_" + n)} = ${K(`dE/dout:${n}`)} · ${K(`dout/dnet:${n}`)} = ${K(`dE/dnet:${n}`)}`, "bp-sub");
      }
    }
  }
  // where ∂E_total/∂out of the neuron comes from
  for (const n of jNames) {
    if (l === L && act === "softmax") {
      const outs = nn[L];
      const dot = outs.map((o) => `${K(`dE/dout:${o}`)}·${K(`out:${o}`)}`).join(" + ");
      line(`${d("E_total", "net_" + n)} = ${sym("out_" + n)}·(${d("E_total", "out_" + n)} − Σ<sub>k</sub> ${d("E_total", "out_k")}·${sym("out_k")}) = ${K(`out:${n}`)}·(${K(`dE/dout:${n}`)} − (${dot})) = ${K(`dE/dnet:${n}`)}`, "bp-sub");
    }
    if (l === L) {
      const j = nn[L].indexOf(n);
      const t = `target_${n}`;
      if (net.loss === "half_sse") {
        line(`${d("E_total", "out_" + n)} = −(${sym(t)} − ${sym("out_" + n)}) = −(${P(t + sx)} − ${K(`out:${n}`)}) = ${K(`dE/dout:${n}`)}`, "bp-sub");
      } else {
        line(`${d("E_total", "out_" + n)} = −${sym(t)}/${sym("out_" + n)} = −${P(t + sx)}/${K(`out:${n}`)} = ${K(`dE/dout:${n}`)}`, "bp-sub");
      }
      void j;
    } else if (l === L - 1 && net.activations[L - 1] !== "softmax" && net.layers[L] > 0) {
      const outs = nn[L];
      line(`${d("E_total", "out_" + n)} = ${outs.map((o) => d("E_" + o, "out_" + n)).join(" + ")} = ${outs.map((o) => K(`dE:${o}/dout:${n}`)).join(" + ")} = ${K(`dE/dout:${n}`)}`, "bp-sub");
      for (const o of outs) {
        line(`${d("E_" + o, "out_" + n)} = ${d("E_" + o, "out_" + o)} · ${d("out_" + o, "net_" + o)} · ${d("net_" + o, "out_" + n)} = ${K(`dE:${o}/dout:${o}`)} · ${K(`dout/dnet:${o}`)} · ${K(`dnet:${o}/dout:${n}`)} = ${K(`dE:${o}/dout:${n}`)}`, "bp-sub bp-path");
      }
    } else {
      const up = nn[l + 1];
      line(`${d("E_total", "out_" + n)} = ${up.map((m) => `${d("E_total", "net_" + m)} · ${d("net_" + m, "out_" + n)}`).join(" + ")} = ${up.map((m) => `${K(`dE/dnet:${m}`)} · ${K(`dnet:${m}/dout:${n}`)}`).join(" + ")} = ${K(`dE/dout:${n}`)}`, "bp-sub");
    }
  }
  if (S > 1) {
    const parts = range(S).map((r) => C(`grad:${name}:${r}`)).join(" + ");
    line(`Mean over the ${S} samples: ${d("E_total", name)} = (${parts}) / ${S} = ${G(`dE/d${name}`)}`);
  }
  const plus = `${escapeHTML(name)}<sup>+</sup>`;
  if (!E.trainable(net, p)) {
    line(`${plus} = ${escapeHTML(name)} = ${G(`${name}+`)} (biases are not updated)`, "bp-update");
  } else if (net.mode === "online" && S > 1) {
    line(`${plus} = ${G(`${name}+`)} after one online step: ${escapeHTML(name)} − η·(that sample's gradient), for each sample in turn`, "bp-update");
  } else {
    line(`${plus} = ${escapeHTML(name)} − η·${d("E_total", name)} = ${P(name)} − ${P("learning rate")}·${G(`dE/d${name}`)} = ${G(`${name}+`)}`, "bp-update");
  }
  return lines.join("");
}

function range(n) {
  return Array.from({ length: n }, (_, i) => i);
}

// ------------------------------------------------------------------ the playground

function renderPlayground(model, el) {
  const root = h("div", { class: "bp-playground" });
  el.append(root);
  let base; // the network as given (its document's values)
  let values; // slider name → value
  let sample = 0;
  let keyEls; // quantity key → elements
  let paramEls; // slider name → elements showing its value
  let calcEls; // per-sample products → elements
  let sliders; // name → input
  let edges; // [{el, loc}]
  let curve; // {line, ...}
  let chainBox;
  let stepsInput;
  let selectEl;
  let logScale = false;
  let syncTimer = null;
  let lastSpecText = "";

  function readModel() {
    base = E.fromSpec(model.get("spec"));
    values = Object.assign({}, model.get("values"));
    for (const item of sliderList(base)) if (typeof values[item.name] !== "number") values[item.name] = item.value;
  }

  function pushValues() {
    clearTimeout(syncTimer);
    syncTimer = setTimeout(() => {
      model.set("values", Object.assign({}, values));
      save();
    }, 120);
  }

  function save() {
    try {
      model.save_changes();
    } catch (e) {
      // a static page has no kernel to save to
    }
  }

  function build() {
    root.replaceChildren();
    const net = base;
    const S = E.samples(net);
    if (sample >= S) sample = 0;
    const title = net.title ? h("div", { class: "bp-title", text: net.title }) : null;
    const diagram = buildDiagram(net);
    const side = h("div", { class: "bp-side" });
    const errorBox = h("div", { class: "bp-error-box" });
    const chainCol = h("div", { class: "bp-chain-box" });
    const errors = h("div", { class: "bp-errors" });
    const L = E.depth(net);
    errors.append(h("div", { class: "bp-error-total", html: `${sym("E_total")} = <span class="bp-num" data-key="E"></span>` }));
    for (const o of net.neuronNames[L]) {
      errors.append(h("div", { class: "bp-error-term", html: `${sym("E_" + o)} = <span class="bp-num" data-key="E:${escapeHTML(o)}"></span>` }));
    }
    errorBox.append(h("div", { class: "bp-heading", text: S > 1 ? `Error (mean over ${S} samples)` : "Error" }), errors);
    side.append(errorBox, chainCol);
    if (S > 1) {
      const sel = h("select", { "aria-label": "sample" });
      for (let q = 0; q < S; q++) sel.append(h("option", { value: String(q), text: `sample ${q + 1}` }));
      sel.value = String(sample);
      sel.addEventListener("change", () => {
        sample = Number(sel.value);
        build();
        update();
      });
      errorBox.append(h("label", { class: "bp-sample" }, "Show ", sel));
    }
    selectEl = h("select", { "aria-label": "chain rule for" });
    for (const p of E.parameters(net)) selectEl.append(h("option", { value: p.name, text: p.name }));
    selectEl.value = model.get("selected") || E.parameters(net)[0].name;
    selectEl.addEventListener("change", () => {
      model.set("selected", selectEl.value);
      save();
      showChain();
      update();
    });
    chainBox = h("div", { class: "bp-chain", "aria-live": "off" });
    chainCol.append(h("div", { class: "bp-heading" }, "Chain rule for ", selectEl), chainBox);
    root.append(...[title, diagram, side].filter(Boolean));
    root.append(buildSliders(net));
    root.append(buildTables(net));
    root.append(buildCurve(net));
    showChain();
  }

  function showChain() {
    const name = selectEl.value;
    chainBox.innerHTML = chainHTML(base, name, sample);
    for (const e of edges) e.el.classList.toggle("bp-selected", e.name === name);
    collect();
  }

  function collect() {
    keyEls = new Map();
    paramEls = new Map();
    calcEls = [];
    for (const e of root.querySelectorAll("[data-key]")) {
      const k = e.getAttribute("data-key");
      if (!keyEls.has(k)) keyEls.set(k, []);
      keyEls.get(k).push(e);
    }
    for (const e of root.querySelectorAll("[data-param]")) {
      const k = e.getAttribute("data-param");
      if (!paramEls.has(k)) paramEls.set(k, []);
      paramEls.get(k).push(e);
    }
    for (const e of root.querySelectorAll("[data-calc]")) calcEls.push(e);
  }

  // ---------------------------------------------------------------- the diagram
  function buildDiagram(net) {
    const L = E.depth(net);
    const maxN = Math.max(...net.layers);
    const hasBias = net.B.some((b) => b !== null);
    const width = 780;
    const rowGap = 108;
    const top = hasBias ? 70 : 16;
    const height = top + maxN * rowGap + 10;
    const x = (l) => 112 + (l * (width - 112 - 168)) / L;
    const y = (l, j) => top + ((maxN - net.layers[l]) * rowGap) / 2 + j * rowGap + rowGap / 2 - 18;
    const sx = suffix(sample);
    const svg = s("svg", { class: "bp-diagram", viewBox: `0 0 ${width} ${height}`, role: "img", "aria-label": "the network with its numbers" });
    const edgeLayer = s("g", { class: "bp-edges" });
    const labelLayer = s("g", { class: "bp-edge-labels" });
    const nodeLayer = s("g", { class: "bp-nodes" });
    svg.append(edgeLayer, labelLayer, nodeLayer);
    edges = [];
    const params = E.parameters(net);
    const byLoc = new Map(params.map((p) => [p.loc.join(","), p]));
    const select = (name) => {
      selectEl.value = name;
      selectEl.dispatchEvent(new Event("change"));
    };
    for (let k = 0; k < L; k++) {
      const span = Math.max(1, (Math.max(net.layers[k], net.layers[k + 1]) - 1) * rowGap);
      for (let j = 0; j < net.layers[k + 1]; j++) {
        for (let i = 0; i < net.layers[k]; i++) {
          const p = byLoc.get(["weights", k, j, i].join(","));
          const x1 = x(k) + 26;
          const y1 = y(k, i);
          const x2 = x(k + 1) - 26;
          const y2 = y(k + 1, j);
          const line = s("line", { x1, y1, x2, y2, class: "bp-edge", "data-name": p.name });
          line.addEventListener("click", () => select(p.name));
          const hit = s("line", { x1, y1, x2, y2, class: "bp-edge-hit" });
          hit.addEventListener("click", () => select(p.name));
          hit.append(s("title", { text: `${p.name}: click for its chain rule` }));
          edgeLayer.append(line, hit);
          edges.push({ el: line, name: p.name, loc: p.loc });
          // straight edges carry their label at the middle, slanted ones near their start,
          // where the fan of edges leaving a neuron is still spread out
          const t = Math.abs(y2 - y1) < 1 ? 0.5 : 0.27;
          const lx = x1 + (x2 - x1) * t;
          const ly = y1 + (y2 - y1) * t;
          const label = s("text", { x: lx, y: ly - 17, "text-anchor": "middle", class: "bp-edge-label" });
          label.innerHTML = `<tspan class="bp-pname">${escapeHTML(p.name)}</tspan><tspan> = </tspan><tspan data-param="${escapeHTML(p.name)}"></tspan>` +
            `<tspan x="${lx}" dy="12" class="bp-grad">∂E/∂${escapeHTML(p.name)} = </tspan><tspan class="bp-grad" data-key="dE/d${escapeHTML(p.name)}"></tspan>`;
          label.addEventListener("click", () => select(p.name));
          labelLayer.append(label);
        }
      }
      const b = net.B[k];
      if (b === null) continue;
      if (typeof b === "number") {
        const p = byLoc.get(["biases", k].join(","));
        const bx = (x(k) + x(k + 1)) / 2 - 30;
        const by = 22;
        for (let j = 0; j < net.layers[k + 1]; j++) {
          const line = s("line", { x1: bx + 30, y1: by + 10, x2: x(k + 1) - 20, y2: y(k + 1, j) - 14, class: "bp-edge bp-bias-edge", "data-name": p.name });
          line.addEventListener("click", () => select(p.name));
          edgeLayer.append(line);
          edges.push({ el: line, name: p.name, loc: p.loc });
        }
        const box = s("g", { class: "bp-bias" });
        box.append(s("rect", { x: bx - 4, y: by - 14, width: 68, height: 20, rx: 4 }));
        const text = s("text", { x: bx + 30, y: by, "text-anchor": "middle" });
        text.innerHTML = `<tspan class="bp-pname">${escapeHTML(p.name)}</tspan> = <tspan data-param="${escapeHTML(p.name)}"></tspan>`;
        const grad = s("text", { x: bx + 30, y: by + 20, "text-anchor": "middle", class: "bp-grad" });
        grad.innerHTML = `∂E/∂${escapeHTML(p.name)} = <tspan data-key="dE/d${escapeHTML(p.name)}"></tspan>`;
        box.append(text, grad);
        box.addEventListener("click", () => select(p.name));
        nodeLayer.append(box);
      }
    }
    for (let l = 0; l <= L; l++) {
      for (let j = 0; j < net.layers[l]; j++) {
        const name = net.neuronNames[l][j];
        const g = s("g", { class: `bp-neuron ${l === 0 ? "bp-input" : l === L ? "bp-output" : "bp-hidden"}` });
        g.append(s("circle", { cx: x(l), cy: y(l, j), r: 24 }));
        g.append(s("text", { x: x(l), y: y(l, j) + 5, "text-anchor": "middle", class: "bp-neuron-name", text: name }));
        const lines = [];
        if (l === 0) lines.push(`<tspan data-key="out:${escapeHTML(name)}${sx}"></tspan>`);
        else {
          lines.push(`net = <tspan data-key="net:${escapeHTML(name)}${sx}"></tspan>`);
          lines.push(`out = <tspan data-key="out:${escapeHTML(name)}${sx}"></tspan>`);
          const b = net.B[l - 1];
          if (b !== null && typeof b !== "number") {
            const p = byLoc.get(["biases", l - 1, j].join(","));
            lines.push(`<tspan class="bp-pname">${escapeHTML(p.name)}</tspan> = <tspan data-param="${escapeHTML(p.name)}"></tspan>, ∂E/∂${escapeHTML(p.name)} = <tspan data-key="dE/d${escapeHTML(p.name)}"></tspan>`);
          }
          if (l === L) lines.push(`target = <tspan data-param="target_${escapeHTML(name)}${sx}"></tspan>`);
        }
        // inputs' numbers to their left, outputs' to their right, hidden ones' below
        const tx = l === 0 ? x(l) - 30 : l === L ? x(l) + 30 : x(l);
        const ty = l === 0 || l === L ? y(l, j) + 4 - 6 * (lines.length - 1) : y(l, j) + 38;
        const anchor = l === 0 ? "end" : l === L ? "start" : "middle";
        const text = s("text", { x: tx, y: ty, "text-anchor": anchor, class: "bp-neuron-values" });
        text.innerHTML = lines.map((t, n) => `<tspan x="${tx}" dy="${n === 0 ? 0 : 13}">${t}</tspan>`).join("");
        g.append(text);
        nodeLayer.append(g);
      }
    }
    return h("div", { class: "bp-diagram-box" }, svg);
  }

  // ---------------------------------------------------------------- sliders
  function buildSliders(net) {
    sliders = new Map();
    const box = h("div", { class: "bp-controls" });
    const groups = { parameters: "Weights and biases", rate: "Learning rate η", inputs: "Inputs", targets: "Targets" };
    const fieldsets = {};
    for (const [g, title] of Object.entries(groups)) {
      fieldsets[g] = h("fieldset", { class: `bp-group bp-group-${g}` }, h("legend", { text: title }));
    }
    for (const item of sliderList(net)) {
      const r = sliderRange(net, item);
      const input = h("input", { type: "range", min: r.min, max: r.max, step: r.step, "aria-label": item.name });
      input.value = String(values[item.name]);
      input.addEventListener("input", () => {
        values[item.name] = input.valueAsNumber;
        update();
        pushValues();
      });
      // JupyterLab binds the arrow keys to moving between cells; keep them on the slider.
      input.addEventListener("keydown", (e) => {
        if (/^(Arrow|Page|Home$|End$)/.test(e.key)) e.stopPropagation();
      });
      sliders.set(item.name, input);
      const label = item.name === "learning rate" ? "η" : item.name;
      fieldsets[item.group].append(h("div", { class: "bp-slider" },
        h("span", { class: "bp-slider-name", html: sym(label) }), input,
        h("output", { class: "bp-readout", "data-param": item.name })));
    }
    const reset = h("button", { type: "button", class: "bp-reset", text: "Reset" });
    reset.addEventListener("click", () => {
      for (const item of sliderList(base)) {
        values[item.name] = item.value;
        sliders.get(item.name).value = String(item.value);
      }
      update();
      pushValues();
    });
    box.append(...Object.values(fieldsets), h("div", { class: "bp-reset-row" }, reset, h("span", { class: "bp-note", text: " back to the network's own numbers" })));
    return box;
  }

  // ---------------------------------------------------------------- tables
  function buildTables(net) {
    const L = E.depth(net);
    const sx = suffix(sample);
    const S = E.samples(net);
    const k = (key) => `<td class="bp-num" data-key="${escapeHTML(key)}"></td>`;
    let fwd = `<table class="bp-table"><caption>Forward pass${S > 1 ? ` (sample ${sample + 1})` : ""}</caption><thead><tr><th>neuron</th><th>net</th><th>out</th></tr></thead><tbody>`;
    for (let l = 0; l <= L; l++) {
      for (const n of net.neuronNames[l]) {
        fwd += `<tr><th>${escapeHTML(n)}</th>${l === 0 ? "<td>—</td>" : k(`net:${n}${sx}`)}${k(`out:${n}${sx}`)}</tr>`;
      }
    }
    fwd += "</tbody></table>";
    let bwd = `<table class="bp-table"><caption>Backward pass${S > 1 ? ` (sample ${sample + 1})` : ""}</caption><thead><tr><th>neuron</th><th>∂E/∂out</th><th>∂out/∂net</th><th>δ = ∂E/∂net</th></tr></thead><tbody>`;
    for (let l = L; l >= 1; l--) {
      for (const n of net.neuronNames[l]) {
        const local = net.activations[l - 1] === "softmax" ? "<td>—</td>" : k(`dout/dnet:${n}${sx}`);
        bwd += `<tr><th>${escapeHTML(n)}</th>${k(`dE/dout:${n}${sx}`)}${local}${k(`dE/dnet:${n}${sx}`)}</tr>`;
      }
    }
    bwd += "</tbody></table>";
    let par = `<table class="bp-table"><caption>Gradients and the update${net.mode === "online" && S > 1 ? " (online: one update per sample)" : ""}</caption><thead><tr><th>parameter</th><th>value</th><th>∂E/∂parameter</th><th>after one step</th></tr></thead><tbody>`;
    for (const p of E.parameters(net)) {
      par += `<tr><th>${escapeHTML(p.name)}</th><td data-param="${escapeHTML(p.name)}"></td>${k(`dE/d${p.name}`)}${k(`${p.name}+`)}</tr>`;
    }
    par += "</tbody></table>";
    return h("div", { class: "bp-tables", html: fwd + bwd + par });
  }

  // ---------------------------------------------------------------- the loss curve
  function buildCurve(net) {
    const L = E.depth(net);
    const W = 640;
    const H = 190;
    const pad = { l: 64, r: 12, t: 10, b: 28 };
    const svg = s("svg", { class: "bp-curve", viewBox: `0 0 ${W} ${H}`, role: "img", "aria-label": "the loss during training" });
    const axes = s("path", { class: "bp-axes", d: `M${pad.l},${pad.t}V${H - pad.b}H${W - pad.r}` });
    const line = s("polyline", { class: "bp-loss-line", points: "" });
    const yTop = s("text", { x: pad.l - 6, y: pad.t + 8, "text-anchor": "end", class: "bp-tick" });
    const yBottom = s("text", { x: pad.l - 6, y: H - pad.b, "text-anchor": "end", class: "bp-tick" });
    const xLeft = s("text", { x: pad.l, y: H - 8, "text-anchor": "middle", class: "bp-tick", text: "0" });
    const xRight = s("text", { x: W - pad.r, y: H - 8, "text-anchor": "end", class: "bp-tick" });
    const xLabel = s("text", { x: (W + pad.l) / 2, y: H - 8, "text-anchor": "middle", class: "bp-tick", text: "training steps" });
    svg.append(axes, line, yTop, yBottom, xLeft, xRight, xLabel);
    curve = { svg, line, yTop, yBottom, xRight, W, H, pad, readouts: null };
    stepsInput = h("input", { type: "number", min: 0, max: MAX_STEPS, step: 1, "aria-label": "steps", class: "bp-steps" });
    stepsInput.value = String(model.get("steps"));
    const onSteps = () => {
      const n = Number(stepsInput.value);
      if (!Number.isInteger(n) || n < 0 || n > MAX_STEPS) return;
      model.set("steps", n);
      save();
      relabelCurve();
      update();
    };
    stepsInput.addEventListener("input", onSteps);
    const log = h("input", { type: "checkbox", "aria-label": "log scale" });
    log.addEventListener("change", () => {
      logScale = log.checked;
      update();
    });
    const readouts = h("div", { class: "bp-curve-readouts" });
    curve.readouts = readouts;
    const box = h("div", { class: "bp-curve-box" },
      h("div", { class: "bp-heading" }, "Loss over ", stepsInput, " steps ", h("label", { class: "bp-log" }, log, " log scale")),
      svg, readouts);
    relabelCurve(true);
    void L;
    return box;
  }

  function relabelCurve(initial) {
    const N = model.get("steps");
    const L = E.depth(base);
    const outs = base.neuronNames[L];
    const sx = suffix(sample);
    let html = `<div>${sym("E_total")} after 1 step: <span class="bp-num" data-key="E@1"></span></div>`;
    html += `<div>${sym("E_total")} after ${N.toLocaleString("en-US")} steps: <span class="bp-num" data-key="E@${N}"></span></div>`;
    html += `<div>outputs after ${N.toLocaleString("en-US")} steps${E.samples(base) > 1 ? ` (sample ${sample + 1})` : ""}: ${outs.map((o) => `${sym("out_" + o)} = <span class="bp-num" data-key="out:${escapeHTML(o)}${sx}@${N}"></span>`).join(", ")}</div>`;
    curve.readouts.innerHTML = html;
    curve.xRight.textContent = N.toLocaleString("en-US");
    if (!initial) collect();
  }

  function drawCurve(history) {
    const { W, H, pad } = curve;
    const n = history.length;
    const plotW = W - pad.l - pad.r;
    const plotH = H - pad.t - pad.b;
    let lo = Infinity;
    let hi = -Infinity;
    for (let i = 0; i < n; i++) {
      const v = history[i];
      if (!Number.isFinite(v)) continue;
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
    if (!Number.isFinite(lo)) {
      curve.line.setAttribute("points", "");
      curve.yTop.textContent = "diverged";
      curve.yBottom.textContent = "";
      return;
    }
    const useLog = logScale && lo > 0;
    const f = useLog ? Math.log10 : (v) => v;
    let yLo = useLog ? f(lo) : Math.min(0, lo);
    let yHi = f(hi);
    if (yHi === yLo) yHi = yLo + 1;
    const X = (i) => pad.l + (n > 1 ? (i * plotW) / (n - 1) : 0);
    const Y = (v) => pad.t + plotH - ((f(v) - yLo) * plotH) / (yHi - yLo);
    const pts = [];
    const buckets = Math.floor(plotW * 2);
    if (n <= buckets) {
      for (let i = 0; i < n; i++) if (Number.isFinite(history[i])) pts.push(`${X(i).toFixed(1)},${Y(history[i]).toFixed(1)}`);
    } else {
      // two points per bucket (its first extreme, then the other) keep the curve's shape
      for (let b = 0; b < buckets; b++) {
        const i0 = Math.floor((b * n) / buckets);
        const i1 = Math.floor(((b + 1) * n) / buckets);
        let mi = i0;
        let ma = i0;
        for (let i = i0; i < i1; i++) {
          if (history[i] < history[mi]) mi = i;
          if (history[i] > history[ma]) ma = i;
        }
        const [a, c] = mi < ma ? [mi, ma] : [ma, mi];
        if (Number.isFinite(history[a])) pts.push(`${X(a).toFixed(1)},${Y(history[a]).toFixed(1)}`);
        if (c !== a && Number.isFinite(history[c])) pts.push(`${X(c).toFixed(1)},${Y(history[c]).toFixed(1)}`);
      }
    }
    curve.line.setAttribute("points", pts.join(" "));
    const dec = Math.min(base.decimals, 6);
    // a run that blows up reaches numbers of a hundred digits: such ticks are written 3.20e+170
    const tick = (v) => (Math.abs(v) >= 1e6 ? v.toExponential(2) : E.formatNumber(v, dec));
    curve.yTop.textContent = useLog ? `1e${yHi.toFixed(1)}` : tick(yHi);
    curve.yBottom.textContent = useLog ? `1e${yLo.toFixed(1)}` : tick(yLo);
  }

  // ---------------------------------------------------------------- one update
  function update() {
    const net = netAt(base, values);
    const cache = {};
    const N = model.get("steps");
    let history = null;
    try {
      const run = E.makeTrainer(net)(E.flat(net), N);
      history = run.history;
      cache.trained = { [N]: { net: E.withFlat(net, run.theta) } };
    } catch (e) {
      history = null;
    }
    const dec = net.decimals;
    for (const [key, els] of keyEls) {
      let text;
      try {
        text = E.formatNumber(E.value(net, key, cache), dec);
      } catch (e) {
        text = "—";
      }
      for (const e of els) {
        if (e.textContent !== text) e.textContent = text;
        const neg = text.startsWith("-");
        if (neg !== e.hasAttribute("data-neg")) e.toggleAttribute("data-neg", neg);
      }
    }
    for (const [name, els] of paramEls) {
      const v = values[name];
      const text = E.given(v);
      for (const e of els) if (e.textContent !== text) e.textContent = text;
    }
    if (calcEls.length) {
      const trace = cache.trace || E.forward(net);
      const g = E.backward(net, trace);
      for (const e of calcEls) {
        const [, name, q] = e.getAttribute("data-calc").split(":");
        const p = E.findParam(net, name);
        const l = p.layer;
        const qq = Number(q);
        let v;
        if (p.kind === "weights") v = g.delta[l][qq][p.loc[2]] * trace.out[l - 1][qq][p.loc[3]];
        else if (p.loc.length === 3) v = g.delta[l][qq][p.loc[2]];
        else v = g.delta[l][qq].reduce((a, b) => a + b, 0);
        const text = E.formatNumber(v, dec);
        if (e.textContent !== text) e.textContent = text;
        e.toggleAttribute("data-neg", text.startsWith("-"));
      }
    }
    for (const e of edges) {
      const w = E.getAt(net, e.loc);
      const width = (1 + 3.5 * Math.tanh(Math.abs(w))).toFixed(2);
      if (e.el.getAttribute("stroke-width") !== width) e.el.setAttribute("stroke-width", width);
      const cls = w >= 0 ? "bp-pos" : "bp-neg";
      if (!e.el.classList.contains(cls)) {
        e.el.classList.remove("bp-pos", "bp-neg");
        e.el.classList.add(cls);
      }
    }
    if (history) drawCurve(history);
    const specText = JSON.stringify(E.toSpec(net));
    if (specText !== lastSpecText) {
      root.setAttribute("data-spec", specText);
      lastSpecText = specText;
    }
  }

  // ---------------------------------------------------------------- model changes from Python
  function onValues() {
    const incoming = model.get("values") || {};
    let changed = false;
    for (const [name, v] of Object.entries(incoming)) {
      if (typeof v === "number" && values[name] !== v && sliders.has(name)) {
        values[name] = v;
        sliders.get(name).value = String(v);
        changed = true;
      }
    }
    if (changed) update();
  }
  function onSteps() {
    const n = model.get("steps");
    if (String(n) !== stepsInput.value) stepsInput.value = String(n);
    relabelCurve();
    update();
  }
  function onSelected() {
    const name = model.get("selected");
    if (name && name !== selectEl.value && sliders.has(name)) {
      selectEl.value = name;
      showChain();
      update();
    }
  }
  function onSpec() {
    readModel();
    build();
    update();
  }

  readModel();
  build();
  update();
  model.on("change:values", onValues);
  model.on("change:steps", onSteps);
  model.on("change:selected", onSelected);
  model.on("change:spec", onSpec);
  // for the benchmarks and tests: the time of the last update is not kept; they time a move
  root.bpUpdate = update;
  return () => {
    clearTimeout(syncTimer);
    model.off("change:values", onValues);
    model.off("change:steps", onSteps);
    model.off("change:selected", onSelected);
    model.off("change:spec", onSpec);
  };
}

// ------------------------------------------------------------------ anywidget's entry

function render({ model, el }) {
  return renderPlayground(model, el);
}

export default { render };

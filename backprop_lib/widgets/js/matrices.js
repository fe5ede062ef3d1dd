// The matrix playground's view (anywidget's render): one sample's forward and backward pass
// written as the four equations, every array a matrix of its numbers, with a slider for every
// weight, bias, input and target.  A slider move recomputes everything in the browser
// (./matrixform.js on ./engine.js) and lights up the numbers that changed; pointing at an
// entry of an outer product δ·outᵀ lights up the δ and the out it is made of.
//
// The DOM follows the playgrounds' contract (tests/browser/pagecheck.py): a root
// .bp-playground with data-spec (the network at the slider values), sliders named by their
// aria-label, and numbers [data-key] (backprop_lib's quantity keys) at the network's decimals.
import * as E from "./engine.js";
import * as M from "./matrixform.js";
import * as Dom from "./dom.js";

const { h } = Dom;


function escapeHTML(text) {
  return String(text).replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]);
}

// "δ_o1" → δ<sub>o1</sub>; "∂E/∂w5" stays as it is.
function sym(name) {
  const m = /^([^_]+)_(.+)$/.exec(name);
  return m ? `${escapeHTML(m[1])}<sub>${escapeHTML(m[2])}</sub>` : escapeHTML(name);
}

const SUP = (l) => `<sup>(${l})</sup>`;

// An activation as the equations write it: σ for the sigmoid.
function actSym(name) {
  return { sigmoid: "σ", tanh: "tanh", relu: "relu", linear: "linear" }[name] || escapeHTML(name);
}

// ------------------------------------------------------------------ sliders

function sliderList(net) {
  const list = [];
  for (const p of E.parameters(net)) list.push({ name: p.name, group: "weights and biases", value: E.getAt(net, p.loc) });
  net.neuronNames[0].forEach((n, i) => list.push({ name: n, group: "inputs", value: net.X[0][i] }));
  const L = E.depth(net);
  net.neuronNames[L].forEach((n, j) => list.push({ name: `target_${n}`, group: "targets", value: net.T[0][j] }));
  return list;
}

function decimalsOf(x) {
  const text = E.given(x);
  if (/e-/.test(text)) return 6;
  const dot = text.indexOf(".");
  return dot < 0 ? 0 : text.length - dot - 1;
}

function sliderRange(net, item) {
  const step = Math.pow(10, -Math.min(6, Math.max(2, decimalsOf(item.value))));
  const out = net.activations[E.depth(net) - 1];
  if (item.group === "targets" && out === "sigmoid") return { min: 0, max: 1, step };
  const R = Math.max(1, Math.ceil(2 * Math.abs(item.value)));
  return { min: -R, max: R, step };
}

function netAt(base, values) {
  const net = E.clone(base);
  for (const p of E.parameters(base)) E.setAt(net, p.loc, values[p.name]);
  const L = E.depth(base);
  base.neuronNames[0].forEach((n, i) => (net.X[0][i] = values[n]));
  base.neuronNames[L].forEach((n, j) => (net.T[0][j] = values[`target_${n}`]));
  return net;
}

// ------------------------------------------------------------------ the view

function renderMatrices(model, el) {
  const base = E.fromSpec(model.get("spec"));
  const L = E.depth(base);
  const names = base.neuronNames;
  const paramAt = {};
  for (const p of E.parameters(base)) paramAt[p.loc.join(",")] = p.name;
  const wName = (k, j, i) => paramAt[["weights", k, j, i].join(",")];
  const bName = (k, j) => paramAt[["biases", k].join(",")] || paramAt[["biases", k, j].join(",")];
  const values = {};
  const given = model.get("values") || {};
  for (const item of sliderList(base)) values[item.name] = typeof given[item.name] === "number" ? given[item.name] : item.value;

  const root = h("div", { class: "bp-playground bp-matrices" });
  el.append(root);
  const cells = []; // {el, get(A, net), given: bool}
  const sliders = new Map();
  let first = true;
  let syncTimer = null;
  let lastSpec = "";

  // A matrix of cells: rows of {get, key, label, param, role}.  A vector is one column.
  function matrix(rows, caption, extraClass) {
    const cols = rows[0].length;
    const grid = h("div", { class: `bp-mat${extraClass ? " " + extraClass : ""}`, style: `grid-template-columns: repeat(${cols}, auto)` });
    for (const row of rows) {
      for (const c of row) {
        const value = h("span", { class: "bp-v" });
        if (c.key) value.setAttribute("data-key", c.key);
        if (c.param) value.setAttribute("data-param", c.param);
        const cell = h("div", { class: "bp-cell", title: c.title || null }, value, h("span", { class: "bp-n", html: c.label }));
        if (c.role) cell.setAttribute("data-role", c.role);
        grid.append(cell);
        cells.push({ el: value, cell, get: c.get, given: !!c.param || !!c.asGiven });
      }
    }
    return h("figure", { class: "bp-matbox" }, grid, h("figcaption", { html: caption }));
  }
  const op = (text) => h("span", { class: "bp-op", html: text });
  const line = (...parts) => h("div", { class: "bp-eqline" }, ...parts);
  const column = (n, f) => Array.from({ length: n }, (_, j) => [f(j)]);

  function build() {
    root.append(h("div", { class: "bp-title", text: base.title ? `${base.title}: the four equations` : "The four equations, with numbers" }));
    const box = h("div", { class: "bp-controls" });
    const groups = {};
    for (const item of sliderList(base)) {
      if (!groups[item.group]) {
        groups[item.group] = h("fieldset", { class: "bp-group" }, h("legend", { text: item.group }));
        box.append(groups[item.group]);
      }
      const r = sliderRange(base, item);
      const input = h("input", { type: "range", min: r.min, max: r.max, step: r.step, "aria-label": item.name });
      input.value = String(values[item.name]);
      const readout = h("output", { class: "bp-readout" });
      readout.textContent = E.given(values[item.name]);
      input.addEventListener("input", () => {
        values[item.name] = input.valueAsNumber;
        readout.textContent = E.given(values[item.name]);
        update();
        pushValues();
      });
      input.addEventListener("keydown", (e) => {
        if (/^(Arrow|Page|Home$|End$)/.test(e.key)) e.stopPropagation();
      });
      sliders.set(item.name, { input, readout });
      groups[item.group].append(h("div", { class: "bp-slider" }, h("span", { class: "bp-slider-name", html: sym(item.name) }), input, readout));
    }
    root.append(box);

    // ---------------------------------------------------------------- forward
    const fwd = h("div", { class: "bp-section" }, h("div", { class: "bp-heading", text: "Forward pass" }));
    for (let l = 1; l <= L; l++) {
      const k = l - 1;
      const act = base.activations[k];
      const hasBias = base.B[k] !== null;
      fwd.append(h("div", { class: "bp-eqtitle", html: `Layer ${l}: &nbsp; net${SUP(l)} = W${SUP(l)} out${SUP(l - 1)}${hasBias ? ` + b${SUP(l)}` : ""}, &nbsp; out${SUP(l)} = ${actSym(act)}(net${SUP(l)})` }));
      const W = Array.from({ length: base.layers[l] }, (_, j) => Array.from({ length: base.layers[k] }, (_, i) => {
        const name = wName(k, j, i);
        return { get: (A) => A[k].W[j][i], key: `dnet:${names[l][j]}/dout:${names[k][i]}`, label: escapeHTML(name), title: `${name}: from ${names[k][i]} to ${names[l][j]}`, asGiven: true };
      }));
      const prev = column(base.layers[k], (i) => ({ get: (A) => A[k].outPrev[i], key: `out:${names[k][i]}`, label: sym(`out_${names[k][i]}`), asGiven: k === 0 }));
      const parts = [matrix(W, `W${SUP(l)}`), op("·"), matrix(prev, `out${SUP(l - 1)}`)];
      if (hasBias) {
        const b = column(base.layers[l], (j) => ({ get: (A) => A[k].b[j], param: bName(k, j), label: escapeHTML(bName(k, j)) }));
        parts.push(op("+"), matrix(b, `b${SUP(l)}`));
      }
      const netv = column(base.layers[l], (j) => ({ get: (A) => A[k].net[j], key: `net:${names[l][j]}`, label: sym(`net_${names[l][j]}`) }));
      const outv = column(base.layers[l], (j) => ({ get: (A) => A[k].out[j], key: `out:${names[l][j]}`, label: sym(`out_${names[l][j]}`) }));
      parts.push(op("="), matrix(netv, `net${SUP(l)}`), op(`${actSym(act)}&nbsp;→`), matrix(outv, `out${SUP(l)}`));
      fwd.append(line(...parts));
    }
    root.append(fwd);

    // ---------------------------------------------------------------- backward
    const bwd = h("div", { class: "bp-section" }, h("div", { class: "bp-heading", text: "Backward pass" }));
    const vec = (l, field, key, label) => column(base.layers[l], (j) => ({ get: (A) => A[l - 1][field][j], key: `${key}${names[l][j]}`, label: sym(`${label}_${names[l][j]}`), role: field === "delta" ? `delta-${l}-${j}` : null }));
    const fp = (l) => column(base.layers[l], (j) => ({ get: (A) => A[l - 1].fprime[j], key: `dout/dnet:${names[l][j]}`, label: `${actSym(base.activations[l - 1])}′(${sym("net_" + names[l][j])})` }));
    bwd.append(h("div", { class: "bp-eqtitle", html: `BP1 &nbsp; δ${SUP(L)} = ∂E/∂out${SUP(L)} ⊙ ${actSym(base.activations[L - 1])}′(net${SUP(L)})` }));
    bwd.append(line(matrix(vec(L, "dEdout", "dE/dout:", "∂E/∂out"), `∂E/∂out${SUP(L)}`), op("⊙"), matrix(fp(L), `${actSym(base.activations[L - 1])}′(net${SUP(L)})`), op("="), matrix(vec(L, "delta", "dE/dnet:", "δ"), `δ${SUP(L)}`)));
    for (let l = L; l >= 1; l--) {
      const k = l - 1;
      const deltaCol = column(base.layers[l], (j) => ({ get: (A) => A[k].delta[j], key: `dE/dnet:${names[l][j]}`, label: sym(`δ_${names[l][j]}`), role: `bp4delta-${l}-${j}` }));
      const prevRow = [Array.from({ length: base.layers[k] }, (_, i) => ({ get: (A) => A[k].outPrev[i], key: `out:${names[k][i]}`, label: sym(`out_${names[k][i]}`), role: `bp4out-${l}-${i}`, asGiven: k === 0 }))];
      const outer = Array.from({ length: base.layers[l] }, (_, j) => Array.from({ length: base.layers[k] }, (_, i) => {
        const name = wName(k, j, i);
        return { get: (A) => A[k].outer[j][i], key: `dE/d${name}`, label: `∂E/∂${escapeHTML(name)}`, role: `outer-${l}-${j}-${i}`, title: `δ_${names[l][j]} · out_${names[k][i]}` };
      }));
      bwd.append(h("div", { class: "bp-eqtitle", html: `BP4 &nbsp; ∂E/∂W${SUP(l)} = δ${SUP(l)} (out${SUP(l - 1)})<sup>T</sup> &nbsp; <span class="bp-note">point at an entry: it is its row's δ times its column's out</span>` }));
      bwd.append(line(matrix(deltaCol, `δ${SUP(l)}`), op(""), matrix(prevRow, `(out${SUP(l - 1)})<sup>T</sup>`), op("="), matrix(outer, `∂E/∂W${SUP(l)}`, "bp-outer")));
      const b = base.B[k];
      if (b !== null) {
        if (typeof b === "number") {
          const name = bName(k, 0);
          const parts = names[l].map((n) => sym(`δ_${n}`)).join(" + ");
          bwd.append(h("div", { class: "bp-eqtitle", html: `BP3 &nbsp; one bias ${escapeHTML(name)} for the whole layer: ∂E/∂${escapeHTML(name)} = ${parts}` }));
          bwd.append(line(matrix([[{ get: (A) => A[k].delta.reduce((s, d) => s + d, 0), key: `dE/d${name}`, label: `∂E/∂${escapeHTML(name)}` }]], `∂E/∂${escapeHTML(name)}`)));
        } else {
          bwd.append(h("div", { class: "bp-eqtitle", html: `BP3 &nbsp; ∂E/∂b${SUP(l)} = δ${SUP(l)}` }));
          bwd.append(line(matrix(column(base.layers[l], (j) => ({ get: (A) => A[k].delta[j], key: `dE/d${bName(k, j)}`, label: `∂E/∂${escapeHTML(bName(k, j))}` })), `∂E/∂b${SUP(l)}`)));
        }
      }
      if (l > 1) {
        const WT = Array.from({ length: base.layers[k] }, (_, i) => Array.from({ length: base.layers[l] }, (_, j) => {
          const name = wName(k, j, i);
          return { get: (A) => A[k].W[j][i], key: `dnet:${names[l][j]}/dout:${names[k][i]}`, label: escapeHTML(name), asGiven: true };
        }));
        bwd.append(h("div", { class: "bp-eqtitle", html: `BP2 &nbsp; δ${SUP(l - 1)} = (W${SUP(l)})<sup>T</sup> δ${SUP(l)} ⊙ ${actSym(base.activations[k - 1])}′(net${SUP(l - 1)})` }));
        bwd.append(line(matrix(WT, `(W${SUP(l)})<sup>T</sup>`), op("·"), matrix(column(base.layers[l], (j) => ({ get: (A) => A[k].delta[j], key: `dE/dnet:${names[l][j]}`, label: sym(`δ_${names[l][j]}`) })), `δ${SUP(l)}`),
          op("="), matrix(vec(l - 1, "dEdout", "dE/dout:", "∂E/∂out"), `∂E/∂out${SUP(l - 1)}`), op("⊙"), matrix(fp(l - 1), `${actSym(base.activations[k - 1])}′(net${SUP(l - 1)})`),
          op("="), matrix(vec(l - 1, "delta", "dE/dnet:", "δ"), `δ${SUP(l - 1)}`)));
      }
    }
    root.append(bwd);

    // pointing at (or focusing) an entry of an outer product lights up its δ and its out
    for (const c of root.querySelectorAll(".bp-outer .bp-cell")) {
      c.tabIndex = 0;
      const [, l, j, i] = c.getAttribute("data-role").split("-");
      const linked = [c, root.querySelector(`[data-role="bp4delta-${l}-${j}"]`), root.querySelector(`[data-role="bp4out-${l}-${i}"]`)];
      const on = () => linked.forEach((e) => e && e.classList.add("bp-linked"));
      const off = () => linked.forEach((e) => e && e.classList.remove("bp-linked"));
      c.addEventListener("mouseenter", on);
      c.addEventListener("mouseleave", off);
      c.addEventListener("focus", on);
      c.addEventListener("blur", off);
    }
  }

  function update() {
    const net = netAt(base, values);
    const A = M.layerArrays(net, 0);
    const dec = net.decimals;
    for (const c of cells) {
      const x = c.get(A, net);
      const text = c.given ? E.given(x) : E.formatNumber(x, dec);
      const changed = c.el.textContent !== text;
      if (changed) c.el.textContent = text;
      if (!first) c.cell.classList.toggle("bp-lit", changed);
    }
    first = false;
    const spec = JSON.stringify(E.toSpec(net));
    if (spec !== lastSpec) {
      root.setAttribute("data-spec", spec);
      lastSpec = spec;
    }
  }

  function save() {
    try {
      model.save_changes();
    } catch (e) {
      // a static page has no kernel to save to
    }
  }

  function pushValues() {
    clearTimeout(syncTimer);
    syncTimer = setTimeout(() => {
      model.set("values", Object.assign({}, values));
      save();
    }, 120);
  }

  function onValues() {
    const incoming = model.get("values") || {};
    let changed = false;
    for (const [name, v] of Object.entries(incoming)) {
      if (typeof v === "number" && values[name] !== v && sliders.has(name)) {
        values[name] = v;
        sliders.get(name).input.value = String(v);
        sliders.get(name).readout.textContent = E.given(v);
        changed = true;
      }
    }
    if (changed) update();
  }

  build();
  update();
  model.on("change:values", onValues);
  return () => {
    clearTimeout(syncTimer);
    model.off("change:values", onValues);
  };
}

function render({ model, el }) {
  return renderMatrices(model, el);
}

export default { render };

// The conv playground's view (anywidget's render).  Every number comes from ./conv.js, the
// twin of backprop_lib/conv.py.  The page is built once; a slider move recomputes the
// network once and rewrites the texts that show numbers: each carries data-key="<quantity
// key>" (backprop_lib.conv.value's keys), so the browser tests can compare each with the
// library.  The root carries data-spec, the network at the current slider values.
import * as C from "./conv.js";
import * as E from "./engine.js";
import * as Dom from "./dom.js";

const { h } = Dom;


function range(n) {
  return Array.from({ length: n }, (_, i) => i);
}

const num = (key, cls) => h("span", { class: "bp-num" + (cls ? " " + cls : ""), "data-key": key });

// "c1_23" → c1_23 with the position as a subscript: the book's names, readable
function label(name) {
  const m = /^([a-z]+)(\d+)_(.+)$/.exec(name);
  if (m) return `${m[1]}<sup>(${m[2]})</sup><sub>${m[3].replace(/_/g, ",")}</sub>`;
  const n = /^([a-z]+)(\d+)$/.exec(name);
  return n ? `${n[1]}<sub>${n[2]}</sub>` : name;
}

function decimalsOf(x) {
  const text = E.given(x);
  if (/e-/.test(text)) return 6;
  const dot = text.indexOf(".");
  return dot < 0 ? 0 : text.length - dot - 1;
}

function sliderRange(v) {
  const step = Math.pow(10, -Math.min(6, Math.max(2, decimalsOf(v))));
  const R = Math.max(1, Math.ceil(2 * Math.abs(v)));
  return { min: -R, max: R, step };
}

// A grid of numbers (one channel or filter of a layer): a table whose cells hold the keys
// made by cell(name) for the layer's neuron names at [rows][cols].
function grid(caption, rows, cols, cell, extraClass) {
  const table = h("table", { class: "bp-grid" + (extraClass ? " " + extraClass : "") });
  table.append(h("caption", { html: caption }));
  const body = h("tbody");
  for (let r = 0; r < rows; r++) {
    const tr = h("tr");
    for (let q = 0; q < cols; q++) tr.append(cell(r, q));
    body.append(tr);
  }
  table.append(body);
  return table;
}

function renderConv(model, el) {
  const root = h("div", { class: "bp-conv" });
  el.append(root);
  let base;
  let values;
  let keyEls;
  let sliders;
  let readouts;
  let cells; // {chosen: [{el, l, s, o, pos}], relu: [{el, l, j}], zero: [{el, key}]}
  let syncTimer = null;
  let lastSpec = "";

  function readModel() {
    base = C.fromSpec(model.get("spec"));
    values = Object.assign({}, model.get("values"));
    for (const p of C.parameters(base)) if (typeof values[p.name] !== "number") values[p.name] = C.getParam(base, p);
  }

  function netAt() {
    const net = C.clone(base);
    for (const p of C.parameters(base)) C.setParam(net, p, values[p.name]);
    return net;
  }

  function save() {
    try {
      model.save_changes();
    } catch (e) {
      // a static page has no kernel to save to
    }
  }

  function push() {
    clearTimeout(syncTimer);
    syncTimer = setTimeout(() => {
      model.set("values", Object.assign({}, values));
      save();
    }, 120);
  }

  // ---------------------------------------------------------------- the page
  function build() {
    root.replaceChildren();
    cells = { chosen: [], relu: [], zero: [] };
    const net = base;
    const names = C.neuronNames(net);
    const L = C.depth(net);
    const S = C.samples(net);
    if (net.title) root.append(h("div", { class: "bp-title", text: net.title }));
    if (S > 1) root.append(h("div", { class: "bp-note", text: `The numbers of sample 1 of ${S}; E is the mean over the ${S} samples.` }));
    // each row scrolls sideways on a narrow screen (focusable, so that the keyboard can scroll it)
    const forwardRow = h("div", { class: "bp-conv-row", tabindex: "0", role: "group", "aria-label": "forward pass" });
    const backwardRow = h("div", { class: "bp-conv-row", tabindex: "0", role: "group", "aria-label": "backward pass" });
    // the input image, per channel
    const [C0, H0, W0] = net.inputShape;
    for (let c = 0; c < C0; c++) {
      const cap = C0 > 1 ? `Image, channel ${c + 1}` : "Image";
      // the pixels are given numbers (not sliders): written as given, like the weights
      forwardRow.append(grid(cap, H0, W0, (r, q) => h("td", {}, h("span", { class: "bp-given", text: E.given(net.X[0][(c * H0 + r) * W0 + q]) }))));
    }
    net.layers.forEach((layer, k) => {
      const l = k + 1;
      const row = names[l];
      if (layer.type === "conv2d") {
        const [F, Ho, Wo] = layer.outShape;
        const Cin = layer.inShape[0];
        const kk = layer.kernel;
        const params = C.parameters(net).filter((p) => p.loc[1] === k);
        for (let f = 0; f < F; f++) {
          for (let c = 0; c < Cin; c++) {
            const cap = `Kernel${F > 1 ? ` ${f + 1}` : ""}${Cin > 1 ? `, channel ${c + 1}` : ""}`;
            forwardRow.append(grid(cap, kk, kk, (u, v) => {
              const p = params.find((q) => q.kind === "weights" && q.loc[2] === f && q.loc[3] === c && q.loc[4] === u && q.loc[5] === v);
              return h("td", { title: p.name }, h("span", { class: "bp-given", "data-param": p.name }));
            }, "bp-kernel"));
          }
          const map = grid(`Feature map${F > 1 ? ` ${f + 1}` : ""}: out = ${layer.activation}(net)`, Ho, Wo, (r, q) => {
            const j = (f * Ho + r) * Wo + q;
            const td = h("td", {}, num(`out:${row[j]}`), h("span", { class: "bp-sub" }, "net ", num(`net:${row[j]}`)));
            if (layer.activation === "relu") cells.relu.push({ el: td, l, j });
            return td;
          }, "bp-map");
          forwardRow.append(map);
          backwardRow.append(grid(`δ = ∂E/∂net${F > 1 ? `, filter ${f + 1}` : ""}`, Ho, Wo, (r, q) => {
            const key = `dE/dnet:${row[(f * Ho + r) * Wo + q]}`;
            const td = h("td", {}, num(key));
            cells.zero.push({ el: td, key });
            return td;
          }, "bp-map"));
        }
        for (let f = 0; f < F; f++) {
          for (let c = 0; c < Cin; c++) {
            const cap = `∂E/∂kernel${F > 1 ? ` ${f + 1}` : ""}${Cin > 1 ? `, channel ${c + 1}` : ""}`;
            backwardRow.append(grid(cap, kk, kk, (u, v) => {
              const p = params.find((q) => q.kind === "weights" && q.loc[2] === f && q.loc[3] === c && q.loc[4] === u && q.loc[5] === v);
              return h("td", { title: `∂E/∂${p.name}` }, num(`dE/d${p.name}`));
            }, "bp-kernel"));
          }
        }
      } else if (layer.type === "maxpool") {
        const [Cp, Ho, Wo] = layer.outShape;
        const p = layer.size;
        // mark the windows and the chosen maximum on the layer below's map
        const below = forwardRow.querySelectorAll("table.bp-map");
        const maps = Array.from(below).slice(-layer.inShape[0]);
        maps.forEach((table, c) => {
          const trs = table.querySelectorAll("tbody tr");
          trs.forEach((tr, y) => {
            Array.from(tr.children).forEach((td, x) => {
              if (y % p === 0 && y > 0 && y < Ho * p) td.classList.add("bp-win-top");
              if (x % p === 0 && x > 0 && x < Wo * p) td.classList.add("bp-win-left");
              const r = Math.floor(y / p);
              const q = Math.floor(x / p);
              if (r < Ho && q < Wo) cells.chosen.push({ el: td, l, o: (c * Ho + r) * Wo + q, pos: (y - r * p) * p + (x - q * p) });
              else td.classList.add("bp-dropped");
            });
          });
        });
        for (let c = 0; c < Cp; c++) {
          forwardRow.append(grid(`Max-pool ${p}×${p}${Cp > 1 ? `, map ${c + 1}` : ""}`, Ho, Wo, (r, q) => h("td", {}, num(`out:${row[(c * Ho + r) * Wo + q]}`)), "bp-pool"));
          backwardRow.append(grid(`∂E/∂out of the pooled values`, Ho, Wo, (r, q) => h("td", {}, num(`dE/dout:${row[(c * Ho + r) * Wo + q]}`)), "bp-pool"));
        }
      } else {
        const t = h("table", { class: "bp-grid bp-dense" });
        t.append(h("caption", { text: l === L ? "Outputs" : `Dense layer ${l}` }));
        const head = h("tr", {}, h("th", { scope: "col", text: "unit" }), h("th", { scope: "col", text: "net" }), h("th", { scope: "col", text: "out" }));
        if (l === L) head.append(h("th", { scope: "col", text: "target" }), h("th", { scope: "col", text: "δ" }));
        t.append(h("thead", {}, head));
        const body = h("tbody");
        row.forEach((n, j) => {
          const tr = h("tr", {}, h("th", { scope: "row", html: label(n) }), h("td", {}, num(`net:${n}`)), h("td", {}, num(`out:${n}`)));
          if (l === L) tr.append(h("td", {}, h("span", { class: "bp-given", text: E.given(net.T[0][j]) })), h("td", {}, num(`dE/dnet:${n}`)));
          body.append(tr);
        });
        t.append(body);
        forwardRow.append(t);
      }
    });
    // the input image's gradient, per channel
    for (let c = 0; c < C0; c++) {
      backwardRow.append(grid(`∂E/∂image${C0 > 1 ? `, channel ${c + 1}` : ""}`, H0, W0, (r, q) => {
        const key = `dE/dout:${names[0][(c * H0 + r) * W0 + q]}`;
        const td = h("td", {}, num(key));
        cells.zero.push({ el: td, key });
        return td;
      }));
    }
    // every other parameter's gradient: biases and dense weights
    const others = C.parameters(net).filter((p) => !(p.kind === "weights" && net.layers[p.loc[1]].type === "conv2d"));
    const gt = h("table", { class: "bp-grid bp-params" });
    gt.append(h("caption", { text: "Biases and dense weights" }));
    gt.append(h("thead", {}, h("tr", {}, h("th", { scope: "col", text: "parameter" }), h("th", { scope: "col", text: "value" }), h("th", { scope: "col", text: "∂E/∂parameter" }), h("th", { scope: "col", text: "after one step" }))));
    const gb = h("tbody");
    for (const p of others) {
      gb.append(h("tr", {}, h("th", { scope: "row", html: label(p.name) }), h("td", {}, h("span", { class: "bp-given", "data-param": p.name })),
        h("td", {}, num(`dE/d${p.name}`)), h("td", {}, num(`${p.name}+`))));
    }
    gt.append(gb);
    const errorBox = h("div", { class: "bp-conv-error" }, h("strong", { text: "E = " }), num("E"),
      h("span", { class: "bp-note", text: ` (${net.loss === "half_sse" ? "½Σ(target − out)²" : "−Σ target·log out"}${S > 1 ? ", mean over the samples" : ""})` }));
    root.append(h("div", { class: "bp-heading", text: "Forward" }), forwardRow, errorBox);
    root.append(h("div", { class: "bp-heading", text: "Backward" }), backwardRow, gt);
    root.append(buildSliders(net));
    collect();
  }

  function buildSliders(net) {
    sliders = new Map();
    readouts = new Map();
    const box = h("div", { class: "bp-controls" });
    const groups = new Map();
    for (const p of C.parameters(net)) {
      const layer = net.layers[p.loc[1]];
      const group = layer.type === "conv2d" ? (p.kind === "weights" ? "Kernel" : "Conv bias") : p.kind === "weights" ? `Dense weights (layer ${p.layer})` : `Dense bias (layer ${p.layer})`;
      if (!groups.has(group)) groups.set(group, h("fieldset", { class: "bp-group" }, h("legend", { text: group })));
      const v = values[p.name];
      const { min, max, step } = sliderRange(C.getParam(base, p));
      const input = h("input", { type: "range", min, max, step, value: String(v), "aria-label": p.name });
      input.value = String(v);
      const readout = h("span", { class: "bp-readout", text: E.given(v) });
      input.addEventListener("input", () => {
        values[p.name] = Number(input.value);
        readout.textContent = E.given(values[p.name]);
        update();
        push();
      });
      sliders.set(p.name, input);
      readouts.set(p.name, readout);
      groups.get(group).append(h("label", { class: "bp-slider" }, h("span", { class: "bp-slider-name", html: label(p.name) }), input, readout));
    }
    for (const g of groups.values()) box.append(g);
    const reset = h("button", { type: "button", class: "bp-reset", text: "Reset" });
    reset.addEventListener("click", () => {
      for (const p of C.parameters(base)) {
        values[p.name] = C.getParam(base, p);
        sliders.get(p.name).value = String(values[p.name]);
        readouts.get(p.name).textContent = E.given(values[p.name]);
      }
      update();
      push();
    });
    box.append(h("div", { class: "bp-reset-row" }, reset));
    return box;
  }

  function collect() {
    keyEls = new Map();
    for (const e of root.querySelectorAll("[data-key]")) {
      const k = e.getAttribute("data-key");
      if (!keyEls.has(k)) keyEls.set(k, []);
      keyEls.get(k).push(e);
    }
  }

  // ---------------------------------------------------------------- one update
  function update() {
    const net = netAt();
    const cache = {};
    const dec = net.decimals;
    const shown = new Map();
    for (const [key, els] of keyEls) {
      let v;
      let text;
      try {
        v = C.value(net, key, cache);
        text = E.formatNumber(v, dec);
      } catch (e) {
        text = "—";
      }
      shown.set(key, v);
      for (const e of els) if (e.textContent !== text) e.textContent = text;
    }
    for (const e of root.querySelectorAll("[data-param]")) {
      const text = E.given(values[e.getAttribute("data-param")]);
      if (e.textContent !== text) e.textContent = text;
    }
    const trace = cache.trace;
    for (const c of cells.chosen) c.el.classList.toggle("bp-chosen", trace.choice[c.l][0][c.o] === c.pos);
    for (const c of cells.relu) c.el.classList.toggle("bp-off", !(trace.net[c.l][0][c.j] > 0));
    for (const c of cells.zero) c.el.classList.toggle("bp-zero", shown.get(c.key) === 0);
    const spec = JSON.stringify(C.toSpec(net));
    if (spec !== lastSpec) {
      root.setAttribute("data-spec", spec);
      lastSpec = spec;
    }
  }

  function onValues() {
    const incoming = model.get("values") || {};
    let changed = false;
    for (const [name, v] of Object.entries(incoming)) {
      if (typeof v === "number" && values[name] !== v && sliders.has(name)) {
        values[name] = v;
        sliders.get(name).value = String(v);
        readouts.get(name).textContent = E.given(v);
        changed = true;
      }
    }
    if (changed) update();
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
  model.on("change:spec", onSpec);
  root.bpUpdate = update;
  return () => {
    clearTimeout(syncTimer);
    model.off("change:values", onValues);
    model.off("change:spec", onSpec);
  };
}

function render({ model, el }) {
  return renderConv(model, el);
}

export default { render };

// The symmetry playground's view: the first document's network started with its two hidden
// neurons identical (or with only their incoming weights equal, or at random), trained for
// a number of steps in the browser (./depth.js on ./engine.js); the two neurons' weights
// side by side after training, and how far apart they are after every step.
//
// DOM contract (the browser tests read it): the root .bp-symmetry carries data-state (the
// settings as JSON); each number shown is [data-name] ("w1" … "w8", "out_h1", "out_h2", "E",
// "gap") at nine decimals, its full value in data-value.
import * as D from "./depth.js";
import * as E from "./engine.js";
import * as Dom from "./dom.js";

const { h, s } = Dom;

const START_TEXT = {
  equal: "identical hidden neurons",
  incoming: "equal incoming weights only",
  random: "random weights",
};
const START_NOTE = {
  equal: "w1 = w3, w2 = w4, w5 = w6 and w7 = w8 at the start.",
  incoming: "w1 = w3 and w2 = w4 at the start; w5 … w8 are the document's.",
  random: "All eight weights drawn at random (uniform in −0.5 … 0.5) from the seed.",
};


let uid = 0;

function slider(label, min, max, step, value, show) {
  const id = `bp-sym-${++uid}`;
  const input = h("input", { type: "range", id, min, max, step, value, "aria-label": label });
  const out = h("output", { for: id, class: "bp-deep-readout", text: show(value) });
  return { row: h("div", { class: "bp-deep-slider" }, h("label", { for: id, text: label }), input, out), input, out, show };
}

function render({ model, el }) {
  const base = model.get("base");
  const root = h("div", { class: "bp-deep bp-symmetry", role: "group", "aria-label": "symmetry playground" });
  const startId = `bp-sym-${++uid}`;
  const start = h("select", { id: startId, "aria-label": "start" },
    ...D.STARTS.map((v) => h("option", { value: v, text: START_TEXT[v] })));
  const two = (v) => Number(v).toFixed(2);
  const sliders = {
    w1: slider("w1", -1, 1, 0.05, model.get("w1"), two),
    w2: slider("w2", -1, 1, 0.05, model.get("w2"), two),
    w5: slider("w5", -1, 1, 0.05, model.get("w5"), two),
    w7: slider("w7", -1, 1, 0.05, model.get("w7"), two),
    seed: slider("seed", 0, 20, 1, model.get("seed"), (v) => String(v)),
    steps: slider("steps", 0, D.MAX_STEPS, 100, model.get("steps"), (v) => Number(v).toLocaleString("en")),
  };
  const startNote = h("span", { class: "bp-deep-note" });
  const controls = h("div", { class: "bp-deep-controls" },
    h("div", { class: "bp-deep-slider bp-deep-wide" }, h("label", { for: startId, text: "start" }), start, startNote),
    ...Object.values(sliders).map((x) => x.row));
  const table = h("table", { class: "bp-deep-table" });
  const tableBox = h("div", { class: "bp-deep-tablebox" }, table);
  const outs = h("p", { class: "bp-deep-summary" });
  const status = h("p", { class: "bp-deep-summary", role: "status" });
  const chart = s("svg", { class: "bp-deep-chart", viewBox: "0 0 560 220", role: "img" });
  const chartTitle = s("title", {});
  chart.append(chartTitle);
  root.append(controls, status, tableBox, outs, chart);
  el.append(root);

  const num = (name, v, dec = 9) => h("span", { "data-name": name, "data-value": String(v), class: "bp-deep-num", text: E.formatNumber(v, dec) });

  function state() {
    return {
      start: model.get("start"), w1: model.get("w1"), w2: model.get("w2"), w5: model.get("w5"), w7: model.get("w7"),
      seed: model.get("seed"), steps: model.get("steps"),
    };
  }

  function draw(run, st) {
    const net = run.net;
    const p = (n) => E.param(net, n);
    const rows = [["w1", "w3", "from i1"], ["w2", "w4", "from i2"], ["w5", "w6", "to o1"], ["w7", "w8", "to o2"]];
    table.replaceChildren(
      h("caption", { text: `after ${st.steps.toLocaleString("en")} steps: the weights of h1 beside those of h2` }),
      h("thead", {}, h("tr", {}, h("th", { scope: "col", text: "connection" }), h("th", { scope: "col", text: "h1" }),
        h("th", { scope: "col", text: "h2" }), h("th", { scope: "col", text: "h1 − h2" }))),
      h("tbody", {}, ...rows.map(([a, b, what]) => h("tr", {},
        h("th", { scope: "row", text: `${what} (${a}, ${b})` }),
        h("td", {}, num(a, p(a))), h("td", {}, num(b, p(b))),
        h("td", { text: E.formatNumber(p(a) - p(b), 9) })))));
    const trace = E.forward(net);
    outs.replaceChildren("After training: out", h("sub", { text: "h1" }), " = ", num("out_h1", trace.out[1][0][0]),
      ", out", h("sub", { text: "h2" }), " = ", num("out_h2", trace.out[1][0][1]), ", E = ", num("E", trace.loss), ".");
    const last = run.gaps[run.gaps.length - 1];
    const after = `after ${st.steps.toLocaleString("en")} steps`;
    if (last === 0) {
      status.replaceChildren(`The two hidden neurons are still identical ${after}: the difference is exactly 0.`,
        h("span", { "data-name": "gap", "data-value": "0", hidden: true, text: E.formatNumber(0, 9) }));
    } else {
      status.replaceChildren("The two hidden neurons differ by ", num("gap", last),
        ` (|w1 − w3| + |w2 − w4| + |w5 − w6| + |w7 − w8|) ${after}.`);
    }
    // the chart: the difference after every step
    while (chart.childNodes.length > 1) chart.removeChild(chart.lastChild);
    const left = 70, right = 550, top = 12, bottom = 180;
    const n = run.gaps.length - 1;
    const hi = Math.max(...run.gaps) || 1;
    const x = (k) => left + (n ? (k / n) * (right - left) : 0);
    const y = (v) => bottom - (v / hi) * (bottom - top);
    chart.append(s("line", { x1: left, x2: right, y1: bottom, y2: bottom, class: "bp-deep-axis" }));
    chart.append(s("line", { x1: left, x2: left, y1: top, y2: bottom, class: "bp-deep-axis" }));
    chart.append(s("text", { x: left - 6, y: bottom + 4, "text-anchor": "end", text: "0" }));
    chart.append(s("text", { x: left - 6, y: top + 8, "text-anchor": "end", text: hi === 1 && Math.max(...run.gaps) === 0 ? "1" : hi.toPrecision(3) }));
    const stride = Math.max(1, Math.ceil(n / 400));
    let path = "";
    for (let k = 0; k <= n; k += stride) path += `${k ? "L" : "M"}${x(k).toFixed(1)},${y(run.gaps[k]).toFixed(1)}`;
    if (n % stride) path += `L${x(n).toFixed(1)},${y(run.gaps[n]).toFixed(1)}`;
    chart.append(s("path", { d: path, class: "bp-deep-line" }));
    chart.append(s("text", { x: (left + right) / 2, y: 212, "text-anchor": "middle", text: `steps (0 to ${n.toLocaleString("en")})` }));
    chart.append(s("text", { x: 14, y: (top + bottom) / 2, "text-anchor": "middle", transform: `rotate(-90 14 ${(top + bottom) / 2})`, text: "h1 − h2" }));
    chartTitle.textContent = `difference between the two hidden neurons over ${n} steps: from ${run.gaps[0]} to ${last}`;
    root.setAttribute("data-state", JSON.stringify(st));
  }

  function update() {
    const st = state();
    start.value = st.start;
    startNote.textContent = START_NOTE[st.start];
    for (const [name, x] of Object.entries(sliders)) {
      x.input.value = st[name];
      x.out.textContent = x.show(st[name]);
    }
    const random = st.start === "random";
    for (const name of ["w1", "w2"]) sliders[name].input.disabled = random;
    for (const name of ["w5", "w7"]) sliders[name].input.disabled = st.start !== "equal";
    sliders.seed.input.disabled = !random;
    draw(D.symmetryRun(base, st), st);
  }

  const names = ["start", "w1", "w2", "w5", "w7", "seed", "steps"];
  for (const [name, x] of Object.entries(sliders)) {
    x.input.addEventListener("input", () => {
      model.set(name, Number(x.input.value));
      model.save_changes();
    });
  }
  start.addEventListener("change", () => {
    model.set("start", start.value);
    model.save_changes();
  });
  for (const n of names) model.on(`change:${n}`, update);
  update();
  return () => { for (const n of names) model.off(`change:${n}`, update); };
}

export default { render };

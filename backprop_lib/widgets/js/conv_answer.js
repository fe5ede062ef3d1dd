// The conv answer box's view (anywidget's render): a question, the network's numbers (the
// image, the kernel, the dense weights, biases and targets as small tables), a field, "Check"
// and "New numbers".  The exact value is computed by ./conv.js when the reader checks, from the
// numbers shown (the network's own, or the n-th fresh draw, as backprop_lib.conv.draw).
import * as C from "./conv.js";
import * as J from "./conv_judge.js";
import * as E from "./engine.js";
import * as Dom from "./dom.js";

const { h } = Dom;


function matrix(caption, values, rows, cols) {
  const t = h("table", { class: "bp-grid bp-small" }, h("caption", { text: caption }));
  const body = h("tbody");
  for (let r = 0; r < rows; r++) {
    body.append(h("tr", {}, ...Array.from({ length: cols }, (_, q) => h("td", { text: E.given(values[r * cols + q]) }))));
  }
  t.append(body);
  return t;
}

function numbers(net) {
  const box = h("div", { class: "bp-conv-row bp-answer-grids", tabindex: "0", role: "group", "aria-label": "the numbers" });
  const [C0, H0, W0] = net.inputShape;
  for (let c = 0; c < C0; c++) box.append(matrix(C0 > 1 ? `Image, channel ${c + 1}` : "Image", net.X[0].slice(c * H0 * W0), H0, W0));
  const params = C.parameters(net);
  const text = [];
  net.layers.forEach((layer, l) => {
    if (layer.type === "conv2d") {
      const [F, Cin, k] = [layer.filters, layer.inShape[0], layer.kernel];
      for (let f = 0; f < F; f++) {
        for (let c = 0; c < Cin; c++) {
          const at = ((f * Cin + c) * k) * k;
          box.append(matrix(`Kernel${F > 1 ? ` ${f + 1}` : ""}${Cin > 1 ? `, channel ${c + 1}` : ""}`, net.W[l].slice(at, at + k * k), k, k));
        }
      }
    } else if (layer.type === "dense") {
      const n = net.W[l].length / layer.units;
      box.append(matrix(`Dense weights (a row per output)`, net.W[l], layer.units, n));
    }
    for (const p of params) if (p.kind === "biases" && p.loc[1] === l) text.push(`${p.name} = ${E.given(C.getParam(net, p))}`);
  });
  const outs = C.neuronNames(net)[net.layers.length];
  outs.forEach((o, j) => text.push(`target_${o} = ${E.given(net.T[0][j])}`));
  text.push(`η = ${E.given(net.rate)}`);
  return h("div", {}, box, h("div", { class: "bp-answer-numbers", text: text.join(", ") }));
}

function renderAnswer(model, el) {
  const key = model.get("key");
  const root = h("div", { class: "bp-conv-answer", "data-key-asked": key });
  el.append(root);
  const labelEl = h("div", { class: "bp-answer-label", text: model.get("label") });
  const shown = h("div", { class: "bp-answer-shown" });
  const input = h("input", { type: "text", "aria-label": "your answer", inputmode: "decimal", autocomplete: "off", spellcheck: "false", class: "bp-answer-input" });
  const checkButton = h("button", { type: "button", class: "bp-answer-check", text: "Check" });
  const newButton = model.get("variants") ? h("button", { type: "button", class: "bp-answer-new", text: "New numbers" }) : null;
  const result = h("div", { class: "bp-answer-result", role: "status", "aria-live": "polite" });
  const tolerance = h("div", { class: "bp-answer-tolerance", text: model.get("_tolerance_text") });
  root.append(labelEl, shown, h("div", { class: "bp-answer-row" }, input, checkButton, newButton), result, tolerance);
  const base = C.fromSpec(model.get("spec"));
  let variant = model.get("variant") || 0;
  const current = () => C.draw(base, variant, model.get("seed"));

  function showNumbers() {
    const which = h("div", { class: "bp-answer-which", text: variant === 0 ? "The numbers:" : `New numbers (set ${variant}):` });
    shown.replaceChildren(which, numbers(current()));
    root.setAttribute("data-spec", JSON.stringify(C.toSpec(current())));
  }
  function save() {
    try {
      model.save_changes();
    } catch (e) {
      // a static page has no kernel to save to
    }
  }
  function clear() {
    input.value = "";
    result.textContent = "";
    result.classList.remove("bp-right", "bp-wrong");
  }
  function check() {
    const net = current();
    const r = J.checkAnswer(net, key, input.value, model.get("tolerance"));
    const hints = model.get("_hints") || {};
    const text = r.right ? `Right: ${E.formatNumber(r.exact, net.decimals)} to ${net.decimals} decimals.`
      : `Not yet: ${r.code === null ? model.get("hint") || hints.generic : hints[r.code]}`;
    result.textContent = text;
    result.classList.toggle("bp-right", r.right);
    result.classList.toggle("bp-wrong", !r.right);
    model.set("answer", input.value);
    model.set("result", text);
    save();
  }
  checkButton.addEventListener("click", check);
  input.addEventListener("keydown", (e) => {
    if (e.key === "Enter") check();
  });
  if (newButton) {
    newButton.addEventListener("click", () => {
      variant += 1;
      model.set("variant", variant);
      save();
      clear();
      showNumbers();
    });
  }
  const onVariant = () => {
    const v = model.get("variant") || 0;
    if (v !== variant) {
      variant = v;
      clear();
      showNumbers();
    }
  };
  model.on("change:variant", onVariant);
  showNumbers();
  return () => model.off("change:variant", onVariant);
}

function render({ model, el }) {
  return renderAnswer(model, el);
}

export default { render };

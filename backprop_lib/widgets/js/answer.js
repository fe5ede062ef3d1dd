// The answer box's view (anywidget's render): a question, the network's numbers, a field,
// "Check" and "New numbers".  The exact value is computed by the engine when the reader checks
// (it is not in the page), from the numbers shown: the network's own, or the n-th fresh draw
// of the same generator as backprop_lib/variants.py.
import * as E from "./engine.js";

function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k === "text") el.textContent = v;
    else el.setAttribute(k, v === true ? "" : v);
  }
  for (const c of children) if (c != null) el.append(c);
  return el;
}

function numbersText(net) {
  const parts = [];
  const params = E.parameters(net).map((p) => `${p.name} = ${E.given(E.getAt(net, p.loc))}`);
  parts.push(params.join(", "));
  const L = E.depth(net);
  const S = E.samples(net);
  for (let q = 0; q < S; q++) {
    const xs = net.neuronNames[0].map((n, i) => `${n} = ${E.given(net.X[q][i])}`);
    const ts = net.neuronNames[L].map((n, j) => `target_${n} = ${E.given(net.T[q][j])}`);
    parts.push((S > 1 ? `sample ${q + 1}: ` : "") + xs.concat(ts).join(", "));
  }
  parts.push(`η = ${E.given(net.rate)}`);
  return parts.join("; ");
}

function renderAnswer(model, el) {
  const key = model.get("key");
  const root = h("div", { class: "bp-answer", "data-key": key });
  el.append(root);
  const label = h("div", { class: "bp-answer-label", text: model.get("label") });
  const numbers = h("div", { class: "bp-answer-numbers" });
  const input = h("input", { type: "text", "aria-label": "your answer", inputmode: "decimal", autocomplete: "off", spellcheck: "false", class: "bp-answer-input" });
  const checkButton = h("button", { type: "button", class: "bp-answer-check", text: "Check" });
  const newButton = model.get("variants") ? h("button", { type: "button", class: "bp-answer-new", text: "New numbers" }) : null;
  const result = h("div", { class: "bp-answer-result", role: "status", "aria-live": "polite" });
  const tolerance = h("div", { class: "bp-answer-tolerance", text: model.get("_tolerance_text") });
  root.append(label, numbers, h("div", { class: "bp-answer-row" }, input, checkButton, newButton), result, tolerance);
  const base = E.fromSpec(model.get("spec"));
  let variant = model.get("variant") || 0;

  const current = () => E.draw(base, variant, model.get("seed"));
  function showNumbers() {
    const which = variant === 0 ? "The numbers" : `New numbers (set ${variant})`;
    numbers.textContent = `${which}: ${numbersText(current())}`;
  }
  function save() {
    try {
      model.save_changes();
    } catch (e) {
      // a static page has no kernel to save to
    }
  }
  function check() {
    const net = current();
    const r = E.checkAnswer(net, key, input.value, model.get("tolerance"));
    const hints = model.get("_hints") || {};
    let text;
    if (r.right) text = `Right: ${E.formatNumber(r.exact, net.decimals)} to ${net.decimals} decimals.`;
    else text = `Not yet: ${r.code === null ? model.get("hint") || hints.generic : hints[r.code]}`;
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
      input.value = "";
      result.textContent = "";
      result.classList.remove("bp-right", "bp-wrong");
      showNumbers();
    });
  }
  const onVariant = () => {
    const v = model.get("variant") || 0;
    if (v !== variant) {
      variant = v;
      input.value = "";
      result.textContent = "";
      result.classList.remove("bp-right", "bp-wrong");
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

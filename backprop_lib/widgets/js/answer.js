// The answer box's view (anywidget's render): a question, the network's numbers, a field (or,
// for a direction or a sign, a choice), "Check" and "New numbers"; a folded hint; after two
// wrong tries the working, one step at a time; and a folded worked solution.  The exact value,
// the working and the solution are computed by the engine for the numbers shown (the
// network's own, or the n-th fresh draw of backprop_lib/variants.py's generator): none of
// them is in the page until the reader asks.
import * as E from "./engine.js";
import * as J from "./judge.js";
import * as Dom from "./dom.js";

const { h } = Dom;

const TRIES_BEFORE_WORKING = 2;


// Text with _{…} subscripts and ^{…} superscripts, as DOM nodes; names: terms to write in a
// document's own names ({"out_{prediction}": "prediction"}).
function rich(text, names) {
  for (const [from, to] of Object.entries(names || {})) text = text.split(from).join(to);
  const frag = document.createDocumentFragment();
  const re = /([_^])\{([^}]*)\}/g;
  let last = 0;
  let m;
  while ((m = re.exec(text)) !== null) {
    if (m.index > last) frag.append(text.slice(last, m.index));
    frag.append(h(m[1] === "_" ? "sub" : "sup", { text: m[2] }));
    last = re.lastIndex;
  }
  if (last < text.length) frag.append(text.slice(last));
  return frag;
}

function stepItem(net, line, names) {
  // in a document's own names two sides can read alike (out = net for a linear neuron):
  // "prediction = prediction" is written once
  let text = line.text;
  for (const [from, to] of Object.entries(names || {})) text = text.split(from).join(to);
  const sides = /^([^=]+) = ([^=]+)$/.exec(text);
  if (sides && sides[1].trim() === sides[2].trim()) text = sides[1].trim();
  const li = h("li", { class: "bp-answer-step" }, rich(text, {}));
  if (line.value !== null) li.append(" = ", h("span", { class: "bp-num", text: J.shown(net, line.value) }));
  return li;
}

function numbersText(net) {
  const parts = [];
  const sub = (name) => name.replace(/^([A-Za-z]+)(\d+)$/, "$1_{$2}");
  // layer by layer; within a layer the weights in the order of their numbers (the second
  // document numbers them column by column), then the bias
  const numbered = (p) => Number((/^[A-Za-z]+(\d+)$/.exec(p.name) || [0, Infinity])[1]);
  const order = (a, b) => a.layer - b.layer || (a.kind === b.kind ? numbered(a) - numbered(b) : a.kind === "weights" ? -1 : 1);
  const sorted = E.parameters(net).map((p, n) => Object.assign({ n }, p)).sort((a, b) => order(a, b) || a.n - b.n);
  const params = sorted.map((p) => `${sub(p.name)} = ${E.given(E.getAt(net, p.loc))}`);
  parts.push(params.join(", "));
  const L = E.depth(net);
  const S = E.samples(net);
  for (let q = 0; q < S; q++) {
    const xs = net.neuronNames[0].map((n, i) => `${sub(n)} = ${E.given(net.X[q][i])}`);
    const ts = net.neuronNames[L].map((n, j) => `target_{${n}} = ${E.given(net.T[q][j])}`);
    parts.push((S > 1 ? `sample ${q + 1}: ` : "") + xs.concat(ts).join(", "));
  }
  parts.push(`η = ${E.given(net.rate)}`);
  return parts.join("; ");
}

function renderAnswer(model, el) {
  const key = model.get("key");
  const ask = model.get("ask") || "number";
  const hint = model.get("hint") || "";
  const names = model.get("names") || {};
  const showWorking = model.get("working") !== false;
  const root = h("div", { class: "bp-answer", "data-key": key, "data-ask": ask });
  el.append(root);
  const label = h("div", { class: "bp-answer-label" }, rich(model.get("label"), names));
  const numbers = h("div", { class: "bp-answer-numbers" });
  const result = h("div", { class: "bp-answer-result", role: "status", "aria-live": "polite" });
  const row = h("div", { class: "bp-answer-row" });
  let input = null;
  const choiceButtons = [];
  if (ask === "number") {
    input = h("input", { type: "text", "aria-label": "your answer", inputmode: "decimal", autocomplete: "off", spellcheck: "false", class: "bp-answer-input" });
    row.append(input, h("button", { type: "button", class: "bp-answer-check", text: "Check" }));
  } else {
    const group = h("div", { class: "bp-answer-choices", role: "group", "aria-label": "your answer" });
    for (const choice of J.CHOICES[ask]) {
      const b = h("button", { type: "button", class: "bp-answer-choice", "aria-pressed": "false", "data-choice": choice, text: choice });
      choiceButtons.push(b);
      group.append(b);
    }
    row.append(group);
  }
  const newButton = model.get("variants") ? h("button", { type: "button", class: "bp-answer-new", text: "New numbers" }) : null;
  if (newButton) row.append(newButton);

  // the working, offered after two wrong tries, one step at a time
  const working = h("div", { class: "bp-answer-working", hidden: true });
  const stepsList = h("ol", { class: "bp-answer-steps" });
  const stepButton = h("button", { type: "button", class: "bp-answer-next", text: "Show the first step" });
  const stepsDone = h("div", { class: "bp-answer-note", hidden: true, text: "That is the whole working." });
  working.append(h("div", { class: "bp-answer-note", text: "The working for these numbers, one step at a time:" }), stepsList, stepButton, stepsDone);

  const hintBox = hint ? h("details", { class: "bp-answer-hint" }, h("summary", { text: "Hint" }), h("div", { text: hint })) : null;
  const solution = showWorking ? h("details", { class: "bp-answer-solution" }, h("summary", { text: "Worked solution for the numbers above" })) : null;
  const solutionList = h("ol", { class: "bp-answer-steps" });
  if (solution) solution.append(solutionList);
  const tolerance = h("div", { class: "bp-answer-tolerance", text: model.get("_tolerance_text") });
  // (append() would write a null as the text "null")
  root.append(...[label, numbers, row, result, showWorking ? working : null, hintBox, solution, tolerance].filter(Boolean));

  const base = E.fromSpec(model.get("spec"));
  let variant = model.get("variant") || 0;
  let tries = 0;
  let lines = null;
  let judged = {};             // the exact value and the slips, once per set of numbers
  let shownSteps = 0;
  const current = () => E.draw(base, variant, model.get("seed"));
  const currentLines = () => lines || (lines = J.working(current(), key));

  function showNumbers() {
    const which = variant === 0 ? "The numbers" : `New numbers (set ${variant})`;
    numbers.replaceChildren(rich(`${which}: ${numbersText(current())}`, names));
  }
  function save() {
    try {
      model.save_changes();
    } catch (e) {
      // a static page has no kernel to save to
    }
  }
  function nextStep() {
    const all = currentLines();
    if (shownSteps < all.length) {
      stepsList.append(stepItem(current(), all[shownSteps], names));
      shownSteps += 1;
    }
    stepButton.textContent = "Show the next step";
    const done = shownSteps >= all.length;
    stepButton.hidden = done;
    stepsDone.hidden = !done;
  }
  function fillSolution() {
    if (!solution || !solution.open || solutionList.childElementCount) return;
    const net = current();
    for (const line of currentLines()) solutionList.append(stepItem(net, line, names));
  }
  function reset() {
    tries = 0;
    lines = null;
    judged = {};
    shownSteps = 0;
    if (input) input.value = "";
    for (const b of choiceButtons) b.setAttribute("aria-pressed", "false");
    result.textContent = "";
    result.classList.remove("bp-right", "bp-wrong");
    working.hidden = true;
    stepsList.replaceChildren();
    stepButton.textContent = "Show the first step";
    stepButton.hidden = false;
    stepsDone.hidden = true;
    if (solution) {
      solution.open = false;
      solutionList.replaceChildren();
    }
    showNumbers();
  }
  function check(answer) {
    const net = current();
    const r = J.judge(net, key, answer, model.get("tolerance"), ask, judged);
    const text = J.verdict(net, key, r, model.get("_hints") || {}, hint, ask);
    result.textContent = text;
    result.classList.toggle("bp-right", r.right);
    result.classList.toggle("bp-wrong", !r.right);
    // a wrong answer counts as a try; a malformed one (not a number, too few digits) does not
    if (!r.right && !["not_a_number", "not_a_choice", "few_digits", "more_digits"].includes(r.code)) tries += 1;
    if (showWorking && tries >= TRIES_BEFORE_WORKING) working.hidden = false;
    model.set("answer", String(answer));
    model.set("result", text);
    save();
  }
  if (input) {
    row.querySelector(".bp-answer-check").addEventListener("click", () => check(input.value));
    input.addEventListener("keydown", (e) => {
      if (e.key === "Enter") check(input.value);
    });
  }
  for (const b of choiceButtons) {
    b.addEventListener("click", () => {
      for (const other of choiceButtons) other.setAttribute("aria-pressed", other === b ? "true" : "false");
      check(b.dataset.choice);
    });
  }
  stepButton.addEventListener("click", nextStep);
  if (solution) solution.addEventListener("toggle", fillSolution);
  if (newButton) {
    newButton.addEventListener("click", () => {
      variant += 1;
      model.set("variant", variant);
      save();
      reset();
    });
  }
  const onVariant = () => {
    const v = model.get("variant") || 0;
    if (v !== variant) {
      variant = v;
      reset();
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

// DOM and SVG elements in one call, for every widget's front end: h("div", {class: "x", text: "…"}, child…),
// s("line", {x1: 0, …}) for SVG.  Attributes: text (the text content), html (markup the widget
// itself wrote), on<event> (a listener), true (an empty attribute); null, undefined and false
// leave an attribute out, and null children are skipped.
const SVGNS = "http://www.w3.org/2000/svg";

export function setAttrs(el, attrs) {
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k === "text") el.textContent = v;
    else if (k === "html") el.innerHTML = v;
    else if (k.startsWith("on")) el.addEventListener(k.slice(2), v);
    else el.setAttribute(k, v === true ? "" : v);
  }
}

function build(el, attrs, children) {
  setAttrs(el, attrs);
  for (const c of children) if (c != null) el.append(c);
  return el;
}

export function h(tag, attrs, ...children) {
  return build(document.createElement(tag), attrs, children);
}

export function s(tag, attrs, ...children) {
  return build(document.createElementNS(SVGNS, tag), attrs, children);
}

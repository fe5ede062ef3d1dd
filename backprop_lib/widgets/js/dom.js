// A DOM element in one call, for every widget's front end: h("div", {class: "x", text: "…"}, child…).
// Attributes: text (the text content), html (markup the widget itself wrote), on<event> (a
// listener), true (an empty attribute); null, undefined and false leave an attribute out, and
// null children are skipped.
export function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k === "text") el.textContent = v;
    else if (k === "html") el.innerHTML = v;
    else if (k.startsWith("on")) el.addEventListener(k.slice(2), v);
    else el.setAttribute(k, v === true ? "" : v);
  }
  for (const c of children) if (c != null) el.append(c);
  return el;
}

// Accessible names that third-party markup leaves out, so screen readers can announce the
// controls (axe-core rules summary-name and aria-input-field-name):
// - the sidebar's expand/collapse toggles (the theme's <summary> holds only a chevron icon)
//   are named after the chapter whose sections they show;
// - ipywidgets slider handles (role="slider", drawn by noUiSlider when the saved widgets
//   render) are named after the slider's description.
(function () {
  "use strict";

  function label(root) {
    root.querySelectorAll("li.has-children > details > summary").forEach(function (summary) {
      if (summary.hasAttribute("aria-label") || summary.textContent.trim()) return;
      var link = summary.closest("li.has-children").querySelector(":scope > a");
      var title = link ? link.textContent.trim() : "";
      summary.setAttribute("aria-label", title ? "Sections of " + title : "Sections");
    });
    root.querySelectorAll('.noUi-handle[role="slider"]:not([aria-label]):not([aria-labelledby])')
      .forEach(function (handle) {
        var widget = handle.closest(".widget-slider, .jupyter-widgets");
        var description = widget && widget.querySelector(".widget-label");
        var text = description ? description.textContent.trim() : "";
        handle.setAttribute("aria-label", text || "slider");
      });
  }

  function start() {
    label(document);
    var queued = false;
    new MutationObserver(function () {   // widgets render after the page has loaded
      if (queued) return;
      queued = true;
      requestAnimationFrame(function () { queued = false; label(document); });
    }).observe(document.body, { childList: true, subtree: true });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();

// Where require.js finds the widget front ends the book serves itself (no CDN): anywidget's
// module, copied from the installed Python package by tools/vendor_assets.py, and the widget
// manager's own folder (its fonts are found relative to the address require.js gives its
// module).  This file is loaded after require.js and before the widget manager
// (embed-amd.js); the paths are made absolute from this file's own address, so they hold on
// pages in any folder.
(function () {
  "use strict";
  var me = document.currentScript && document.currentScript.src;
  var base = me ? me.replace(/[^/]*$/, "") : "_static/";
  window.require.config({
    paths: {
      anywidget: base + "vendor/anywidget",
      "@jupyter-widgets/html-manager": base + "vendor/html-manager/html-manager",
      "@jupyter-widgets/html-manager/dist": base + "vendor/html-manager",
      "@jupyter-widgets/base": base + "vendor/html-manager/base",
      "@jupyter-widgets/controls": base + "vendor/html-manager/controls",
    },
  });
})();

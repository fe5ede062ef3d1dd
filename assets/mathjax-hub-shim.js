// The widget manager (html-manager) typesets widget labels with MathJax 2's
// MathJax.Hub.Queue(["Typeset", MathJax.Hub, element]); the book serves MathJax 3, which has
// no Hub.  This shim gives whatever object window.MathJax holds (the configuration first,
// then MathJax 3 itself, which replaces it when it starts) a Hub whose Queue typesets with
// MathJax 3's typesetPromise once MathJax is ready.
(function () {
  "use strict";
  var current = window.MathJax;

  function typeset(element, tries) {
    var mj = current;
    if (mj && typeof mj.typesetPromise === "function") {
      var run = function () {
        mj.typesetPromise(element ? [element] : undefined).catch(function () {});
      };
      if (mj.startup && mj.startup.promise) mj.startup.promise.then(run);
      else run();
    } else if (tries < 100) {
      setTimeout(function () { typeset(element, tries + 1); }, 100);
    }
  }

  var hub = {
    Queue: function () {
      for (var i = 0; i < arguments.length; i++) {
        var job = arguments[i];
        if (typeof job === "function") job();
        else if (Array.isArray(job) && job[0] === "Typeset") typeset(job[2], 0);
      }
    },
    Config: function () {},
  };

  function install(mj) {
    if (mj && typeof mj === "object" && !mj.Hub) {
      try {
        Object.defineProperty(mj, "Hub", { value: hub, enumerable: false, configurable: true, writable: true });
      } catch (e) { /* a frozen object: nothing to do */ }
    }
  }

  install(current);
  try {
    Object.defineProperty(window, "MathJax", {
      configurable: true,
      enumerable: true,
      get: function () { return current; },
      set: function (value) { current = value; install(value); },
    });
  } catch (e) { /* window.MathJax cannot be redefined: leave it */ }
})();

/* raterkit: one way to start a page script. On a Material page, on every page Material shows
   (document$ fires again after instant navigation); elsewhere once the page has loaded.
   Loaded before the other raterkit scripts, which call window.raterkit.start(init). */
(function () {
  "use strict";

  window.raterkit = window.raterkit || {};
  window.raterkit.start = function (init) {
    if (typeof window.document$ !== "undefined" && window.document$.subscribe) {
      window.document$.subscribe(init);
    } else if (document.readyState === "loading") {
      document.addEventListener("DOMContentLoaded", init);
    } else {
      init();
    }
  };
})();

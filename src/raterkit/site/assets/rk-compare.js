/* raterkit: the two-select level picker on "Compare two levels" pages.
   Shows one pair at a time without reloading; the pair is kept in the address (#pair-I-vs-III)
   so it can be linked. Runs again after Material's instant navigation. Builds no markup and no
   selector from data: levels are matched by comparing values; a malformed link opens the first pair. */
(function () {
  "use strict";

  function setUp(form) {
    if (form.dataset.rkReady) return;
    form.dataset.rkReady = "1";
    var from = form.querySelector("#rk-from");
    var to = form.querySelector("#rk-to");
    var status = form.querySelector(".rk-compare-status");
    var sections = Array.prototype.slice.call(document.querySelectorAll(".rk-pair"));

    function show(announce) {
      var a = from.value, b = to.value, shown = null;
      sections.forEach(function (s) {
        var match = s.dataset.from === a && s.dataset.to === b;
        s.hidden = !match;
        if (match) shown = s;
      });
      var textA = from.options[from.selectedIndex].text, textB = to.options[to.selectedIndex].text;
      if (a === b) {
        status.textContent = "Choose two different levels to compare.";
      } else if (shown) {
        status.textContent = announce ? "Showing " + textA + " and " + textB + "." : "";
        if (window.history && history.replaceState) history.replaceState(history.state, "", "#" + shown.id);
      }
    }

    var hash = location.hash;
    try { hash = decodeURIComponent(hash); } catch (e) { /* a malformed %-escape: match it as it is */ }
    var m = /^#pair-(.+)-vs-(.+)$/.exec(hash);
    if (m) {
      var hasA = Array.prototype.some.call(from.options, function (o) { return o.value === m[1]; });
      var hasB = Array.prototype.some.call(to.options, function (o) { return o.value === m[2]; });
      if (hasA && hasB) { from.value = m[1]; to.value = m[2]; }
    }
    from.addEventListener("change", function () { show(true); });
    to.addEventListener("change", function () { show(true); });
    form.addEventListener("submit", function (e) { e.preventDefault(); });
    show(false);
  }

  function init() {
    Array.prototype.forEach.call(document.querySelectorAll("form[data-rk-compare]"), setUp);
  }

  window.raterkit.start(init);  /* rk-start.js */
})();

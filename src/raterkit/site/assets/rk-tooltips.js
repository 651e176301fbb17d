/* raterkit: title attributes hold text, never markup. Material's tooltips (content.tooltips) insert a
   title into the page as HTML, and Material itself copies the visible text of a shortened heading or
   menu entry (.md-ellipsis) into a title, so a page title such as "Level <img onerror=...>" would run.
   Every title that holds "<" or ">" is rewritten as HTML text (& < > escaped) the moment it appears,
   before any tooltip is drawn from it; titles the build already wrote as HTML text are left alone. */
(function () {
  "use strict";

  function guard(node) {
    if (!node || node.nodeType !== 1) return;
    var title = node.getAttribute("title");
    if (title !== null && /[<>]/.test(title)) {
      node.setAttribute("title", title.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;"));
    }
  }

  function guardAll(root) {
    guard(root);
    if (root.querySelectorAll) Array.prototype.forEach.call(root.querySelectorAll("[title]"), guard);
  }

  new MutationObserver(function (records) {
    records.forEach(function (record) {
      if (record.type === "attributes") guard(record.target);
      else Array.prototype.forEach.call(record.addedNodes, guardAll);
    });
  }).observe(document.documentElement, { subtree: true, childList: true, attributes: true, attributeFilter: ["title"] });
  guardAll(document.documentElement);
})();

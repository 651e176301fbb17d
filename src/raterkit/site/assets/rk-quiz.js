/* raterkit: rating quizzes. Reads the page's #rk-quiz-data (QuizPayload in quizpages.py), keeps
   the answers in localStorage by quiz id, shows the pre-rendered feedback on "Check", scores the
   answers exactly as raterkit.scoring.score_matrix does, and builds the answers file in the
   response format (rater,item,rating,quiz,timestamp). Runs again after instant navigation.
   One quiz UI for every host: the site, and the page of a SCORM package, whose adapter (rk-scorm.js)
   keeps the answers with the LMS through window.raterkit.quizStore and follows the "raterkit:quiz"
   events this script sends (ready, answer, check, submit). The payload may ask for an item to be
   locked once checked (lock_checked), or for nothing to be revealed until every item is rated and
   submitted (reveal: "end"); the site's pages ask for neither.
   Safe by construction: the DOM is built with createElement and text nodes, never by pasting data
   into HTML; the payload's pre-written HTML (rationale, cited statements, diffs) goes through
   trustedMarkup() alone; every selector built from data goes through CSS.escape. */
(function () {
  "use strict";

  var TOLERANCE = 1e-12; // as scoring.TOLERANCE
  var STORE = "raterkit-quiz:";

  var MAX_RATER = 200; // a name or ID; saved text longer than this was not typed here
  var TIMESTAMP = /^(|[+-]?\d{4,6}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,9})?Z)$/; // empty or Date.toISOString()

  function isRecord(value) { return value !== null && typeof value === "object" && !Array.isArray(value); }

  function fresh() { return { answers: Object.create(null), rater: "", submitted: false }; }

  /* Where the answers are kept: this browser's localStorage by quiz id, unless the host page has set
     window.raterkit.quizStore, an object with read(data) -> saved text or null, write(data, text) and
     remove(data) (the SCORM adapter keeps them in the LMS's suspend data). Each may throw. */
  function host() { return (window.raterkit && window.raterkit.quizStore) || null; }

  function readSaved(data) {
    var store = host();
    return store ? store.read(data) : window.localStorage.getItem(STORE + data.quiz);
  }

  function forget(data) {
    var store = host();
    if (store) store.remove(data);
    else window.localStorage.removeItem(STORE + data.quiz);
  }

  /* The saved answers to this quiz's items. Whatever was stored is checked piece by piece: an answer
     is kept only when its rating is a level of the scale, its time a time and "checked" true or false;
     the name only when it is short text on one line. Anything else (the quiz changed since, or the
     stored value was damaged or edited) is left out and `damaged` says so, so the page can tell the
     rater. Never throws. */
  function load(data) {
    var out = fresh();
    out.damaged = false;
    var raw = null, saved = null;
    try { raw = readSaved(data); } catch (e) { return out; } // storage switched off
    if (raw === null) return out;
    try { saved = JSON.parse(raw); } catch (e) { out.damaged = true; return out; }
    if (!isRecord(saved)) { out.damaged = true; return out; }
    var answers = saved.answers === undefined ? {} : saved.answers;
    if (!isRecord(answers)) { out.damaged = true; answers = {}; }
    var items = Object.create(null);
    data.items.forEach(function (item) { items[item.id] = true; });
    Object.keys(answers).forEach(function (id) {
      var a = answers[id];
      var good = items[id] === true && isRecord(a) && typeof a.rating === "string" && levelIndex(data, a.rating) >= 0 &&
        (a.timestamp === undefined || (typeof a.timestamp === "string" && TIMESTAMP.test(a.timestamp))) &&
        (a.checked === undefined || typeof a.checked === "boolean");
      if (good) out.answers[id] = { rating: a.rating, timestamp: a.timestamp || "", checked: a.checked === true };
      else out.damaged = true;
    });
    var name = saved.rater === undefined ? "" : saved.rater;
    if (typeof name === "string" && name.length <= MAX_RATER && !/[\u0000-\u0008\u000a-\u001f\u007f]/.test(name)) out.rater = name;
    else out.damaged = true;
    if (saved.submitted === true) out.submitted = true;
    else if (saved.submitted !== undefined && saved.submitted !== false) out.damaged = true;
    return out;
  }

  function save(data, state) {
    var kept = { answers: state.answers, rater: state.rater };
    if (state.submitted) kept.submitted = true;
    var text = JSON.stringify(kept);
    try {
      var store = host();
      if (store) store.write(data, text);
      else window.localStorage.setItem(STORE + data.quiz, text);
    } catch (e) { /* private mode: keep going */ }
  }

  function pct(share) { return (Math.round(share * 1000) / 10).toFixed(1) + "%"; }
  function num(x) { return (Math.round(x * 100) / 100).toFixed(2); }

  /* Python's f"{x:.2f}" for x >= 0 (words.bias_words): the hundredth nearest x's exact value, an exact
     tie going to the even hundredth. toFixed breaks exact ties upward; they are the odd eighths. */
  function twoDecimals(x) {
    var eighths = x * 8;
    if (Number.isInteger(eighths) && eighths % 2 === 1) {
      var lower = Math.floor(x * 100);
      return ((lower % 2 === 0 ? lower : lower + 1) / 100).toFixed(2);
    }
    return x.toFixed(2);
  }

  /* An element with attributes and children; strings and numbers become text nodes. */
  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (name) { node.setAttribute(name, String(attrs[name])); });
    return append(node, children);
  }

  function append(node, children) {
    [].concat(children === undefined ? [] : children).forEach(function (child) {
      if (child === null || child === "") return;
      node.appendChild(typeof child === "object" ? child : document.createTextNode(String(child)));
    });
    return node;
  }

  /* The payload's rationale, cited statements and diffs are HTML the build wrote, every piece of
     framework text in it escaped (quizpages.py). It is parsed inertly in a <template> and kept only as
     far as such markup goes: the elements and attributes below, links to http(s) pages; any other
     element, and a link elsewhere, leaves just its text. */
  var TAGS = /^(P|UL|OL|LI|SPAN|STRONG|EM|B|I|A|ABBR|DIV|TABLE|CAPTION|THEAD|TBODY|TR|TH|TD|DEL|INS|BR)$/;
  var ATTRIBUTES = /^(class|href|title|scope|role|tabindex|aria-label|data-label|colspan|rowspan)$/;

  function trustedMarkup(html) {
    var template = document.createElement("template");
    template.innerHTML = String(html || "");
    clean(template.content);
    return template.content;
  }

  function clean(parent) {
    Array.prototype.slice.call(parent.childNodes).forEach(function (node) {
      if (node.nodeType === 3) return;
      if (node.nodeType !== 1) { parent.removeChild(node); return; }
      clean(node);
      if (!TAGS.test(node.tagName) || (node.tagName === "A" && !webLink(node.getAttribute("href")))) {
        while (node.firstChild) parent.insertBefore(node.firstChild, node);
        parent.removeChild(node);
        return;
      }
      Array.prototype.slice.call(node.attributes).forEach(function (attr) {
        if (!ATTRIBUTES.test(attr.name)) node.removeAttribute(attr.name);
      });
    });
  }

  function webLink(href) {
    if (href === null) return false;
    try { return /^https?:$/.test(new URL(href, document.baseURI).protocol); } catch (e) { return false; }
  }

  /* The same definitions as scoring.score_matrix for one rater: positions 0..k-1, answered items only. */
  function score(data, answers) {
    var k = data.levels.length, n = 0, exact = 0, within = 0, sumD = 0, sumAbs = 0;
    var sx = 0, st = 0, sxx = 0, stt = 0, sxt = 0, confusion = [], i, j;
    for (i = 0; i < k; i++) { confusion.push([]); for (j = 0; j < k; j++) confusion[i].push(0); }
    data.items.forEach(function (item) {
      var a = answers[item.id];
      if (!a) return;
      var x = levelIndex(data, a.rating), t = item.reference;
      if (x < 0) return;
      var d = x - t;
      n += 1;
      if (d === 0) exact += 1;
      if (Math.abs(d) <= 1) within += 1;
      sumD += d; sumAbs += Math.abs(d);
      sx += x; st += t; sxx += x * x; stt += t * t; sxt += x * t;
      confusion[t][x] += 1;
    });
    var out = { n: n, exactCount: exact, withinCount: within, confusion: confusion };
    out.exact = n ? exact / n : NaN;
    out.withinOne = n ? within / n : NaN;
    out.bias = n ? sumD / n : NaN;
    out.mad = n ? sumAbs / n : NaN;
    var denominator = n * sxx + n * stt - 2 * sx * st;
    out.qwk = denominator > 0 ? 2 * (n * sxt - sx * st) / denominator : NaN;
    var rule = data.rule;
    out.passed = n > 0 && out.exact >= rule.exact - TOLERANCE && out.withinOne >= rule.within_one - TOLERANCE &&
      Math.abs(out.bias) <= rule.max_abs_bias + TOLERANCE;
    return out;
  }

  function levelIndex(data, levelId) {
    for (var i = 0; i < data.levels.length; i++) if (data.levels[i].id === levelId) return i;
    return -1;
  }

  /* The bias in the payload's words, put together as words.bias_words does: the side (with the size in
     two decimals and its unit), then "lenient"/"severe" only from the rater-effect threshold on. */
  function biasWords(data, bias) {
    var words = data.bias_words;
    if (!words) return isNaN(bias) ? "" : num(bias); // a page built before the payload carried them
    if (isNaN(bias)) return words.none;
    var size = twoDecimals(Math.abs(bias));
    if (size === "0.00") return words.same;
    var values = { size: size, unit: size === "1.00" ? "level" : "levels" };
    var side = words[bias > 0 ? "higher" : "lower"].replace(/\{(size|unit)\}/g, function (_, key) { return values[key]; });
    var threshold = data.bias_threshold;
    var effect = typeof threshold === "number" && Math.abs(bias) >= threshold - TOLERANCE ? words[bias > 0 ? "lenient" : "severe"] : "";
    return side + (effect || "");
  }

  function results(data, r) {
    var total = data.items.length;
    if (!r.n) return [el("p", null, "You have not rated any behaviour yet.")];
    function entry(key, value, title, text) {
      return [el("dt", null, title), el("dd", { "data-key": key, "data-value": value }, text)];
    }
    var scores = el("dl", { "class": "rk-quiz-scores" }, [].concat(
      entry("n", r.n, "Behaviours rated", r.n + " of " + total),
      entry("exact", r.exact, "Exact agreement", pct(r.exact) + " (" + r.exactCount + " of " + r.n + ")"),
      entry("within_one", r.withinOne, "Within one level", pct(r.withinOne) + " (" + r.withinCount + " of " + r.n + ")"),
      entry("bias", r.bias, "Bias", biasWords(data, r.bias)),
      entry("qwk", isNaN(r.qwk) ? "" : r.qwk, "Weighted kappa",
        isNaN(r.qwk) ? "not defined yet (needs more varied ratings)" : num(r.qwk)),
      entry("passed", r.passed, "Result", (r.passed ? "Passed" : "Not passed yet") + ": the rule is " + data.rule.text + "." +
        (r.n < total ? " Based on the " + r.n + " behaviours you have rated so far." : ""))
    ));
    var head = el("tr", null, [el("th", { scope: "col" }, "Reference")].concat(data.levels.map(function (level) {
      return el("th", { scope: "col" }, level.label);
    })));
    var rows = data.levels.map(function (level, t) {
      return el("tr", null, [el("th", { scope: "row" }, level.label)].concat(r.confusion[t].map(function (count, x) {
        return el("td", { "data-reference": level.id, "data-rating": data.levels[x].id }, count);
      })));
    });
    var table = el("table", { "class": "rk-list rk-quiz-confusion" }, [
      el("caption", null, "Your ratings (columns) against the reference (rows): the diagonal holds exact matches."),
      el("thead", null, head),
      el("tbody", null, rows)
    ]);
    return [scores, el("div", { "class": "rk-matrix-wrap", role: "region", "aria-label": "Your ratings against the reference", tabindex: "0" }, table)];
  }

  /* csvcells.protect: text a spreadsheet could take for a formula (=HYPERLINK(...), +cmd|..., @SUM(...))
     gets a leading apostrophe, so it shows as text; the response reader removes it again. */
  var FORMULA_START = /^'*[=+\-@\t\r]/;  /* apostrophes first count too: '=x comes back as '=x */

  function spreadsheetSafe(value) {
    var s = String(value);
    return FORMULA_START.test(s) ? "'" + s : s;
  }

  function csvField(value) {
    var s = spreadsheetSafe(value);
    return /[",\r\n]/.test(s) ? '"' + s.replace(/"/g, '""') + '"' : s;
  }

  function download(name, type, text) {
    var url = URL.createObjectURL(new Blob([text], { type: type }));
    var a = document.createElement("a");
    a.href = url; a.download = name; a.hidden = true;
    document.body.appendChild(a); a.click(); document.body.removeChild(a);
    setTimeout(function () { URL.revokeObjectURL(url); }, 1000);
  }

  /* The page's quiz data: the JSON text of #rk-quiz-data, a <script type="application/json"> or a
     <template> (whose text the HTML parser has unescaped). Material's instant loading re-creates every
     inline script of the new page as a plain script with only its text (no id, no type), so after it
     the data is found by content: the unnamed inline script whose text is this quiz's payload. */
  function quizData(root) {
    var named = document.getElementById("rk-quiz-data");
    var scripts = [].concat(named ? [named] : [], Array.prototype.slice.call(document.querySelectorAll("script:not([src]):not([id])")));
    for (var i = 0; i < scripts.length; i++) {
      try {
        var text = scripts[i].tagName === "TEMPLATE" ? scripts[i].content.textContent : scripts[i].textContent;
        var data = JSON.parse(text);
        if (isRecord(data) && Array.isArray(data.items) && Array.isArray(data.levels) &&
            (scripts[i] === named || data.quiz === root.getAttribute("data-rk-quiz"))) return data;
      } catch (e) { /* not the data */ }
    }
    return null;
  }

  function setUp(root) {
    if (root.dataset.rkReady) return;
    var data = quizData(root);
    if (!data) return;
    root.dataset.rkReady = "1";
    var state = load(data);
    var atEnd = data.reveal === "end"; // nothing revealed until every item is rated and submitted
    var panel = document.querySelector(".rk-quiz-panel");
    var resultsBox = panel.querySelector(".rk-quiz-results");
    var showButton = panel.querySelector(".rk-quiz-show-results");
    var submitButton = panel.querySelector(".rk-quiz-submit");
    var countBox = panel.querySelector(".rk-quiz-count");
    var rater = panel.querySelector("#rk-rater");
    var status = panel.querySelector(".rk-quiz-download-status");
    var byId = {};
    data.items.forEach(function (item) { byId[item.id] = item; });

    function fieldset(itemId) { return root.querySelector('fieldset[data-item="' + CSS.escape(itemId) + '"]'); }

    /* Tells a host page (rk-scorm.js) what happened: "ready" once the saved answers are back, "answer"
       when a level is chosen, "check" when an answer is checked, "submit" when all are submitted. */
    function tell(type, itemId) {
      var detail = {
        type: type, item: itemId || null, data: data, answers: state.answers, submitted: state.submitted,
        score: data.rule ? score(data, state.answers) : null
      };
      root.dispatchEvent(new CustomEvent("raterkit:quiz", { bubbles: true, detail: detail }));
    }

    /* Saved answers that could not be used are said so once, politely, above the first behaviour; the
       cleaned answers replace them at once, so a damaged or oversized value is not read again. */
    var note = null;
    if (state.damaged) {
      note = el("p", { "class": "rk-quiz-restore-note", role: "status" });
      root.insertBefore(note, root.firstChild);
      note.textContent = "Some of your saved answers could not be restored, so they were left out. " +
        "Everything else you saved is back; please rate any behaviour that is now blank again.";
      save(data, state);
    }

    function feedback(item, chosen) {
      var x = levelIndex(data, chosen), ref = data.levels[item.reference];
      var hit = x === item.reference;
      var verdict = hit
        ? "Correct: you chose " + data.levels[x].label + ", the reference level."
        : "Not the reference: you chose " + data.levels[x].label + "; the reference level is " + ref.label + ".";
      function part(cls, title, html) {
        return el("div", { "class": cls }, [el("p", { "class": "rk-quiz-sub" }, title), trustedMarkup(html)]);
      }
      return [
        el("p", { "class": "rk-quiz-verdict " + (hit ? "rk-hit" : "rk-miss") }, el("strong", null, (hit ? "✓ " : "✗ ") + verdict)),
        el("p", { "class": "rk-quiz-reference" }, ["Reference level: ", el("strong", null, ref.label)]),
        part("rk-quiz-rationale", "Why", item.rationale),
        part("rk-quiz-cited", "The statements this rests on", item.cites),
        hit ? null : part("rk-quiz-diff-wrap", "Your level and the reference level compared", item.diffs[x])
      ];
    }

    /* Whether an answer's feedback may be shown: once it is checked, or, when everything is revealed at
       the end, once all answers are submitted. */
    function revealed(a) { return !!a && (atEnd ? state.submitted : a.checked); }

    function showFeedback(itemId) {
      var box = fieldset(itemId) && fieldset(itemId).querySelector(".rk-quiz-feedback");
      if (!box) return;
      var a = state.answers[itemId];
      box.replaceChildren.apply(box, revealed(a) ? feedback(byId[itemId], a.rating).filter(Boolean) : []);
    }

    /* An answer that may no longer change: checked (when the payload asks for it) or submitted. */
    function lockIfFinal(itemId) {
      var a = state.answers[itemId];
      if (!(atEnd ? state.submitted : data.lock_checked && a && a.checked)) return;
      var box = fieldset(itemId);
      if (box) Array.prototype.forEach.call(box.querySelectorAll('input[type="radio"]'), function (input) { input.disabled = true; });
    }

    function rated() { return data.items.filter(function (item) { return state.answers[item.id]; }).length; }

    // Submitted means every item rated: a saved "submitted" beside blank items (edited, or the quiz changed
    // since) is not, and nothing is revealed.
    if (state.submitted && !(atEnd && rated() === data.items.length)) state.submitted = false;

    function refresh() {
      if (countBox) {
        countBox.textContent = atEnd && state.submitted
          ? "You rated all " + data.items.length + " behaviours and submitted your ratings."
          : "You have rated " + rated() + " of " + data.items.length + " behaviours.";
      }
      if (submitButton) submitButton.hidden = state.submitted;
      if (resultsBox && atEnd) resultsBox.hidden = !state.submitted;
      if (resultsBox && !resultsBox.hidden) resultsBox.replaceChildren.apply(resultsBox, results(data, score(data, state.answers)));
    }

    // Restore saved answers.
    data.items.forEach(function (item) {
      var a = state.answers[item.id];
      if (!a) return;
      var box = fieldset(item.id);
      var input = box && box.querySelector('input[type="radio"][value="' + CSS.escape(a.rating) + '"]');
      if (input) input.checked = true;
      if (data.practice) showFeedback(item.id);
      lockIfFinal(item.id);
    });
    if (rater) { rater.maxLength = MAX_RATER; rater.value = state.rater; }

    root.addEventListener("change", function (e) {
      var input = e.target;
      if (!input || input.type !== "radio" || input.disabled) return;
      var itemId = input.closest("fieldset").dataset.item;
      state.answers[itemId] = { rating: input.value, timestamp: new Date().toISOString(), checked: false };
      save(data, state);
      if (data.practice) showFeedback(itemId);
      refresh();
      tell("answer", itemId);
    });

    root.addEventListener("click", function (e) {
      var button = e.target.closest && e.target.closest(".rk-quiz-check");
      if (!button) return;
      var box = button.closest("fieldset");
      var itemId = box.dataset.item;
      var a = state.answers[itemId];
      if (!a) {
        box.querySelector(".rk-quiz-feedback").replaceChildren(
          el("p", { "class": "rk-quiz-verdict" }, el("strong", null, "Choose a level first.")));
        return;
      }
      var first = !a.checked;
      a.checked = true;
      save(data, state);
      showFeedback(itemId);
      lockIfFinal(itemId);
      refresh();
      if (first) tell("check", itemId);
    });

    if (showButton) {
      showButton.addEventListener("click", function () {
        resultsBox.hidden = !resultsBox.hidden;
        showButton.setAttribute("aria-expanded", String(!resultsBox.hidden));
        showButton.textContent = resultsBox.hidden ? "Show my results" : "Hide my results";
        refresh();
      });
    }

    if (submitButton) {
      submitButton.addEventListener("click", function () {
        var missing = data.items.filter(function (item) { return !state.answers[item.id]; });
        if (missing.length) {
          countBox.textContent = "Rate every behaviour before you submit: you have rated " + rated() + " of " +
            data.items.length + ". The first one left is behaviour " + (data.items.indexOf(missing[0]) + 1) + ".";
          var first = fieldset(missing[0].id);
          var radio = first && first.querySelector('input[type="radio"]');
          if (radio) radio.focus();
          return;
        }
        state.submitted = true;
        data.items.forEach(function (item) { state.answers[item.id].checked = true; });
        save(data, state);
        data.items.forEach(function (item) { showFeedback(item.id); lockIfFinal(item.id); });
        refresh();
        resultsBox.setAttribute("tabindex", "-1");
        resultsBox.focus();
        tell("submit");
      });
    }

    if (rater) {
      rater.addEventListener("input", function () { state.rater = rater.value; save(data, state); });
    }

    function responses() {
      return data.items.filter(function (item) { return state.answers[item.id]; }).map(function (item) {
        var a = state.answers[item.id];
        return { item: item.id, rating: a.rating, timestamp: a.timestamp };
      });
    }

    function ready() {
      var name = rater.value.trim();
      if (!name) {
        status.textContent = "Enter your name or ID first, then download.";
        rater.focus();
        return null;
      }
      if (!responses().length) {
        status.textContent = "You have not rated any behaviour yet: there is nothing to download.";
        return null;
      }
      return name;
    }

    function fileName(ext) {
      return data.quiz + "-" + rater.value.trim().replace(/[^A-Za-z0-9_.-]+/g, "-") + "." + ext;
    }

    panel.querySelector(".rk-quiz-download-csv").addEventListener("click", function () {
      var name = ready();
      if (!name) return;
      var lines = ["rater,item,rating,quiz,timestamp"].concat(responses().map(function (r) {
        return [name, r.item, r.rating, data.quiz, r.timestamp].map(csvField).join(",");
      }));
      download(fileName("csv"), "text/csv", lines.join("\r\n") + "\r\n");
      status.textContent = "Downloaded " + responses().length + " answers as CSV.";
    });

    panel.querySelector(".rk-quiz-download-json").addEventListener("click", function () {
      var name = ready();
      if (!name) return;
      var doc = { rater: name, quiz: data.quiz, responses: responses() };
      download(fileName("json"), "application/json", JSON.stringify(doc, null, 2) + "\n");
      status.textContent = "Downloaded " + responses().length + " answers as JSON.";
    });

    panel.querySelector(".rk-quiz-start-over").addEventListener("click", function () {
      if (!window.confirm("Clear all your answers to this quiz and start over?")) return;
      state = fresh();
      try { forget(data); } catch (e) { /* nothing stored */ }
      if (note) { note.remove(); note = null; }
      Array.prototype.forEach.call(root.querySelectorAll('input[type="radio"]'), function (input) {
        input.checked = false;
        input.disabled = false;
      });
      Array.prototype.forEach.call(root.querySelectorAll(".rk-quiz-feedback"), function (box) { box.replaceChildren(); });
      if (rater) rater.value = "";
      status.textContent = "Your answers were cleared.";
      refresh();
    });

    refresh();
    tell("ready");
  }

  function init() {
    Array.prototype.forEach.call(document.querySelectorAll("[data-rk-quiz]"), setUp);
  }

  window.raterkit.start(init);  /* rk-start.js */
})();

/* raterkit: rating quizzes. Reads the page's #rk-quiz-data (QuizPayload in quizpages.py), keeps
   the answers in localStorage by quiz id, shows the pre-rendered feedback on "Check", scores the
   answers exactly as raterkit.scoring.score_matrix does, and builds the answers file in the
   response format (rater,item,rating,quiz,timestamp). Runs again after instant navigation. */
(function () {
  "use strict";

  var TOLERANCE = 1e-12; // as scoring.TOLERANCE
  var STORE = "raterkit-quiz:";

  function load(quizId) {
    try {
      var saved = JSON.parse(window.localStorage.getItem(STORE + quizId) || "{}");
      return { answers: saved.answers || {}, rater: saved.rater || "" };
    } catch (e) {
      return { answers: {}, rater: "" };
    }
  }

  function save(quizId, state) {
    try { window.localStorage.setItem(STORE + quizId, JSON.stringify(state)); } catch (e) { /* private mode: keep going */ }
  }

  function pct(share) { return (Math.round(share * 1000) / 10).toFixed(1) + "%"; }
  function num(x) { return (Math.round(x * 100) / 100).toFixed(2); }
  function esc(text) {
    return String(text).replace(/[&<>"']/g, function (c) {
      return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#x27;" }[c];
    });
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

  function biasWords(bias) {
    if (Math.abs(bias) < 0.005) return "on average the same as the reference: neither lenient nor severe";
    var size = num(Math.abs(bias)), unit = size === "1.00" ? "level" : "levels";
    return bias > 0
      ? "on average " + size + " " + unit + " higher than the reference: lenient"
      : "on average " + size + " " + unit + " lower than the reference: severe";
  }

  function resultsHtml(data, r) {
    var total = data.items.length;
    if (!r.n) return "<p>You have not rated any behaviour yet.</p>";
    var rows = data.levels.map(function (level, t) {
      return '<tr><th scope="row">' + esc(level.label) + "</th>" + r.confusion[t].map(function (count, x) {
        return '<td data-reference="' + esc(level.id) + '" data-rating="' + esc(data.levels[x].id) + '">' + count + "</td>";
      }).join("") + "</tr>";
    }).join("");
    var head = data.levels.map(function (level) { return '<th scope="col">' + esc(level.label) + "</th>"; }).join("");
    return '<dl class="rk-quiz-scores">' +
      '<dt>Behaviours rated</dt><dd data-key="n" data-value="' + r.n + '">' + r.n + " of " + total + "</dd>" +
      '<dt>Exact agreement</dt><dd data-key="exact" data-value="' + r.exact + '">' + pct(r.exact) + " (" + r.exactCount + " of " + r.n + ")</dd>" +
      '<dt>Within one level</dt><dd data-key="within_one" data-value="' + r.withinOne + '">' + pct(r.withinOne) + " (" + r.withinCount + " of " + r.n + ")</dd>" +
      '<dt>Bias</dt><dd data-key="bias" data-value="' + r.bias + '">' + biasWords(r.bias) + "</dd>" +
      '<dt>Weighted kappa</dt><dd data-key="qwk" data-value="' + (isNaN(r.qwk) ? "" : r.qwk) + '">' +
        (isNaN(r.qwk) ? "not defined yet (needs more varied ratings)" : num(r.qwk)) + "</dd>" +
      '<dt>Result</dt><dd data-key="passed" data-value="' + r.passed + '">' +
        (r.passed ? "Passed" : "Not passed yet") + ": the rule is " + esc(data.rule.text) + "." +
        (r.n < total ? " Based on the " + r.n + " behaviours you have rated so far." : "") + "</dd>" +
      "</dl>" +
      '<div class="rk-matrix-wrap" role="region" aria-label="Your ratings against the reference" tabindex="0">' +
      '<table class="rk-list rk-quiz-confusion"><caption>Your ratings (columns) against the reference (rows): ' +
      "the diagonal holds exact matches.</caption>" +
      '<thead><tr><th scope="col">Reference</th>' + head + "</tr></thead><tbody>" + rows + "</tbody></table></div>";
  }

  function csvField(value) {
    var s = String(value);
    return /[",\r\n]/.test(s) ? '"' + s.replace(/"/g, '""') + '"' : s;
  }

  function download(name, type, text) {
    var url = URL.createObjectURL(new Blob([text], { type: type }));
    var a = document.createElement("a");
    a.href = url; a.download = name; a.hidden = true;
    document.body.appendChild(a); a.click(); document.body.removeChild(a);
    setTimeout(function () { URL.revokeObjectURL(url); }, 1000);
  }

  function setUp(root) {
    if (root.dataset.rkReady) return;
    var script = document.getElementById("rk-quiz-data");
    if (!script) return;
    root.dataset.rkReady = "1";
    var data = JSON.parse(script.textContent);
    var state = load(data.quiz);
    var panel = document.querySelector(".rk-quiz-panel");
    var resultsBox = panel.querySelector(".rk-quiz-results");
    var showButton = panel.querySelector(".rk-quiz-show-results");
    var countBox = panel.querySelector(".rk-quiz-count");
    var rater = panel.querySelector("#rk-rater");
    var status = panel.querySelector(".rk-quiz-download-status");
    var byId = {};
    data.items.forEach(function (item) { byId[item.id] = item; });

    function fieldset(itemId) { return root.querySelector('fieldset[data-item="' + itemId + '"]'); }

    function feedbackHtml(item, chosen) {
      var x = levelIndex(data, chosen), ref = data.levels[item.reference];
      var hit = x === item.reference;
      var verdict = hit
        ? "Correct: you chose " + esc(data.levels[x].label) + ", the reference level."
        : "Not the reference: you chose " + esc(data.levels[x].label) + "; the reference level is " + esc(ref.label) + ".";
      return '<p class="rk-quiz-verdict ' + (hit ? "rk-hit" : "rk-miss") + '"><strong>' + (hit ? "✓ " : "✗ ") + verdict + "</strong></p>" +
        '<p class="rk-quiz-reference">Reference level: <strong>' + esc(ref.label) + "</strong></p>" +
        '<div class="rk-quiz-rationale"><p class="rk-quiz-sub">Why</p>' + item.rationale + "</div>" +
        '<div class="rk-quiz-cited"><p class="rk-quiz-sub">The statements this rests on</p>' + item.cites + "</div>" +
        (hit ? "" : '<div class="rk-quiz-diff-wrap"><p class="rk-quiz-sub">Your level and the reference level compared</p>' + item.diffs[x] + "</div>");
    }

    function showFeedback(itemId) {
      var box = fieldset(itemId).querySelector(".rk-quiz-feedback");
      var a = state.answers[itemId];
      box.innerHTML = a && a.checked ? feedbackHtml(byId[itemId], a.rating) : "";
    }

    function refresh() {
      if (countBox) {
        var done = data.items.filter(function (item) { return state.answers[item.id]; }).length;
        countBox.textContent = "You have rated " + done + " of " + data.items.length + " behaviours.";
      }
      if (resultsBox && !resultsBox.hidden) resultsBox.innerHTML = resultsHtml(data, score(data, state.answers));
    }

    // Restore saved answers.
    data.items.forEach(function (item) {
      var a = state.answers[item.id];
      if (!a) return;
      var input = fieldset(item.id).querySelector('input[type="radio"][value="' + a.rating + '"]');
      if (input) input.checked = true;
      if (data.practice) showFeedback(item.id);
    });
    if (rater) rater.value = state.rater;

    root.addEventListener("change", function (e) {
      var input = e.target;
      if (!input || input.type !== "radio") return;
      var itemId = input.closest("fieldset").dataset.item;
      state.answers[itemId] = { rating: input.value, timestamp: new Date().toISOString(), checked: false };
      save(data.quiz, state);
      if (data.practice) showFeedback(itemId);
      refresh();
    });

    root.addEventListener("click", function (e) {
      var button = e.target.closest && e.target.closest(".rk-quiz-check");
      if (!button) return;
      var box = button.closest("fieldset");
      var itemId = box.dataset.item;
      var a = state.answers[itemId];
      if (!a) {
        box.querySelector(".rk-quiz-feedback").innerHTML = '<p class="rk-quiz-verdict"><strong>Choose a level first.</strong></p>';
        return;
      }
      a.checked = true;
      save(data.quiz, state);
      showFeedback(itemId);
      refresh();
    });

    if (showButton) {
      showButton.addEventListener("click", function () {
        resultsBox.hidden = !resultsBox.hidden;
        showButton.setAttribute("aria-expanded", String(!resultsBox.hidden));
        showButton.textContent = resultsBox.hidden ? "Show my results" : "Hide my results";
        refresh();
      });
    }

    if (rater) {
      rater.addEventListener("input", function () { state.rater = rater.value; save(data.quiz, state); });
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
      state = { answers: {}, rater: "" };
      try { window.localStorage.removeItem(STORE + data.quiz); } catch (e) { /* nothing stored */ }
      Array.prototype.forEach.call(root.querySelectorAll('input[type="radio"]'), function (input) { input.checked = false; });
      Array.prototype.forEach.call(root.querySelectorAll(".rk-quiz-feedback"), function (box) { box.innerHTML = ""; });
      if (rater) rater.value = "";
      status.textContent = "Your answers were cleared.";
      refresh();
    });

    refresh();
  }

  function init() {
    Array.prototype.forEach.call(document.querySelectorAll("[data-rk-quiz]"), setUp);
  }

  if (typeof window.document$ !== "undefined" && window.document$.subscribe) {
    window.document$.subscribe(init);
  } else if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();

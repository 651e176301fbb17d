/* raterkit: the quiz page of a SCORM package, talking to the learning management system (LMS).
   The quiz itself is rk-quiz.js, as on the site; this adapter
   - finds the LMS's API as the standard says: the window's parents, up to a limit, then its opener's
     (API for SCORM 1.2, API_1484_11 for SCORM 2004: the edition is the script's data-scorm), and
     starts a session;
   - keeps the trainee's answers in the LMS's suspend data (window.raterkit.quizStore), so a trainee
     who leaves and comes back carries on where they were;
   - follows rk-quiz.js's "raterkit:quiz" events and records one interaction per behaviour (likert:
     the trainee's level and the reference level), the score (exact agreement in percent) and the
     status (passed or failed by the quiz's pass rule once every behaviour is rated; incomplete
     until then), and the session time, committing after every answer;
   - ends the session when the page goes away (pagehide).
   Without an LMS the page is a practice page: it says that nothing is recorded, and rk-quiz.js keeps
   the answers in this browser. Values written to the LMS are level and item ids (letters, digits,
   '.', '_', '-': raterkit's id rule), numbers and fixed words, each in the form its edition defines. */
(function () {
  "use strict";

  var script = document.currentScript;
  var v2004 = !!script && script.getAttribute("data-scorm") === "2004";
  var API_NAME = v2004 ? "API_1484_11" : "API";
  // How many parent windows to climb: the ADL's own discovery code gives up after 7 (1.2) and 500 (2004).
  var CLIMB = v2004 ? 500 : 7;
  // cmi.suspend_data's size: SCORM 1.2's CMIString4096, SCORM 2004's 64000 (the exporter checks a quiz fits).
  var SUSPEND_LIMIT = v2004 ? 64000 : 4096;
  // One character per item in the suspend data: its level (position on the scale) * 2 + checked.
  var CODES = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";

  var E = v2004 ? {
    suspend: "cmi.suspend_data", exit: "cmi.exit", time: "cmi.session_time", count: "cmi.interactions._count",
    response: "learner_response", when: "timestamp", wrong: "incorrect", normalExit: "normal"
  } : {
    suspend: "cmi.suspend_data", exit: "cmi.core.exit", time: "cmi.core.session_time", count: "cmi.interactions._count",
    response: "student_response", when: "time", wrong: "wrong", normalExit: ""
  };

  var WORDS = {
    recorded: "Your learning management system (LMS) records your ratings and your result as you go.",
    none: "This page is not connected to a learning management system (LMS), so it works as practice only: " +
      "your results are not recorded.",
    refused: "The learning management system (LMS) did not start a session, so your results are not recorded. " +
      "Close this page and open the course from your LMS again.",
    failed: "Your learning management system (LMS) did not accept part of your results ({what}). " +
      "Tell your trainer; your answers on this page are not lost."
  };

  // ----------------------------------------------------------------------------- finding the API

  function apiOf(win) {
    try { return win[API_NAME] || null; } catch (e) { return null; } // a window of another origin
  }

  function climb(win) {
    for (var tries = 0; win && tries <= CLIMB; tries++) {
      var api = apiOf(win);
      if (api) return api;
      var parent = null;
      try { parent = win.parent; } catch (e) { return null; }
      if (!parent || parent === win) return null;
      win = parent;
    }
    return null;
  }

  function findApi() {
    var api = climb(window);
    try { if (!api && window.opener) api = climb(window.opener); } catch (e) { /* no opener to read */ }
    try { if (!api && window.top && window.top.opener) api = climb(window.top.opener); } catch (e) { /* idem */ }
    return api;
  }

  function yes(result) { return result === true || result === "true"; }

  /* The two editions' calls behind one face. */
  function session(api) {
    if (v2004) {
      return {
        start: function () { return yes(api.Initialize("")); },
        get: function (name) { return String(api.GetValue(name)); },
        set: function (name, value) { return yes(api.SetValue(name, String(value))); },
        commit: function () { return yes(api.Commit("")); },
        end: function () { return yes(api.Terminate("")); },
        error: function () { return String(api.GetLastError()); }
      };
    }
    return {
      start: function () { return yes(api.LMSInitialize("")); },
      get: function (name) { return String(api.LMSGetValue(name)); },
      set: function (name, value) { return yes(api.LMSSetValue(name, String(value))); },
      commit: function () { return yes(api.LMSCommit("")); },
      end: function () { return yes(api.LMSFinish("")); },
      error: function () { return String(api.LMSGetLastError()); }
    };
  }

  var api = findApi();
  var lms = api ? session(api) : null;
  var started = false;
  try { started = !!lms && lms.start(); } catch (e) { started = false; }
  var begun = Date.now();
  var ended = false;
  var failure = null; // the first value the LMS refused: "error 405 on cmi.core.score.raw"

  function set(name, value) {
    var ok = false;
    try { ok = lms.set(name, value); } catch (e) { ok = false; }
    if (!ok && !failure) {
      var code = "";
      try { code = lms.error(); } catch (e) { /* none to read */ }
      failure = "error " + (code || "unknown") + " on " + name;
    }
    return ok;
  }

  function get(name) {
    try { return lms.get(name); } catch (e) { return ""; }
  }

  // ----------------------------------------------------------------------------- the suspend data

  /* What rk-quiz.js keeps ({answers: {item id: {rating, timestamp, checked}}, rater, submitted}) as
     compact JSON in the LMS: {"v":1, "r": one character per item ("-": not rated), "o": item positions
     in the order of their interactions, "n": the name typed for downloads, "s": 1 once submitted}.
     raterkit.export.scorm.suspend_worst_case measures the same shape. */
  var saved = null; // what the LMS gave back: {r, o, n, s}
  var order = [];   // item positions, in the order of their interactions (cmi.interactions.n)

  if (started) {
    try {
      var text = get(E.suspend);
      saved = text ? JSON.parse(text) : null;
      if (saved !== null && (typeof saved !== "object" || saved.v !== 1)) saved = false;
    } catch (e) { saved = false; }
    if (saved && Array.isArray(saved.o)) {
      order = saved.o.filter(function (n, i, all) { return Number.isInteger(n) && n >= 0 && all.indexOf(n) === i; });
    }
  }

  function levelIndex(data, id) {
    for (var i = 0; i < data.levels.length; i++) if (data.levels[i].id === id) return i;
    return -1;
  }

  function decode(data) {
    if (saved === null) return null;
    if (saved === false || typeof saved.r !== "string") return "damaged"; // rk-quiz.js says so, and starts afresh
    var answers = {};
    data.items.forEach(function (item, i) {
      var c = saved.r.charAt(i);
      if (!c || c === "-") return;
      var code = CODES.indexOf(c), level = data.levels[code >> 1];
      answers[item.id] = code < 0 || !level ? { rating: null } : { rating: level.id, timestamp: "", checked: (code & 1) === 1 };
    });
    return JSON.stringify({ answers: answers, rater: typeof saved.n === "string" ? saved.n : "", submitted: saved.s === 1 });
  }

  function encode(data, state) {
    var r = data.items.map(function (item) {
      var a = state.answers && state.answers[item.id];
      var level = a ? levelIndex(data, a.rating) : -1;
      return level < 0 ? "-" : CODES.charAt(level * 2 + (a.checked ? 1 : 0));
    }).join("");
    var out = { v: 1, r: r, o: order };
    if (state.submitted) out.s = 1;
    var withName = JSON.stringify(Object.assign({ n: state.rater || "" }, out));
    return withName.length <= SUSPEND_LIMIT ? withName : JSON.stringify(out);
  }

  var kept = null; // the answers as rk-quiz.js last saved them

  /* The suspend data now: rk-quiz.js's answers, and the order of the interactions recorded so far. */
  function persist(data) {
    if (kept) set(E.suspend, encode(data, kept));
  }

  if (started) {
    window.raterkit = window.raterkit || {};
    window.raterkit.quizStore = {
      read: function (data) {
        var text = decode(data);
        try { kept = text ? JSON.parse(text) : null; } catch (e) { kept = null; }
        return text;
      },
      write: function (data, text) { kept = JSON.parse(text); persist(data); },
      remove: function () { order = []; kept = null; set(E.suspend, ""); }
    };
  }

  // ----------------------------------------------------------------------------- what is recorded

  function pad(n, width) { var s = String(n); while (s.length < width) s = "0" + s; return s; }

  /* The session's length: HH:MM:SS.SS in 1.2 (CMITimespan), an ISO 8601 duration in 2004. */
  function elapsed() {
    var cs = Math.max(0, Math.round((Date.now() - begun) / 10)), s = Math.floor(cs / 100);
    var h = Math.floor(s / 3600), m = Math.floor(s / 60) % 60, sec = s % 60, frac = pad(cs % 100, 2);
    if (v2004) return "PT" + h + "H" + m + "M" + sec + "." + frac + "S";
    return pad(Math.min(h, 9999), 2) + ":" + pad(m, 2) + ":" + pad(sec, 2) + "." + frac;
  }

  /* When an answer was given: clock time in 1.2 (CMITime), a UTC timestamp in 2004 (two decimals). */
  function now() {
    var d = new Date();
    if (v2004) return d.toISOString().replace(/(\.\d\d)\d*Z$/, "$1Z");
    return pad(d.getHours(), 2) + ":" + pad(d.getMinutes(), 2) + ":" + pad(d.getSeconds(), 2);
  }

  /* One decimal figure for the LMS: at most `places` decimals, no float noise, no trailing zeros. */
  function figure(x, places) {
    var scale = Math.pow(10, places);
    return String(Math.round(x * scale) / scale);
  }

  /* correct: the reference level; neutral: one level away, where the quiz's rule counts agreement
     within one level; wrong (1.2) or incorrect (2004): anything else. */
  function result(data, item, rating) {
    var d = Math.abs(levelIndex(data, rating) - item.reference);
    if (d === 0) return "correct";
    if (d === 1 && data.rule && data.rule.within_one > 0) return "neutral";
    return E.wrong;
  }

  /* 2004's description: "Behaviour 3: " and the start of the behaviour, on one line, 250 characters at most. */
  function description(data, position) {
    var text = "Behaviour " + (position + 1) + ": " + data.items[position].behaviour.replace(/\s+/g, " ").trim();
    return text.length <= 250 ? text : text.slice(0, 249) + "…";
  }

  function record(data, answers, position) {
    var index = order.indexOf(position);
    if (index < 0) { order.push(position); index = order.length - 1; }
    var item = data.items[position], a = answers[item.id];
    var at = "cmi.interactions." + index + ".";
    // The id first (2004 refuses the rest of an interaction without it), then the type the responses need.
    set(at + "id", v2004 ? "urn:raterkit:item:" + item.id : item.id);
    set(at + "type", "likert");
    if (v2004) set(at + "description", description(data, position));
    set(at + E.response, a.rating);
    set(at + "correct_responses.0.pattern", data.levels[item.reference].id);
    set(at + "result", result(data, item, a.rating));
    set(at + E.when, now());
  }

  function finished(detail) {
    var all = detail.data.items.every(function (item) { return detail.answers[item.id]; });
    return detail.data.reveal === "end" ? detail.submitted && all : all;
  }

  /* The score and the status: once every behaviour is rated (and, in an assessment, submitted), the
     exact agreement and passed or failed by the quiz's pass rule; until then, incomplete. */
  function status(detail) {
    var score = detail.score;
    if (finished(detail) && score && score.n > 0) {
      var share = score.exactCount / score.n;
      var prefix = v2004 ? "cmi.score." : "cmi.core.score.";
      set(prefix + "min", "0");
      set(prefix + "max", "100");
      set(prefix + "raw", figure(share * 100, 4));
      if (v2004) {
        set("cmi.score.scaled", figure(share, 6));
        set("cmi.completion_status", "completed");
        set("cmi.success_status", score.passed ? "passed" : "failed");
      } else {
        set("cmi.core.lesson_status", score.passed ? "passed" : "failed");
      }
    } else if (v2004) {
      set("cmi.completion_status", "incomplete");
      set("cmi.success_status", "unknown");
    } else {
      set("cmi.core.lesson_status", "incomplete");
    }
  }

  function commit() {
    set(E.time, elapsed());
    try { if (!lms.commit() && !failure) failure = "the save (commit) failed"; } catch (e) { failure = failure || "the save (commit) failed"; }
    say();
  }

  var note = null;
  var lastDetail = null;

  function say() {
    if (!note) return;
    note.textContent = !lms ? WORDS.none : !started ? WORDS.refused :
      failure ? WORDS.failed.replace("{what}", failure) : WORDS.recorded;
  }

  /* Interactions that the LMS did not keep from an earlier session (1.2 LMSs need not keep them) are
     written again, in the same order, so the LMS holds one per rated behaviour. */
  function restore(detail) {
    var count = parseInt(get(E.count), 10);
    if (!(count < order.length)) return;
    var kept = order.slice();
    order = [];
    kept.forEach(function (position) {
      var item = detail.data.items[position];
      if (item && detail.answers[item.id]) record(detail.data, detail.answers, position);
    });
  }

  function positionOf(data, itemId) {
    for (var i = 0; i < data.items.length; i++) if (data.items[i].id === itemId) return i;
    return -1;
  }

  function handle(detail) {
    lastDetail = detail;
    var data = detail.data, atEnd = data.reveal === "end";
    if (detail.type === "ready") {
      note = document.querySelector(".rk-scorm-status");
      say();
      if (!started) return;
      var startOver = document.querySelector(".rk-quiz-start-over"); // the LMS keeps what it recorded
      if (startOver) startOver.closest("p").hidden = true;
      if (!atEnd) restore(detail);
      persist(data);
      status(detail);
      commit();
    } else if (!started) {
      return;
    } else if (detail.type === "answer") {
      if (!atEnd) {
        record(data, detail.answers, positionOf(data, detail.item));
        persist(data);
        status(detail);
      }
      commit();
    } else if (detail.type === "check") {
      commit(); // the answer is now final: the suspend data says so
    } else if (detail.type === "submit") {
      order = [];
      data.items.forEach(function (item, position) { record(data, detail.answers, position); });
      persist(data);
      status(detail);
      commit();
    }
  }

  document.addEventListener("raterkit:quiz", function (e) { handle(e.detail); });

  /* Leaving: a trainee who has not finished is suspended (the LMS offers to resume); one who has,
     exits normally. Then the session ends: Terminate (2004) or LMSFinish (1.2). */
  function leave() {
    if (!started || ended) return;
    ended = true;
    set(E.exit, lastDetail && finished(lastDetail) ? E.normalExit : "suspend");
    set(E.time, elapsed());
    try { lms.end(); } catch (e) { /* the LMS's window may be closing too */ }
  }

  if ("onpagehide" in window) window.addEventListener("pagehide", leave);
  else window.addEventListener("unload", leave);

  // Before rk-quiz.js has read the page: say something at once when no LMS is there.
  if (!started) {
    document.addEventListener("DOMContentLoaded", function () {
      note = document.querySelector(".rk-scorm-status");
      say();
    });
  }
})();

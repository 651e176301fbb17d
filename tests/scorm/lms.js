/* The LMS side of raterkit's SCORM tests: scorm-again's run-time for SCORM 1.2 or 2004 as window.API
   or window.API_1484_11, holding what an LMS would have stored for this learner (window.RK_LMS.cmi,
   set by the test: learner, credit, mastery score from the manifest and, on a resumed attempt, the
   suspend data, status and interactions it kept), and the package in an iframe. The test reads back
   window.lmsRecord: each call the package made, each commit and the end of the session. */
(function () {
  "use strict";
  var conf = window.RK_LMS;
  var v2004 = conf.edition === "2004";
  // No commit URL: the data model stays in this page, where the test reads it (api.cmi).
  var settings = { logLevel: 4, autocommit: false, lmsCommitUrl: false };
  var api = v2004 ? new window.Scorm2004API(settings) : new window.Scorm12API(settings);
  if (conf.cmi) api.loadFromJSON(conf.cmi);
  var record = window.lmsRecord = { calls: [], commits: 0, initialized: false, terminated: false, errors: [] };
  var names = v2004
    ? { init: "Initialize", set: "SetValue", commit: "Commit", end: "Terminate" }
    : { init: "LMSInitialize", set: "LMSSetValue", commit: "LMSCommit", end: "LMSFinish" };
  api.on(names.init, function () { record.initialized = true; });
  var setValue = api[names.set];
  api[names.set] = function (element, value) { // every value the package writes, and each the LMS refuses
    var result = setValue.call(api, element, value);
    record.calls.push([element, value]);
    if (String(result) !== "true") record.errors.push([element, value, String(v2004 ? api.GetLastError() : api.LMSGetLastError())]);
    return result;
  };
  api.on(names.commit, function () { record.commits += 1; });
  api.on(names.end, function () { record.terminated = true; });
  window[v2004 ? "API_1484_11" : "API"] = api;
  window.lmsData = function () { return JSON.parse(JSON.stringify(api.cmi)); };
  document.addEventListener("DOMContentLoaded", function () {
    document.getElementById("sco").src = conf.launch;
  });
})();

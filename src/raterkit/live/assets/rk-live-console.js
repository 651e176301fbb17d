/* raterkit live: the trainer's console. On the sessions page, shows the chosen quiz's behaviours
   only; on a session's page, draws the session from the facilitator view, follows it through the
   event stream and sends the trainer's changes to the API (with the page's CSRF token).
   The statistics arrive already worded by the server (raterkit.words), fetched when they change. */
(function () {
  "use strict";
  var L = window.rkLive, el = L.el;

  var STATES = {
    waiting: "Not opened yet",
    open: "Open for rating",
    closed: "Closed",
    revealed: "Revealed"
  };
  var ACTIONS = {
    waiting: [["open", "Open"], ["reveal", "Reveal"]],
    open: [["close", "Close"], ["reveal", "Reveal"]],
    closed: [["open", "Open again"], ["reveal", "Reveal"]],
    revealed: []
  };
  var DONE = { open: "is open for rating", close: "is closed", reveal: "is revealed" };

  function short(text, limit) {
    text = String(text).replace(/\s+/g, " ").trim();
    if (text.length <= limit) return text;
    var cut = text.slice(0, limit);
    var space = cut.lastIndexOf(" ");
    return (space > limit / 2 ? cut.slice(0, space) : cut).replace(/[,;:.]+$/, "") + "…";
  }

  function plural(n, one, many) {
    return n + " " + (n === 1 ? one : many);
  }

  /* ------------------------------------------------------------------ the sessions page */

  function createForm(form) {
    var select = form.querySelector("#rk-quiz");
    var sets = Array.prototype.slice.call(form.querySelectorAll("fieldset[data-quiz]"));
    function show() {
      sets.forEach(function (set) {
        var on = set.getAttribute("data-quiz") === select.value;
        set.hidden = !on;
        set.disabled = !on;
      });
    }
    select.addEventListener("change", show);
    show();
  }

  /* ------------------------------------------------------------------ one session */

  function sessionConsole(first) {
    var view = null, words = first.words, wanted = words.revision;
    var code = first.view.code;
    var base = "/api/v1/sessions/" + encodeURIComponent(code);
    var list = document.getElementById("rk-items");
    var status = document.getElementById("rk-status");
    var connection = document.getElementById("rk-connection");
    var nodes = {}, made = 0, shown = {};

    function say(text) {
      status.textContent = text;
    }

    function label(levelId) {
      var found = levelId;
      view.scale.forEach(function (level) {
        if (level.id === levelId) found = level.label;
      });
      return found;
    }

    function number(item) {
      return "Behaviour " + (item.position + 1);
    }

    function changed(key, value) {
      var sig = JSON.stringify(value);
      if (shown[key] === sig) return false;
      shown[key] = sig;
      return true;
    }

    function render(next) {
      view = next;
      document.getElementById("rk-round").textContent = "Round " + next.round;
      document.getElementById("rk-next-round").textContent = "Start round " + (next.round + 1);
      people();
      items();
      downloads();
      if (next.revision !== words.revision && next.revision !== wanted) fetchWords(next.revision);
      statistics();
    }

    function people() {
      if (!changed("people", [view.participants, view.items.length])) return;
      var n = view.participants.length;
      document.getElementById("rk-people-count").textContent = n
        ? plural(n, "person has", "people have") + " joined."
        : "No one has joined yet: they join with the code above.";
      document.getElementById("rk-people").replaceChildren.apply(
        document.getElementById("rk-people"),
        view.participants.map(function (person) {
          return el("li", null, [
            el("span", { "class": "rk-name" }, person.name), " ",
            el("span", { "class": "rk-dim" }, "rated " + person.rated + " of " + view.items.length)
          ]);
        })
      );
    }

    function items() {
      L.reconcile(list, nodes, view.items, build, update);
    }

    function build() {
      made += 1;
      var node = {
        key: "rk-c" + made,
        heading: el("h3", { tabindex: "-1" }),
        behaviour: el("p", { "class": "rk-behaviour" }),
        what: el("p", { "class": "rk-what" }),
        line: el("p", { "class": "rk-state-line" }),
        actions: el("div", { "class": "rk-item-actions" }),
        result: el("div", { "class": "rk-item-result" }),
        sigs: {}
      };
      node.li = el("li", { "class": "rk-item" },
        [node.heading, node.behaviour, node.what, node.line, node.actions, node.result]);
      return node;
    }

    function part(node, key, value) {
      var sig = JSON.stringify(value);
      if (node.sigs[key] === sig) return false;
      node.sigs[key] = sig;
      return true;
    }

    function update(node, item) {
      node.li.setAttribute("data-state", item.state);
      if (part(node, "head", [item.position, item.id, item.behaviour, item.what])) {
        node.heading.replaceChildren(number(item), " ", el("span", { "class": "rk-item-id" }, item.id));
        node.behaviour.textContent = short(item.behaviour, 140);
        node.what.replaceChildren(el("span", { "class": "rk-label" }, "Rated on: "), item.what);
      }
      if (part(node, "line", [item.state, item.rated, item.raters, view.participants.length])) {
        var line = [el("strong", null, STATES[item.state] || item.state), ". "];
        var total = view.participants.length;
        if (item.state === "waiting" && !item.rated) {
          line.push("Nobody has rated it yet.");
        } else {
          line.push("Rated by " + item.rated + " of " + total + (item.raters.length ? ": " : "."));
          if (item.raters.length) line.push(el("span", { "class": "rk-names" }, item.raters.join(", ")), ".");
        }
        node.line.replaceChildren.apply(node.line, line);
      }
      if (part(node, "actions", [item.state, item.position])) {
        var buttons = (ACTIONS[item.state] || []).map(function (action) {
          var button = el("button", { type: "button", "class": "rk-button rk-small", "data-focus": "act-" + action[0] },
            [action[1], L.sr(" " + number(item).toLowerCase())]);
          button.addEventListener("click", function () { act(node, item.id, action[0]); });
          return button;
        });
        var fallback = buttons[0] || node.heading;
        L.replace(node.actions, buttons, fallback);
      }
      if (part(node, "result", [item.state, item.spread, item.consensus, item.reference, view.mode])) {
        L.replace(node.result, result(node, item), node.heading);
      }
    }

    function result(node, item) {
      var out = [];
      if (item.spread) {
        var reference = item.state === "revealed" ? refOf(item) : null;
        out.push(L.spreadTable(view.scale, item.spread, "How the room rated " + number(item).toLowerCase(),
          reference ? { id: reference, tag: view.mode === "consensus" ? "(agreed)" : "(reference)" } : null));
      }
      if (item.state !== "revealed") return out;
      if (view.mode === "consensus") {
        out.push(el("p", null, item.consensus
          ? ["Agreed level: ", el("strong", null, label(item.consensus)), "."]
          : "No agreed level recorded yet."));
        out.push(consensusForm(node, item));
      } else {
        out.push(el("p", null, ["Reference level: ", el("strong", null, label(item.reference)), "."]));
      }
      return out;
    }

    function refOf(item) {
      return view.mode === "consensus" ? item.consensus : item.reference;
    }

    function consensusForm(node, item) {
      var id = node.key + "-agreed";
      var select = el("select", { id: id, "data-focus": "agreed-level" },
        [el("option", { value: "" }, "Choose a level")].concat(view.scale.map(function (level) {
          return el("option", { value: level.id, selected: level.id === item.consensus }, level.label);
        })));
      var form = el("form", { "class": "rk-consensus" }, [
        el("label", { "for": id }, "Agreed level for " + number(item).toLowerCase()),
        " ", select, " ",
        el("button", { type: "submit", "class": "rk-button rk-small", "data-focus": "agreed-save" }, "Record")
      ]);
      form.addEventListener("submit", function (event) {
        event.preventDefault();
        if (!select.value) {
          say("Choose the level the room agreed for " + number(item).toLowerCase() + " first.");
          select.focus();
          return;
        }
        var chosen = select.value;
        L.call("PUT", base + "/items/" + encodeURIComponent(item.id) + "/consensus", { level: chosen }).then(
          function (next) {
            render(next);
            say(number(item) + ": agreed level " + label(chosen) + " recorded.");
          },
          function (error) { say(error.message); }
        );
      });
      return form;
    }

    function act(node, itemId, action) {
      var buttons = node.actions.querySelectorAll("button");
      var focusKey = document.activeElement && node.actions.contains(document.activeElement)
        ? document.activeElement.getAttribute("data-focus") : null;
      Array.prototype.forEach.call(buttons, function (button) { button.disabled = true; });
      L.call("POST", base + "/items/" + encodeURIComponent(itemId) + "/" + action).then(
        function (next) {
          render(next);
          Array.prototype.forEach.call(node.actions.querySelectorAll("button"), function (b) { b.disabled = false; });
          /* The pressed button is gone: keep the keyboard in this behaviour. */
          if (focusKey && !node.li.contains(document.activeElement)) {
            (node.actions.querySelector("button") || node.heading).focus();
          }
          var item = next.items.filter(function (i) { return i.id === itemId; })[0];
          if (item) say(number(item) + " " + DONE[action] + ".");
        },
        function (error) {
          Array.prototype.forEach.call(buttons, function (button) { button.disabled = false; });
          if (focusKey) {
            var again = node.actions.querySelector('[data-focus="' + focusKey + '"]');
            if (again) again.focus();
          }
          say(error.message);
        }
      );
    }

    function downloads() {
      if (!changed("downloads", view.rounds)) return;
      var links = [el("li", null, el("a", { href: base + "/ratings.csv", download: "" }, "Download ratings (CSV), every round"))];
      for (var round = 1; round <= view.rounds; round += 1) {
        links.push(el("li", null, el("a", { href: base + "/ratings.csv?round=" + round, download: "" },
          "Download round " + round + " ratings (CSV)")));
      }
      links.push(el("li", null, el("a", { href: "/console/" + encodeURIComponent(code) + "/report" }, "Workshop report")));
      var box = document.getElementById("rk-downloads");
      L.replace(box, links, null);
    }

    /* ------------------------------------------------------------------ statistics, in words */

    function fetchWords(revision) {
      wanted = revision;
      L.call("GET", "/console/" + encodeURIComponent(code) + "/words").then(function (fresh) {
        if (fresh.revision >= words.revision) {
          words = fresh;
          statistics();
        }
      }, function () { /* the next change asks again */ wanted = words.revision; });
    }

    function statistics() {
      if (!changed("words", [words, view.mode])) return;
      var box = document.getElementById("rk-stats");
      var stats = words.stats;
      var against = view.mode === "consensus" ? "the agreed levels" : "the reference";
      if (!stats) {
        L.replace(box, el("p", null,
          "The figures appear once a behaviour is closed and at least two people have rated it."), null);
      } else {
        var figures = el("dl", { "class": "rk-figures" }, [
          el("dt", null, "Krippendorff's alpha (ordinal)"),
          el("dd", null, stats.alpha === null ? stats.reading : [el("strong", null, stats.alpha), ": ", stats.reading]),
          el("dt", null, "Exact agreement with " + against),
          el("dd", null, stats.exact === null
            ? "Record the agreed level of every closed behaviour to see this."
            : el("strong", null, stats.exact)),
          el("dt", null, "Discuss first"),
          el("dd", null, stats.discuss.length
            ? el("ul", null, stats.discuss.map(function (d) {
              return el("li", null, [el("strong", null, d.label), " (" + d.item + "): " + d.text]);
            }))
            : "Nothing stands out: no closed behaviour splits the room or sits away from " + against + ".")
        ]);
        var parts = [el("p", null, stats.scope), figures];
        if (stats.raters.length) {
          parts.push(table("Each rater against " + against, ["Rater", "Rated", "Exact", "On average"],
            stats.raters.map(function (r) { return [r.rater, String(r.n), r.exact, r.bias]; })));
        }
        L.replace(box, parts, null);
      }
      var section = document.getElementById("rk-change-section");
      var change = words.change;
      section.hidden = !change;
      if (change) {
        L.replace(document.getElementById("rk-change"), [
          el("p", null, ["Krippendorff's alpha was ", el("strong", null, change.before), " in round 1 and is ",
            el("strong", null, change.after), " now (change " + change.change + "), over the same closed behaviours."]),
          table("Each rater, round 1 and now",
            ["Rater", "Exact, round 1", "Exact, now", "On average, round 1", "On average, now", "Ratings changed"],
            change.raters.map(function (r) {
              return [r.rater, r.exact_before, r.exact_after, r.bias_before, r.bias_after, r.changes];
            }))
        ], null);
      }
    }

    function table(caption, heads, rows) {
      return el("div", { "class": "rk-table-wrap", role: "region", "aria-label": caption, tabindex: "0" },
        el("table", { "class": "rk-table" }, [
          el("caption", null, caption),
          el("thead", null, el("tr", null, heads.map(function (head) { return el("th", { scope: "col" }, head); }))),
          el("tbody", null, rows.map(function (cells) {
            return el("tr", null, cells.map(function (cell, i) {
              return i === 0 ? el("th", { scope: "row" }, cell) : el("td", null, cell);
            }));
          }))
        ]));
    }

    /* ------------------------------------------------------------------ the whole round */

    document.getElementById("rk-reveal-all").addEventListener("click", function () {
      L.call("POST", base + "/reveal").then(function (next) {
        render(next);
        say("Every behaviour of round " + next.round + " is revealed.");
      }, function (error) { say(error.message); });
    });
    document.getElementById("rk-next-round").addEventListener("click", function () {
      L.call("POST", base + "/rounds").then(function (next) {
        render(next);
        say("Round " + next.round + " has started: the same behaviours in a new order.");
      }, function (error) { say(error.message); });
    });

    var stopped = false;
    render(first.view);
    var events = L.stream(base + "/console-events", {
      state: render,
      lost: function () {
        if (!stopped) connection.textContent = "The connection to the server was lost: trying again.";
      },
      back: function () { connection.textContent = "Connected again."; },
      retry: function () {
        /* Refused rather than cut off: signed out (or the key changed) means sign in again. */
        L.call("GET", "/console/" + encodeURIComponent(code) + "/words").catch(function (error) {
          if (error.status !== 401 && error.status !== 403) return;
          stopped = true;
          events.close();
          connection.replaceChildren("You are signed out of the console. ",
            el("a", { href: "/console" }, "Sign in again"), ".");
        });
        return !stopped;
      }
    });
  }

  L.start(function () {
    var form = document.getElementById("rk-create");
    if (form) createForm(form);
    var first = L.readData("rk-data");
    if (first && first.view) sessionConsole(first);
  });
})();

/* raterkit live: the participant page. Shows the open, closed and revealed behaviours of the
   round, sends each choice at once, and follows the trainer through the event stream.
   Parts of the page are rebuilt only when what they show has changed, so a focused control or a
   choice being made is left alone. */
(function () {
  "use strict";
  var L = window.rkLive, el = L.el;

  L.start(function () {
    var list = document.getElementById("rk-items");
    if (!list) return;
    var code = list.getAttribute("data-code");
    var base = "/api/v1/sessions/" + encodeURIComponent(code);
    var waitingBox = document.getElementById("rk-waiting");
    var roundBox = document.getElementById("rk-round");
    var connection = document.getElementById("rk-connection");
    var current = null;
    var mine = {};
    var nodes = {};
    var sending = {};
    var made = 0;
    var stopped = false;
    var events = null;

    function label(levelId) {
      var found = null;
      current.scale.forEach(function (level) {
        if (level.id === levelId) found = level.label;
      });
      return found || levelId;
    }

    function number(item) {
      return "Behaviour " + (item.position + 1);
    }

    /* ------------------------------------------------------------------ rendering */

    function render(next) {
      if (current && next.round !== current.round) {
        Object.keys(nodes).forEach(function (id) { nodes[id].li.remove(); });
        nodes = {};
        sending = {};
        mine = next.mine || {};
        say(connection, "Round " + next.round + " has started: rate the behaviours again as they open.");
        if (!next.mine) refresh();
      } else if (next.mine) {
        mine = next.mine;
      }
      current = next;
      roundBox.textContent = "Round " + next.round;
      list.setAttribute("data-round", String(next.round));
      L.reconcile(list, nodes, next.items, build, update);
      waitingBox.textContent = waitingText(next.items.length, next.waiting);
    }

    function waitingText(shown, waiting) {
      var more = waiting === 1 ? "1 more behaviour" : waiting + " more behaviours";
      if (!shown && waiting) return "Nothing to rate yet: the trainer will open the first behaviour soon. " +
        (waiting === 1 ? "1 behaviour" : waiting + " behaviours") + " to come.";
      if (!shown) return "This round has no behaviours to rate.";
      if (waiting) return more + " still to come.";
      return "That is every behaviour of this round.";
    }

    function build(item) {
      made += 1;
      var key = "rk-b" + made;
      var heading = el("h2", { id: key + "-h", tabindex: "-1" });
      var node = {
        key: key,
        heading: heading,
        behaviour: el("p", { "class": "rk-behaviour" }),
        what: el("p", { "class": "rk-what", id: key + "-what" }),
        body: el("div", { "class": "rk-body" }),
        status: el("p", { "class": "rk-saved", role: "status" }),
        sig: null,
        state: null,
        radios: null
      };
      node.li = el("li", { "class": "rk-item" }, [heading, node.behaviour, node.what, node.body, node.status]);
      return node;
    }

    function setText(part, text) {
      if (part.textContent !== text) part.textContent = text;
    }

    function update(node, item) {
      var sig = JSON.stringify(item) + "|" + (mine[item.id] || "");
      if (sig === node.sig) return;
      node.sig = sig;
      node.li.setAttribute("data-state", item.state);
      setText(node.heading, number(item));
      setText(node.behaviour, item.behaviour);
      if (node.what.textContent !== "Rated on: " + item.what) {
        node.what.replaceChildren(el("span", { "class": "rk-label" }, "Rated on: "), item.what);
      }
      if (item.state === "open") {
        if (node.state !== "open") {
          L.replace(node.body, ratingGroup(node, item), node.heading);
        } else if (!busy(item.id)) {
          check(node, mine[item.id]);
        }
      } else {
        node.radios = null;
        L.replace(node.body, item.state === "closed" ? closed(item) : feedback(item), node.heading);
        if (node.state === "open" && item.state === "closed") say(node.status, "Rating closed.");
        if (item.state === "revealed" && node.state !== null && node.state !== "revealed") {
          say(node.status, "Revealed: see how the room rated.");
        }
      }
      node.state = item.state;
    }

    function ratingGroup(node, item) {
      node.radios = {};
      var options = current.scale.map(function (level, index) {
        var id = node.key + "-l" + index;
        var input = el("input", { type: "radio", id: id, name: node.key, value: level.id, "data-focus": "level-" + level.id });
        input.checked = mine[item.id] === level.id;
        input.addEventListener("change", function () {
          if (input.checked) choose(item.id, level.id);
        });
        node.radios[level.id] = input;
        return el("span", { "class": "rk-option" }, [input, el("label", { "for": id }, level.label)]);
      });
      return el("fieldset", { "class": "rk-rate", "aria-describedby": node.key + "-what" }, [
        el("legend", null, ["Your level", L.sr(" for " + number(item).toLowerCase())]),
        el("div", { "class": "rk-options" }, options)
      ]);
    }

    function check(node, levelId) {
      if (!node.radios) return;
      Object.keys(node.radios).forEach(function (id) {
        node.radios[id].checked = id === levelId;
      });
    }

    function yourLevel(item) {
      var yours = mine[item.id];
      return yours ? ["Your level: ", el("strong", null, label(yours)), "."] : "You did not rate this behaviour.";
    }

    function closed(item) {
      return [
        el("p", { "class": "rk-state-note" }, el("strong", null, "Rating closed.")),
        el("p", null, yourLevel(item))
      ];
    }

    function feedback(item) {
      var consensus = current.mode === "consensus";
      var word = consensus ? "agreed level" : "reference level";
      var ref = item.reference, refLabel = item.reference_label, yours = mine[item.id];
      var parts = [
        el("h3", null, "How the room rated"),
        L.spreadTable(current.scale, item.spread || {}, "How the room rated " + number(item).toLowerCase(),
          ref ? { id: ref, tag: consensus ? "(agreed)" : "(reference)" } : null)
      ];
      if (ref) {
        parts.push(el("p", { "class": "rk-reference" },
          [consensus ? "The level the room agreed: " : "Reference level: ", el("strong", null, refLabel)]));
      } else {
        parts.push(el("p", { "class": "rk-reference" }, "The trainer has not recorded the agreed level yet."));
      }
      if (!yours) {
        parts.push(el("p", { "class": "rk-verdict" }, "You did not rate this behaviour."));
      } else if (!ref) {
        parts.push(el("p", { "class": "rk-verdict" }, yourLevel(item)));
      } else if (yours === ref) {
        parts.push(el("p", { "class": "rk-verdict rk-hit" },
          el("strong", null, "✓ Your level: " + label(yours) + ", the " + word + ".")));
      } else {
        parts.push(el("p", { "class": "rk-verdict rk-miss" },
          el("strong", null, "✗ Your level: " + label(yours) + "; the " + word + " is " + refLabel + ".")));
      }
      if (item.rationale) {
        parts.push(el("h3", null, "Why"), el("p", { "class": "rk-rationale" }, item.rationale));
      }
      if (item.cites && item.cites.length) {
        parts.push(el("h3", null, "The statements this rests on"), el("ul", { "class": "rk-cites" },
          item.cites.map(function (cite) {
            return el("li", null, [el("span", { "class": "rk-cite-where" }, cite.where + ":"), " ", cite.text]);
          })));
      }
      if (ref && yours && yours !== ref && item.diffs && item.diffs[yours]) {
        parts.push(el("h3", null, "Your level and the " + word + " compared"),
          compareTable(item.diffs[yours], label(yours), refLabel, word));
      }
      return parts;
    }

    function compareTable(rows, yoursLabel, refLabel, word) {
      var caption = "Your level (" + yoursLabel + ") and the " + word + " (" + refLabel + ") side by side";
      var refHead = word.charAt(0).toUpperCase() + word.slice(1);
      return el("div", { "class": "rk-table-wrap", role: "region", "aria-label": caption, tabindex: "0" },
        el("table", { "class": "rk-compare rk-quiz-diff" }, [
          el("caption", null, [caption + ". ", el("span", { "class": "rk-legend" }, [
            "Words only in " + yoursLabel + " are ", el("del", null, "struck through"),
            "; words only in " + refLabel + " are ", el("ins", null, "underlined"), "."])]),
          el("thead", null, el("tr", null, [
            el("th", { scope: "col" }, "Criterion"),
            el("th", { scope: "col" }, "Your level: " + yoursLabel),
            el("th", { scope: "col" }, refHead + ": " + refLabel)
          ])),
          el("tbody", null, rows.map(function (row) {
            return el("tr", null, [
              el("th", { scope: "row" }, row.criterion),
              el("td", { "data-label": "Your level, " + yoursLabel }, segments(row.yours)),
              el("td", { "data-label": refHead + ", " + refLabel }, segments(row.reference))
            ]);
          }))
        ]));
    }

    /* Word differences: a segment after the first starts with its separating space, which stays
       outside the mark (as the static site writes them). */
    function segments(list) {
      if (!list || !list.length) return el("span", { "class": "rk-empty" }, "Not described");
      return list.map(function (segment) {
        var text = segment.text, lead = "";
        if (text.charAt(0) === " ") {
          lead = " ";
          text = text.slice(1);
        }
        if (segment.op === "removed") return [lead, el("del", null, text)];
        if (segment.op === "added") return [lead, el("ins", null, text)];
        return segment.text;
      });
    }

    /* ------------------------------------------------------------------ sending a choice */

    function busy(itemId) {
      return !!(sending[itemId] && sending[itemId].busy);
    }

    /* One request at a time per behaviour, the latest choice last: arrowing through the levels
       sends each, and what is stored is always the one shown. */
    function choose(itemId, levelId) {
      var queue = sending[itemId] || (sending[itemId] = { busy: false, want: null });
      queue.want = levelId;
      if (!queue.busy) send(itemId, queue);
    }

    function send(itemId, queue) {
      var levelId = queue.want;
      var round = current.round;
      queue.want = null;
      queue.busy = true;
      L.call("PUT", base + "/items/" + encodeURIComponent(itemId) + "/rating", { rating: levelId }).then(
        function (answer) {
          queue.busy = false;
          if (answer.round !== round || current.round !== round) return;
          mine[itemId] = answer.rating;
          if (queue.want !== null && queue.want !== answer.rating) {
            send(itemId, queue);
            return;
          }
          queue.want = null;
          var node = nodes[itemId];
          if (!node) return;
          node.sig = null;
          say(node.status, "Saved: " + label(answer.rating) + ".");
        },
        function (error) {
          queue.busy = false;
          queue.want = null;
          var node = nodes[itemId];
          if (!node) return;
          check(node, mine[itemId]);
          say(node.status, "Not saved: " + error.message);
          if (error.status === 401 || error.status === 403) stop();
        }
      );
    }

    function say(part, text) {
      part.textContent = text;
    }

    /* ------------------------------------------------------------------ following the trainer */

    function refresh() {
      return L.call("GET", base + "/state").then(render, function (error) {
        if (error.status === 401 || error.status === 403) stop();
        else if (!current) say(waitingBox, error.message);
      });
    }

    function stop() {
      stopped = true;
      if (events) events.close();
      connection.replaceChildren("You are no longer in this session. ",
        el("a", { href: "/join/" + encodeURIComponent(code) }, "Join again"), ".");
    }

    /* The round and this trainee's own levels first, then the trainer's changes as they come. */
    refresh().then(function () {
      if (!stopped) follow();
    });

    function follow() {
      events = L.stream(base + "/events", {
        state: function (data) {
          if (!stopped) render(data);
        },
        lost: function () {
          if (!stopped) say(connection, "The connection to the trainer was lost: trying again. Your saved ratings are safe.");
        },
        back: function () {
          if (stopped) return;
          refresh().then(function () {
            if (!stopped) say(connection, "Connected again.");
          });
        },
        retry: function () {
          if (!stopped) refresh();
          return !stopped;
        }
      });
    }
  });
})();

/* raterkit live: what the participant page and the console share.
   No framework, and no markup from data: every piece of data goes into the page as text (textContent
   or text nodes made by el()), so a name or a quiz text holding markup shows as typed. */
(function () {
  "use strict";

  /* An element: attrs maps attribute names to values (null/false skips one, true sets it empty);
     children are nodes, strings (as text) or arrays of these; null and false are skipped. */
  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    if (attrs) {
      Object.keys(attrs).forEach(function (name) {
        var value = attrs[name];
        if (value === null || value === undefined || value === false) return;
        node.setAttribute(name, value === true ? "" : String(value));
      });
    }
    append(node, children);
    return node;
  }

  function append(node, children) {
    if (children === null || children === undefined || children === false) return node;
    if (Array.isArray(children)) {
      children.forEach(function (child) { append(node, child); });
    } else if (typeof children === "string" || typeof children === "number") {
      node.appendChild(document.createTextNode(String(children)));
    } else {
      node.appendChild(children);
    }
    return node;
  }

  /* Text only a screen reader hears. */
  function sr(text) {
    return el("span", { "class": "rk-sr" }, text);
  }

  function csrf() {
    var meta = document.querySelector('meta[name="rk-csrf"]');
    return meta ? meta.getAttribute("content") : "";
  }

  /* The JSON the server wrote into <template id="...">, as escaped text. */
  function readData(id) {
    var node = document.getElementById(id);
    if (!node) return null;
    var text = node.content ? node.content.textContent : node.textContent;
    try {
      return JSON.parse(text);
    } catch (e) {
      return null;
    }
  }

  var PLAIN = {
    401: "You are signed out: reload the page and sign in or join again.",
    403: "This page has expired: reload it and try again.",
    404: "This was not found: reload the page.",
    409: "That is not possible right now: the page will catch up in a moment.",
    413: "That was too much to send at once.",
    429: "Too many tries: wait a minute and try again."
  };

  /* A JSON call to the API with the page's CSRF token; resolves to the answer's data, or
     rejects with an Error whose message is a plain sentence (the server's own where it sent one). */
  function call(method, url, body) {
    var options = {
      method: method,
      credentials: "same-origin",
      headers: { "Accept": "application/json", "X-CSRF-Token": csrf() }
    };
    if (body !== undefined) {
      options.headers["Content-Type"] = "application/json";
      options.body = JSON.stringify(body);
    }
    return fetch(url, options).then(
      function (response) {
        return response.json().then(
          function (data) { return { response: response, data: data }; },
          function () { return { response: response, data: null }; }
        );
      },
      function () {
        throw plainError("The server could not be reached. Check the connection and try again.", 0);
      }
    ).then(function (answer) {
      if (answer.response.ok) return answer.data;
      var status = answer.response.status;
      var message = answer.data && typeof answer.data.error === "string" ? answer.data.error
        : (PLAIN[status] || "Something went wrong on the server. Try again.");
      throw plainError(message, status);
    });
  }

  function plainError(message, status) {
    var error = new Error(message);
    error.status = status;
    return error;
  }

  /* An event stream that says when it is lost and when it is back. EventSource reconnects by
     itself; when the browser gives up (the server answered with an error), try again later. */
  function stream(url, handlers) {
    var source = null, lost = false, timer = null;
    function connect() {
      source = new EventSource(url);
      source.addEventListener("state", function (event) {
        var data;
        try {
          data = JSON.parse(event.data);
        } catch (e) {
          return;
        }
        handlers.state(data);
      });
      source.addEventListener("open", function () {
        if (lost) {
          lost = false;
          if (handlers.back) handlers.back();
        }
      });
      source.addEventListener("error", function () {
        if (!lost) {
          lost = true;
          if (handlers.lost) handlers.lost();
        }
        if (source.readyState === EventSource.CLOSED) {
          source.close();
          clearTimeout(timer);
          timer = setTimeout(function () {
            if (!handlers.retry || handlers.retry()) connect();
          }, 3000);
        }
      });
    }
    connect();
    return {
      close: function () {
        clearTimeout(timer);
        if (source) source.close();
      }
    };
  }

  /* Replace what a part of the page holds; if the keyboard focus was inside it, put it back on
     the new element with the same data-focus key, else on the fallback. */
  function replace(part, children, fallback) {
    var active = document.activeElement;
    var key = null;
    if (active && active !== document.body && part.contains(active)) {
      key = active.getAttribute("data-focus") || "";
    }
    part.replaceChildren();
    append(part, children);
    if (key !== null) {
      var target = null;
      if (key) {
        Array.prototype.some.call(part.querySelectorAll("[data-focus]"), function (node) {
          if (node.getAttribute("data-focus") === key && !node.disabled) {
            target = node;
            return true;
          }
          return false;
        });
      }
      target = target || fallback;
      if (target) target.focus();
    }
  }

  /* How many people chose each level: a table with the numbers as text and a bar beside each. */
  function spreadTable(scale, spread, caption, reference) {
    var total = 0, most = 0;
    scale.forEach(function (level) {
      var n = spread[level.id] || 0;
      total += n;
      most = Math.max(most, n);
    });
    var rows = scale.map(function (level) {
      var n = spread[level.id] || 0;
      var fill = el("span", { "class": "rk-bar-fill" });
      fill.style.width = (most ? Math.round((n / most) * 100) : 0) + "%";
      var head = [level.label];
      if (reference && level.id === reference.id) {
        head.push(" ", el("span", { "class": "rk-tag" }, reference.tag));
      }
      return el("tr", null, [
        el("th", { scope: "row" }, head),
        el("td", null, el("span", { "class": "rk-count" }, [
          el("span", { "class": "rk-num" }, String(n)),
          el("span", { "class": "rk-bar", "aria-hidden": "true" }, fill)
        ]))
      ]);
    });
    return el("table", { "class": "rk-spread" }, [
      el("caption", null, caption + " (" + total + (total === 1 ? " rating)" : " ratings)")),
      el("thead", null, el("tr", null, [
        el("th", { scope: "col" }, "Level"),
        el("th", { scope: "col" }, "People")
      ])),
      el("tbody", null, rows)
    ]);
  }

  /* Keep one list element per item, in the items' order: make the missing ones (build), refresh
     each (update), move them into place and drop those no longer listed. Elements are kept, not
     redrawn, so focus and a half-made choice survive an update. */
  function reconcile(list, nodes, items, build, update) {
    var seen = {};
    items.forEach(function (item, index) {
      seen[item.id] = true;
      var node = nodes[item.id] || (nodes[item.id] = build(item));
      update(node, item);
      var at = list.children[index];
      if (at !== node.li) list.insertBefore(node.li, at || null);
    });
    Object.keys(nodes).forEach(function (id) {
      if (!seen[id]) {
        nodes[id].li.remove();
        delete nodes[id];
      }
    });
  }

  function start(init) {
    if (document.readyState === "loading") {
      document.addEventListener("DOMContentLoaded", init);
    } else {
      init();
    }
  }

  window.rkLive = {
    el: el,
    append: append,
    sr: sr,
    call: call,
    readData: readData,
    stream: stream,
    replace: replace,
    spreadTable: spreadTable,
    reconcile: reconcile,
    start: start
  };
})();

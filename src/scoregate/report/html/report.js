"use strict";
(function () {
  // scoregate's HTML report: the items of each experiment, from the JSON in #report-data.
  // ASCII only (other characters as \u escapes): the page is ASCII, which keeps it compact.
  // Every text from a run is set with textContent (never parsed as HTML); a link is made only
  // of an http(s) URL. Only the rows of the page in view are in the document.
  var PAGE = 100;
  var PREVIEW = 120;
  var DIFF_LIMIT = 4000000;
  var data = JSON.parse(document.getElementById("report-data").textContent);

  function el(tag, cls, text) {
    var node = document.createElement(tag);
    if (cls) node.className = cls;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }
  function fmt(v) {
    if (v === null || v === undefined) return "\u2014";
    return Math.abs(v) >= 1000 ? v.toFixed(0) : v.toFixed(3);
  }
  function shorten(text, limit) {
    if (text === null || text === undefined) return "";
    return text.length > limit ? text.slice(0, limit - 1) + "\u2026" : text;
  }
  function httpUrl(url) {
    return typeof url === "string" && /^https?:\/\/[^\s<>"'`]+$/i.test(url);
  }

  // --- word-level diff: longest common subsequence of words and spaces ----------------------
  function tokens(text) {
    // Words, runs of white space, and each punctuation mark on its own ("Cairo," is two).
    return text === null || text === undefined ? [] : String(text).match(/\s+|[\p{L}\p{N}_]+|[^\s\p{L}\p{N}_]/gu) || [];
  }
  function diff(before, after) {
    var a = tokens(before), b = tokens(after), n = a.length, m = b.length;
    if (n * m > DIFF_LIMIT) return null;
    var width = m + 1, table = new Uint32Array((n + 1) * width);
    for (var i = n - 1; i >= 0; i--) {
      for (var j = m - 1; j >= 0; j--) {
        table[i * width + j] = a[i] === b[j] ? table[(i + 1) * width + j + 1] + 1
          : Math.max(table[(i + 1) * width + j], table[i * width + j + 1]);
      }
    }
    var left = [], right = [];
    i = 0; j = 0;
    while (i < n && j < m) {
      if (a[i] === b[j]) { left.push(["same", a[i]]); right.push(["same", b[j]]); i++; j++; }
      else if (table[(i + 1) * width + j] >= table[i * width + j + 1]) { left.push(["del", a[i]]); i++; }
      else { right.push(["ins", b[j]]); j++; }
    }
    for (; i < n; i++) left.push(["del", a[i]]);
    for (; j < m; j++) right.push(["ins", b[j]]);
    return [left, right];
  }
  function diffPane(parts) {
    // Runs of the same kind are one node: "<ins>on the Nile</ins>", not a node per word.
    var pre = el("pre", "text"), kind = null, run = "";
    function flush() {
      if (run) pre.appendChild(kind === "same" ? document.createTextNode(run) : el(kind, null, run));
      run = "";
    }
    parts.forEach(function (part) {
      if (part[0] !== kind) { flush(); kind = part[0]; }
      run += part[1];
    });
    flush();
    return pre;
  }

  // --- one experiment's items ---------------------------------------------------------------
  function Items(root, experiment) {
    this.root = root;
    this.exp = experiment;
    this.scores = experiment.scores;
    this.texts = experiment.t;
    this.state = { status: "all", score: -1, search: "", sort: "order", page: 0 };
    this.open = null;
    this.build();
    this.update();
  }
  Items.prototype.text = function (index) {
    return index === null || index === undefined ? null : this.texts[index];
  };
  Items.prototype.statusesOf = function (item) {
    var s = this.state.score;
    if (s < 0) return item.st;
    var found = item.st.filter(function (st) {
      return ["regressed", "improved", "flaky"].indexOf(st) < 0;
    });
    if (item.rg.indexOf(s) >= 0) found.unshift("regressed");
    if (item.im.indexOf(s) >= 0) found.push("improved");
    if (item.fl.indexOf(s) >= 0) found.push("flaky");
    if (!found.length) found.push("unchanged");
    return found;
  };
  Items.prototype.delta = function (item) {
    var s = this.state.score, best = null;
    for (var k = 0; k < this.scores.length; k++) {
      if (s >= 0 && k !== s) continue;
      if (item.b[k] === null || item.c[k] === null) continue;
      var d = item.c[k] - item.b[k];
      if (best === null || d < best) best = d;
    }
    return best;
  };
  Items.prototype.build = function () {
    var self = this, root = this.root;
    root.textContent = "";
    var bar = el("div", "controls");
    var status = el("select", "status-filter");
    status.setAttribute("aria-label", "status");
    ["all"].concat(data.statuses).forEach(function (st) {
      // The counts are of every item (from the score table); past the report's bound some
      // are not listed, and the option says how many are.
      var count = st === "all" ? self.exp.total : self.exp.counts[st];
      var listed = st === "all" ? self.exp.items.length
        : self.exp.items.filter(function (it) { return it.st.indexOf(st) >= 0; }).length;
      var option = el("option", null, st + " (" + count + (listed < count ? ", " + listed + " listed" : "") + ")");
      option.value = st;
      status.appendChild(option);
    });
    var score = el("select", "score-filter");
    score.setAttribute("aria-label", "score");
    var any = el("option", null, "all scores");
    any.value = "-1";
    score.appendChild(any);
    this.scores.forEach(function (name, k) {
      var option = el("option", null, name);
      option.value = String(k);
      score.appendChild(option);
    });
    var search = el("input", "search");
    search.type = "search";
    search.placeholder = "search id, input, output\u2026";
    search.setAttribute("aria-label", "search");
    var sort = el("select", "sort");
    sort.setAttribute("aria-label", "sort");
    [["order", "dataset order"], ["delta-asc", "delta: worst first"], ["delta-desc", "delta: best first"]].forEach(function (pair) {
      var option = el("option", null, pair[1]);
      option.value = pair[0];
      sort.appendChild(option);
    });
    status.addEventListener("change", function () { self.state.status = status.value; self.state.page = 0; self.update(); });
    score.addEventListener("change", function () { self.state.score = Number(score.value); self.state.page = 0; self.update(); });
    search.addEventListener("input", function () { self.state.search = search.value.toLowerCase(); self.state.page = 0; self.update(); });
    sort.addEventListener("change", function () { self.state.sort = sort.value; self.state.page = 0; self.update(); });
    [el("label", null, "status "), status, el("label", null, " score "), score, search, el("label", null, " sort "), sort]
      .forEach(function (node) { bar.appendChild(node); });
    root.appendChild(bar);
    this.summary = el("p", "shown");
    root.appendChild(this.summary);
    var table = el("table", "item-table");
    var head = el("tr");
    head.appendChild(el("th", null, "item"));
    this.scores.forEach(function (name) { head.appendChild(el("th", null, name + " (baseline \u2192 candidate)")); });
    head.appendChild(el("th", null, "status"));
    head.appendChild(el("th", null, "candidate output"));
    var thead = el("thead");
    thead.appendChild(head);
    table.appendChild(thead);
    this.body = el("tbody");
    table.appendChild(this.body);
    root.appendChild(table);
    var pager = el("div", "pager");
    this.prev = el("button", "prev", "\u2039 previous");
    this.next = el("button", "next", "next \u203a");
    this.prev.type = this.next.type = "button";
    this.prev.addEventListener("click", function () { self.state.page--; self.update(); });
    this.next.addEventListener("click", function () { self.state.page++; self.update(); });
    pager.appendChild(this.prev);
    pager.appendChild(this.next);
    root.appendChild(pager);
  };
  Items.prototype.matches = function (item) {
    var st = this.state;
    if (st.status !== "all" && this.statusesOf(item).indexOf(st.status) < 0) return false;
    if (!st.search) return true;
    var fields = [item.id, this.text(item["in"]), this.text(item.ex), this.text(item.co), this.text(item.bo)];
    return fields.some(function (f) { return f !== null && f.toLowerCase().indexOf(st.search) >= 0; });
  };
  Items.prototype.update = function () {
    var self = this;
    var shown = this.exp.items.filter(function (it) { return self.matches(it); });
    if (this.state.sort !== "order") {
      var sign = this.state.sort === "delta-asc" ? 1 : -1;
      shown = shown.map(function (it, k) { return [self.delta(it), k, it]; });
      shown.sort(function (x, y) {
        if (x[0] === null || y[0] === null) return (x[0] === null) - (y[0] === null) || x[1] - y[1];
        return sign * (x[0] - y[0]) || x[1] - y[1];
      });
      shown = shown.map(function (triple) { return triple[2]; });
    }
    var pages = Math.max(1, Math.ceil(shown.length / PAGE));
    this.state.page = Math.min(Math.max(this.state.page, 0), pages - 1);
    var start = this.state.page * PAGE, rows = shown.slice(start, start + PAGE);
    this.summary.textContent = shown.length
      ? "items " + (start + 1) + "\u2013" + (start + rows.length) + " of " + shown.length + " shown (" + this.inAll() + "); click an item for its details"
      : "no item matches (" + this.inAll() + ")";
    this.prev.disabled = this.state.page === 0;
    this.next.disabled = this.state.page >= pages - 1;
    this.body.textContent = "";
    rows.forEach(function (item) { self.body.appendChild(self.row(item)); });
  };
  Items.prototype.inAll = function () {
    var listed = this.exp.items.length, total = this.exp.total;
    return listed < total ? listed + " listed of " + total + " in all" : total + " in all";
  };
  Items.prototype.row = function (item) {
    var self = this, tr = el("tr", "item-row");
    var statuses = this.statusesOf(item);
    tr.setAttribute("data-status", statuses.join(" "));
    tr.tabIndex = 0;
    tr.appendChild(el("td", "id", shorten(item.id, 80)));
    this.scores.forEach(function (name, k) {
      var b = item.b[k], c = item.c[k], cls = "num";
      if (b !== null && c !== null) cls += c < b ? " worse" : c > b ? " better" : "";
      tr.appendChild(el("td", cls, fmt(b) + " \u2192 " + fmt(c)));
    });
    var cell = el("td", "statuses");
    statuses.forEach(function (st) { cell.appendChild(el("span", "badge " + st, st)); });
    tr.appendChild(cell);
    tr.appendChild(el("td", "preview", shorten(this.text(item.co), PREVIEW)));
    function toggle() {
      var next = tr.nextSibling;
      if (next && next.className === "detail-row") { self.body.removeChild(next); return; }
      var detail = el("tr", "detail-row"), td = el("td");
      td.colSpan = self.scores.length + 3;
      td.appendChild(self.detail(item));
      detail.appendChild(td);
      self.body.insertBefore(detail, tr.nextSibling);
    }
    tr.addEventListener("click", toggle);
    tr.addEventListener("keydown", function (event) { if (event.key === "Enter") toggle(); });
    return tr;
  };
  Items.prototype.detail = function (item) {
    var self = this, box = el("div", "detail");
    function field(label, text) {
      var part = el("div", "field");
      part.appendChild(el("h4", null, label));
      part.appendChild(el("pre", "text", text === null ? "\u2014" : text));
      box.appendChild(part);
    }
    field("input", this.text(item["in"]));
    field("expected output", this.text(item.ex));
    var before = this.text(item.bo), after = this.text(item.co);
    var sides = el("div", "side-by-side");
    var parts = before !== null && after !== null ? diff(before, after) : null;
    [["baseline output", before, parts && parts[0]], ["candidate output", after, parts && parts[1]]].forEach(function (side) {
      var pane = el("div", "pane");
      pane.appendChild(el("h4", null, side[0]));
      pane.appendChild(side[2] ? diffPane(side[2]) : el("pre", "text", side[1] === null ? "\u2014" : side[1]));
      sides.appendChild(pane);
    });
    box.appendChild(sides);
    if (before !== null && after !== null && !parts) box.appendChild(el("p", "note", "These outputs are too long to compare word by word here."));
    if (item.err !== null) {
      var error = el("div", "field error");
      error.appendChild(el("h4", null, "error"));
      error.appendChild(el("pre", "text", this.text(item.err)));
      box.appendChild(error);
    }
    var judged = this.scores.some(function (_, k) { return item.jb[k] !== null || item.jc[k] !== null; });
    if (judged) {
      var reasons = el("table", "reasons");
      var head = el("tr");
      ["score", "before (baseline)", "now (candidate)"].forEach(function (h) { head.appendChild(el("th", null, h)); });
      reasons.appendChild(head);
      this.scores.forEach(function (name, k) {
        if (item.jb[k] === null && item.jc[k] === null) return;
        var tr = el("tr");
        tr.appendChild(el("td", null, name));
        tr.appendChild(el("td", "reason", self.text(item.jb[k]) || "\u2014"));
        tr.appendChild(el("td", "reason", self.text(item.jc[k]) || "\u2014"));
        reasons.appendChild(tr);
      });
      box.appendChild(el("h4", null, "comments (a judge's reasoning, an evaluator's note)"));
      box.appendChild(reasons);
    }
    if (item.reps.length) {
      var reps = el("table", "repeats");
      var top = el("tr");
      top.appendChild(el("th", null, "repeat"));
      this.scores.forEach(function (name) { top.appendChild(el("th", null, name)); });
      top.appendChild(el("th", null, "latency"));
      top.appendChild(el("th", null, "error"));
      reps.appendChild(top);
      item.reps.forEach(function (rep, r) {
        var tr = el("tr");
        tr.appendChild(el("td", null, String(r + 1)));
        rep.v.forEach(function (v) { tr.appendChild(el("td", "num", fmt(v))); });
        tr.appendChild(el("td", "num", rep.lat.toFixed(3) + " s"));
        tr.appendChild(el("td", null, rep.e === undefined ? "" : self.text(rep.e)));
        reps.appendChild(tr);
      });
      box.appendChild(el("h4", null, "each repeat"));
      box.appendChild(reps);
    }
    var costs = el("table", "costs");
    var head2 = el("tr");
    ["", "latency", "tokens", "cost"].forEach(function (h) { head2.appendChild(el("th", null, h)); });
    costs.appendChild(head2);
    [["baseline", item.cost[0]], ["candidate", item.cost[1]]].forEach(function (pair) {
      if (!pair[1]) return;
      var tr = el("tr");
      tr.appendChild(el("td", null, pair[0]));
      tr.appendChild(el("td", "num", pair[1][0].toFixed(3) + " s"));
      tr.appendChild(el("td", "num", String(pair[1][1])));
      tr.appendChild(el("td", "num", "$" + pair[1][2].toFixed(4)));
      costs.appendChild(tr);
    });
    box.appendChild(costs);
    if (item.trace && httpUrl(item.trace[1])) {
      var p = el("p", "trace", "Langfuse trace: ");
      var a = el("a", null, item.trace[0]);
      a.href = item.trace[1];
      a.rel = "noopener noreferrer";
      a.target = "_blank";
      p.appendChild(a);
      box.appendChild(p);
    }
    return box;
  };

  var roots = document.querySelectorAll(".items[data-experiment]");
  for (var k = 0; k < roots.length; k++) {
    new Items(roots[k], data.experiments[Number(roots[k].getAttribute("data-experiment"))]);
  }
  document.body.setAttribute("data-ready", "true");
})();

// The event debugger: the latest calls the workspace received, newest
// first, each with its verdict (stored, duplicate, rejected with the
// reason, quarantined, dropped). It draws the calls the page came with,
// then asks GET /v1/events/recent?after=<cursor> every 2 s and puts the
// new calls on top, without a reload; Pause stops asking, Resume catches
// up. A row's Details (a <details>) shows the call's payload.
document.addEventListener("DOMContentLoaded", function () {
  "use strict";
  var tb = window.tabiji;
  var root = document.getElementById("debugger");
  if (!tb || !root) return;
  var t = tb.t;
  var rows = document.getElementById("debugger-rows");
  var empty = document.getElementById("debugger-empty");
  var pause = document.getElementById("debugger-pause");
  var state = document.getElementById("debugger-state");
  var fail = document.getElementById("debugger-error");
  var cursor = root.dataset.cursor || "0";
  var paused = false, timer = null, busy = false;
  var maxRows = 500, every = 2000;
  var verdicts = { stored: "js.debugger.verdict.stored", duplicate: "js.debugger.verdict.duplicate",
    rejected: "js.debugger.verdict.rejected", quarantined: "js.debugger.verdict.quarantined",
    dropped: "js.debugger.verdict.dropped" };
  var when;
  try {
    when = new Intl.DateTimeFormat(document.documentElement.lang || "en",
      { timeZone: root.dataset.zone || "UTC", year: "numeric", month: "2-digit", day: "2-digit",
        hour: "2-digit", minute: "2-digit", second: "2-digit" });
  } catch (e) {
    when = new Intl.DateTimeFormat(document.documentElement.lang || "en", { timeZone: "UTC" });
  }

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined && text !== null) e.textContent = text;
    return e;
  }

  // verdictCell is the call's badge, with the reason beneath it and, for a
  // quarantined call, the way to the quarantine.
  function verdictCell(c) {
    var td = el("td");
    var badge = el("span", "badge badge-" + c.verdict, verdicts[c.verdict] ? t(verdicts[c.verdict]) : c.verdict);
    badge.dataset.verdict = c.verdict;
    td.appendChild(badge);
    if (c.reason) td.appendChild(el("div", "reason", c.reason));
    if (c.verdict === "quarantined") {
      var a = el("a", "to-quarantine", t("js.debugger.toquarantine"));
      a.href = "/ui/data/quarantine";
      td.appendChild(el("div")).appendChild(a);
    }
    return td;
  }

  function idsCell(c) {
    var td = el("td", "ids");
    [["userId", c.userId], ["anonymousId", c.anonymousId], ["messageId", c.messageId]].forEach(function (p) {
      if (!p[1]) return;
      var line = el("div");
      line.appendChild(el("span", "id-label", p[0] + ": "));
      line.appendChild(el("code", null, p[1]));
      td.appendChild(line);
    });
    return td;
  }

  function sourceCell(c) {
    var td = el("td");
    if (c.source) td.appendChild(el("div", null, (c.source.name || c.source.keyId) + (c.source.kind ? " (" + c.source.kind + ")" : "")));
    if (c.library) td.appendChild(el("div", "hint", c.library));
    if (!c.source && !c.library) td.textContent = "—";
    return td;
  }

  function payloadCell(c) {
    var td = el("td");
    if (c.payload === undefined || c.payload === null) {
      td.textContent = "—";
      return td;
    }
    var d = el("details");
    d.appendChild(el("summary", null, t("js.debugger.details")));
    if (c.truncated) d.appendChild(el("p", "hint", t("js.debugger.truncated")));
    d.appendChild(el("pre", "payload", typeof c.payload === "string" ? c.payload : JSON.stringify(c.payload, null, 2)));
    td.appendChild(d);
    return td;
  }

  function row(c) {
    var tr = el("tr", "call");
    tr.dataset.cursor = c.cursor;
    tr.dataset.verdict = c.verdict;
    if (c.messageId) tr.dataset.messageId = c.messageId;
    var time = el("td");
    var tm = el("time", null, when.format(new Date(c.receivedAt)));
    tm.setAttribute("datetime", c.receivedAt);
    time.appendChild(tm);
    tr.appendChild(time);
    tr.appendChild(verdictCell(c));
    tr.appendChild(el("td", null, c.type || "—"));
    tr.appendChild(el("td", null, c.event || "—"));
    tr.appendChild(idsCell(c));
    tr.appendChild(sourceCell(c));
    tr.appendChild(payloadCell(c));
    return tr;
  }

  // add puts calls (newest first) above the rows there, keeping maxRows.
  function add(calls) {
    var frag = document.createDocumentFragment();
    calls.forEach(function (c) { frag.appendChild(row(c)); });
    rows.insertBefore(frag, rows.firstChild);
    while (rows.children.length > maxRows) rows.removeChild(rows.lastChild);
    empty.hidden = rows.children.length > 0;
  }

  function poll() {
    timer = null;
    if (paused || busy) return;
    busy = true;
    root.dataset.polling = "1";
    tb.api("GET", "/v1/events/recent?limit=100&after=" + encodeURIComponent(cursor)).then(function (res) {
      if (res.ok) {
        fail.hidden = true;
        add(res.body.calls || []);
        cursor = res.body.cursor || cursor;
        root.dataset.cursor = cursor;
      } else {
        fail.textContent = t("js.error", (res.body && res.body.detail) || res.status);
        fail.hidden = false;
      }
    }, function () {
      fail.textContent = t("js.debugger.offline");
      fail.hidden = false;
    }).then(function () { busy = false; root.dataset.polling = ""; schedule(); });
  }

  function schedule() {
    if (!paused && !busy && timer === null) timer = window.setTimeout(poll, every);
  }

  function drawState() {
    pause.textContent = paused ? t("js.debugger.resume") : t("js.debugger.pause");
    pause.setAttribute("aria-pressed", paused ? "true" : "false");
    state.textContent = paused ? t("js.debugger.paused") : t("js.debugger.live");
    root.dataset.paused = paused ? "1" : "";
  }

  var first = JSON.parse(document.getElementById("debugger-calls").textContent || "[]") || [];
  add(first);
  if (tb.online) {
    pause.addEventListener("click", function () {
      paused = !paused;
      drawState();
      if (!paused && !busy && timer === null) poll();
    });
    drawState();
    schedule();
  } else {
    pause.disabled = true;
    state.textContent = t("js.debugger.notlive");
  }
  root.dataset.ready = "1";
});

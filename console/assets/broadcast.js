// A broadcast's page: its progress bar, counts and A/B results follow GET
// /v1/broadcasts/{id} every two seconds until it ends (no reload), and
// pause, resume and cancel each ask for a confirmation first.
document.addEventListener("DOMContentLoaded", function () {
  "use strict";
  var tb = window.tabiji;
  var box = document.getElementById("progress");
  if (!tb || !box) return;
  var t = tb.t, id = box.dataset.broadcast, path = "/v1/broadcasts/" + encodeURIComponent(id);
  function $(x) { return document.getElementById(x); }
  function sum(m) { var n = 0; Object.keys(m || {}).forEach(function (k) { n += m[k]; }); return n; }
  var ended = { completed: true, cancelled: true, failed: true };
  var statusKeys = { draft: "js.bstatus.draft", scheduled: "js.bstatus.scheduled", sending: "js.bstatus.sending",
    paused: "js.bstatus.paused", completed: "js.bstatus.completed", cancelled: "js.bstatus.cancelled", failed: "js.bstatus.failed" };

  function draw(b) {
    var p = b.progress || {}, skipped = sum(p.skipped);
    var done = (p.sent || 0) + (p.failed || 0) + skipped;
    var audience = Math.max(p.audience || 0, done);
    var bar = $("progress-bar");
    bar.max = audience || 1; bar.value = audience ? done : 0;
    $("progress-text").textContent = done + " / " + audience;
    $("status").dataset.status = b.status;
    $("status").textContent = statusKeys[b.status] ? t(statusKeys[b.status]) : b.status;
    $("p-sent").textContent = p.sent || 0; $("p-failed").textContent = p.failed || 0;
    $("p-skipped").textContent = skipped; $("p-deferred").textContent = p.deferred || 0;
    $("p-remaining").textContent = p.remaining || 0;
    if (b.error) { $("broadcast-error").textContent = b.error; $("broadcast-error").hidden = false; }
    drawAB(b.abResults);
    var controls = $("controls");
    if (controls && ended[b.status]) controls.hidden = true;
  }

  function drawAB(ab) {
    var table = $("ab-table");
    if (!ab || !table) return;
    (ab.variants || []).forEach(function (v) {
      var row = table.querySelector('tr[data-variant="' + v.name + '"]');
      if (!row) return;
      row.querySelector(".sent").textContent = v.sent;
      row.querySelector(".opened").textContent = v.opened;
      row.querySelector(".clicked").textContent = v.clicked;
      row.classList.toggle("winner", v.name === ab.winner);
    });
    var w = $("ab-winner");
    if (ab.winner && w.dataset.winner !== ab.winner) {
      w.dataset.winner = ab.winner;
      w.textContent = t("js.bab.winner", ab.winner, (ab.decision && ab.decision.rule) || "");
    }
  }

  function poll() {
    tb.api("GET", path).then(function (res) {
      if (!res.ok) return;
      draw(res.body);
      box.dataset.ended = ended[res.body.status] ? "1" : "";
      if (!ended[res.body.status]) window.setTimeout(poll, 2000);
    });
  }
  if (tb.online && !box.dataset.ended) window.setTimeout(poll, 1000);

  var controls = $("controls");
  if (!controls) return;
  var fail = $("control-error");
  controls.querySelectorAll("button[data-action]").forEach(function (b) {
    b.addEventListener("click", function () {
      if (!window.confirm(t(b.dataset.confirm, id))) return;
      b.disabled = true;
      tb.api("POST", path + "/" + b.dataset.action).then(function (res) {
        b.disabled = false;
        if (!res.ok) {
          var p = res.body || {};
          fail.textContent = p.detail || t("js.error", res.status); fail.hidden = false;
          return;
        }
        fail.hidden = true;
        if (box.dataset.ended) poll();
      });
    });
  });
});

// The customer page: consent per channel and topic, the lead score and
// the segments, read from the API; erasure (owners), once the customer's
// id has been typed to confirm it.
document.addEventListener("DOMContentLoaded", function () {
  "use strict";
  var tb = window.tabiji;
  var more = document.getElementById("customer-more");
  if (!tb || !more || !tb.online) return;
  var t = tb.t, id = more.dataset.customer, path = "/v1/profiles/" + encodeURIComponent(id);

  function cell(row, text) { var td = document.createElement("td"); td.textContent = text || ""; row.appendChild(td); }

  tb.api("GET", path).then(function (res) {
    var body = document.querySelector("#consent tbody");
    if (!res.ok) return;
    (res.body.consent || []).forEach(function (c) {
      var tr = document.createElement("tr");
      tr.dataset.channel = c.channel;
      cell(tr, c.channel); cell(tr, c.topic); cell(tr, c.status); cell(tr, c.source);
      body.appendChild(tr);
    });
    if (!body.children.length) { var tr = document.createElement("tr"); cell(tr, t("js.customer.noconsent")); body.appendChild(tr); }
    // The addresses Tabiji will not send to: channel, address, why, since.
    var sup = document.querySelector("#suppressions tbody");
    var reasons = { hard_bounce: t("js.reason.hard_bounce"), spam_report: t("js.reason.spam_report"),
      unsubscribe: t("js.reason.unsubscribe"), line_unfollow: t("js.reason.line_unfollow"),
      invalid: t("js.reason.invalid"), sms_stop: t("js.reason.sms_stop") };
    (res.body.suppressions || []).forEach(function (sp) {
      var tr = document.createElement("tr");
      tr.dataset.channel = sp.channel;
      cell(tr, sp.channel); cell(tr, sp.address); cell(tr, reasons[sp.reason] || sp.reason); cell(tr, new Date(sp.since).toLocaleString(document.documentElement.lang));
      sup.appendChild(tr);
    });
    if (!sup.children.length) { var none = document.createElement("tr"); cell(none, t("js.customer.nosuppressions")); sup.appendChild(none); }
  });
  tb.api("GET", path + "/score").then(function (res) {
    if (res.ok) document.querySelector("#score .value").textContent = String(Math.round(res.body.score * 100) / 100);
  });
  tb.api("GET", path + "/segments").then(function (res) {
    var ul = document.getElementById("segments");
    if (!res.ok) return;
    (res.body.segments || []).forEach(function (s) {
      var li = document.createElement("li");
      li.textContent = typeof s === "string" ? s : (s.name || s.id);
      ul.appendChild(li);
    });
    if (!ul.children.length) { var li = document.createElement("li"); li.textContent = t("js.customer.nosegments"); ul.appendChild(li); }
  });

  var erase = document.getElementById("erase");
  if (!erase) return;
  var input = document.getElementById("erase-confirm"), run = document.getElementById("erase-run");
  input.addEventListener("input", function () { run.disabled = input.value !== id; });
  run.addEventListener("click", function () {
    if (input.value !== id) return;
    run.disabled = true;
    tb.api("DELETE", path).then(function (res) {
      if (res.ok) { window.location.assign("/ui/customers"); return; }
      var e = document.getElementById("erase-error");
      e.textContent = (res.body && res.body.detail) || t("js.error", res.status); e.hidden = false; run.disabled = false;
    });
  });
});

// The settings page: the workspace's zone, language and currency saved
// with PATCH /v1/workspace (each field's error shown at the field), and
// the channels with their provider and whether their credentials are set.
document.addEventListener("DOMContentLoaded", function () {
  "use strict";
  var tb = window.tabiji;
  if (!tb) return;
  var t = tb.t;

  tb.api("GET", "/v1/channels").then(function (res) {
    var body = document.querySelector("#channels tbody");
    if (!res.ok) return;
    (res.body.channels || []).forEach(function (ch) {
      var tr = document.createElement("tr");
      tr.dataset.channel = ch.channel;
      var set = Object.keys(ch.settings || {}).some(function (k) { return ch.settings[k].set; });
      [ch.channel, ch.provider || ch.sendsThrough, set ? t("js.settings.set") : t("js.settings.notset")].forEach(function (v) {
        var td = document.createElement("td"); td.textContent = v || ""; tr.appendChild(td);
      });
      body.appendChild(tr);
    });
  });

  var form = document.getElementById("workspace-form");
  if (!form) return;
  form.addEventListener("submit", function (ev) {
    ev.preventDefault();
    form.querySelectorAll(".field-error, #form-error").forEach(function (e) { e.hidden = true; e.textContent = ""; });
    var body = { timezone: form.elements.timezone.value.trim(), locale: form.elements.locale.value, currency: form.elements.currency.value.trim().toUpperCase() };
    tb.api("PATCH", "/v1/workspace", body).then(function (res) {
      if (res.ok) { window.location.reload(); return; }
      var p = res.body || {};
      (p.errors && p.errors.length ? p.errors : [{ field: "", message: p.detail || t("js.error", res.status) }]).forEach(function (e) {
        var at = document.getElementById("err-" + e.field) || document.getElementById("form-error");
        at.textContent = e.message; at.hidden = false;
      });
    });
  });
});

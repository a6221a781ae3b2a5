// The settings page: the workspace's zone, language and currency saved
// with PATCH /v1/workspace (each field's error shown at the field), the
// approval rule, and the channels with their provider and whether their
// credentials are set.
document.addEventListener("DOMContentLoaded", function () {
  "use strict";
  var tb = window.tabiji;
  if (!tb || !tb.online) return;
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

  // Keys: listed, created (the secret shown once) and revoked.
  var keys = document.getElementById("keys");
  function listKeys() {
    tb.api("GET", "/v1/keys").then(function (res) {
      var body = keys.querySelector("tbody");
      body.textContent = "";
      if (!res.ok) return;
      (res.body.keys || []).forEach(function (k) {
        var tr = document.createElement("tr");
        tr.dataset.key = k.id;
        [k.name, k.role, k.createdAt.slice(0, 10), k.revokedAt ? t("js.key.revoked") : t("js.key.live")].forEach(function (v) {
          var td = document.createElement("td"); td.textContent = v; tr.appendChild(td);
        });
        var td = document.createElement("td");
        if (!k.revokedAt) {
          var b = document.createElement("button");
          b.type = "button"; b.className = "danger"; b.textContent = t("js.key.revoke");
          b.addEventListener("click", function () {
            if (!window.confirm(t("js.key.confirm", k.name))) return;
            tb.api("DELETE", "/v1/keys/" + encodeURIComponent(k.id)).then(listKeys);
          });
          td.appendChild(b);
        }
        tr.appendChild(td);
        body.appendChild(tr);
      });
    });
  }
  if (keys) {
    listKeys();
    var kf = document.getElementById("key-form");
    kf.addEventListener("submit", function (ev) {
      ev.preventDefault();
      var err = document.getElementById("key-error");
      err.hidden = true;
      tb.api("POST", "/v1/keys", { name: kf.elements.name.value.trim(), role: kf.elements.role.value }).then(function (res) {
        if (!res.ok) {
          var p = res.body || {};
          err.textContent = p.errors && p.errors.length ? p.errors[0].field + ": " + p.errors[0].message : (p.detail || t("js.error", res.status));
          err.hidden = false; return;
        }
        document.getElementById("key-shown-value").textContent = res.body.secret;
        document.getElementById("key-shown").hidden = false;
        kf.reset();
        listKeys();
      });
    });
  }

  // A channel's test send: the fixed test message to the address typed,
  // and where it went (the provider, or the outbox without credentials).
  var tf = document.getElementById("test-send-form");
  if (tf) {
    tf.addEventListener("submit", function (ev) {
      ev.preventDefault();
      tf.querySelectorAll(".field-error, #test-error, #test-result").forEach(function (e) { e.hidden = true; e.textContent = ""; });
      var button = document.getElementById("test-send");
      var channel = tf.elements.channel.value;
      var body = { to: tf.elements.to.value.trim() };
      if (channel === "email") body.from = tf.elements.from.value.trim();
      if (channel === "email" && !body.from) {
        var missing = document.getElementById("err-from");
        missing.textContent = t("js.test.from"); missing.hidden = false; return;
      }
      button.disabled = true;
      tb.api("POST", "/v1/channels/" + encodeURIComponent(channel) + "/test-send", body).then(function (res) {
        button.disabled = false;
        if (res.ok) {
          var done = document.getElementById("test-result");
          done.textContent = t("js.test.sent", res.body.to, res.body.sentThrough, res.body.messageId);
          done.hidden = false; return;
        }
        var p = res.body || {};
        (p.errors && p.errors.length ? p.errors : [{ field: "", message: p.detail || t("js.error", res.status) }]).forEach(function (e) {
          var at = document.getElementById("err-" + e.field) || document.getElementById("test-error");
          at.textContent = e.message; at.hidden = false;
        });
      });
    });
  }

  // The approval rule (owners): PUT /v1/workspace/approvals, then the page again.
  var af = document.getElementById("approvals-form");
  if (af) {
    af.addEventListener("submit", function (ev) {
      ev.preventDefault();
      af.querySelectorAll(".field-error, #approvals-error").forEach(function (e) { e.hidden = true; e.textContent = ""; });
      var body = { required: af.elements.required.checked, approverRole: af.elements.approverRole.value };
      tb.api("PUT", "/v1/workspace/approvals", body).then(function (res) {
        if (res.ok) { window.location.reload(); return; }
        var p = res.body || {};
        (p.errors && p.errors.length ? p.errors : [{ field: "", message: p.detail || t("js.error", res.status) }]).forEach(function (e) {
          var at = document.getElementById("err-" + e.field) || document.getElementById("approvals-error");
          at.textContent = e.message; at.hidden = false;
        });
      });
    });
  }

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

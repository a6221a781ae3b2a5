// One quarantined call (/ui/data/quarantine/{id}): fix its payload
// (PUT /v1/quarantine/{id}), replay it (POST …/replay: stored, or
// quarantined again with the new reasons) or drop it (DELETE, after a
// confirmation dialog). The API's field errors and the rules the call
// still breaks are drawn under the payload, each with a button that
// selects its field in the text. Readers who may not change it get no
// buttons (the template leaves them out) and a read-only payload.
document.addEventListener("DOMContentLoaded", function () {
  "use strict";
  var tb = window.tabiji;
  var root = document.getElementById("quarantined");
  if (!tb || !root) return;
  var t = tb.t;
  var id = root.dataset.id;
  var path = "/v1/quarantine/" + encodeURIComponent(id);
  var payload = document.getElementById("q-payload");
  var errorsList = document.getElementById("q-field-errors");
  var reasons = document.getElementById("q-reasons");
  var statusEl = document.getElementById("q-status");
  var verdict = document.getElementById("q-verdict");
  var fail = document.getElementById("q-error");
  var dialog = document.getElementById("q-drop-dialog");
  var buttons = ["q-save", "q-replay", "q-drop"].map(function (b) { return document.getElementById(b); }).filter(Boolean);
  var saved = payload ? payload.value : "";
  var RULE = "js.quarantine.rule.", STATUS = "js.quarantine.status."; // keys by the API's codes

  function el(tag, attrs, text) {
    var e = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { e.setAttribute(k, attrs[k]); });
    if (text !== undefined) e.textContent = text;
    return e;
  }
  function ruleText(code) {
    var key = RULE + code;
    var s = t(key);
    return s === key ? code : s;
  }
  function say(node, text) {
    node.textContent = text;
    node.hidden = !text;
  }
  function busy(on) {
    buttons.forEach(function (b) { b.disabled = on; });
  }
  // done: the call left the quarantine; nothing on this page applies any more.
  function done() {
    drawErrors([]);
    buttons.forEach(function (b) { b.remove(); });
    if (payload) payload.readOnly = true;
    root.dataset.left = "1";
  }
  function setStatus(s) {
    statusEl.dataset.status = s;
    statusEl.textContent = t(STATUS + s);
  }

  // select puts the caret on the field's key in the payload: the key of
  // each part of the path (properties.total), each after the one before.
  function select(field) {
    if (!payload) return;
    var text = payload.value, at = 0, found = -1, key = "";
    field.replace(/\[\d+\]/g, "").split(".").forEach(function (part) {
      var i = text.indexOf('"' + part + '"', at);
      if (i >= 0) { found = i; at = i + 1; key = part; }
    });
    payload.focus();
    if (found >= 0) payload.setSelectionRange(found + 1, found + 1 + key.length);
  }

  // drawReasons shows the rules the call breaks now, in the reasons list.
  function drawReasons(vs) {
    reasons.textContent = "";
    if (!vs.length) reasons.appendChild(el("li", {}, t("js.quarantine.noreasons")));
    vs.forEach(function (v) {
      var li = el("li", { "data-field": v.field, "data-rule": v.rule });
      li.appendChild(el("code", {}, v.field));
      li.appendChild(document.createTextNode(" "));
      li.appendChild(el("span", { "class": "rule" }, ruleText(v.rule)));
      li.appendChild(document.createTextNode(" "));
      li.appendChild(el("span", { "class": "hint", lang: "en" }, v.message));
      reasons.appendChild(li);
    });
  }

  // drawErrors draws field errors ({field, rule?, message}) at the payload.
  function drawErrors(errs) {
    if (!errorsList) return;
    errorsList.textContent = "";
    payload.setAttribute("aria-invalid", errs.length ? "true" : "false");
    errs.forEach(function (e) {
      var li = el("li", { "class": "field-error", "data-field": e.field });
      var go = el("button", { type: "button", "class": "small q-goto" }, e.field);
      go.setAttribute("aria-label", t("js.quarantine.goto", e.field));
      go.addEventListener("click", function () { select(e.field); });
      li.appendChild(go);
      li.appendChild(document.createTextNode(" " + (e.rule ? ruleText(e.rule) + ": " : "") + e.message));
      errorsList.appendChild(li);
    });
  }

  // problemErrors reads a problem's field errors; a violation's message is
  // "rule: words" (ingest.ViolationRefusal).
  function problemErrors(body) {
    return ((body && body.errors) || []).map(function (e) {
      var m = /^([a-z_]+): (.*)$/.exec(e.message || "");
      return m && ruleText(m[1]) !== m[1] ?
        { field: e.field, rule: m[1], message: m[2] } : { field: e.field, message: e.message || "" };
    });
  }
  function problem(res) {
    return t("js.error", (res.body && res.body.detail) || res.status);
  }

  // save sends the payload as edited (PUT); it resolves to whether it was taken.
  function save() {
    var body;
    try {
      body = JSON.parse(payload.value);
    } catch (e) {
      drawErrors([{ field: "body", message: t("js.quarantine.badjson", e.message) }]);
      return Promise.resolve(false);
    }
    return tb.api("PUT", path, body).then(function (res) {
      if (!res.ok) {
        drawErrors(problemErrors(res.body));
        say(fail, problem(res));
        return false;
      }
      var vs = res.body.violations || [];
      saved = JSON.stringify(res.body.event, null, 2);
      payload.value = saved;
      setStatus(res.body.status);
      drawReasons(vs);
      drawErrors(vs);
      say(verdict, vs.length ? t("js.quarantine.saved.still", vs.length) : t("js.quarantine.saved.passes"));
      return true;
    });
  }

  function replay() {
    return tb.api("POST", path + "/replay").then(function (res) {
      if (res.ok) {
        drawReasons(res.body.violations || []);
        drawErrors([]);
        say(verdict, res.body.action === "drop" ? t("js.quarantine.replay.blocked") : t("js.quarantine.replay.stored"));
        root.dataset.verdict = res.body.action === "drop" ? "blocked" : "stored";
        setStatus("released");
        done();
        return;
      }
      if (res.status === 422) {
        var errs = problemErrors(res.body);
        drawReasons(errs.map(function (e) { return { field: e.field, rule: e.rule || "", message: e.message }; }));
        drawErrors(errs);
        say(verdict, t("js.quarantine.replay.again", errs.length));
        root.dataset.verdict = "quarantined";
        return;
      }
      say(fail, problem(res));
    });
  }

  function run(action) {
    say(fail, "");
    say(verdict, "");
    busy(true);
    return action().catch(function (e) { say(fail, t("js.error", e.message)); }).then(function () { busy(false); });
  }

  var saveButton = document.getElementById("q-save");
  if (saveButton) saveButton.addEventListener("click", function () { run(save); });
  var replayButton = document.getElementById("q-replay");
  if (replayButton) replayButton.addEventListener("click", function () {
    // An edit not yet saved is saved first: the replay sends what is stored.
    run(function () {
      if (!payload || payload.value === saved) return replay();
      return save().then(function (ok) { if (ok) return replay(); });
    });
  });
  var dropButton = document.getElementById("q-drop");
  if (dropButton && dialog) {
    dropButton.addEventListener("click", function () { dialog.showModal(); });
    document.getElementById("q-drop-cancel").addEventListener("click", function () { dialog.close(); });
    document.getElementById("q-drop-confirm").addEventListener("click", function () {
      dialog.close();
      run(function () {
        return tb.api("DELETE", path).then(function (res) {
          if (!res.ok) { say(fail, problem(res)); return; }
          say(verdict, t("js.quarantine.dropped"));
          root.dataset.verdict = "dropped";
          setStatus("dropped");
          done();
        });
      });
    });
  }
  if (!tb.online) buttons.forEach(function (b) { b.disabled = true; });
  root.dataset.ready = "1";
});

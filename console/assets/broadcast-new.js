// The new-broadcast form: it shows the content fields of the chosen source
// and channel and the A/B section, then creates the broadcast (POST
// /v1/broadcasts) and, unless kept as a draft, schedules it (now, or at a
// local time read in the workspace's zone). A refusal is drawn on the field
// it names; a schedule waiting for approval says so on the broadcast's page,
// which looks the request up.
document.addEventListener("DOMContentLoaded", function () {
  "use strict";
  var tb = window.tabiji;
  var form = document.getElementById("broadcast-form");
  if (!tb || !form) return;
  var t = tb.t;
  function $(id) { return document.getElementById(id); }
  function checked(name) { return $("f-" + name).value; }

  function showParts() {
    var inline = checked("source") === "inline", email = $("f-channel").value === "email";
    $("template-field").hidden = inline;
    $("inline-email").hidden = !inline || !email;
    $("inline-json").hidden = !inline || email;
    $("ab-fields").hidden = !$("f-ab").checked;
    $("f-send-at").disabled = checked("when") !== "at";
    var ch = $("f-channel").value;
    Array.prototype.forEach.call($("f-template").options, function (o) {
      if (o.dataset.channel) o.hidden = o.dataset.channel !== ch;
    });
  }
  form.addEventListener("change", showParts);
  showParts();

  var variants = 2;
  $("ab-add").addEventListener("click", function () {
    if (variants >= 5) return;
    var name = String.fromCharCode(65 + variants), i = variants++;
    var div = document.createElement("div"), label = document.createElement("label"), input = document.createElement("input");
    var err = document.createElement("p");
    div.className = "variant";
    label.htmlFor = "f-v" + i; label.textContent = t("js.bnew.variant", name);
    input.id = "f-v" + i; input.type = "text"; input.dataset.variant = name;
    input.dataset.field = "abTest.variants[" + i + "].subject";
    err.className = "field-error"; err.id = "err-abTest.variants[" + i + "].subject"; err.hidden = true;
    div.appendChild(label); div.appendChild(document.createTextNode(" ")); div.appendChild(input); div.appendChild(err);
    $("ab-variants").appendChild(div);
    input.focus();
  });

  function body() {
    var b = { name: $("f-name").value.trim(), segment: $("f-segment").value, channel: $("f-channel").value };
    if ($("f-id").value.trim()) b.id = $("f-id").value.trim();
    if ($("f-topic").value.trim()) b.topic = $("f-topic").value.trim();
    if (checked("source") === "template") {
      b.template = $("f-template").value;
    } else if (b.channel === "email") {
      b.content = { subject: $("f-subject").value, from: $("f-from").value, html: $("f-html").value };
    } else {
      try { b.content = JSON.parse($("f-content").value || "null"); } catch (e) { throw { field: "content", message: t("js.bnew.json") }; }
    }
    if ($("f-quiet").checked) b.quietHours = { start: $("f-quiet-start").value, end: $("f-quiet-end").value };
    if ($("f-ab").checked) {
      b.abTest = { variants: [], percent: Number($("f-ab-percent").value), metric: $("f-ab-metric").value, wait: $("f-ab-wait").value.trim() };
      form.querySelectorAll("input[data-variant]").forEach(function (v) { b.abTest.variants.push({ name: v.dataset.variant, subject: v.value }); });
    }
    return b;
  }

  function clear() {
    $("form-error").hidden = true;
    form.querySelectorAll(".field-error").forEach(function (e) { e.hidden = true; e.textContent = ""; });
    form.querySelectorAll('[aria-invalid="true"]').forEach(function (e) { e.removeAttribute("aria-invalid"); });
  }
  // refuse draws a problem on the fields it names, else above the form.
  function refuse(problem, status) {
    var errs = (problem && problem.errors) || [];
    var shown = false;
    errs.forEach(function (e) {
      var p = $("err-" + e.field), input = form.querySelector('[data-field="' + e.field + '"]');
      if (!p) return;
      p.textContent = e.message; p.hidden = false; shown = true;
      if (input) { input.setAttribute("aria-invalid", "true"); input.focus(); }
    });
    if (!shown) {
      $("form-error").textContent = (problem && problem.detail) || t("js.error", status);
      $("form-error").hidden = false;
    }
  }

  form.addEventListener("submit", function (ev) {
    ev.preventDefault();
    clear();
    var b;
    try { b = body(); } catch (e) { refuse({ errors: [e] }, 400); return; }
    var when = checked("when"), submit = $("create-broadcast");
    submit.disabled = true;
    tb.api("POST", "/v1/broadcasts", b).then(function (res) {
      if (!res.ok) throw res;
      var id = res.body.id, page = "/ui/broadcasts/" + encodeURIComponent(id);
      if (when === "draft") { window.location.assign(page); return null; }
      var sched = when === "at" ? { sendAt: $("f-send-at").value } : undefined;
      return tb.api("POST", "/v1/broadcasts/" + encodeURIComponent(id) + "/schedule", sched).then(function (r) {
        if (!r.ok) throw r;
        window.location.assign(page); // a request waiting for approval is shown there
      });
    }).catch(function (res) {
      submit.disabled = false;
      refuse(res && res.body, res && res.status);
    });
  });
});

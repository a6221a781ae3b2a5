// The new-broadcast form: it shows the content fields of the chosen source
// and channel and the A/B section (each variant a subject, a stored
// template or its own content), then creates the broadcast (POST
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

  // Each A/B variant differs by its subject only (email), a stored
  // template of the channel, or its own content (an email's subject,
  // sender and HTML; a LINE or push message as JSON).
  function variants() { return form.querySelectorAll("fieldset.variant"); }
  function showVariant(v, ch) {
    var kind = v.querySelector(".v-kind"), email = ch === "email";
    kind.querySelector('option[value="subject"]').hidden = !email;
    if (!email && kind.value === "subject") kind.value = "inline";
    var part = kind.value === "inline" ? (email ? "email" : "json") : kind.value;
    v.querySelectorAll(".v-part").forEach(function (p) { p.hidden = p.dataset.part !== part; });
    v.querySelectorAll("option[data-channel]").forEach(function (o) { o.hidden = o.dataset.channel !== ch; });
  }

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
    variants().forEach(function (v) { showVariant(v, ch); });
  }
  form.addEventListener("change", showParts);
  showParts();

  // ab-add copies the last variant under the next letter, its ids, labels
  // and field paths renumbered, its values cleared.
  $("ab-add").addEventListener("click", function () {
    var all = variants(), n = all.length;
    if (n >= 5) return;
    var last = all[n - 1], from = Number(last.dataset.index), name = String.fromCharCode(65 + n);
    var v = last.cloneNode(true);
    v.dataset.variant = name; v.dataset.index = String(n);
    function renumber(s) {
      return s.replace("f-v" + from, "f-v" + n).replace("variants[" + from + "]", "variants[" + n + "]");
    }
    v.querySelectorAll("[id]").forEach(function (e) { e.id = renumber(e.id); });
    v.querySelectorAll("label[for]").forEach(function (e) { e.htmlFor = renumber(e.htmlFor); });
    v.querySelectorAll("[data-field]").forEach(function (e) { e.dataset.field = renumber(e.dataset.field); });
    v.querySelectorAll("input, textarea").forEach(function (e) { e.value = ""; e.removeAttribute("aria-invalid"); });
    v.querySelectorAll(".field-error").forEach(function (e) { e.hidden = true; e.textContent = ""; });
    v.querySelector("legend").textContent = t("js.bnew.legend", name);
    v.querySelector('label[for="f-v' + n + '"]').textContent = t("js.bnew.variant", name);
    $("ab-variants").appendChild(v);
    showVariant(v, $("f-channel").value);
    v.querySelector(".v-kind").focus();
  });

  // variant is one variant as the API takes it.
  function variant(v) {
    var i = v.dataset.index, kind = v.querySelector(".v-kind").value, out = { name: v.dataset.variant };
    if (kind === "subject") {
      out.subject = $("f-v" + i).value;
    } else if (kind === "template") {
      out.template = $("f-v" + i + "-template").value;
    } else if ($("f-channel").value === "email") {
      out.content = { subject: $("f-v" + i + "-subject").value, from: $("f-v" + i + "-from").value, html: $("f-v" + i + "-html").value };
    } else {
      try { out.content = JSON.parse($("f-v" + i + "-content").value || "null"); } catch (e) {
        throw { field: "abTest.variants[" + i + "].content", message: t("js.bnew.json") };
      }
    }
    return out;
  }

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
      variants().forEach(function (v) { b.abTest.variants.push(variant(v)); });
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

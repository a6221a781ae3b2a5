// The template's launch form: posts the parameters to
// POST /v1/journey-templates/{name}/launch and opens the new journey, or
// shows each field error the API names beside its field.
document.addEventListener("DOMContentLoaded", function () {
  "use strict";
  var form = document.getElementById("launch-form");
  // A role that may not launch gets the form's fields disabled and no button.
  if (!form || !window.tabiji || !document.getElementById("launch")) return;
  var t = window.tabiji.t;

  function clearErrors() {
    form.querySelectorAll(".field-error, #form-error").forEach(function (e) { e.hidden = true; e.textContent = ""; });
    form.querySelectorAll("[aria-invalid]").forEach(function (e) { e.removeAttribute("aria-invalid"); });
  }

  // showError puts a message at the field the API named, or above the form.
  function showError(field, message) {
    var at = document.getElementById("err-" + field);
    var input = form.querySelector('[name="' + field + '"]');
    if (!at) { at = document.getElementById("form-error"); message = field ? field + ": " + message : message; }
    at.textContent = at.textContent ? at.textContent + " " + message : message;
    at.hidden = false;
    if (input) input.setAttribute("aria-invalid", "true");
  }

  // body is the launch request: the name, the id when given, and every
  // parameter filled in (numbers as numbers; an empty field is left out).
  function body() {
    var out = { name: form.elements.name.value.trim(), params: {} };
    var id = form.elements.id.value.trim();
    if (id) out.id = id;
    form.querySelectorAll("[data-type]").forEach(function (input) {
      var v = input.value.trim();
      if (v === "") return;
      out.params[input.name.slice("params.".length)] = input.dataset.type === "number" ? Number(v) : v;
    });
    return out;
  }

  form.addEventListener("submit", function (ev) {
    ev.preventDefault();
    clearErrors();
    var button = document.getElementById("launch");
    if (button) button.disabled = true;
    window.tabiji.api("POST", "/v1/journey-templates/" + encodeURIComponent(form.dataset.template) + "/launch", body())
      .then(function (res) {
        // 202: the journey was made and its activation waits for an
        // approver (the answer is the request): its page says so.
        if (res.status === 202 && res.body.targetId) { window.location.assign("/ui/journeys/" + encodeURIComponent(res.body.targetId) + "?launched=1"); return; }
        if (res.ok) { window.location.assign("/ui/journeys/" + encodeURIComponent(res.body.id) + "?launched=1"); return; }
        var p = res.body || {};
        if (p.errors && p.errors.length) {
          p.errors.forEach(function (e) { showError(e.field, e.message); });
        } else {
          showError("", p.detail || t("js.error", res.status));
        }
        if (button) button.disabled = false;
      })
      .catch(function (err) { showError("", t("js.error", err)); if (button) button.disabled = false; });
  });
  form.dataset.ready = "1"; // bound: a submit now launches through the API, not as a plain form
});

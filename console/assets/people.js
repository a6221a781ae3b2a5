// The People page (owners): roles changed and people removed, invitations
// revoked, each through the API and the page read again; an invitation
// made here shows its link once, to copy.
document.addEventListener("DOMContentLoaded", function () {
  "use strict";
  var tb = window.tabiji;
  if (!tb || !tb.online) return;
  var t = tb.t;
  var peopleError = document.getElementById("people-error");

  function refused(res, at) {
    var p = res.body || {};
    at.textContent = p.detail || t("js.error", res.status);
    at.hidden = false;
  }

  document.querySelectorAll(".person-role").forEach(function (sel) {
    sel.addEventListener("change", function () {
      peopleError.hidden = true;
      tb.api("PUT", "/v1/people/" + encodeURIComponent(sel.dataset.person) + "/role", { role: sel.value }).then(function (res) {
        if (res.ok) { sel.dataset.role = sel.value; return; }
        sel.value = sel.dataset.role;
        refused(res, peopleError);
      });
    });
  });
  document.querySelectorAll(".person-remove").forEach(function (b) {
    b.addEventListener("click", function () {
      if (!window.confirm(t("js.people.confirmremove", b.dataset.email))) return;
      tb.api("DELETE", "/v1/people/" + encodeURIComponent(b.dataset.person)).then(function (res) {
        if (res.ok) { window.location.reload(); return; }
        refused(res, peopleError);
      });
    });
  });
  document.querySelectorAll(".invitation-revoke").forEach(function (b) {
    b.addEventListener("click", function () {
      if (!window.confirm(t("js.people.confirmrevoke", b.dataset.email))) return;
      tb.api("DELETE", "/v1/people/invitations/" + encodeURIComponent(b.dataset.invitation)).then(function (res) {
        if (res.ok) { window.location.reload(); return; }
        refused(res, peopleError);
      });
    });
  });

  var form = document.getElementById("invite-form");
  form.addEventListener("submit", function (ev) {
    ev.preventDefault();
    form.querySelectorAll(".field-error, #form-error").forEach(function (e) { e.hidden = true; e.textContent = ""; });
    var body = { email: form.elements.email.value.trim(), role: form.elements.role.value, locale: form.elements.locale.value };
    tb.api("POST", "/v1/people/invitations", body).then(function (res) {
      if (!res.ok) {
        var p = res.body || {};
        (p.errors && p.errors.length ? p.errors : [{ field: "", message: p.detail || t("js.error", res.status) }]).forEach(function (e) {
          var at = document.getElementById("err-" + e.field) || document.getElementById("form-error");
          at.textContent = e.message; at.hidden = false;
        });
        return;
      }
      var mail = res.body.email || {};
      document.getElementById("invite-mailed").textContent = mail.sentThrough ? t("js.people.mailed", body.email) : t("js.people.notmailed", mail.error || "");
      document.getElementById("invite-link").value = res.body.inviteLink;
      document.getElementById("invite-shown").hidden = false;
      form.reset();
    });
  });
  document.getElementById("invite-copy").addEventListener("click", function () {
    var link = document.getElementById("invite-link");
    link.select();
    if (navigator.clipboard) navigator.clipboard.writeText(link.value);
  });
});

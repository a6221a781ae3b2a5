// The approvals page: an approver approves a pending request (with an
// optional comment) or rejects it (a comment required: the requester reads
// why); the requester may withdraw their own. Each through
// POST /v1/approvals/{id}/approve|reject, then the page read again.
document.addEventListener("DOMContentLoaded", function () {
  "use strict";
  var tb = window.tabiji;
  if (!tb || !tb.online) return;
  var t = tb.t;
  var fail = document.getElementById("approval-error");

  function decide(b, action) {
    var id = b.dataset.approval;
    var comment = document.getElementById("comment-" + id);
    var err = document.getElementById("err-comment-" + id);
    fail.hidden = true; err.hidden = true; comment.removeAttribute("aria-invalid");
    var text = comment.value.trim();
    if (action === "reject" && !text) {
      err.textContent = t("js.approvals.commentneeded"); err.hidden = false;
      comment.setAttribute("aria-invalid", "true"); comment.focus();
      return;
    }
    b.disabled = true;
    tb.api("POST", "/v1/approvals/" + encodeURIComponent(id) + "/" + action, { comment: text }).then(function (res) {
      if (res.ok) { window.location.reload(); return; }
      b.disabled = false;
      var p = res.body || {};
      var field = p.errors && p.errors.length && p.errors[0].field === "comment";
      var at = field ? err : fail;
      at.textContent = field ? p.errors[0].message : (p.detail || t("js.error", res.status));
      at.hidden = false;
    });
  }
  document.querySelectorAll(".approval-approve").forEach(function (b) {
    b.addEventListener("click", function () { decide(b, "approve"); });
  });
  document.querySelectorAll(".approval-reject").forEach(function (b) {
    b.addEventListener("click", function () { decide(b, "reject"); });
  });
});

// The list of segments: each one's members counted live, one request per
// segment (GET /v1/segments/{id}/count), two at a time.
document.addEventListener("DOMContentLoaded", function () {
  "use strict";
  var tb = window.tabiji;
  if (!tb || !tb.online) return;
  var cells = Array.prototype.slice.call(document.querySelectorAll(".segment-count"));
  function next() {
    var td = cells.shift();
    if (!td) return;
    tb.api("GET", "/v1/segments/" + encodeURIComponent(td.dataset.segment) + "/count").then(function (res) {
      td.textContent = res.ok ? Number(res.body.count).toLocaleString(document.documentElement.lang) : tb.t("js.seg.uncounted");
      if (res.ok) td.dataset.count = res.body.count;
      next();
    });
  }
  next(); next();
});

// A page of an origin the workspace does not allow: it posts a text/plain
// call (no preflight) with the write key in the body, as a beacon would.
(function () {
  var q = new URLSearchParams(location.search);
  var body = JSON.stringify({ writeKey: q.get("key"), type: "track", event: "stolen", anonymousId: "stranger" });
  fetch(q.get("api") + "/v1/t", { method: "POST", body: body, headers: { "Content-Type": "text/plain" } })
    .then(function (r) { document.body.dataset.result = "read " + r.status; })
    .catch(function () { document.body.dataset.result = "blocked"; });
})();

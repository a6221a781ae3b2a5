// The shop's own script: a product view, and the sign-up, whose identify
// carries the hash the shop's server computed for the new user id.
(function () {
  var q = new URLSearchParams(location.search);
  document.getElementById("view").addEventListener("click", function () {
    window.analytics.track("product_viewed", { sku: "tea-01", price: 3200 });
  });
  document.getElementById("signup").addEventListener("click", function () {
    window.analytics.identify(q.get("uid"), { email: q.get("email") }, { context: { userHash: q.get("hash") } });
  });
  document.getElementById("beacon").addEventListener("click", function () {
    var body = JSON.stringify({
      writeKey: q.get("key"), type: "track", event: "page_left",
      anonymousId: window.analytics.user().anonymousId(), messageId: "beacon-" + q.get("uid"),
    });
    document.body.dataset.beacon = String(navigator.sendBeacon(q.get("api") + "/v1/t", new Blob([body], { type: "text/plain" })));
  });
  window.analytics.ready(function () {
    document.body.dataset.anonymousId = window.analytics.user().anonymousId();
  });
})();

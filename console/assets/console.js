// The console's shared script: the page's messages in the reader's
// language (from the JSON the server put in #messages), and tabiji.api,
// which calls the /v1 API with the session cookie and, on every request
// that changes something, the session's CSRF token (X-CSRF-Token).
(function () {
  "use strict";
  var el = document.getElementById("messages");
  var messages = el ? JSON.parse(el.textContent || "{}") : {};
  var meta = document.querySelector('meta[name="csrf-token"]');
  var csrf = meta ? meta.getAttribute("content") : "";

  // t formats the message key with its %s arguments, in order.
  function t(key) {
    var args = Array.prototype.slice.call(arguments, 1);
    var msg = messages[key] || key;
    return msg.replace(/%[sd]/g, function () { return args.length ? String(args.shift()) : ""; });
  }

  // api calls path with method and a JSON body; it resolves to
  // {ok, status, body}, body being the parsed answer (a problem when not ok).
  function api(method, path, body) {
    var headers = { "Accept": "application/json" };
    if (method !== "GET" && method !== "HEAD") headers["X-CSRF-Token"] = csrf;
    if (body !== undefined) headers["Content-Type"] = "application/json";
    return fetch(path, {
      method: method, headers: headers, credentials: "same-origin",
      body: body === undefined ? undefined : JSON.stringify(body)
    }).then(function (res) {
      return res.text().then(function (text) {
        var parsed = null;
        try { parsed = text ? JSON.parse(text) : null; } catch (e) { parsed = { detail: text }; }
        return { ok: res.ok, status: res.status, body: parsed };
      });
    });
  }

  // Only a session with a CSRF token reaches the /v1 API (a person's
  // session; one opened with an admin key has its cookie on /ui/ alone):
  // the scripts ask the API only then.
  window.tabiji = { t: t, api: api, csrf: csrf, online: csrf !== "" };
})();

// A button marked data-print prints the page (the monthly report).
(function () {
  "use strict";
  document.querySelectorAll("[data-print]").forEach(function (b) {
    b.addEventListener("click", function () { window.print(); });
  });
})();

// The language switch (a person's session): PATCH /v1/me, then the page
// again in the chosen language.
(function () {
  "use strict";
  var sw = document.getElementById("lang-switch");
  if (!sw || !window.tabiji) return;
  sw.addEventListener("change", function () {
    window.tabiji.api("PATCH", "/v1/me", { locale: sw.value }).then(function (res) {
      if (res.ok) { window.location.reload(); return; }
      sw.value = sw.dataset.lang;
      window.alert(window.tabiji.t("js.error", (res.body && res.body.detail) || res.status));
    });
  });
})();

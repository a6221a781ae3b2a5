// The journey page's actions: pause, resume, activate, archive and moving
// waiting runs to the latest version (each after a confirmation; an
// activation that waits for an approver says so and links to it), the
// preview of the journey on a stored customer (the simulated path drawn on
// the graph, each message as the customer would see it) and the versions
// with what changed between each and the one before.
document.addEventListener("DOMContentLoaded", function () {
  "use strict";
  var tb = window.tabiji;
  if (!tb) return;
  var t = tb.t;

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined) e.textContent = text;
    return e;
  }
  function problemText(res) {
    var p = res.body || {};
    if (p.errors && p.errors.length) return p.errors.map(function (e) { return e.field + ": " + e.message; }).join(" ");
    return p.detail || t("js.error", res.status);
  }

  var controls = document.getElementById("controls");
  if (controls) {
    var id = controls.dataset.journey;
    var fail = document.getElementById("control-error");
    controls.querySelectorAll("button[data-action]").forEach(function (b) {
      b.addEventListener("click", function () {
        if (!window.confirm(t(b.dataset.confirm, id))) return;
        b.disabled = true;
        tb.api("POST", "/v1/journeys/" + encodeURIComponent(id) + "/" + b.dataset.action, b.dataset.action === "migrate" ? {} : undefined)
          .then(function (res) {
            // 202: the workspace requires approval; the activation waits
            // for an approver: say so and link to the request.
            if (res.status === 202 && res.body && res.body.id) { approvalRequested(res.body, b); return; }
            if (res.ok) { window.location.reload(); return; }
            fail.textContent = problemText(res); fail.hidden = false; b.disabled = false;
          });
      });
    });
  }

  function approvalRequested(request, button) {
    var note = document.getElementById("approval-requested");
    document.getElementById("approval-requested-link").href = "/ui/approvals#" + encodeURIComponent(request.id);
    note.hidden = false;
    button.remove();
  }

  // Preview: the stored customer's profile, simulated through the journey.
  var form = document.getElementById("preview-form");
  if (form) {
    var out = document.getElementById("preview");
    var perr = document.getElementById("preview-error");
    // The entry event's properties the entry filter reads, typed; the
    // empty ones are left out (a checkbox sends false only beside others).
    var propInputs = [].slice.call(form.querySelectorAll("[data-prop]"));
    var entryProperties = function () {
      var props = {}, any = false;
      propInputs.forEach(function (i) {
        var type = i.dataset.type;
        if (type === "boolean") { props[i.dataset.prop] = i.checked; any = any || i.checked; return; }
        var v = i.value.trim();
        if (v === "") return;
        props[i.dataset.prop] = (type === "number" || type === "integer") ? Number(v) : v;
        any = true;
      });
      return any ? props : null;
    };
    // clearFieldErrors and fieldErrors draw the API's errors at the inputs
    // they name (entry.properties.<name>); the rest are the form's.
    var clearFieldErrors = function () {
      propInputs.forEach(function (i) {
        i.removeAttribute("aria-invalid");
        var e = document.getElementById(i.id + "-error"); e.hidden = true; e.textContent = "";
      });
    };
    var fieldErrors = function (res) {
      var rest = [];
      ((res.body || {}).errors || []).forEach(function (e) {
        var name = (e.field || "").indexOf("entry.properties.") === 0 ? e.field.slice("entry.properties.".length) : null;
        var input = name === null ? null : propInputs.filter(function (i) { return i.dataset.prop === name; })[0];
        if (!input) { rest.push(e); return; }
        input.setAttribute("aria-invalid", "true");
        var at = document.getElementById(input.id + "-error"); at.textContent = e.message; at.hidden = false;
      });
      return rest.length || !((res.body || {}).errors || []).length ? problemText(res) : "";
    };
    form.addEventListener("submit", function (ev) {
      ev.preventDefault();
      perr.hidden = true; out.textContent = ""; clearFieldErrors();
      document.querySelectorAll("#graph .node.on-path").forEach(function (n) { n.classList.remove("on-path"); });
      var q = form.elements.customer.value.trim();
      // The customer is found by id, email or phone (GET /v1/profiles?q=);
      // when several match, each is offered as a button.
      tb.api("GET", "/v1/profiles?q=" + encodeURIComponent(q)).then(function (res) {
        if (!res.ok) throw new Error(problemText(res));
        var found = res.body.profiles || [];
        if (!found.length) throw new Error(t("js.preview.nocustomer", q));
        if (found.length === 1) { simulate(found[0].id); return; }
        out.appendChild(el("p", "", t("js.preview.several")));
        var ul = el("ul", "matches");
        ul.id = "preview-matches";
        found.forEach(function (m) {
          var b = el("button", "", [m.id, m.email, m.phone].filter(Boolean).join(" · "));
          b.type = "button"; b.dataset.customer = m.id;
          b.addEventListener("click", function () { out.textContent = ""; simulate(m.id); });
          var li = el("li"); li.appendChild(b); ul.appendChild(li);
        });
        out.appendChild(ul);
      }).catch(function (err) { perr.textContent = err.message; perr.hidden = false; });
    });

    // simulate runs the journey for the stored customer in simulated time.
    var simulate = function (customer) {
      tb.api("GET", "/v1/profiles/" + encodeURIComponent(customer)).then(function (res) {
        if (!res.ok) throw new Error(res.status === 404 ? t("js.preview.nocustomer", customer) : problemText(res));
        var p = res.body, a = p.addresses || {};
        var req = {
          userId: p.id, profile: { id: p.id, traits: p.traits, tags: p.tags, email: a.email, phone: a.phone,
            lineUserId: a.lineUserId, pushTokens: a.pushTokens, timezone: p.timezone, locale: p.locale }
        };
        var props = entryProperties();
        if (props) req.entry = { properties: props };
        return tb.api("POST", "/v1/journeys/" + encodeURIComponent(form.dataset.journey) + "/simulate", req);
      }).then(function (res) {
        if (!res.ok) {
          var msg = fieldErrors(res);
          if (!msg) return; // every error is drawn at its input
          throw new Error(msg);
        }
        out.appendChild(el("p", "", t("js.preview.for", customer)));
        showPreview(res.body);
      }).catch(function (err) { perr.textContent = err.message; perr.hidden = false; });
    };

    var showPreview = function (r) {
      if (!r.entered) { out.appendChild(el("p", "notice", t("js.preview.notentered", r.reason || ""))); return; }
      var path = el("ol", "path");
      path.id = "preview-path";
      (r.steps || []).forEach(function (s) {
        var node = document.querySelector('#graph .node[data-node="' + CSS.escape(s.node) + '"]');
        if (node) node.classList.add("on-path");
        var li = el("li", "", s.node + " (" + s.kind + ")" + (s.outcome ? " → " + s.outcome : ""));
        li.dataset.node = s.node;
        path.appendChild(li);
      });
      out.appendChild(el("p", "", t("js.preview.outcome", r.outcome || "")));
      out.appendChild(path);
      (r.messages || []).forEach(function (m) { out.appendChild(message(m)); });
      if (!(r.messages || []).length) out.appendChild(el("p", "hint", t("js.preview.nomessages")));
    };
  }

  // message draws one message as its channel shows it (preview.js).
  function message(m) { return window.tabijiPreview.message(m); }

  // Versions, each with what changed since the one before.
  var load = document.getElementById("versions-load");
  if (load) {
    load.addEventListener("click", function () {
      var box = document.getElementById("versions");
      box.textContent = "";
      tb.api("GET", "/v1/journeys/" + encodeURIComponent(load.dataset.journey) + "/versions").then(function (res) {
        if (!res.ok) { box.appendChild(el("p", "error", problemText(res))); return; }
        var vs = res.body.versions || [];
        vs.forEach(function (v, i) {
          var s = el("section", "version");
          s.dataset.version = v.version;
          s.appendChild(el("h3", "", t("js.version", v.version) + (v.active ? " · " + t("js.version.active") : "")));
          if (i === 0) { s.appendChild(el("p", "hint", t("js.version.first"))); } else {
            var ul = el("ul", "diff");
            diff(flatten(vs[i - 1].definition, ""), flatten(v.definition, "")).forEach(function (d) {
              var li = el("li", "diff-" + d[0], d[1] + ": " + d[2]);
              ul.appendChild(li);
            });
            if (!ul.children.length) ul.appendChild(el("li", "", t("js.version.same")));
            s.appendChild(ul);
          }
          box.appendChild(s);
        });
      });
    });
  }
  function flatten(v, at) {
    var out = {};
    if (v && typeof v === "object") {
      var keys = Object.keys(v);
      keys.forEach(function (k) {
        var key = Array.isArray(v) && v[k] && v[k].id ? "[" + v[k].id + "]" : (Array.isArray(v) ? "[" + k + "]" : (at ? "." : "") + k);
        var sub = flatten(v[k], at + key);
        Object.keys(sub).forEach(function (s) { out[s] = sub[s]; });
      });
      if (!keys.length) out[at] = JSON.stringify(v);
    } else {
      out[at] = JSON.stringify(v);
    }
    return out;
  }
  function diff(a, b) {
    var out = [];
    Object.keys(b).sort().forEach(function (k) {
      if (!(k in a)) out.push(["added", k, b[k]]);
      else if (a[k] !== b[k]) out.push(["changed", k, a[k] + " → " + b[k]]);
    });
    Object.keys(a).sort().forEach(function (k) { if (!(k in b)) out.push(["removed", k, a[k]]); });
    return out;
  }
  document.body.dataset.journeyReady = "1"; // the controls and the preview are bound
});

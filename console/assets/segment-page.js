// The segment builder page: the builder (segment-builder.js) over the
// stored definition, the taxonomy and the other segments; a live count of
// what is drawn (POST /v1/segments/preview, debounced, validated as a save
// is, its field errors drawn at the condition they name) with the reach per
// channel and a sample of members; save and delete through /v1/segments.
document.addEventListener("DOMContentLoaded", function () {
  "use strict";
  var tb = window.tabiji, M = window.segmentModel;
  var form = document.getElementById("segment-form");
  var host = document.getElementById("builder");
  if (!tb || !form || !host) return;
  var t = tb.t;
  var def = JSON.parse(document.getElementById("segment-definition").textContent || "null") || { condition: { and: [] } };
  var id = form.dataset.id, editable = form.dataset.editable === "1" && tb.online;
  var tz = document.getElementById("segment-timezone");
  tz.value = def.timezone || "";
  var root = M.rootOf(def), builder, paths = {}, asked = 0, timer = null;
  var count = document.getElementById("live-count"), status = document.getElementById("live-status");

  function current() {
    var d = M.definition(root, tz.value.trim(), builder.o.types);
    paths = d.paths;
    document.getElementById("definition-text").textContent = JSON.stringify(d.definition, null, 2);
    return d.definition;
  }

  // showErrors draws each field error at the deepest condition whose path
  // starts its field, the rest under the conditions or at the form's field.
  function showErrors(errors) {
    document.querySelectorAll(".field-error").forEach(function (e) { e.hidden = true; e.textContent = ""; });
    (errors || []).forEach(function (e) {
      var best = null, bestLen = -1;
      Object.keys(paths).forEach(function (node) {
        var p = paths[node], f = e.field || "";
        var fits = f === p || (f.indexOf(p) === 0 && (f[p.length] === "." || f[p.length] === "["));
        if (fits && p.length > bestLen) { best = node; bestLen = p.length; }
      });
      var at = (best && document.getElementById("err-n" + best)) || document.getElementById("err-" + e.field) ||
        (e.field && e.field.indexOf("definition") === 0 ? document.getElementById("err-definition") : document.getElementById("form-error"));
      at.textContent = (at.textContent ? at.textContent + " " : "") + (best ? e.field.slice(bestLen).replace(/^\./, "") + " " : "") + e.message;
      at.hidden = false;
    });
  }

  function showPreview(body) {
    count.textContent = Number(body.count).toLocaleString(document.documentElement.lang);
    count.dataset.count = body.count;
    document.querySelectorAll(".reach-count").forEach(function (td) {
      td.textContent = Number(body.reach[td.dataset.channel]).toLocaleString(document.documentElement.lang);
      td.dataset.count = body.reach[td.dataset.channel];
    });
    var list = document.getElementById("sample");
    list.textContent = "";
    body.sample.forEach(function (m) {
      list.appendChild(window.segmentEl("li", {}, [window.segmentEl("a", { href: "/ui/customers/" + encodeURIComponent(m), text: m })]));
    });
    if (!body.sample.length) list.appendChild(window.segmentEl("li", { "class": "meta", text: t("js.seg.nomembers") }));
  }

  // answer shows a count's answer, or why there is none.
  function answer(res, body) {
    if (res.ok && body && body.valid === false) res = { ok: false, status: 422, body: body };
    count.dataset.state = res.ok ? "done" : "refused";
    if (res.ok) {
      showErrors([]);
      showPreview(body);
      status.textContent = t("js.seg.counted");
      return;
    }
    var p = res.body || {};
    count.textContent = "–";
    status.textContent = res.status === 503 ? t("js.seg.slow") : (p.errors && p.errors.length ? t("js.seg.fix") : (p.detail || t("js.error", res.status)));
    showErrors(p.errors && p.errors.length ? p.errors : []);
  }

  // saved counts the stored segment, for a reader who may not change it
  // (and so may not count drafts): its reach and first members.
  function saved() {
    var base = "/v1/segments/" + encodeURIComponent(id);
    Promise.all([tb.api("GET", base + "/reach"), tb.api("GET", base + "/members?limit=10")]).then(function (r) {
      var res = r[0].ok ? r[1] : r[0];
      answer(res, res.ok ? { count: r[0].body.count, reach: r[0].body.reach, sample: r[1].body.members || [] } : null);
    });
  }

  // preview asks for the count of what is drawn; an answer to an older
  // question than the last one asked is dropped.
  function preview() {
    var n = ++asked;
    var body = { definition: current(), sample: 10, check: true }; // a refused draft is a verdict, not a failing request
    if (!root.items.length || (!editable && !id)) { // nothing to count
      showErrors([]);
      count.textContent = "–";
      count.dataset.state = "empty";
      status.textContent = t("js.seg.empty");
      return;
    }
    if (!editable) { saved(); return; }
    if (id) body.id = id;
    status.textContent = t("js.seg.counting");
    count.dataset.state = "counting";
    tb.api("POST", "/v1/segments/preview", body).then(function (res) {
      if (n === asked) answer(res, res.body);
    });
  }
  function changed() {
    clearTimeout(timer);
    count.dataset.state = "pending";
    current();
    timer = setTimeout(preview, 400);
  }
  tz.addEventListener("input", changed);

  // A session opened with an admin key reaches no /v1 API: draw only.
  var loaded = tb.online ? Promise.all([tb.api("GET", "/v1/taxonomy"), tb.api("GET", "/v1/segments")]) : Promise.resolve([{}, {}]);
  loaded.then(function (r) {
    var tax = r[0].ok ? r[0].body : null;
    var others = r[1].ok ? (r[1].body.segments || []).map(function (s) { return s.id; }).filter(function (s) { return s !== id; }) : [];
    builder = new window.SegmentBuilder(host, root, { t: t, types: M.Types(tax), segments: others, editable: editable, onChange: changed });
    builder.render();
    host.dataset.ready = "1";
    if (tb.online) preview();
  });

  form.addEventListener("submit", function (ev) {
    ev.preventDefault();
    if (!editable) return;
    var body = { name: form.elements.name.value.trim(), description: form.elements.description.value.trim(), definition: current() };
    var newID = form.elements.id ? form.elements.id.value.trim() : "";
    if (newID) body.id = newID;
    tb.api(id ? "PUT" : "POST", id ? "/v1/segments/" + encodeURIComponent(id) : "/v1/segments", body).then(function (res) {
      if (res.ok) { window.location.href = "/ui/segments/" + encodeURIComponent(res.body.id); return; }
      var p = res.body || {};
      showErrors(p.errors && p.errors.length ? p.errors : [{ field: "", message: p.detail || t("js.error", res.status) }]);
    });
  });
  var del = document.getElementById("segment-delete");
  if (del) {
    del.addEventListener("click", function () {
      if (!window.confirm(t("js.seg.confirmdelete", id))) return;
      tb.api("DELETE", "/v1/segments/" + encodeURIComponent(id)).then(function (res) {
        if (res.ok) { window.location.href = "/ui/segments"; return; }
        showErrors([{ field: "", message: (res.body && res.body.detail) || t("js.error", res.status) }]);
      });
    });
  }
});

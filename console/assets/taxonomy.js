// The taxonomy page: the workspace's design sheet as an editable table.
// "Review changes" sends the table to PUT /v1/taxonomy?dry_run=true and
// shows the diff; "Apply" sends it again without dry_run. A 422 names
// fields by path (events[2].properties[0].type): the error is drawn at
// the cell of that path. Readers who may not change it get the table
// disabled.
document.addEventListener("DOMContentLoaded", function () {
  "use strict";
  var tb = window.tabiji;
  var root = document.getElementById("taxonomy");
  if (!tb || !root) return;
  var t = tb.t;
  var canEdit = root.dataset.canEdit === "1" && tb.online;
  var sheet = JSON.parse(document.getElementById("taxonomy-sheet").textContent || "{}");
  var choices = JSON.parse(document.getElementById("taxonomy-choices").textContent || "{}");
  var fail = document.getElementById("taxonomy-error");
  var applied = document.getElementById("taxonomy-applied");
  var diff = document.getElementById("taxonomy-diff");
  var seq = 0;

  function el(tag, attrs, text) {
    var e = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { e.setAttribute(k, attrs[k]); });
    if (text !== undefined) e.textContent = text;
    return e;
  }
  function control(kind, key, value, label, options) {
    var id = "tx-" + (++seq);
    var c;
    if (kind === "select") {
      c = el("select", { id: id });
      options.forEach(function (o) {
        var opt = el("option", { value: o }, o === "" ? t("js.taxonomy.none") : o);
        if (o === (value || "")) opt.selected = true;
        c.appendChild(opt);
      });
    } else if (kind === "checkbox") {
      c = el("input", { id: id, type: "checkbox" });
      c.checked = !!value;
    } else {
      c = el("input", { id: id, type: "text" });
      c.value = value || "";
    }
    c.dataset.key = key;
    c.setAttribute("aria-label", label);
    c.disabled = !canEdit;
    var td = el("td");
    td.appendChild(c);
    return td;
  }
  // removeButton is the row's last cell, for those who may edit.
  function removeButton(label, onClick) {
    if (!canEdit) return document.createTextNode("");
    var td = el("td");
    var b = el("button", { type: "button", "class": "danger tx-remove", "aria-label": label }, t("js.taxonomy.remove"));
    b.addEventListener("click", onClick);
    td.appendChild(b);
    return td;
  }
  function header(keys) {
    var thead = el("thead"), tr = el("tr");
    keys.forEach(function (k) { tr.appendChild(el("th", { scope: "col" }, t(k))); });
    thead.appendChild(tr);
    return thead;
  }

  var propCols = ["js.taxonomy.col.name", "js.taxonomy.col.type", "js.taxonomy.col.required", "js.taxonomy.col.enum",
    "js.taxonomy.col.format", "js.taxonomy.col.pii", "js.taxonomy.col.description"].concat(canEdit ? ["js.taxonomy.col.actions"] : []);
  // propRow is one property; a customer property (no owner event) has no
  // "required": identify calls send some traits at a time.
  function propRow(p, owner) {
    var tr = el("tr", { "class": "tx-prop" });
    var who = (owner ? owner + " · " : "") + (p.name || t("js.taxonomy.new"));
    tr.appendChild(control("text", "name", p.name, t("js.taxonomy.col.name") + " (" + who + ")"));
    tr.appendChild(control("select", "type", p.type || "string", t("js.taxonomy.col.type") + " (" + who + ")", choices.types));
    tr.appendChild(owner ? control("checkbox", "required", p.required, t("js.taxonomy.col.required") + " (" + who + ")") : el("td"));
    tr.appendChild(control("text", "enum", (p.enum || []).join(", "), t("js.taxonomy.col.enum") + " (" + who + ")"));
    tr.appendChild(control("select", "format", p.format, t("js.taxonomy.col.format") + " (" + who + ")", [""].concat(choices.formats)));
    tr.appendChild(control("checkbox", "pii", p.pii, t("js.taxonomy.col.pii") + " (" + who + ")"));
    tr.appendChild(control("text", "description", p.description, t("js.taxonomy.col.description") + " (" + who + ")"));
    tr.appendChild(removeButton(t("js.taxonomy.remove") + " (" + who + ")", function () { tr.remove(); }));
    return tr;
  }
  function propTable(props, owner, cls) {
    var table = el("table", { "class": "data " + cls });
    table.appendChild(header(propCols));
    var tbody = el("tbody");
    (props || []).forEach(function (p) { tbody.appendChild(propRow(p, owner)); });
    table.appendChild(tbody);
    return table;
  }

  var eventCols = ["js.taxonomy.col.event", "js.taxonomy.col.description", "js.taxonomy.col.owner", "js.taxonomy.col.status",
    "js.taxonomy.col.oninvalid", "js.taxonomy.col.strict"].concat(canEdit ? ["js.taxonomy.col.actions"] : []);
  function eventBody(ev) {
    var tbody = el("tbody", { "class": "tx-event" });
    var tr = el("tr", { "class": "tx-event-row" });
    var who = ev.name || t("js.taxonomy.new");
    tr.appendChild(control("text", "name", ev.name, t("js.taxonomy.col.event") + " (" + who + ")"));
    tr.appendChild(control("text", "description", ev.description, t("js.taxonomy.col.description") + " (" + who + ")"));
    tr.appendChild(control("text", "owner", ev.owner, t("js.taxonomy.col.owner") + " (" + who + ")"));
    tr.appendChild(control("select", "status", ev.status || "active", t("js.taxonomy.col.status") + " (" + who + ")", choices.statuses));
    tr.appendChild(control("select", "onInvalid", ev.onInvalid, t("js.taxonomy.col.oninvalid") + " (" + who + ")", [""].concat(choices.policies)));
    tr.appendChild(control("checkbox", "strict", ev.strict, t("js.taxonomy.col.strict") + " (" + who + ")"));
    tr.appendChild(removeButton(t("js.taxonomy.remove") + " (" + who + ")", function () { tbody.remove(); }));
    tbody.appendChild(tr);
    var props = el("tr", { "class": "tx-props" });
    var cell = el("td", { colspan: String(eventCols.length) });
    var table = propTable(ev.properties, who, "tx-event-props");
    cell.appendChild(table);
    if (canEdit) {
      var add = el("button", { type: "button", "class": "tx-add-prop" }, t("js.taxonomy.addprop"));
      add.addEventListener("click", function () { table.tBodies[0].appendChild(propRow({}, who)); });
      cell.appendChild(add);
    }
    props.appendChild(cell);
    tbody.appendChild(props);
    return tbody;
  }

  var eventsTable, usersTable;
  function draw(s) {
    sheet = s;
    ["unknownEvents", "invalidTraits"].forEach(function (k) {
      var sel = document.getElementById("policy-" + k);
      sel.textContent = "";
      [""].concat(choices.policies).forEach(function (o) {
        var opt = el("option", { value: o }, o === "" ? t("js.taxonomy.default") : o);
        if (o === (s[k] || "")) opt.selected = true;
        sel.appendChild(opt);
      });
      sel.disabled = !canEdit;
    });
    eventsTable = el("table", { "class": "data", id: "taxonomy-events-table" });
    eventsTable.appendChild(header(eventCols));
    (s.events || []).forEach(function (ev) { eventsTable.appendChild(eventBody(ev)); });
    var box = document.getElementById("taxonomy-events");
    box.textContent = "";
    box.appendChild(eventsTable);
    usersTable = propTable(s.userProperties, "", "tx-user-props");
    usersTable.id = "taxonomy-userprops-table";
    box = document.getElementById("taxonomy-user-properties");
    box.textContent = "";
    box.appendChild(usersTable);
  }

  // read gives the table as a sheet and marks each control with the path
  // the API names it by.
  function readProp(tr, path) {
    var p = {};
    tr.querySelectorAll("[data-key]").forEach(function (c) {
      var k = c.dataset.key;
      c.dataset.field = path + "." + k;
      if (c.type === "checkbox") { if (c.checked) p[k] = true; return; }
      var v = c.value.trim();
      if (k === "enum") {
        var vals = v.split(",").map(function (x) { return x.trim(); }).filter(function (x) { return x !== ""; });
        if (vals.length) p.enum = vals;
        return;
      }
      if (v !== "" || k === "name") p[k] = v;
    });
    return p;
  }
  function read() {
    var out = { events: [], userProperties: [] };
    if (sheet.naming) out.naming = sheet.naming;
    ["unknownEvents", "invalidTraits"].forEach(function (k) {
      var v = document.getElementById("policy-" + k).value;
      if (v) out[k] = v;
    });
    Array.prototype.forEach.call(eventsTable.tBodies, function (tbody, i) {
      var path = "events[" + i + "]";
      var ev = readProp(tbody.querySelector(".tx-event-row"), path);
      var props = [];
      tbody.querySelectorAll(".tx-event-props tbody tr").forEach(function (tr, j) {
        props.push(readProp(tr, path + ".properties[" + j + "]"));
      });
      if (props.length) ev.properties = props;
      out.events.push(ev);
    });
    usersTable.querySelectorAll("tbody tr").forEach(function (tr, j) {
      out.userProperties.push(readProp(tr, "userProperties[" + j + "]"));
    });
    return out;
  }

  function clearErrors() {
    fail.hidden = true;
    root.querySelectorAll(".tx-field-error").forEach(function (e) { e.remove(); });
    root.querySelectorAll("[aria-invalid]").forEach(function (e) { e.removeAttribute("aria-invalid"); });
  }
  // showField draws one field error at the control its path names, or at
  // the nearest enclosing row's first control; else above the table.
  function showField(field, message) {
    var path = field;
    while (path) {
      var c = root.querySelector('[data-field="' + path + '"]') || root.querySelector('[data-field^="' + path + '."]');
      if (c) {
        c.setAttribute("aria-invalid", "true");
        var msg = el("p", { "class": "field-error tx-field-error", role: "alert" }, message);
        msg.dataset.for = field;
        c.parentNode.appendChild(msg);
        return;
      }
      var cut = Math.max(path.lastIndexOf("."), path.lastIndexOf("["));
      path = cut > 0 ? path.slice(0, cut) : "";
    }
    fail.textContent = field + ": " + message;
    fail.hidden = false;
  }
  function problem(res) {
    var p = res.body || {};
    if (p.errors && p.errors.length) {
      p.errors.forEach(function (e) { showField(e.field || "", e.message || ""); });
      if (fail.hidden) { fail.textContent = t("js.taxonomy.fix"); fail.hidden = false; }
      return;
    }
    fail.textContent = p.detail || t("js.error", res.status);
    fail.hidden = false;
  }

  var opKeys = { add: "js.taxonomy.op.add", remove: "js.taxonomy.op.remove", change: "js.taxonomy.op.change" };
  function showDiff(changes) {
    var ul = document.getElementById("taxonomy-changes");
    ul.textContent = "";
    if (!changes || !changes.length) {
      ul.appendChild(el("li", { id: "taxonomy-nochange" }, t("js.taxonomy.nochange")));
    }
    (changes || []).forEach(function (c) {
      var li = el("li", { "class": "tx-change tx-" + c.op });
      li.dataset.op = c.op;
      li.dataset.path = c.path;
      var text = t(opKeys[c.op] || "js.taxonomy.op.change") + " " + c.path;
      if (c.op === "change") text += ": " + (c.old === undefined || c.old === "" ? '""' : c.old) + " → " + (c.new === undefined || c.new === "" ? '""' : c.new);
      li.textContent = text;
      ul.appendChild(li);
    });
    document.getElementById("taxonomy-apply").disabled = !changes || !changes.length;
    diff.hidden = false;
    diff.scrollIntoView();
  }

  draw(sheet);
  if (canEdit) {
    document.getElementById("taxonomy-add-event").addEventListener("click", function () {
      var b = eventBody({});
      eventsTable.appendChild(b);
      b.querySelector("input").focus();
    });
    document.getElementById("taxonomy-add-userprop").addEventListener("click", function () {
      var tr = propRow({}, "");
      usersTable.tBodies[0].appendChild(tr);
      tr.querySelector("input").focus();
    });
    var pending = null;
    document.getElementById("taxonomy-review").addEventListener("click", function () {
      clearErrors(); applied.hidden = true; diff.hidden = true;
      pending = read();
      tb.api("PUT", "/v1/taxonomy?dry_run=true", pending).then(function (res) {
        if (!res.ok) { pending = null; problem(res); return; }
        showDiff(res.body.changes);
      });
    });
    document.getElementById("taxonomy-cancel").addEventListener("click", function () { diff.hidden = true; pending = null; });
    document.getElementById("taxonomy-apply").addEventListener("click", function () {
      if (!pending) return;
      var b = this;
      b.disabled = true;
      tb.api("PUT", "/v1/taxonomy", pending).then(function (res) {
        b.disabled = false;
        if (!res.ok) { problem(res); return; }
        diff.hidden = true; pending = null;
        return tb.api("GET", "/v1/taxonomy").then(function (got) {
          if (got.ok) draw(got.body);
          applied.hidden = false;
        });
      });
    });
  }
  root.dataset.ready = "1";
});

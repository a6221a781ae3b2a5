// The segment builder's model: a segment definition (docs/segments.md)
// read into groups of conditions and written back, the comparisons each
// type of field takes, and values typed as the API wants them. No DOM
// here: segment-builder.js draws and edits the model.
(function () {
  "use strict";
  var uid = 0;
  function next() { uid += 1; return uid; }

  // OPS are the comparisons per taxonomy type, as the API validates them
  // (segments/validate.go opsFor); anniversary is for traits only.
  var OPS = {
    string: ["eq", "ne", "contains", "in", "exists"],
    number: ["eq", "ne", "gt", "gte", "lt", "lte", "in", "exists"],
    integer: ["eq", "ne", "gt", "gte", "lt", "lte", "in", "exists"],
    boolean: ["eq", "ne", "exists"],
    timestamp: ["gt", "gte", "lt", "lte", "exists", "anniversary"],
    array: ["contains", "exists"],
    "": ["eq", "ne", "gt", "gte", "lt", "lte", "contains", "in", "exists", "anniversary"]
  };
  var MEASURE_OPS = ["gte", "gt", "eq", "ne", "lt", "lte"];

  function opsFor(type, trait) {
    var ops = OPS[type] || OPS[""];
    return trait ? ops : ops.filter(function (o) { return o !== "anniversary"; });
  }

  // typed turns what an input holds into the value the API takes for a
  // field of type (unknown fields: a number when it reads as one).
  function typed(text, type) {
    var s = String(text == null ? "" : text).trim();
    if (type === "number" || type === "integer" || (type === "" && /^-?\d+(\.\d+)?$/.test(s))) {
      return s === "" || isNaN(Number(s)) ? s : Number(s);
    }
    if (type === "boolean" || (type === "" && (s === "true" || s === "false"))) return s === "true" ? true : s === "false" ? false : s;
    return s;
  }
  // valueOf is the value an op takes from what its input holds; while
  // the op and the text are still what was read (orig), the value read,
  // exactly: "0123" stays a string, a list item may hold a comma.
  function valueOf(op, text, type, orig) {
    if (orig && orig.op === op && orig.text === text) return orig.value;
    if (op === "exists" || op === "anniversary") return undefined;
    if (op === "in") {
      return String(text || "").split(",").map(function (x) { return x.trim(); })
        .filter(function (x) { return x !== ""; }).map(function (x) { return typed(x, type); });
    }
    return typed(text, type);
  }
  // compared reads a trait condition or a property filter's op and value.
  function compared(x) {
    var text = textOf(x.value);
    return { op: x.op || "eq", value: text, orig: { op: x.op || "eq", text: text, value: x.value } };
  }
  function textOf(v) {
    if (v === undefined || v === null) return "";
    if (Array.isArray(v)) return v.map(textOf).join(", ");
    return String(v);
  }

  // Windows: a kind the builder draws in one field (the last N days, more
  // than N days ago, between dates, calendar months), or "several" for any
  // combination of bounds, each drawn in its own field (empty: not set).
  // An after or before at midnight UTC is drawn as its date; any other
  // time is kept as written.
  var BOUNDS = ["last_days", "older_than_days", "after", "before", "calendar_months"];
  var SINGLE = ["last_days", "older_than_days", "calendar_months"];
  function isDate(s) { return /^\d{4}-\d{2}-\d{2}$/.test(s); }
  function readWindow(w) {
    if (!w) return { type: "any" };
    var out = {}, set = BOUNDS.filter(function (k) { return w[k] != null && w[k] !== "" && w[k] !== 0; });
    BOUNDS.forEach(function (k) {
      var v = set.indexOf(k) < 0 ? "" : w[k];
      out[k] = typeof v === "string" ? v.replace(/^(\d{4}-\d{2}-\d{2})T00:00:00Z$/, "$1") : v;
    });
    if (set.length === 1 && SINGLE.indexOf(set[0]) >= 0) out.type = set[0];
    else if (set.length && set.every(function (k) { return k === "after" || k === "before"; })) out.type = "between";
    else out.type = "several";
    return out;
  }
  // windowOfKind is w switched to kind, keeping the bounds it can show.
  function windowOfKind(w, kind) {
    var out = { type: kind };
    BOUNDS.forEach(function (k) { out[k] = w[k] == null ? "" : w[k]; });
    if (SINGLE.indexOf(kind) >= 0 && !out[kind]) out[kind] = kind === "calendar_months" ? 1 : 30;
    return out;
  }
  function day(d) { return isDate(d) ? d + "T00:00:00Z" : d; }
  function writeWindow(w) {
    if (SINGLE.indexOf(w.type) >= 0) {
      var o = {}; o[w.type] = Number(w[w.type]) || 0; return o;
    }
    if (w.type !== "between" && w.type !== "several") return undefined;
    var b = {};
    BOUNDS.forEach(function (k) {
      var v = String(w[k] == null ? "" : w[k]).trim();
      if (v === "" || (w.type === "between" && k !== "after" && k !== "before")) return;
      b[k] = k === "after" || k === "before" ? day(v) : Number(v) || 0;
    });
    return b;
  }

  function readMeasure(e) {
    var kinds = ["count", "sum", "avg"];
    for (var i = 0; i < kinds.length; i++) {
      var m = e[kinds[i]];
      if (!m) continue;
      if (m.top_percent) return { type: "top", of: kinds[i], property: m.property || "", percent: m.top_percent };
      return { type: kinds[i], property: m.property || "", op: m.op || "gte", value: m.value == null ? "" : String(m.value) };
    }
    if (e.first) return { type: "first", window: readWindow(e.first) };
    if (e.last) return { type: "last", window: readWindow(e.last) };
    if (e.each_month) return { type: "each_month", months: e.each_month.months, include_current: !!e.each_month.include_current };
    return { type: "none" };
  }
  function writeMeasure(m, out) {
    switch (m.type) {
      case "count": case "sum": case "avg":
        var x = { op: m.op, value: typed(m.value, "number") };
        if (m.type !== "count") x.property = m.property;
        out[m.type] = x; break;
      case "top":
        var t = { top_percent: Number(m.percent) || 0 };
        if (m.of !== "count") t.property = m.property;
        out[m.of] = t; break;
      case "first": case "last":
        out[m.type] = writeWindow(m.window) || {}; break;
      case "each_month":
        out.each_month = { months: Number(m.months) || 0 };
        if (m.include_current) out.each_month.include_current = true;
    }
  }

  // read turns a condition of the definition into the model.
  function read(c) {
    c = c || {};
    if (c.and) return { kind: "group", mode: "all", items: c.and.map(read), id: next() };
    if (c.or) return { kind: "group", mode: "any", items: c.or.map(read), id: next() };
    if (c.not) { // "none of" one condition is {not: x}; read from {not: {or: [x]}}, it stays so
      if (c.not.or) return { kind: "group", mode: "none", items: c.not.or.map(read), notOr: true, id: next() };
      return { kind: "group", mode: "none", items: [read(c.not)], id: next() };
    }
    if (c.trait) return Object.assign({ kind: "trait", name: c.trait.name || "", id: next() }, compared(c.trait));
    if (c.tag !== undefined) return { kind: "tag", tag: c.tag, id: next() };
    if (c.segment !== undefined) return { kind: "segment", segment: c.segment, id: next() };
    if (c.event) {
      var e = c.event;
      return { kind: "event", name: e.name || "", performed: e.performed !== false, performedSaid: e.performed === true, id: next(),
        where: (e.where || []).map(function (f) { return Object.assign({ property: f.property, id: next() }, compared(f)); }),
        window: readWindow(e.window), measure: readMeasure(e) };
    }
    return { kind: "trait", name: "", op: "eq", value: "", id: next() };
  }

  // write turns the model back into a condition, noting in paths the
  // JSON path (as the API names fields) of every node by its id.
  function write(n, path, paths, types) {
    paths[n.id] = path;
    switch (n.kind) {
      case "group":
        var key = n.mode === "any" ? "or" : "and";
        if (n.mode === "none") {
          if (n.items.length === 1 && !n.notOr) return { not: write(n.items[0], path + ".not", paths, types) };
          key = "or"; path += ".not";
        }
        var list = n.items.map(function (x, i) { return write(x, path + "." + key + "[" + i + "]", paths, types); });
        var g = {}; g[key] = list;
        return n.mode === "none" ? { not: g } : g;
      case "trait":
        var tr = { name: n.name, op: n.op };
        var tv = valueOf(n.op, n.value, types.trait(n.name), n.orig);
        if (tv !== undefined) tr.value = tv;
        return { trait: tr };
      case "tag": return { tag: n.tag };
      case "segment": return { segment: n.segment };
    }
    var e = { name: n.name };
    if (!n.performed) e.performed = false;
    else if (n.performedSaid) e.performed = true;
    if (n.where.length) {
      e.where = n.where.map(function (f, i) {
        paths[f.id] = path + ".event.where[" + i + "]";
        var x = { property: f.property, op: f.op };
        var v = valueOf(f.op, f.value, types.property(n.name, f.property), f.orig);
        if (v !== undefined) x.value = v;
        return x;
      });
    }
    var w = writeWindow(n.window);
    if (w) e.window = w;
    if (n.performed) writeMeasure(n.measure, e);
    return { event: e };
  }

  // definition writes the whole model. A root group the builder made
  // around what it read (one condition, or none yet) is left out again
  // while it holds one condition: "all of" one thing is that thing.
  function definition(root, timezone, types) {
    var paths = {};
    var cond;
    if (root.wrapped && root.mode === "all" && root.items.length === 1) {
      paths[root.id] = "definition.condition";
      cond = write(root.items[0], "definition.condition", paths, types);
    } else {
      cond = write(root, "definition.condition", paths, types);
    }
    var d = { condition: cond };
    if (timezone) d.timezone = timezone;
    return { definition: d, paths: paths };
  }

  // rootOf reads a definition into a root group: its own and or or, or
  // one made around anything else.
  function rootOf(def) {
    var c = (def || {}).condition;
    if (!c || (c.and && !c.and.length)) return { kind: "group", mode: "all", items: [], wrapped: true, id: next() };
    var n = read(c);
    return n.kind === "group" && n.mode !== "none" ? n : { kind: "group", mode: "all", items: [n], wrapped: true, id: next() };
  }

  // Types reads field types from the taxonomy (GET /v1/taxonomy).
  function Types(tax) {
    var traits = {}, events = {};
    ((tax && tax.userProperties) || []).forEach(function (p) { traits[p.name] = p; });
    ((tax && tax.events) || []).forEach(function (e) {
      var props = {};
      (e.properties || []).forEach(function (p) { props[p.name] = p; });
      events[e.name] = { def: e, props: props };
    });
    return {
      traits: Object.keys(traits).sort(), events: Object.keys(events).sort(),
      properties: function (ev) { return events[ev] ? Object.keys(events[ev].props).sort() : []; },
      traitDef: function (name) { return traits[name] || null; },
      propertyDef: function (ev, name) { return (events[ev] && events[ev].props[name]) || null; },
      trait: function (name) { return traits[name] ? traits[name].type : ""; },
      property: function (ev, name) { return events[ev] && events[ev].props[name] ? events[ev].props[name].type : ""; }
    };
  }

  function blank(kind) {
    switch (kind) {
      case "group": return { kind: "group", mode: "all", items: [], id: next() };
      case "tag": return { kind: "tag", tag: "", id: next() };
      case "segment": return { kind: "segment", segment: "", id: next() };
      case "event": return { kind: "event", name: "", performed: true, where: [], window: { type: "any" }, measure: { type: "none" }, id: next() };
      case "filter": return { property: "", op: "eq", value: "", id: next() };
    }
    return { kind: "trait", name: "", op: "eq", value: "", id: next() };
  }

  window.segmentModel = { opsFor: opsFor, MEASURE_OPS: MEASURE_OPS, BOUNDS: BOUNDS, isDate: isDate, windowOfKind: windowOfKind,
    rootOf: rootOf, definition: definition, Types: Types, blank: blank };
})();

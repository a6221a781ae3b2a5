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
  function valueOf(op, text, type) {
    if (op === "exists" || op === "anniversary") return undefined;
    if (op === "in") {
      return String(text || "").split(",").map(function (x) { return x.trim(); })
        .filter(function (x) { return x !== ""; }).map(function (x) { return typed(x, type); });
    }
    return typed(text, type);
  }
  function textOf(v) {
    if (v === undefined || v === null) return "";
    if (Array.isArray(v)) return v.map(textOf).join(", ");
    return String(v);
  }

  // Windows: one kind per window, or "raw" for a combination the builder
  // does not draw (kept as it is).
  function readWindow(w) {
    if (!w) return { type: "any" };
    var keys = Object.keys(w);
    if (keys.length === 1 && w.last_days) return { type: "last_days", n: w.last_days };
    if (keys.length === 1 && w.older_than_days) return { type: "older_than_days", n: w.older_than_days };
    if (keys.length === 1 && w.calendar_months) return { type: "calendar_months", n: w.calendar_months };
    if (keys.every(function (k) { return k === "after" || k === "before"; })) {
      return { type: "between", after: (w.after || "").slice(0, 10), before: (w.before || "").slice(0, 10), raw: w };
    }
    return { type: "raw", raw: w };
  }
  function day(d) { return /^\d{4}-\d{2}-\d{2}$/.test(d) ? d + "T00:00:00Z" : d; }
  function writeWindow(w) {
    switch (w.type) {
      case "last_days": case "older_than_days": case "calendar_months":
        var o = {}; o[w.type] = Number(w.n) || 0; return o;
      case "between":
        var b = {};
        if (w.after) b.after = day(w.after);
        if (w.before) b.before = day(w.before);
        return b;
      case "raw": return w.raw;
    }
    return undefined;
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
    if (c.not) {
      var inner = c.not.or ? c.not.or.map(read) : [read(c.not)];
      return { kind: "group", mode: "none", items: inner, id: next() };
    }
    if (c.trait) return { kind: "trait", name: c.trait.name || "", op: c.trait.op || "eq", value: textOf(c.trait.value), id: next() };
    if (c.tag !== undefined) return { kind: "tag", tag: c.tag, id: next() };
    if (c.segment !== undefined) return { kind: "segment", segment: c.segment, id: next() };
    if (c.event) {
      var e = c.event;
      return { kind: "event", name: e.name || "", performed: e.performed !== false, id: next(),
        where: (e.where || []).map(function (f) { return { property: f.property, op: f.op || "eq", value: textOf(f.value), id: next() }; }),
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
          if (n.items.length === 1) return { not: write(n.items[0], path + ".not", paths, types) };
          key = "or"; path += ".not";
        }
        var list = n.items.map(function (x, i) { return write(x, path + "." + key + "[" + i + "]", paths, types); });
        var g = {}; g[key] = list;
        return n.mode === "none" ? { not: g } : g;
      case "trait":
        var tr = { name: n.name, op: n.op };
        var tv = valueOf(n.op, n.value, types.trait(n.name));
        if (tv !== undefined) tr.value = tv;
        return { trait: tr };
      case "tag": return { tag: n.tag };
      case "segment": return { segment: n.segment };
    }
    var e = { name: n.name };
    if (!n.performed) e.performed = false;
    if (n.where.length) {
      e.where = n.where.map(function (f, i) {
        paths[f.id] = path + ".event.where[" + i + "]";
        var x = { property: f.property, op: f.op };
        var v = valueOf(f.op, f.value, types.property(n.name, f.property));
        if (v !== undefined) x.value = v;
        return x;
      });
    }
    var w = writeWindow(n.window);
    if (w) e.window = w;
    if (n.performed) writeMeasure(n.measure, e);
    return { event: e };
  }

  // definition writes the whole model: the root group alone as its only
  // condition when it holds just one ("all of" one thing is that thing).
  function definition(root, timezone, types) {
    var paths = {};
    var cond;
    if (root.mode === "all" && root.items.length === 1) {
      paths[root.id] = "definition.condition";
      cond = write(root.items[0], "definition.condition", paths, types);
    } else {
      cond = write(root, "definition.condition", paths, types);
    }
    var d = { condition: cond };
    if (timezone) d.timezone = timezone;
    return { definition: d, paths: paths };
  }

  // rootOf reads a definition into a root group.
  function rootOf(def) {
    var n = read((def || {}).condition);
    return n.kind === "group" && n.mode !== "none" ? n : { kind: "group", mode: "all", items: [n], id: next() };
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

  window.segmentModel = { opsFor: opsFor, MEASURE_OPS: MEASURE_OPS, rootOf: rootOf, definition: definition, Types: Types, blank: blank };
})();

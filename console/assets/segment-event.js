// The segment builder's event conditions beyond the name: property
// filters typed from the event's definition in the taxonomy, the time
// window, and the measure (how many, a sum or an average, the top percent,
// the first or last time, each month).
(function () {
  "use strict";
  // tk is the message of a key made from data (console/catalog_test.go's
  // dynamicKeys lists every value).
  function tk(t, prefix, v) { return t(prefix + v); }
  var B = window.SegmentBuilder.prototype, M = window.segmentModel, el = window.segmentEl;

  B.eventMore = function (n) {
    var self = this, t = this.t, types = this.o.types;
    var listID = "seg-props-" + n.id;
    var props = el("datalist", { id: listID }, types.properties(n.name).map(function (p) { return el("option", { value: p }); }));
    var filters = el("ul", { "class": "seg-filters", "aria-label": t("js.seg.filters") }, n.where.map(function (f) {
      var prop = self.input(f, "property", t("js.seg.property"), "text", f.property, { list: listID }, true);
      var row = [prop].concat(self.comparison(f, types.property(n.name, f.property), types.propertyDef(n.name, f.property), false));
      row.push(self.button(t("js.seg.remove"), "danger small", function () { n.where.splice(n.where.indexOf(f), 1); }));
      return el("li", { "data-node": f.id }, [el("div", { "class": "seg-row" }, row), self.errorSlot(f)]);
    }));
    var addFilter = this.button(t("js.seg.addfilter"), "small", function () { n.where.push(M.blank("filter")); });
    var out = [props, filters, addFilter ? el("div", { "class": "seg-add" }, [addFilter]) : null,
      el("div", { "class": "seg-row" }, [el("span", { text: t("js.seg.when") })].concat(this.window(n, "window", n.window, n.id + "-window")))];
    if (n.performed) out.push(el("div", { "class": "seg-row" }, [el("span", { text: t("js.seg.measure") })].concat(this.measure(n))));
    return out;
  };

  // window draws window w, held in field key of n; its controls' ids
  // start with base. "several" draws every bound in a field of its own.
  B.window = function (n, key, w, base) {
    var self = this, t = this.t;
    var kinds = ["any", "last_days", "older_than_days", "between", "calendar_months", "several"];
    var owner = { id: base };
    var out = [this.select(owner, "type", t("js.seg.window"), kinds.map(function (k) { return [k, tk(t, "js.seg.window.", k)]; }), w.type, true,
      function (v) { if (v !== w.type) n[key] = M.windowOfKind(w, v); })];
    // field is bound k's input: days and months as numbers, a date as a
    // date, a time of day as written (RFC 3339).
    function field(k, label) {
      var f;
      if (k !== "after" && k !== "before") f = self.input(w, k, label, "number", w[k], { min: "1", step: "1" });
      else if (w[k] === "" || M.isDate(w[k])) f = self.input(w, k, label, "date", w[k]);
      else f = self.input(w, k, label, "text", w[k]);
      f.id = "n" + base + "-" + k;
      return f;
    }
    switch (w.type) {
      case "last_days": case "older_than_days": case "calendar_months":
        out.push(field(w.type, tk(t, "js.seg.window.n.", w.type)), el("span", { text: tk(t, "js.seg.window.unit.", w.type) }));
        break;
      case "between":
        out.push(el("span", { text: t("js.seg.from") }), field("after", t("js.seg.after")),
          el("span", { text: t("js.seg.until") }), field("before", t("js.seg.before")));
        break;
      case "several":
        out.push(el("span", { "class": "seg-bounds" }, M.BOUNDS.map(function (k) {
          var label = tk(t, "js.seg.bound.", k);
          return el("span", { "class": "seg-bound" }, [el("span", { text: label }), field(k, label)]);
        })));
    }
    return out;
  };

  B.measure = function (n) {
    var t = this.t, m = n.measure, types = this.o.types;
    var kinds = ["none", "count", "sum", "avg", "top", "first", "last", "each_month"];
    var owner = { id: n.id + "-measure" };
    var out = [this.select(owner, "type", t("js.seg.measure"), kinds.map(function (k) { return [k, tk(t, "js.seg.measure.", k)]; }), m.type, true,
      function (v) {
        if (v === m.type) return;
        n.measure = { type: v, op: "gte", value: "", property: "", of: "sum", percent: 10, months: 3, window: { type: "calendar_months", calendar_months: 1 } };
      })];
    var numeric = types.properties(n.name).filter(function (p) { var ty = types.property(n.name, p); return ty === "number" || ty === "integer"; });
    var self = this;
    function property() {
      var p = self.input(m, "property", t("js.seg.property"), "text", m.property, { list: "seg-num-" + n.id });
      p.id = "n" + owner.id + "-property";
      return [el("datalist", { id: "seg-num-" + n.id }, numeric.map(function (x) { return el("option", { value: x }); })), p];
    }
    function fix(node, field) { node.id = "n" + owner.id + "-" + field; return node; }
    switch (m.type) {
      case "count": case "sum": case "avg":
        if (m.type !== "count") out = out.concat(property());
        out.push(fix(this.select(m, "op", t("js.seg.op"), M.MEASURE_OPS, m.op, false), "op"));
        out.push(fix(this.input(m, "value", t("js.seg.value"), "number", m.value, { step: "any" }), "value"));
        break;
      case "top":
        out.push(fix(this.select(m, "of", t("js.seg.rankby"), ["count", "sum", "avg"].map(function (k) { return [k, tk(t, "js.seg.measure.", k)]; }), m.of, true), "of"));
        if (m.of !== "count") out = out.concat(property());
        out.push(fix(this.input(m, "percent", t("js.seg.percent"), "number", m.percent, { min: "0.01", max: "100", step: "any" }), "percent"), el("span", { text: "%" }));
        break;
      case "first": case "last":
        out = out.concat(this.window(m, "window", m.window, n.id + "-mwindow"));
        break;
      case "each_month":
        out.push(fix(this.input(m, "months", t("js.seg.months"), "number", m.months, { min: "1", max: "120", step: "1" }), "months"));
        var cb = fix(this.input(m, "include_current", t("js.seg.includecurrent"), "checkbox", "", { checked: m.include_current }), "include_current");
        out.push(el("label", {}, [cb, document.createTextNode(" " + t("js.seg.includecurrent"))]));
    }
    return out;
  };
})();

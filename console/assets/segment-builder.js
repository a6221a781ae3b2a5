// The segment builder's drawing: groups of conditions (all of / any of /
// none of, nested) over traits, tags, other segments and events with
// property filters, windows and measures, each field offering what the
// taxonomy says of it (names, the comparisons of its type, an input of
// its type, an enum's values). Edits change the model of
// segment-model.js and call onChange; segment-page.js counts and saves.
(function () {
  "use strict";
  // tk is the message of a key made from data (console/catalog_test.go's
  // dynamicKeys lists every value).
  function tk(t, prefix, v) { return t(prefix + v); }
  var M = window.segmentModel;

  function el(tag, attrs, kids) {
    var e = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) {
      if (attrs[k] === undefined || attrs[k] === false) return;
      if (k === "text") e.textContent = attrs[k]; else e.setAttribute(k, attrs[k] === true ? "" : attrs[k]);
    });
    (kids || []).forEach(function (k) { if (k) e.appendChild(k); });
    return e;
  }

  // Builder draws root into host. opts: t (messages), types (M.Types),
  // segments (other segments' ids), editable, onChange.
  function Builder(host, root, opts) {
    this.host = host; this.root = root; this.o = opts; this.t = opts.t;
  }

  Builder.prototype.render = function () {
    var focused = document.activeElement && document.activeElement.id;
    this.host.textContent = "";
    this.host.appendChild(this.lists());
    this.host.appendChild(this.group(this.root, null, 0));
    if (focused && document.getElementById(focused)) document.getElementById(focused).focus();
  };

  // lists are the datalists of trait and event names the name fields offer.
  Builder.prototype.lists = function () {
    var f = document.createDocumentFragment();
    [["seg-traits", this.o.types.traits], ["seg-events", this.o.types.events]].forEach(function (l) {
      f.appendChild(el("datalist", { id: l[0] }, l[1].map(function (n) { return el("option", { value: n }); })));
    });
    return f;
  };

  // control makes an input or select of node n's field: it updates the
  // model on input, and draws again on change when redraw is set.
  Builder.prototype.control = function (n, field, label, node, redraw, set) {
    var self = this;
    node.id = "n" + n.id + "-" + field;
    node.setAttribute("aria-label", label);
    if (!this.o.editable) node.disabled = true;
    var put = set || function (v) { n[field] = v; };
    var read = function () { return node.type === "checkbox" ? node.checked : node.value; };
    node.addEventListener("input", function () { put(read()); self.o.onChange(); });
    node.addEventListener("change", function () { put(read()); if (redraw) self.render(); self.o.onChange(); });
    return node;
  };

  Builder.prototype.select = function (n, field, label, options, value, redraw, set) {
    var t = this.t;
    var s = el("select", {}, options.map(function (o) {
      var v = Array.isArray(o) ? o[0] : o;
      return el("option", { value: v, selected: String(v) === String(value), text: Array.isArray(o) ? o[1] : tk(t, "js.seg.op.", v) });
    }));
    return this.control(n, field, label, s, redraw, set);
  };

  Builder.prototype.input = function (n, field, label, type, value, attrs, redraw) {
    var i = el("input", Object.assign({ type: type || "text", value: value == null ? "" : value, autocomplete: "off" }, attrs || {}));
    return this.control(n, field, label, i, redraw);
  };

  Builder.prototype.button = function (text, cls, onClick) {
    if (!this.o.editable) return null;
    var self = this;
    var b = el("button", { type: "button", "class": cls, text: text });
    b.addEventListener("click", function () { onClick(); self.render(); self.o.onChange(); });
    return b;
  };

  Builder.prototype.errorSlot = function (n) {
    return el("p", { "class": "field-error seg-error", id: "err-n" + n.id, role: "alert", hidden: true });
  };

  Builder.prototype.group = function (g, parent, depth) {
    var self = this, t = this.t;
    var modes = ["all", "any", "none"].map(function (m) { return [m, tk(t, "js.seg.mode.", m)]; });
    var head = el("div", { "class": "seg-head" }, [
      this.select(g, "mode", t("js.seg.match"), modes, g.mode, true),
      el("span", { text: t("js.seg.ofthese") }),
      parent ? this.button(t("js.seg.remove"), "danger small", function () { parent.items.splice(parent.items.indexOf(g), 1); }) : null
    ]);
    var items = el("ol", { "class": "seg-items" }, g.items.map(function (x) {
      return el("li", {}, [x.kind === "group" ? self.group(x, g, depth + 1) : self.condition(x, g)]);
    }));
    var add = null;
    if (this.o.editable) {
      var kinds = ["trait", "event", "tag", "segment"].concat(depth < 14 ? ["group"] : []);
      var pick = { kind: "trait" };
      var sel = this.select(pick, "kind", t("js.seg.addkind"), kinds.map(function (k) { return [k, tk(t, "js.seg.kind.", k)]; }), "trait", false);
      sel.id = "n" + g.id + "-addkind";
      add = el("div", { "class": "seg-add" }, [sel, this.button(t("js.seg.add"), "small", function () {
        var n = M.blank(sel.value);
        g.items.push(n);
      })]);
    }
    return el("div", { "class": "seg-group depth-" + (depth % 2), "data-node": g.id, role: "group", "aria-label": tk(t, "js.seg.mode.", g.mode) },
      [head, this.errorSlot(g), items, add]);
  };

  Builder.prototype.condition = function (n, parent) {
    var self = this, t = this.t;
    var kinds = ["trait", "event", "tag", "segment"].map(function (k) { return [k, tk(t, "js.seg.kind.", k)]; });
    var kind = this.select(n, "kind", t("js.seg.kindlabel"), kinds, n.kind, true, function (v) {
      if (v === n.kind) return;
      parent.items[parent.items.indexOf(n)] = Object.assign(M.blank(v), { id: n.id });
    });
    var body;
    switch (n.kind) {
      case "trait": body = this.trait(n); break;
      case "tag": body = [this.input(n, "tag", t("js.seg.tag"), "text", n.tag)]; break;
      case "segment":
        var opts = [["", t("js.seg.choose")]].concat(this.o.segments.map(function (s) { return [s, s]; }));
        if (n.segment && this.o.segments.indexOf(n.segment) < 0) opts.push([n.segment, n.segment]);
        body = [this.select(n, "segment", t("js.seg.kind.segment"), opts, n.segment, false)]; break;
      default: body = this.event(n);
    }
    var remove = this.button(t("js.seg.remove"), "danger small", function () { parent.items.splice(parent.items.indexOf(n), 1); });
    return el("div", { "class": "seg-cond kind-" + n.kind, "data-node": n.id }, [
      el("div", { "class": "seg-row" }, [kind].concat(body, [remove])), this.errorSlot(n)].concat(n.kind === "event" ? this.eventMore(n) : []));
  };

  // comparison draws op and value for a field of type (def: its taxonomy
  // definition, for an enum) into row.
  Builder.prototype.comparison = function (n, type, def, trait) {
    var t = this.t, ops = M.opsFor(type, trait);
    if (ops.indexOf(n.op) < 0) n.op = ops[0];
    var out = [this.select(n, "op", t("js.seg.op"), ops, n.op, true)];
    if (n.op === "exists" || n.op === "anniversary") return out;
    var label = t("js.seg.value");
    if (def && def.enum && def.enum.length && n.op !== "in") {
      out.push(this.select(n, "value", label, [["", t("js.seg.choose")]].concat(def.enum.map(function (v) { return [String(v), String(v)]; })), n.value, false));
    } else if (type === "boolean" && n.op !== "in") {
      out.push(this.select(n, "value", label, [["true", t("js.seg.true")], ["false", t("js.seg.false")]], n.value || "true", false));
      if (!n.value) n.value = "true";
    } else if (n.op === "in") {
      out.push(this.input(n, "value", label + " " + t("js.seg.list"), "text", n.value, { placeholder: t("js.seg.list") }));
    } else if ((type === "number" || type === "integer")) {
      out.push(this.input(n, "value", label, "number", n.value, { step: type === "integer" ? "1" : "any" }));
    } else if (type === "timestamp" && (n.value === "" || /^\d{4}-\d{2}-\d{2}$/.test(n.value))) {
      out.push(this.input(n, "value", label, "date", n.value));
    } else {
      out.push(this.input(n, "value", label, "text", n.value));
    }
    return out;
  };

  Builder.prototype.trait = function (n) {
    var types = this.o.types;
    var name = this.input(n, "name", this.t("js.seg.trait"), "text", n.name, { list: "seg-traits" }, true);
    return [name].concat(this.comparison(n, types.trait(n.name), types.traitDef(n.name), true));
  };

  Builder.prototype.event = function (n) {
    var t = this.t;
    var did = this.select(n, "performed", t("js.seg.performed"), [["true", t("js.seg.did")], ["false", t("js.seg.didnot")]], String(n.performed), true,
      function (v) { n.performed = v === "true"; });
    return [did, this.input(n, "name", t("js.seg.event"), "text", n.name, { list: "seg-events" }, true)];
  };

  window.SegmentBuilder = Builder;
  window.segmentEl = el;
})();

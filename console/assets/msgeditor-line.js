// The message editor's LINE template, imagemap and sticker messages: each
// a fieldset of typed inputs (a sticker's packageId and stickerId; an
// imagemap's baseUrl, altText, baseSize and its actions with their areas;
// a template's buttons, confirm or carousel with their actions), read into
// the message object the Messaging API defines. As each is read, every
// input is remembered under the path the API's problems name
// (template.actions[1].uri), so a field error is marked at its input.
// window.tabijiLineKinds[kind] = {add(fs, m), read(fs)}; msgeditor-blocks.js
// uses them.
(function () {
  "use strict";
  function t() { var tb = window.tabiji; return tb ? tb.t.apply(null, arguments) : String(arguments[0]); }
  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined) e.textContent = text;
    return e;
  }
  var seq = 0;
  // input adds a labelled input (or select, or text area) holding value;
  // role names what it holds within its row.
  function input(into, label, role, value, opts) {
    opts = opts || {};
    var id = "lf" + (++seq);
    var p = el("p", "field");
    var l = el("label", "", label);
    l.htmlFor = id;
    var i;
    if (opts.choices) {
      i = document.createElement("select");
      opts.choices.forEach(function (c) { var o = el("option", "", c[1]); o.value = c[0]; i.appendChild(o); });
    } else {
      i = document.createElement(opts.area ? "textarea" : "input");
      if (opts.area) i.rows = 2;
      if (opts.type) i.type = opts.type;
      if (opts.numeric) { i.type = "number"; i.min = "0"; i.step = "1"; }
    }
    i.id = id;
    i.dataset.role = role;
    i.value = value === undefined || value === null ? "" : String(value);
    if (opts.choices && !i.value) i.value = opts.choices[0][0];
    p.appendChild(l);
    p.appendChild(document.createTextNode(" "));
    p.appendChild(i);
    into.appendChild(p);
    return i;
  }
  // own is the input of role that belongs to row itself, not to a row
  // nested in it.
  function own(row, role) {
    var found = null;
    row.querySelectorAll('[data-role="' + role + '"]').forEach(function (i) {
      if (!found && i.closest(".line-row-item") === row) found = i;
    });
    return found;
  }
  // put sets obj[key] from the row's input of role (skipped when empty; a
  // number when numeric) and remembers the input under path.
  function put(obj, key, row, role, path, paths, numeric) {
    var i = own(row, role);
    if (!i) return;
    paths[path] = i;
    if (i.value === "") return;
    obj[key] = numeric ? Number(i.value) : i.value;
  }
  // removable is a row of a list that a button removes.
  function removable(list, cls, legend) {
    var row = el("fieldset", "line-row-item " + cls);
    row.appendChild(el("legend", "", legend));
    var rm = el("button", "item-remove", "×");
    rm.type = "button";
    rm.setAttribute("aria-label", t("js.msgt.remove", legend));
    rm.addEventListener("click", function () { var f = row.closest("form") || list; row.remove(); f.dispatchEvent(new Event("input", { bubbles: true })); });
    row.appendChild(rm);
    list.appendChild(row);
    return row;
  }
  // adder is a button that adds a row to list with make.
  function adder(into, label, make) {
    var b = el("button", "line-add", label);
    b.type = "button";
    b.addEventListener("click", function () { make(); into.dispatchEvent(new Event("input", { bubbles: true })); });
    into.appendChild(b);
    return b;
  }

  // ---- Actions ----

  // The action types each kind offers (read when drawn: console.js, which
  // holds the catalog, may load after this file).
  function actionTypes(imagemap) {
    var all = [["message", t("js.msgt.act.message")], ["uri", t("js.msgt.act.uri")], ["postback", t("js.msgt.act.postback")]];
    return imagemap ? [all[1], all[0]] : all;
  }

  // action adds an action row: its type, label, what it does (the text
  // sent, the link or the postback data) and, on an imagemap, its area.
  function action(list, a, imagemap) {
    a = a || {};
    var row = removable(list, "line-action", t("js.msgt.f.action"));
    input(row, t("js.msgt.f.acttype"), "type", a.type, { choices: actionTypes(imagemap) });
    input(row, t("js.msgt.f.actlabel"), "label", a.label);
    input(row, t("js.msgt.f.actvalue"), "value", a.text || a.uri || a.linkUri || a.data);
    if (imagemap) {
      var area = a.area || {};
      var p = el("p", "line-area");
      row.appendChild(p);
      [["x", "js.msgt.f.x"], ["y", "js.msgt.f.y"], ["width", "js.msgt.f.width"], ["height", "js.msgt.f.height"]].forEach(function (k) {
        input(p, t(k[1]), "area-" + k[0], area[k[0]], { numeric: true });
      });
    }
    return row;
  }
  // readAction is an action row as the API takes it; imagemap actions
  // link with linkUri, template actions with uri.
  function readAction(row, path, paths, imagemap) {
    var a = {};
    paths[path] = own(row, "type");
    put(a, "type", row, "type", path + ".type", paths);
    put(a, "label", row, "label", path + ".label", paths);
    var key = { message: "text", uri: imagemap ? "linkUri" : "uri", postback: "data" }[a.type] || "text";
    put(a, key, row, "value", path + "." + key, paths);
    if (imagemap) {
      a.area = {};
      paths[path + ".area"] = own(row, "area-x");
      ["x", "y", "width", "height"].forEach(function (k) { put(a.area, k, row, "area-" + k, path + ".area." + k, paths, true); });
    }
    return a;
  }
  // actions adds a list of action rows with a button that adds one.
  function actions(into, list, imagemap) {
    var box = el("div", "line-actions");
    into.appendChild(box);
    (list || []).forEach(function (a) { action(box, a, imagemap); });
    adder(into, t("js.msgt.add.action"), function () { action(box, { type: imagemap ? "uri" : "message" }, imagemap); });
    return box;
  }
  function readActions(box, path, paths, imagemap) {
    var out = [];
    box.querySelectorAll(":scope > .line-action").forEach(function (row, i) { out.push(readAction(row, path + "[" + i + "]", paths, imagemap)); });
    paths[path] = box.querySelector("input, select, textarea") || undefined;
    return out;
  }

  // ---- Sticker ----

  var sticker = {
    add: function (fs, m) {
      fs.classList.add("line-row-item");
      input(fs, t("js.msgt.f.package"), "packageId", m.packageId, { type: "text" });
      input(fs, t("js.msgt.f.sticker"), "stickerId", m.stickerId, { type: "text" });
    },
    read: function (fs, paths) {
      var m = { type: "sticker" };
      put(m, "packageId", fs, "packageId", "packageId", paths);
      put(m, "stickerId", fs, "stickerId", "stickerId", paths);
      return m;
    }
  };

  // ---- Imagemap ----

  var imagemap = {
    add: function (fs, m) {
      fs.classList.add("line-row-item");
      var size = m.baseSize || {};
      input(fs, t("js.msgt.f.baseurl"), "baseUrl", m.baseUrl, { type: "url" });
      input(fs, t("js.msgt.f.alt"), "altText", m.altText);
      input(fs, t("js.msgt.f.basewidth"), "width", size.width || 1040, { numeric: true });
      input(fs, t("js.msgt.f.baseheight"), "height", size.height, { numeric: true });
      actions(fs, m.actions, true);
    },
    read: function (fs, paths) {
      var m = { type: "imagemap", baseSize: {} };
      put(m, "baseUrl", fs, "baseUrl", "baseUrl", paths);
      put(m, "altText", fs, "altText", "altText", paths);
      put(m.baseSize, "width", fs, "width", "baseSize.width", paths, true);
      put(m.baseSize, "height", fs, "height", "baseSize.height", paths, true);
      m.actions = readActions(fs.querySelector(":scope > .line-actions"), "actions", paths, true);
      return m;
    }
  };

  // ---- Template: buttons, confirm, carousel ----

  function templateKinds() {
    return [["buttons", t("js.msgt.tpl.buttons")], ["confirm", t("js.msgt.tpl.confirm")], ["carousel", t("js.msgt.tpl.carousel")]];
  }

  // card adds a carousel column's fields (or a buttons template's) to
  // row: its image, title, text and actions.
  function card(row, c) {
    input(row, t("js.msgt.f.thumb"), "thumbnailImageUrl", c.thumbnailImageUrl, { type: "url" });
    input(row, t("js.msgt.f.title"), "title", c.title);
    input(row, t("js.msgt.f.text"), "text", c.text, { area: true });
    actions(row, c.actions, false);
  }
  function readCard(row, path, paths) {
    var c = {};
    put(c, "thumbnailImageUrl", row, "thumbnailImageUrl", path + "thumbnailImageUrl", paths);
    put(c, "title", row, "title", path + "title", paths);
    put(c, "text", row, "text", path + "text", paths);
    c.actions = readActions(row.querySelector(":scope > .line-actions"), path + "actions", paths, false);
    return c;
  }
  var template = {
    add: function (fs, m) {
      fs.classList.add("line-row-item");
      var tp = m.template || { type: "buttons", text: "", actions: [] };
      input(fs, t("js.msgt.f.alt"), "altText", m.altText);
      var kind = input(fs, t("js.msgt.f.tpltype"), "tplType", tp.type, { choices: templateKinds() });
      var body = el("div", "line-template-body");
      fs.appendChild(body);
      function draw(tpl) {
        body.textContent = "";
        body.dataset.kind = tpl.type;
        if (tpl.type === "carousel") {
          var cols = el("div", "line-columns");
          body.appendChild(cols);
          var addColumn = function (c) { card(removable(cols, "line-column", t("js.msgt.f.column")), c); };
          (tpl.columns || [{ text: "", actions: [{ type: "message", label: "", text: "" }] }]).forEach(addColumn);
          adder(body, t("js.msgt.add.column"), function () { addColumn({ text: "", actions: [] }); });
        } else if (tpl.type === "confirm") {
          input(body, t("js.msgt.f.text"), "text", tpl.text, { area: true });
          actions(body, tpl.actions || [{ type: "message", label: t("js.msgt.yes"), text: t("js.msgt.yes") }, { type: "message", label: t("js.msgt.no"), text: t("js.msgt.no") }], false);
        } else {
          card(body, tpl);
        }
      }
      body.classList.add("line-row-item");
      draw(tp);
      kind.addEventListener("change", function () { draw({ type: kind.value }); });
    },
    read: function (fs, paths) {
      var m = { type: "template" };
      put(m, "altText", fs, "altText", "altText", paths);
      var body = fs.querySelector(":scope > .line-template-body");
      var tp = { type: own(fs, "tplType").value };
      paths["template.type"] = own(fs, "tplType");
      if (tp.type === "carousel") {
        tp.columns = [];
        body.querySelectorAll(":scope > .line-columns > .line-column").forEach(function (row, i) {
          tp.columns.push(readCard(row, "template.columns[" + i + "].", paths));
        });
        paths["template.columns"] = body.querySelector("input, select, textarea") || undefined;
      } else if (tp.type === "confirm") {
        put(tp, "text", body, "text", "template.text", paths);
        tp.actions = readActions(body.querySelector(":scope > .line-actions"), "template.actions", paths, false);
      } else {
        var c = readCard(body, "template.", paths);
        Object.keys(c).forEach(function (k) { tp[k] = c[k]; });
      }
      m.template = tp;
      return m;
    }
  };

  // starters are what a new message of each kind begins with.
  var starters = {
    sticker: function () { return { type: "sticker", packageId: "446", stickerId: "1988" }; },
    imagemap: function () {
      return { type: "imagemap", baseUrl: "https://", altText: "", baseSize: { width: 1040, height: 1040 },
        actions: [{ type: "uri", linkUri: "https://", area: { x: 0, y: 0, width: 1040, height: 1040 } }] };
    },
    template: function () {
      return { type: "template", altText: "", template: { type: "buttons", text: "", actions: [{ type: "uri", label: "", uri: "https://" }] } };
    }
  };

  window.tabijiLineKinds = { sticker: sticker, imagemap: imagemap, template: template, starters: starters };
})();

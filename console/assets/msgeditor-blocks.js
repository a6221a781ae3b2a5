// The message editor's lists: an email's blocks (header, text, image,
// button, product list, coupon, footer) and a LINE template's message
// objects (text, image, Flex JSON; template, imagemap and sticker through
// msgeditor-line.js; each with quick reply chips). Each
// item is a fieldset of labelled inputs with buttons to move it and
// remove it; window.tabijiBlocks reads and fills them.
(function () {
  "use strict";
  function t() { var tb = window.tabiji; return tb ? tb.t.apply(null, arguments) : String(arguments[0]); }
  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined) e.textContent = text;
    return e;
  }
  // key is a catalog key made from data (console/catalog_test.go lists
  // every value each prefix takes).
  function key(prefix, k) { return prefix + k; }
  var seq = 0;
  // field adds a labelled input (or text area) bound to obj[key].
  function field(into, label, key, value, opts) {
    opts = opts || {};
    var id = "f" + (++seq);
    var p = el("p", "field");
    var l = el("label", "", label);
    l.htmlFor = id;
    var input = document.createElement(opts.area ? "textarea" : "input");
    input.id = id;
    input.dataset.key = key;
    if (opts.area) input.rows = opts.rows || 3;
    if (opts.type) input.type = opts.type;
    if (opts.placeholder) input.placeholder = opts.placeholder;
    input.value = value || "";
    p.appendChild(l);
    p.appendChild(opts.area ? el("br") : document.createTextNode(" "));
    p.appendChild(input);
    into.appendChild(p);
    return input;
  }
  // item is one fieldset of a list with up, down and remove buttons.
  function item(list, kind, legend) {
    var fs = el("fieldset", "list-item");
    fs.dataset.kind = kind;
    fs.appendChild(el("legend", "", legend));
    var bar = el("p", "item-bar");
    [["up", "↑", "js.msgt.up"], ["down", "↓", "js.msgt.down"], ["remove", "×", "js.msgt.remove"]].forEach(function (b) {
      var btn = el("button", "item-" + b[0], b[1]);
      btn.type = "button";
      btn.setAttribute("aria-label", t(b[2], legend));
      btn.addEventListener("click", function () {
        if (b[0] === "up" && fs.previousElementSibling) list.insertBefore(fs, fs.previousElementSibling);
        if (b[0] === "down" && fs.nextElementSibling) list.insertBefore(fs.nextElementSibling, fs);
        if (b[0] === "remove") fs.remove();
        list.dispatchEvent(new Event("input", { bubbles: true }));
      });
      bar.appendChild(btn);
    });
    fs.appendChild(bar);
    list.appendChild(fs);
    return fs;
  }
  function values(fs) {
    var out = {};
    fs.querySelectorAll("[data-key]").forEach(function (i) { out[i.dataset.key] = i.value; });
    return out;
  }

  // ---- Email blocks ----

  function addBlock(list, b) {
    var fs = item(list, b.type, t(key("js.msgt.block.", b.type)));
    var L = function (k) { return t(key("js.msgt.f.", k)); };
    switch (b.type) {
      case "header": field(fs, L("title"), "text", b.text); field(fs, L("logo"), "url", b.url, { type: "url" }); field(fs, L("color"), "color", b.color, { placeholder: "#1a73e8" }); break;
      case "text": field(fs, L("text"), "text", b.text, { area: true, rows: 4 }); break;
      case "image": field(fs, L("image"), "url", b.url, { type: "url" }); field(fs, L("alt"), "alt", b.alt); field(fs, L("link"), "link", b.link, { type: "url" }); break;
      case "button": field(fs, L("label"), "label", b.label); field(fs, L("link"), "url", b.url, { type: "url" }); field(fs, L("color"), "color", b.color, { placeholder: "#1a73e8" }); break;
      case "products":
        field(fs, L("products"), "products", (b.products || []).map(function (p) {
          return [p.name, p.price, p.imageUrl, p.url].map(function (v) { return v || ""; }).join(" | ");
        }).join("\n"), { area: true, rows: 4, placeholder: "Tea | ¥1,200 | https://…/tea.jpg | https://…/tea" });
        field(fs, L("linklabel"), "label", b.label);
        break;
      case "coupon": field(fs, L("text"), "text", b.text); field(fs, L("code"), "code", b.code); break;
      case "footer": field(fs, L("footer"), "text", b.text, { area: true, rows: 2 }); field(fs, L("unsubscribe"), "label", b.label || t("js.msgt.unsubscribe")); break;
    }
    return fs;
  }
  function readBlocks(list) {
    return Array.prototype.map.call(list.querySelectorAll(":scope > fieldset.list-item"), function (fs) {
      var v = values(fs), b = { type: fs.dataset.kind };
      Object.keys(v).forEach(function (k) {
        if (k === "products") {
          b.products = v.products.split("\n").filter(function (l) { return l.trim(); }).map(function (l) {
            var c = l.split("|").map(function (s) { return s.trim(); });
            var p = { name: c[0] || "" };
            if (c[1]) p.price = c[1];
            if (c[2]) p.imageUrl = c[2];
            if (c[3]) p.url = c[3];
            return p;
          });
        } else if (v[k] !== "") { b[k] = v[k]; }
      });
      return b;
    });
  }
  // starter is the email a new template begins with.
  function starter() {
    return [
      { type: "header", text: t("js.msgt.start.title") },
      { type: "text", text: t("js.msgt.start.text") },
      { type: "button", label: t("js.msgt.start.button"), url: "https://" },
      { type: "footer", label: t("js.msgt.unsubscribe") }
    ];
  }

  // ---- LINE messages ----

  // kinds are the LINE messages with editors of their own
  // (msgeditor-line.js: template, imagemap, sticker).
  function kinds() { return window.tabijiLineKinds || {}; }
  function addLine(list, m) {
    var fs = item(list, m.type, t(key("js.msgt.line.", m.type)));
    var L = function (k) { return t(key("js.msgt.f.", k)); };
    if (kinds()[m.type]) kinds()[m.type].add(fs, m);
    if (m.type === "text") field(fs, L("text"), "text", m.text, { area: true, rows: 3 });
    if (m.type === "image") {
      field(fs, L("image"), "originalContentUrl", m.originalContentUrl, { type: "url" });
      field(fs, L("preview"), "previewImageUrl", m.previewImageUrl, { type: "url" });
    }
    if (m.type === "flex") {
      field(fs, L("alt"), "altText", m.altText);
      field(fs, L("flex"), "contents", m.contents ? JSON.stringify(m.contents, null, 2) : "", { area: true, rows: 12 });
    }
    var chips = ((m.quickReply && m.quickReply.items) || []).map(function (i) { return (i.action && i.action.label) || ""; });
    field(fs, L("quick"), "quick", chips.join(", "));
    fs.dataset.extra = JSON.stringify(rest(m));
    return fs;
  }
  // rest keeps a message's fields the editor has no input for.
  function rest(m) {
    var out = {};
    Object.keys(m).forEach(function (k) {
      if (["type", "text", "originalContentUrl", "previewImageUrl", "altText", "contents", "quickReply",
        "template", "baseUrl", "baseSize", "actions", "packageId", "stickerId"].indexOf(k) < 0) out[k] = m[k];
    });
    return out;
  }
  function readLine(list) {
    return Array.prototype.map.call(list.querySelectorAll(":scope > fieldset.list-item"), function (fs) {
      var v = values(fs), m = JSON.parse(fs.dataset.extra || "{}");
      m.type = fs.dataset.kind;
      // paths: the inputs by the path a problem names inside the message.
      fs.paths = {};
      var own = kinds()[m.type];
      if (own) {
        var read = own.read(fs, fs.paths);
        Object.keys(read).forEach(function (k) { m[k] = read[k]; });
      }
      Object.keys(v).forEach(function (k) {
        if (k === "quick") return;
        if (k === "contents") {
          try { m.contents = JSON.parse(v.contents); } catch (e) { m.contents = v.contents; }
          return;
        }
        if (v[k] !== "") m[k] = v[k];
      });
      var labels = v.quick.split(",").map(function (s) { return s.trim(); }).filter(Boolean);
      if (labels.length) {
        m.quickReply = { items: labels.map(function (l) { return { type: "action", action: { type: "message", label: l, text: l } }; }) };
      }
      return m;
    });
  }
  function starterLine(kind) {
    if (kinds().starters && kinds().starters[kind]) return kinds().starters[kind]();
    if (kind === "flex") {
      return { type: "flex", altText: "…", contents: { type: "bubble", body: { type: "box", layout: "vertical", contents: [{ type: "text", text: "Hello", weight: "bold", size: "xl" }] } } };
    }
    if (kind === "image") return { type: "image", originalContentUrl: "https://", previewImageUrl: "https://" };
    return { type: "text", text: "" };
  }

  window.tabijiBlocks = { addBlock: addBlock, readBlocks: readBlocks, starter: starter, addLine: addLine, readLine: readLine, starterLine: starterLine };
})();

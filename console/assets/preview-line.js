// LINE's template, imagemap and sticker messages, and an SMS, drawn as the
// customer's phone draws them, for preview.js (window.tabijiPreviewLine):
//   sticker   the sticker's image from LINE's sticker shop, without a bubble
//   imagemap  the image at its base size's aspect ratio, each action's area
//             drawn over it where LINE makes it tappable
//   template  a buttons card (image, title, text, a button per action), a
//             confirm (text, two buttons side by side) or a carousel of
//             cards that scrolls sideways
//   sms       a phone's message bubble, with the sender above it
(function () {
  "use strict";
  function t() { var tb = window.tabiji; return tb ? tb.t.apply(null, arguments) : String(arguments[0]); }
  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined && text !== null) e.textContent = text;
    return e;
  }
  function httpsURL(u) { return typeof u === "string" && /^https:\/\/[^\s]+$/i.test(u.trim()) ? u.trim() : ""; }
  function img(url, cls, alt) {
    var i = document.createElement("img");
    i.alt = alt || "";
    i.className = cls || "";
    var u = httpsURL(url);
    if (u) i.src = u;
    i.referrerPolicy = "no-referrer";
    return i;
  }

  // sticker: LINE draws a sticker large, on the chat's background.
  function sticker(m) {
    var box = el("div", "line-sticker-image");
    box.dataset.package = m.packageId || "";
    box.dataset.sticker = m.stickerId || "";
    var id = /^\d+$/.test(String(m.stickerId || "")) ? m.stickerId : "";
    box.appendChild(img(id ? "https://stickershop.line-scdn.net/stickershop/v1/sticker/" + id + "/android/sticker.png" : "", "", t("js.preview.sticker", m.packageId || "", m.stickerId || "")));
    return box;
  }

  // imagemap: LINE fetches baseUrl/{width} (240, 300, 460, 700 or 1040)
  // and lays each action's area over it, in base-size coordinates.
  function imagemap(m) {
    var size = m.baseSize || {}, w = Number(size.width) || 1040, h = Number(size.height) || 1040;
    var box = el("div", "line-imagemap");
    box.style.aspectRatio = w + " / " + h;
    box.appendChild(img(httpsURL(m.baseUrl) ? m.baseUrl.replace(/\/+$/, "") + "/700" : "", "line-imagemap-image", m.altText || ""));
    (m.actions || []).forEach(function (a, i) {
      var r = (a && a.area) || {};
      var area = el("span", "line-imagemap-area", a.label || a.text || a.linkUri || "");
      area.dataset.action = a.type || "";
      area.dataset.index = String(i);
      area.style.left = (100 * (Number(r.x) || 0) / w) + "%";
      area.style.top = (100 * (Number(r.y) || 0) / h) + "%";
      area.style.width = (100 * (Number(r.width) || 0) / w) + "%";
      area.style.height = (100 * (Number(r.height) || 0) / h) + "%";
      box.appendChild(area);
    });
    return box;
  }

  // card is a buttons template or a carousel column.
  function card(c, tpl) {
    var box = el("div", "line-tpl-card");
    if (c.thumbnailImageUrl) {
      var pic = img(c.thumbnailImageUrl, "line-tpl-thumb " + (tpl.imageAspectRatio === "square" ? "square" : "rectangle"));
      if (tpl.imageSize === "contain") pic.classList.add("contain");
      if (c.imageBackgroundColor) pic.style.backgroundColor = c.imageBackgroundColor;
      box.appendChild(pic);
    }
    var words = el("div", "line-tpl-words");
    if (c.title) words.appendChild(el("p", "line-tpl-title", c.title));
    words.appendChild(el("p", "line-tpl-text", c.text || ""));
    box.appendChild(words);
    box.appendChild(buttons(c.actions, "line-tpl-actions"));
    return box;
  }
  function buttons(actions, cls) {
    var row = el("div", cls);
    (actions || []).forEach(function (a) {
      var b = el("span", "line-tpl-action", (a && a.label) || "");
      b.dataset.action = (a && a.type) || "";
      row.appendChild(b);
    });
    return row;
  }
  function template(m) {
    var tpl = m.template || {};
    var out;
    if (tpl.type === "carousel") {
      out = el("div", "line-tpl-carousel");
      (tpl.columns || []).forEach(function (c) { out.appendChild(card(c || {}, tpl)); });
    } else if (tpl.type === "confirm") {
      out = el("div", "line-tpl-card line-tpl-confirm");
      out.appendChild(el("p", "line-tpl-text", tpl.text || ""));
      out.appendChild(buttons(tpl.actions, "line-tpl-actions side-by-side"));
    } else {
      out = card(tpl, tpl);
      out.classList.add("line-tpl-buttons");
    }
    out.dataset.altText = m.altText || "";
    return out;
  }

  // sms is the message as a phone's messages app shows it.
  function sms(body, from) {
    var phone = el("div", "sms-phone");
    if (from) phone.appendChild(el("p", "sms-from", from));
    phone.appendChild(el("p", "sms sms-bubble", body || ""));
    return phone;
  }

  window.tabijiPreviewLine = { sticker: sticker, imagemap: imagemap, template: template, sms: sms };
})();

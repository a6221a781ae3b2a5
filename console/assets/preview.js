// The message preview every page shares (journey preview, message
// templates, the canvas): each channel drawn as the customer's device
// draws it. window.tabijiPreview offers:
//   message(m)            a journey simulation's message {channel, node, subject, body}
//   render(channel, c)    a template preview's content (c.email, c.line or c.push)
//   email(e)              {subject, preheader, from, fromName, html, text}: desktop and phone frames
//   line(messages)        LINE message objects as LINE's chat draws them
//   flex(container)       one Flex bubble or carousel, as LINE's Flex Message Simulator draws it
//   push(p)               {title, body, imageUrl, deepLink}: an Android and an iOS notification
// preview-line.js, where a page loads it, draws LINE's template, imagemap
// and sticker messages and an SMS as a phone's bubble.
// An email is drawn in a sandboxed frame (no scripts, no forms, no
// navigation of the page) whose document, /ui/email-frame, has its own
// policy: inline styles and https images, nothing else.
(function () {
  "use strict";
  // t reads the page's messages when called: console.js, which makes
  // window.tabiji, may load after this file.
  function t() {
    var tb = window.tabiji;
    return tb ? tb.t.apply(null, arguments) : String(arguments[0]);
  }

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined && text !== null) e.textContent = text;
    return e;
  }
  function parse(s) { try { return JSON.parse(s); } catch (e) { return null; } }
  // safeURL keeps http(s) and data:image URLs; anything else (javascript:)
  // is never put in the page.
  function safeURL(u) {
    return typeof u === "string" && /^(https?:\/\/|data:image\/)/i.test(u.trim()) ? u.trim() : "";
  }
  function img(url, cls) {
    var i = document.createElement("img");
    i.alt = "";
    i.className = cls || "";
    var u = safeURL(url);
    if (u) i.src = u;
    i.referrerPolicy = "no-referrer";
    return i;
  }

  // ---- Email ----

  // email draws the envelope (sender, subject, preheader), the HTML at
  // desktop and phone widths, and the text part as it will be sent.
  function email(e) {
    var box = el("div", "email-preview");
    var head = el("dl", "email-envelope");
    function row(k, v) { if (!v) return; head.appendChild(el("dt", "", t(k))); head.appendChild(el("dd", "", v)); }
    row("js.preview.from", e.fromName ? e.fromName + " <" + (e.from || "") + ">" : e.from);
    row("js.preview.preheader", e.preheader);
    box.appendChild(el("p", "subject", e.subject || ""));
    if (head.children.length) box.appendChild(head);
    var widths = el("div", "email-widths");
    widths.appendChild(emailFrame(e.html || "", "desktop", t("js.preview.desktop")));
    widths.appendChild(emailFrame(e.html || "", "phone", t("js.preview.phone")));
    box.appendChild(widths);
    if (e.text) {
      var d = el("details", "email-text");
      d.appendChild(el("summary", "", t("js.preview.text")));
      d.appendChild(el("pre", "", e.text));
      box.appendChild(d);
    }
    return box;
  }
  // emailFrame is one width: a sandboxed frame the HTML is written into
  // once its empty document has loaded. The HTML is parsed by DOMParser,
  // which runs nothing, and the sandbox runs no script in the frame.
  function emailFrame(html, width, label) {
    var fig = el("figure", "email-frame " + width);
    fig.dataset.width = width;
    fig.appendChild(el("figcaption", "", label));
    var frame = document.createElement("iframe");
    frame.setAttribute("sandbox", "allow-same-origin");
    frame.setAttribute("title", t("js.preview.email") + " (" + label + ")");
    frame.setAttribute("referrerpolicy", "no-referrer");
    frame.className = "email " + width;
    frame.dataset.html = html;
    frame.addEventListener("load", function () {
      var doc = frame.contentDocument;
      if (!doc || frame.dataset.written === "1" || doc.location.pathname !== "/ui/email-frame") return;
      var parsed = new DOMParser().parseFromString(html, "text/html");
      parsed.querySelectorAll("script, iframe, object, embed, form, base, meta[http-equiv]").forEach(function (n) { n.remove(); });
      doc.replaceChild(doc.importNode(parsed.documentElement, true), doc.documentElement);
      frame.dataset.written = "1";
      frame.dispatchEvent(new CustomEvent("written"));
    });
    frame.src = "/ui/email-frame";
    fig.appendChild(frame);
    return fig;
  }

  // ---- LINE ----

  var SIZES = { xxs: "11px", xs: "13px", sm: "14px", md: "16px", lg: "19px", xl: "22px", xxl: "29px", "3xl": "35px", "4xl": "48px", "5xl": "74px" };
  var SPACE = { none: "0", xs: "2px", sm: "4px", md: "8px", lg: "12px", xl: "16px", xxl: "20px" };
  var RADIUS = { none: "0", xs: "2px", sm: "4px", md: "8px", lg: "12px", xl: "16px", xxl: "20px" };
  var BORDER = { none: "0", light: "0.5px", normal: "1px", medium: "2px", "semi-bold": "3px", bold: "4px" };
  var IMAGE = { xxs: "40px", xs: "60px", sm: "80px", md: "100px", lg: "120px", xl: "140px", xxl: "160px", "3xl": "180px", "4xl": "200px", "5xl": "240px", full: "100%" };
  var ICON = { xxs: "11px", xs: "13px", sm: "14px", md: "16px", lg: "19px", xl: "22px", xxl: "29px", "3xl": "35px", "4xl": "48px", "5xl": "74px" };
  var BUBBLE = { nano: "120px", micro: "160px", deca: "220px", hecto: "241px", kilo: "260px", mega: "300px", giga: "500px" };
  var ALIGN = { start: "flex-start", end: "flex-end", center: "center" };
  var GRAVITY = { top: "flex-start", bottom: "flex-end", center: "center" };

  function px(v, table) { return v === undefined || v === null ? "" : (table[v] || String(v)); }

  // lineMessages reads a message body: a JSON array of message objects,
  // {messages: [...]}, one object, or plain text.
  function lineMessages(body) {
    var v = typeof body === "string" ? parse(body) : body;
    if (Array.isArray(v)) return v;
    if (v && Array.isArray(v.messages)) return v.messages;
    if (v && v.type) return [v];
    return [{ type: "text", text: String(body) }];
  }

  // line draws the messages in a LINE chat: the account's bubbles on the
  // left, the last message's quick reply chips along the bottom.
  function line(messages) {
    var chat = el("div", "line-chat");
    chat.setAttribute("role", "group");
    chat.setAttribute("aria-label", t("js.preview.linechat"));
    var quick = null;
    (messages || []).forEach(function (m) {
      if (!m || typeof m !== "object") return;
      var row = el("div", "line-row type-" + (m.type || "unknown"));
      row.appendChild(el("span", "line-avatar"));
      row.appendChild(lineMessage(m));
      chat.appendChild(row);
      if (m.quickReply && Array.isArray(m.quickReply.items)) quick = m.quickReply.items;
    });
    if (quick) chat.appendChild(quickReply(quick));
    return chat;
  }
  function lineMessage(m) {
    var more = window.tabijiPreviewLine; // preview-line.js, where the page loads it
    if (more && more[m.type]) return more[m.type](m);
    if (m.type === "text") {
      var b = el("div", "bubble line-text", m.text || "");
      return b;
    }
    if (m.type === "image") {
      var w = el("div", "line-image");
      w.appendChild(img(m.previewImageUrl || m.originalContentUrl, ""));
      return w;
    }
    if (m.type === "flex") {
      var f = flex(m.contents);
      f.dataset.altText = m.altText || "";
      return f;
    }
    if (m.type === "sticker") return el("div", "line-sticker", "[sticker " + (m.packageId || "") + "/" + (m.stickerId || "") + "]");
    return el("div", "bubble line-other", m.altText || m.text || "[" + m.type + "]");
  }
  function quickReply(items) {
    var bar = el("div", "line-quick-reply");
    items.forEach(function (it) {
      var a = (it && it.action) || {};
      var chip = el("span", "line-chip");
      if (it.imageUrl) chip.appendChild(img(it.imageUrl, "line-chip-icon"));
      chip.appendChild(document.createTextNode(a.label || a.text || a.type || ""));
      chip.dataset.action = a.type || "";
      bar.appendChild(chip);
    });
    return bar;
  }

  // flex draws a Flex container: a bubble, or a carousel of bubbles that
  // scrolls sideways.
  function flex(c) {
    if (c && c.type === "carousel") {
      var car = el("div", "flex-carousel");
      (c.contents || []).forEach(function (b) { car.appendChild(bubble(b, true)); });
      return car;
    }
    return bubble(c || {}, false);
  }
  function bubble(b, inCarousel) {
    var card = el("div", "flex-bubble size-" + (b.size || "mega"));
    card.style.width = BUBBLE[b.size] || BUBBLE.mega;
    if (b.direction === "rtl") card.dir = "rtl";
    var styles = b.styles || {};
    ["header", "hero", "body", "footer"].forEach(function (part, i) {
      var c = b[part];
      if (!c) return;
      var block = el("div", "flex-block flex-" + part);
      var st = styles[part] || {};
      if (st.backgroundColor) block.style.backgroundColor = st.backgroundColor;
      if (st.separator && i > 0) block.style.borderTop = "1px solid " + (st.separatorColor || "#e5e5e5");
      if (part === "hero") block.appendChild(component(c, "vertical"));
      else block.appendChild(box(c, true));
      card.appendChild(block);
    });
    if (inCarousel) card.classList.add("in-carousel");
    return card;
  }

  // box draws a box: a flex row (horizontal, baseline) or column
  // (vertical) whose children share its spacing, as LINE lays them out.
  function box(c, top) {
    var d = el("div", "flex-box layout-" + (c.layout || "vertical"));
    var s = d.style;
    if (c.backgroundColor) s.backgroundColor = c.backgroundColor;
    if (c.borderColor) s.borderColor = c.borderColor;
    if (c.borderWidth) { s.borderWidth = px(c.borderWidth, BORDER); s.borderStyle = "solid"; }
    if (c.cornerRadius) s.borderRadius = px(c.cornerRadius, RADIUS);
    ["width", "maxWidth", "height", "maxHeight"].forEach(function (k) { if (c[k]) s[k] = c[k]; });
    if (c.paddingAll) s.padding = px(c.paddingAll, SPACE);
    if (c.paddingTop) s.paddingTop = px(c.paddingTop, SPACE);
    if (c.paddingBottom) s.paddingBottom = px(c.paddingBottom, SPACE);
    if (c.paddingStart) s.paddingInlineStart = px(c.paddingStart, SPACE);
    if (c.paddingEnd) s.paddingInlineEnd = px(c.paddingEnd, SPACE);
    if (c.justifyContent) s.justifyContent = c.justifyContent;
    if (c.alignItems) s.alignItems = c.alignItems;
    if (c.background && c.background.type === "linearGradient") {
      s.backgroundImage = "linear-gradient(" + (c.background.angle || "0deg") + ", " + (c.background.startColor || "#fff") +
        (c.background.centerColor ? ", " + c.background.centerColor + " " + (c.background.centerPosition || "50%") : "") + ", " + (c.background.endColor || "#fff") + ")";
    }
    if (top) d.classList.add("flex-top");
    var layout = c.layout || "vertical";
    (c.contents || []).forEach(function (child, i) {
      var e = component(child, layout);
      if (!e) return;
      var gap = child.margin !== undefined ? child.margin : (i > 0 ? c.spacing : undefined);
      if (gap !== undefined && i > 0) e.style[layout === "vertical" ? "marginTop" : "marginInlineStart"] = px(gap, SPACE);
      else if (child.margin !== undefined && i === 0) e.style[layout === "vertical" ? "marginTop" : "marginInlineStart"] = px(child.margin, SPACE);
      d.appendChild(e);
    });
    flexItem(d, c, layout);
    return d;
  }
  // flexItem sizes a component inside its parent box: LINE's default flex
  // is 1 in a horizontal or baseline box and 0 in a vertical one.
  function flexItem(e, c, parentLayout) {
    var grow = c.flex !== undefined ? c.flex : (parentLayout === "vertical" ? 0 : 1);
    e.style.flex = grow + " " + (grow > 0 ? "0 0" : "0 auto");
    e.dataset.flex = String(grow);
    if (c.position === "absolute") e.style.position = "absolute";
    else if (c.offsetTop || c.offsetStart || c.offsetBottom || c.offsetEnd) e.style.position = "relative";
    if (c.offsetTop) e.style.top = px(c.offsetTop, SPACE);
    if (c.offsetBottom) e.style.bottom = px(c.offsetBottom, SPACE);
    if (c.offsetStart) e.style.insetInlineStart = px(c.offsetStart, SPACE);
    if (c.offsetEnd) e.style.insetInlineEnd = px(c.offsetEnd, SPACE);
    if (c.gravity && parentLayout !== "vertical") e.style.alignSelf = GRAVITY[c.gravity] || "";
    if (c.action) e.dataset.action = c.action.type || "";
  }
  function component(c, parentLayout) {
    if (!c || typeof c !== "object") return null;
    var e;
    switch (c.type) {
      case "box": e = box(c, false); return e;
      case "text": e = text(c); break;
      case "image": e = image(c); break;
      case "icon": e = img(c.url, "flex-icon"); e.style.width = px(c.size || "md", ICON); break;
      case "button": e = button(c); break;
      case "separator":
        e = el("div", "flex-separator");
        if (c.color) e.style.borderColor = c.color;
        e.classList.add(parentLayout === "vertical" ? "across" : "down");
        break;
      case "filler": e = el("div", "flex-filler"); break;
      case "spacer": e = el("div", "flex-spacer"); e.style.minHeight = e.style.minWidth = px(c.size || "md", SPACE); break;
      case "video": e = image({ url: c.previewUrl, aspectRatio: c.aspectRatio, size: "full" }); e.classList.add("flex-video"); break;
      default: e = el("div", "flex-unknown", "[" + c.type + "]");
    }
    e.dataset.type = c.type;
    flexItem(e, c, parentLayout);
    if (c.type === "filler" && c.flex === undefined) e.style.flex = "1 0 0";
    return e;
  }
  function text(c) {
    var p = el("p", "flex-text");
    var s = p.style;
    s.fontSize = px(c.size || "md", SIZES);
    if (c.color) s.color = c.color;
    if (c.weight === "bold") s.fontWeight = "700";
    if (c.style === "italic") s.fontStyle = "italic";
    if (c.decoration && c.decoration !== "none") s.textDecoration = c.decoration;
    if (c.align) s.textAlign = c.align === "start" ? "start" : c.align === "end" ? "end" : "center";
    if (c.lineSpacing) s.lineHeight = "calc(1.4em + " + c.lineSpacing + ")";
    if (c.wrap) { p.classList.add("wrap"); if (c.maxLines) { s.webkitLineClamp = String(c.maxLines); p.classList.add("clamp"); } }
    if (Array.isArray(c.contents) && c.contents.length) {
      c.contents.forEach(function (sp) {
        if (!sp || sp.type !== "span") return;
        var span = el("span", "flex-span", sp.text || "");
        if (sp.size) span.style.fontSize = px(sp.size, SIZES);
        if (sp.color) span.style.color = sp.color;
        if (sp.weight === "bold") span.style.fontWeight = "700";
        if (sp.style === "italic") span.style.fontStyle = "italic";
        if (sp.decoration && sp.decoration !== "none") span.style.textDecoration = sp.decoration;
        p.appendChild(span);
      });
    } else {
      p.textContent = c.text || "";
    }
    return p;
  }
  function image(c) {
    var w = el("div", "flex-image");
    var size = c.size || "md";
    w.style.width = px(size, IMAGE);
    w.style.maxWidth = "100%";
    var ratio = (c.aspectRatio || "1:1").split(":");
    var i = img(c.url, "flex-img");
    i.style.aspectRatio = (parseFloat(ratio[0]) || 1) + " / " + (parseFloat(ratio[1]) || 1);
    i.style.objectFit = c.aspectMode === "cover" ? "cover" : "contain";
    if (c.backgroundColor) i.style.backgroundColor = c.backgroundColor;
    w.appendChild(i);
    var align = ALIGN[c.align || "center"];
    w.style.alignSelf = align;
    w.style.marginInline = align === "center" ? "auto" : "";
    return w;
  }
  function button(c) {
    var a = c.action || {};
    var b = el("span", "flex-button style-" + (c.style || "link") + " height-" + (c.height || "md"), a.label || "");
    if (c.color) {
      if (c.style === "primary" || c.style === "secondary") b.style.backgroundColor = c.color;
      else b.style.color = c.color;
    }
    if (a.type === "uri" && a.uri) b.title = a.uri;
    return b;
  }

  // ---- Push ----

  // push draws the notification twice: as Android's shade shows it and as
  // iOS's lock screen shows it.
  function push(p) {
    var wrap = el("div", "push-preview");
    wrap.appendChild(pushMock("android", p, t("js.preview.android")));
    wrap.appendChild(pushMock("ios", p, t("js.preview.ios")));
    return wrap;
  }
  function pushMock(os, p, label) {
    var fig = el("figure", "push-device " + os);
    fig.dataset.os = os;
    fig.appendChild(el("figcaption", "", label));
    var note = el("div", "push-note " + os);
    var head = el("div", "push-head");
    head.appendChild(el("span", "push-app-icon"));
    head.appendChild(el("span", "push-app", t("js.preview.app")));
    head.appendChild(el("span", "push-when", t("js.preview.now")));
    note.appendChild(head);
    var main = el("div", "push-main");
    var words = el("div", "push-words");
    words.appendChild(el("strong", "push-title", p.title || ""));
    words.appendChild(el("p", "push-body", p.body || ""));
    main.appendChild(words);
    if (safeURL(p.imageUrl)) main.appendChild(img(p.imageUrl, "push-image"));
    note.appendChild(main);
    if (p.deepLink) note.appendChild(el("p", "push-link", p.deepLink));
    fig.appendChild(note);
    return fig;
  }

  // ---- Entry points ----

  // render draws a template preview's content for its channel.
  function render(channel, c) {
    c = c || {};
    if (channel === "email") return email(c.email || c);
    if (channel === "line") return line(Array.isArray(c.line) ? c.line : lineMessages(c.line || c.messages || c));
    if (channel === "push") return push(c.push || c);
    if (window.tabijiPreviewLine) return window.tabijiPreviewLine.sms((c.sms && c.sms.body) || c.body || "", c.from);
    return el("p", "sms", (c.sms && c.sms.body) || c.body || "");
  }

  // message draws one message of a journey simulation in a section.
  function message(m) {
    var box = el("section", "message channel-" + m.channel);
    box.dataset.channel = m.channel;
    if (m.node) box.dataset.node = m.node;
    box.appendChild(el("h3", "", t("js.preview.message", m.channel, m.node || "")));
    if (m.channel === "email") {
      box.appendChild(email({ subject: m.subject, html: m.body, text: m.text }));
    } else if (m.channel === "line") {
      box.appendChild(line(lineMessages(m.body)));
    } else if (m.channel === "push") {
      var n = parse(m.body);
      box.appendChild(push(n && typeof n === "object" ? { title: m.subject || n.title, body: n.body, imageUrl: n.imageUrl, deepLink: n.deepLink } : { title: m.subject, body: m.body }));
    } else {
      box.appendChild(el("p", "sms", m.body));
    }
    return box;
  }

  window.tabijiPreview = { message: message, render: render, email: email, line: line, flex: flex, push: push, lineMessages: lineMessages, safeURL: safeURL };
})();

// The message template editor (/ui/message-templates/{id}, /new): the
// channel's fields (email: subject, preheader, sender and blocks or HTML;
// LINE: message objects; push: title, body, image, link; SMS: the body
// with its character and segment count), checked and
// rendered by the API as the marketer types (POST /v1/templates/render
// with check, which also compiles an email's blocks to HTML and answers a
// refused draft's field errors without a failing status), the preview drawn by
// preview.js with a stored customer's data, save (a new version), a test
// send to oneself and the versions.
document.addEventListener("DOMContentLoaded", function () {
  "use strict";
  var tb = window.tabiji, P = window.tabijiPreview, B = window.tabijiBlocks, S = window.tabijiSMS;
  var form = document.getElementById("msg-form");
  if (!tb || !P || !B || !S || !form) return;
  var t = tb.t;
  var id = form.dataset.id, can = form.dataset.can === "1";
  var $ = function (i) { return document.getElementById(i); };
  var chooser = $("m-channel"), mode = $("m-mode"), blocks = $("blocks"), lines = $("line-messages");
  var errors = $("msg-errors"), out = $("msg-preview");
  var base = {}; // the loaded content, whose fields the editor has no input for are kept
  var customer = "", source = null, timer = null, asked = 0;

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined) e.textContent = text;
    return e;
  }
  function channel() { return chooser.value; }
  // toHint is what a test send goes to on each channel.
  var toHint = { email: t("js.msgt.to.email"), line: t("js.msgt.to.line"), push: t("js.msgt.to.push"), sms: t("js.msgt.to.sms") };
  function showChannel() {
    document.querySelectorAll(".channel-fields").forEach(function (f) { f.hidden = f.dataset.for !== channel(); });
    if ($("test-to")) $("test-to").placeholder = toHint[channel()] || "";
    var html = mode.value === "html";
    $("html-mode").hidden = !html;
    blocks.hidden = html;
    $("block-add").hidden = html;
  }

  // content is the template's content as the API takes it.
  function content() {
    var c = JSON.parse(JSON.stringify(base));
    if (channel() === "email") {
      c.subject = $("m-subject").value; c.preheader = $("m-preheader").value;
      c.from = $("m-from").value; c.fromName = $("m-fromname").value;
      delete c.blocks; delete c.html; delete c.text;
      if (mode.value === "html") c.html = $("m-html").value; else c.blocks = B.readBlocks(blocks);
      ["preheader", "fromName"].forEach(function (k) { if (!c[k]) delete c[k]; });
    } else if (channel() === "line") {
      c.messages = B.readLine(lines);
    } else if (channel() === "sms") {
      c.body = $("m-sms-body").value;
    } else {
      c.title = $("m-title").value; c.body = $("m-body").value;
      c.imageUrl = $("m-image").value; c.deepLink = $("m-link").value;
      ["imageUrl", "deepLink"].forEach(function (k) { if (!c[k]) delete c[k]; });
    }
    return c;
  }
  function fill(ch, c) {
    base = c || {};
    chooser.value = ch;
    if (ch === "email") {
      $("m-subject").value = c.subject || ""; $("m-preheader").value = c.preheader || "";
      $("m-from").value = c.from || ""; $("m-fromname").value = c.fromName || "";
      blocks.textContent = "";
      var bs = c.blocks && c.blocks.length ? c.blocks : (c.html ? [] : B.starter());
      bs.forEach(function (b) { B.addBlock(blocks, b); });
      mode.value = c.html && !(c.blocks && c.blocks.length) ? "html" : "blocks";
      $("m-html").value = c.html || "";
    } else if (ch === "line") {
      lines.textContent = "";
      (c.messages && c.messages.length ? c.messages : [B.starterLine("text")]).forEach(function (m) { B.addLine(lines, m); });
    } else if (ch === "sms") {
      $("m-sms-body").value = c.body || "";
    } else if (ch === "push") {
      $("m-title").value = c.title || ""; $("m-body").value = c.body || "";
      $("m-image").value = c.imageUrl || ""; $("m-link").value = c.deepLink || "";
    }
    showChannel();
    smsCount();
  }
  // smsCount shows the SMS body's characters and segments as typed.
  function smsCount() { $("sms-count").textContent = S.describe(S.count($("m-sms-body").value)); }
  S.variables($("m-sms-vars"), $("m-sms-body"), can ? tb.api : null);
  $("m-sms-body").addEventListener("input", smsCount);

  // problems lists the API's field errors and marks the inputs they name.
  function problems(res) {
    var ul = $("msg-problems");
    ul.textContent = "";
    document.querySelectorAll("[aria-invalid]").forEach(function (i) { i.removeAttribute("aria-invalid"); });
    if (!res) { errors.hidden = true; return; }
    var p = res.body || {};
    var list = p.errors && p.errors.length ? p.errors : [{ field: "", message: p.detail || t("js.error", res.status) }];
    list.forEach(function (e) {
      var li = el("li", "", (e.field ? e.field + ": " : "") + e.message);
      li.dataset.problem = e.field || "";
      ul.appendChild(li);
      var sel = '[data-field="' + CSS.escape(e.field || "") + '"]:not(div)';
      var input = form.querySelector('.channel-fields[data-for="' + channel() + '"] ' + sel) || form.querySelector(sel) || blockInput(e.field || "");
      if (input) input.setAttribute("aria-invalid", "true");
    });
    errors.hidden = false;
  }
  // blockInput is the input a field such as content.blocks[2].url names.
  function blockInput(field) {
    var m = /^content\.(blocks|messages)\[(\d+)\]\.?([A-Za-z]*)/.exec(field);
    if (!m) return null;
    var fs = (m[1] === "blocks" ? blocks : lines).querySelectorAll(":scope > fieldset.list-item")[+m[2]];
    if (!fs) return null;
    // A template, imagemap or sticker knows the input of each path in it
    // (template.columns[0].actions[1].uri), else of the nearest above it.
    for (var rest = field.slice(m[0].length - m[3].length); fs.paths && rest; rest = rest.replace(/(\.[A-Za-z]+|\[\d+\])$/, "")) {
      if (fs.paths[rest]) return fs.paths[rest];
      if (!/(\.[A-Za-z]+|\[\d+\])$/.test(rest)) break;
    }
    return fs.querySelector('[data-key="' + CSS.escape(m[3] === "products" ? "products" : m[3]) + '"]') || fs.querySelector("[data-key]");
  }

  // render asks the API to check and render the draft; only the latest
  // answer is drawn, and a refused draft clears the preview.
  function render() {
    if (!can) return;
    var n = ++asked;
    // check: a draft the rules refuse is answered 200 with its field
    // errors, so the live check never makes a failing request.
    var req = { channel: channel(), content: content(), check: true };
    if (customer) req.profileId = customer;
    tb.api("POST", "/v1/templates/render", req).then(function (res) {
      if (n !== asked) return;
      out.textContent = "";
      if (!res.ok || res.body.valid === false) { problems(res); source = null; return; }
      problems(null);
      source = res.body.source;
      var c = res.body.content || {};
      if (c.email && $("m-preheader").value) c.email.preheader = $("m-preheader").value;
      var box = el("section", "message channel-" + channel());
      box.dataset.channel = channel();
      box.appendChild(P.render(channel(), c));
      if (c.sms) box.appendChild(el("p", "hint sms-rendered-count", S.describe(S.count(c.sms.body || ""))));
      out.appendChild(box);
    });
  }
  function soon() { clearTimeout(timer); timer = setTimeout(render, 400); }

  form.addEventListener("input", soon);
  form.addEventListener("change", soon);
  chooser.addEventListener("change", function () { fill(channel(), {}); });
  mode.addEventListener("change", function () {
    if (mode.value === "html" && source && source.html && !$("m-html").value) $("m-html").value = source.html;
    showChannel();
  });
  $("add-block").addEventListener("click", function () {
    var k = $("m-block-kind").value;
    var fs = B.addBlock(blocks, { type: k, label: k === "footer" ? t("js.msgt.unsubscribe") : undefined });
    var first = fs.querySelector("[data-key]");
    if (first) first.focus();
    soon();
  });
  $("add-line").addEventListener("click", function () { B.addLine(lines, B.starterLine($("m-line-kind").value)); soon(); });

  // Save: a new template (POST) or its next version (PUT).
  form.addEventListener("submit", function (ev) {
    ev.preventDefault();
    var body = { name: $("m-name").value, content: content() };
    var call = id ? tb.api("PUT", "/v1/templates/" + encodeURIComponent(id), body)
      : tb.api("POST", "/v1/templates", (body.channel = channel(), body));
    call.then(function (res) {
      if (!res.ok) { problems(res); return; }
      problems(null);
      if (!id) { window.location.href = "/ui/message-templates/" + encodeURIComponent(res.body.id); return; }
      $("msg-saved").textContent = t("js.msgt.saved", res.body.version);
      versions();
    });
  });

  // The customer whose data the preview uses (found as on the journey page).
  $("msg-customer").addEventListener("submit", function (ev) {
    ev.preventDefault();
    var q = $("preview-customer").value.trim();
    tb.api("GET", "/v1/profiles?q=" + encodeURIComponent(q)).then(function (res) {
      var found = res.ok ? res.body.profiles || [] : [];
      if (!found.length) { $("preview-for").textContent = t("js.preview.nocustomer", q); return; }
      customer = found[0].id;
      // A test send on LINE or SMS goes to the customer's own address.
      var own = { line: found[0].lineUserId, sms: found[0].phone }[channel()];
      if (own && $("test-to")) $("test-to").value = own;
      $("preview-for").textContent = t("js.preview.for", customer);
      render();
    });
  });

  var test = $("msg-test");
  if (test) {
    test.addEventListener("submit", function (ev) {
      ev.preventDefault();
      var r = $("test-result");
      if (!id) { r.textContent = t("js.msgt.savefirst"); return; }
      var req = { to: $("test-to").value.trim() };
      if (customer) req.profileId = customer;
      tb.api("POST", "/v1/templates/" + encodeURIComponent(id) + "/test-send", req).then(function (res) {
        if (!res.ok) { var p = res.body || {}; r.textContent = (p.errors || []).map(function (e) { return e.field + ": " + e.message; }).join(" ") || p.detail || t("js.error", res.status); return; }
        r.textContent = t("js.test.sent", res.body.to, res.body.sentThrough, res.body.messageId);
      });
    });
  }

  // versions lists the versions, each a link opening it in the editor.
  function versions() {
    var ul = $("msg-versions");
    if (!ul) return;
    tb.api("GET", "/v1/templates/" + encodeURIComponent(id) + "/versions").then(function (res) {
      if (!res.ok) return;
      ul.textContent = "";
      (res.body.versions || []).forEach(function (v) {
        var li = el("li");
        li.dataset.version = v.version;
        var a = el("a", "", t("js.version", v.version));
        a.href = "/ui/message-templates/" + encodeURIComponent(id) + "?version=" + v.version;
        li.appendChild(a);
        li.appendChild(document.createTextNode(" · " + new Date(v.createdAt).toLocaleString()));
        ul.appendChild(li);
      });
    });
  }

  // ready marks the page ready; a stored template is drawn at once, a
  // new one once the marketer starts (its starter is not complete yet).
  function ready(draw) { form.dataset.ready = "1"; if (draw) render(); }
  if (id) {
    var v = new URLSearchParams(window.location.search).get("version");
    tb.api("GET", "/v1/templates/" + encodeURIComponent(id) + (v ? "?version=" + encodeURIComponent(v) : "")).then(function (res) {
      if (!res.ok) { problems(res); return; }
      $("m-name").value = res.body.name;
      fill(res.body.channel, res.body.content || {});
      versions();
      ready(true);
    });
  } else {
    fill(form.dataset.channel || "email", {});
    ready(false);
  }
});

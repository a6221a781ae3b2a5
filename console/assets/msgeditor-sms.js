// The message editor's SMS helpers (window.tabijiSMS): the count of an
// SMS body's characters and segments as a carrier bills them, and the list
// that inserts a Liquid variable at the body's caret.
//
// An SMS is sent in GSM-7 when every character is in the GSM 03.38 basic
// set or its extension table (which takes two places each: ^ { } \ [ ] ~ |
// € and form feed): 160 places in one message, 153 in each segment of a
// longer one. Any other character (Japanese, emoji) sends the whole body
// in UCS-2: 70 UTF-16 units in one message, 67 in each segment.
(function () {
  "use strict";
  function t() { var tb = window.tabiji; return tb ? tb.t.apply(null, arguments) : String(arguments[0]); }
  var BASIC = "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà";
  var EXTENDED = "^{}\\[~]|€\f";

  // count is {chars, encoding ("GSM-7" or "UCS-2"), units, segments, per}.
  function count(body) {
    var chars = Array.from(body).length, units = 0, gsm = true;
    for (var i = 0; i < body.length && gsm; i++) {
      var c = body.charAt(i);
      if (BASIC.indexOf(c) >= 0) units += 1;
      else if (EXTENDED.indexOf(c) >= 0) units += 2;
      else gsm = false;
    }
    var single = gsm ? 160 : 70, part = gsm ? 153 : 67;
    if (!gsm) units = body.length;
    var segments = units === 0 ? 0 : units <= single ? 1 : Math.ceil(units / part);
    return { chars: chars, encoding: gsm ? "GSM-7" : "UCS-2", units: units, segments: segments, per: segments > 1 ? part : single };
  }
  // describe is the count in the page's language.
  function describe(c) {
    var enc = c.encoding === "GSM-7" ? t("js.msgt.sms.gsm") : t("js.msgt.sms.ucs");
    return t("js.msgt.sms.count", c.chars, enc, c.segments, c.per);
  }

  // VARIABLES are what every template sees (msgtemplates' bindings); the
  // taxonomy's user properties are added as profile.traits.<name>.
  var VARIABLES = ["customer | honorific", "customer | first_name", "profile.id", "profile.email", "profile.phone",
    "event.name", "event.timestamp | date_ja", "journey.id", "message.id", "message.unsubscribe_url"];

  // variables fills select with the variables and inserts the chosen one
  // at input's caret.
  function variables(select, input, api) {
    var caret = null;
    function add(v) { var o = document.createElement("option"); o.value = v; o.textContent = "{{ " + v + " }}"; select.appendChild(o); }
    VARIABLES.forEach(add);
    if (api) {
      api("GET", "/v1/taxonomy").then(function (res) {
        ((res.ok && res.body && res.body.userProperties) || []).forEach(function (p) { add("profile.traits." + p.name); });
      });
    }
    input.addEventListener("blur", function () { caret = [input.selectionStart, input.selectionEnd]; });
    select.addEventListener("change", function () {
      if (!select.value) return;
      var text = "{{ " + select.value + " }}", at = caret || [input.value.length, input.value.length];
      input.value = input.value.slice(0, at[0]) + text + input.value.slice(at[1]);
      caret = [at[0] + text.length, at[0] + text.length];
      select.value = "";
      input.dispatchEvent(new Event("input", { bubbles: true }));
    });
  }

  window.tabijiSMS = { count: count, describe: describe, variables: variables };
})();

// The editor's helpers for a send node's message: its template name
// suggests the workspace's stored templates of the node's channel
// (GET /v1/templates), and its inline Liquid (subject and body) suggests
// the variables a journey's inline message is rendered with after "{{"
// and has a list to insert one at the caret. The variables are
// msgtemplates' inline bindings: customer (id, email, phone, timezone,
// locale, tags, traits.<the taxonomy's user properties>), event (the entry
// event: name, timestamp, properties.<its properties>), journey (id,
// version, variables.<the journey's>), message (id, confirm_url), and
// lead on a lead step.
import { combobox } from "./editor-cel.js";

const CUSTOMER = ["id", "email", "phone", "timezone", "locale", "tags"];
const LEAD = ["profile", "score", "score_history", "recent_events", "recent_pages"];

// messageOf says what the message at path (nodes.i.template.… or
// nodes.i.fallback_template.…) is sent on and rendered with, or null.
export function messageOf(def, path) {
  if (path[0] !== "nodes" || (path[2] !== "template" && path[2] !== "fallback_template")) return null;
  const n = (def.nodes || [])[path[1]];
  if (!n || n.kind !== "send") return null;
  const order = n.channels || [];
  const channel = path[2] === "template" ? n.channel || order[0] : n.fallback_channel || order[1];
  return { channel: channel || "", lead: n.lead === true, entryEvent: (def.entry && def.entry.event) || "", variables: Object.keys(def.variables || {}) };
}

export class MessageHelp {
  // opts: {t, api, online, cel (its taxonomy)}
  constructor(opts) {
    this.opts = opts;
    this.templates = [];
    this.loading = null;
    this.seq = 0;
  }

  load() {
    if (!this.loading) {
      const own = this.opts.online ? this.opts.api("GET", "/v1/templates").then((r) => { this.templates = (r.ok && r.body && r.body.templates) || []; }) : Promise.resolve();
      this.loading = Promise.all([own, this.opts.cel.load()]);
    }
    return this.loading;
  }

  // variables lists the Liquid names the message at where() may use.
  variables(w) {
    const cel = this.opts.cel;
    const out = CUSTOMER.map((f) => "customer." + f);
    for (const tr of cel.traits()) out.push("customer.traits." + tr);
    out.push("event.name", "event.timestamp");
    if (w.entryEvent) for (const p of cel.properties(w.entryEvent)) out.push("event.properties." + p);
    out.push("journey.id", "journey.version");
    for (const v of w.variables) out.push("journey.variables." + v);
    out.push("message.id", "message.confirm_url");
    if (w.lead) for (const l of LEAD) out.push("lead." + l);
    return out;
  }

  // attachName makes a template name field suggest the stored templates
  // of the message's channel.
  attachName(input, where) {
    const t = this.opts.t;
    combobox(input, t("js.editor.msg.templates"), () => this.load(), (before) => {
      const w = where();
      return this.templates.filter((m) => (!w || !w.channel || m.channel === w.channel) && m.id.startsWith(before) && m.id !== before)
        .slice(0, 12).map((m) => ({ word: before, insert: m.id, label: m.id + " — " + m.name + " (" + m.channel + ")" }));
    });
  }

  // attachLiquid makes a subject or body suggest variables after "{{",
  // and adds the list that inserts one at the caret.
  attachLiquid(input, where) {
    const t = this.opts.t;
    combobox(input, t("js.editor.msg.variables"), () => this.load(), (before) => {
      const m = /\{\{-?\s*([\w.]*)$/.exec(before);
      if (!m) return [];
      return this.variables(where()).filter((v) => v.startsWith(m[1]) && v !== m[1]).slice(0, 12).map((v) => ({ word: m[1], insert: v, label: v }));
    });
    const wrap = document.createElement("div");
    wrap.className = "insert-var";
    const sel = document.createElement("select");
    sel.id = input.id + "-vars";
    sel.dataset.insertFor = input.dataset.path;
    const label = document.createElement("label");
    label.htmlFor = sel.id;
    label.textContent = t("js.editor.msg.insert");
    wrap.append(label, sel);
    input.parentElement.appendChild(wrap);
    let caret = null;
    input.addEventListener("blur", () => { caret = [input.selectionStart, input.selectionEnd]; });
    const fill = () => {
      const keep = sel.value;
      sel.textContent = "";
      sel.appendChild(new Option(t("js.editor.msg.choose"), ""));
      for (const v of this.variables(where())) sel.appendChild(new Option(v, v));
      sel.value = keep;
    };
    fill();
    this.load().then(fill); // the taxonomy's traits and properties, once read
    sel.addEventListener("focus", () => this.load().then(fill));
    sel.addEventListener("change", () => {
      if (!sel.value) return;
      const text = "{{ " + sel.value + " }}";
      const [a, b] = caret || [input.value.length, input.value.length];
      input.value = input.value.slice(0, a) + text + input.value.slice(b);
      caret = [a + text.length, a + text.length];
      sel.value = "";
      input.dispatchEvent(new Event("input", { bubbles: true }));
      input.dispatchEvent(new Event("change", { bubbles: true }));
    });
  }
}

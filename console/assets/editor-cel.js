// The editor's helpers for CEL conditions and event names: an ARIA
// combobox that suggests, as the user types, the event names and the
// event properties of the workspace's taxonomy (GET /v1/taxonomy), the
// customer's traits (its user properties) and the variables a condition
// reads; and, for a condition, the API's own check a moment after the
// last key (POST /v1/journeys/check-expression): the error saving would
// give, or the taxonomy's warnings. Arrow keys move in the list, Enter or
// Tab takes the suggestion, Escape closes it.

const ROOTS = ["profile", "event", "entry", "journey", "now"];
const FIELDS = {
  profile: ["id", "traits", "tags", "email", "phone", "timezone", "locale"],
  event: ["name", "properties", "context", "timestamp", "message_id"],
  entry: ["name", "properties", "context", "timestamp", "message_id"]
};
const CHECK_DELAY = 350;

// contextOf says where the condition at path sits (journey.ConditionContexts),
// and which events its `event` and `entry` are.
export function contextOf(def, path) {
  const entryEvent = (def.entry && def.entry.event) || "";
  const at = (p) => p.reduce((v, k) => (v == null ? undefined : v[k]), def);
  const p = path.join(".");
  let m;
  if (p === "entry.filter") return { context: "entry_filter", event: entryEvent, entryEvent };
  if ((m = /^nodes\.(\d+)\.events\.(\d+)\.match$/.exec(p))) return { context: "wait_for_match", event: at(["nodes", +m[1], "events", +m[2], "event"]) || "", entryEvent };
  if (/^nodes\.\d+\.cases\.\d+\.condition$/.test(p)) return { context: "branch_condition", event: "", entryEvent };
  if ((m = /^exit_criteria\.events\.(\d+)\.match$/.exec(p))) return { context: "exit_match", event: at(["exit_criteria", "events", +m[1], "event"]) || "", entryEvent };
  if (p === "exit_criteria.condition") return { context: "exit_condition", event: "", entryEvent };
  if (p === "goal.match") return { context: "goal_match", event: at(["goal", "event"]) || "", entryEvent };
  return null;
}

export class CELHelp {
  // opts: {t, api, online}
  constructor(opts) {
    this.opts = opts;
    this.taxonomy = null;
    this.loading = null;
  }

  load() {
    if (!this.loading) {
      this.loading = this.opts.online
        ? this.opts.api("GET", "/v1/taxonomy").then((r) => { this.taxonomy = r.ok && r.body ? r.body : { events: [], userProperties: [] }; })
        : Promise.resolve().then(() => { this.taxonomy = { events: [], userProperties: [] }; });
    }
    return this.loading;
  }

  eventNames() { return ((this.taxonomy && this.taxonomy.events) || []).map((e) => e.name); }

  properties(event) {
    const evs = (this.taxonomy && this.taxonomy.events) || [];
    const named = evs.find((e) => e.name === event);
    const props = named ? named.properties || [] : evs.flatMap((e) => e.properties || []);
    return [...new Set(props.map((p) => p.name))];
  }

  traits() { return ((this.taxonomy && this.taxonomy.userProperties) || []).map((p) => p.name); }

  // suggest lists what may come at the caret of text: [{insert, label}],
  // insert replacing the word being typed.
  suggest(text, where) {
    let m;
    const pick = (list, word, detail) => list.filter((s) => s.startsWith(word) && s !== word).sort().slice(0, 12).map((s) => ({ word, insert: s, label: detail ? s + " — " + detail : s }));
    if ((m = /\b(event|entry)\.name\s*(?:==|!=)\s*["']([^"']*)$/.exec(text))) return pick(this.eventNames(), m[2], this.opts.t("js.editor.cel.event"));
    if ((m = /\b(event|entry)\.properties\.([A-Za-z_]\w*)?$/.exec(text)) || (m = /\b(event|entry)\.properties\[["']([^"']*)$/.exec(text))) {
      const ev = m[1] === "entry" ? where.entryEvent : where.event;
      return pick(this.properties(ev), m[2] || "", this.opts.t("js.editor.cel.property", ev || "*"));
    }
    if ((m = /\bprofile\.traits\.([A-Za-z_]\w*)?$/.exec(text)) || (m = /\bprofile\.traits\[["']([^"']*)$/.exec(text))) return pick(this.traits(), m[1] || "", this.opts.t("js.editor.cel.trait"));
    if ((m = /\b(profile|event|entry)\.([A-Za-z_]\w*)?$/.exec(text))) return pick(FIELDS[m[1]], m[2] || "");
    if ((m = /(?:^|[^\w.])([a-z]\w*)$/.exec(text))) return pick(ROOTS, m[1]);
    return [];
  }

  // attach makes input a combobox: kind "cel" (a condition, checked by the
  // API; where() says its context) or "event" (an event name).
  attach(input, kind, where) {
    const t = this.opts.t;
    const suggest = kind === "cel" ? (before) => this.suggest(before, where())
      : (before) => this.eventNames().filter((n) => n.startsWith(before) && n !== before).sort().slice(0, 12).map((n) => ({ word: before, insert: n, label: n }));
    combobox(input, t(kind === "cel" ? "js.editor.cel.list" : "js.editor.cel.events"), () => this.load(), suggest);
    if (kind !== "cel") return;
    input.addEventListener("input", () => this.checkLater(input, where));
    if (input.value.trim()) this.checkLater(input, where);
  }

  // checkLater asks the API about the condition a moment after the last
  // key, and shows its answer below the field (only the latest answer).
  checkLater(input, where) {
    clearTimeout(input.celTimer);
    input.celTimer = setTimeout(() => this.check(input, where()), CHECK_DELAY);
  }

  async check(input, w) {
    if (!this.opts.online || !w || !input.isConnected) return;
    const seq = (input.celSeq = (input.celSeq || 0) + 1);
    input.dataset.checked = "";
    const expression = input.value;
    const res = expression.trim() === "" ? null : await this.opts.api("POST", "/v1/journeys/check-expression", {
      expression, context: w.context, event: w.event || undefined, entryEvent: w.entryEvent || undefined
    });
    if (seq !== input.celSeq) return; // a later key asked again
    let note = input.parentElement.querySelector(".cel-check");
    if (!note) {
      note = document.createElement("p");
      note.id = input.id + "-check";
      note.setAttribute("aria-live", "polite");
      input.parentElement.appendChild(note);
      input.setAttribute("aria-describedby", ((input.getAttribute("aria-describedby") || "") + " " + note.id).trim());
    }
    const errs = res && res.ok ? res.body.errors || [] : [];
    const warns = res && res.ok ? res.body.warnings || [] : [];
    note.className = "cel-check" + (errs.length ? " field-error" : warns.length ? " warn" : " ok");
    if (!res) note.textContent = "";
    else if (!res.ok) note.textContent = (res.body && res.body.detail) || "";
    else if (errs.length) note.textContent = this.opts.t("js.editor.cel.bad", errs.map((e) => e.message).join(" "));
    else note.textContent = warns.length ? warns.map((e) => e.message).join(" ") : this.opts.t("js.editor.cel.ok");
    if (errs.length) input.setAttribute("aria-invalid", "true"); else input.removeAttribute("aria-invalid");
    input.dataset.checked = errs.length ? "invalid" : warns.length ? "warning" : "valid";
  }
}

// combobox makes input (a text field or area) an ARIA combobox over a
// listbox of suggestions (the list is open when it is not hidden): suggest(textBeforeCaret) lists {word, insert,
// label}, insert replacing word before the caret; load() resolves once
// what it suggests from is there. Arrow keys move, Enter or Tab takes the
// active suggestion, Escape closes, Alt+ArrowDown opens.
export function combobox(input, label, load, suggest) {
  const id = input.id + "-list";
  const list = document.createElement("ul");
  list.id = id;
  list.className = "suggest";
  list.setAttribute("role", "listbox");
  list.setAttribute("aria-label", label);
  list.hidden = true;
  input.after(list);
  // A text field is a combobox; a text area keeps its textbox role (ARIA
  // in HTML allows no other), which takes aria-autocomplete and
  // aria-activedescendant but not aria-expanded.
  const area = input.tagName === "TEXTAREA";
  const expanded = (open) => { if (!area) input.setAttribute("aria-expanded", String(open)); };
  if (!area) input.setAttribute("role", "combobox");
  expanded(false);
  input.setAttribute("aria-autocomplete", "list");
  input.setAttribute("aria-controls", id);
  input.setAttribute("autocomplete", "off");
  let items = [], active = -1;
  const close = () => {
    list.hidden = true; items = []; active = -1;
    expanded(false);
    input.removeAttribute("aria-activedescendant");
  };
  const show = () => {
    const caret = input.selectionStart ?? input.value.length;
    items = suggest(input.value.slice(0, caret));
    list.textContent = "";
    active = -1;
    items.forEach((s, i) => {
      const li = document.createElement("li");
      li.id = id + "-" + i;
      li.setAttribute("role", "option");
      li.setAttribute("aria-selected", "false");
      li.textContent = s.label;
      li.addEventListener("mousedown", (ev) => { ev.preventDefault(); take(i); });
      list.appendChild(li);
    });
    list.hidden = !items.length;
    expanded(items.length > 0);
  };
  const highlight = (i) => {
    active = i;
    [...list.children].forEach((li, k) => li.setAttribute("aria-selected", String(k === i)));
    if (i >= 0) { input.setAttribute("aria-activedescendant", id + "-" + i); list.children[i].scrollIntoView({ block: "nearest" }); }
  };
  const take = (i) => {
    const s = items[i];
    const caret = input.selectionStart ?? input.value.length;
    const start = caret - s.word.length;
    input.value = input.value.slice(0, start) + s.insert + input.value.slice(caret);
    input.setSelectionRange(start + s.insert.length, start + s.insert.length);
    close();
    input.dispatchEvent(new Event("input", { bubbles: true }));
    show();
  };
  input.addEventListener("focus", () => load());
  input.addEventListener("input", () => load().then(show));
  input.addEventListener("blur", close);
  input.addEventListener("keydown", (ev) => {
    if (list.hidden) { if (ev.key === "ArrowDown" && ev.altKey) { load().then(show); ev.preventDefault(); } return; }
    if (ev.key === "ArrowDown") { highlight((active + 1) % items.length); ev.preventDefault(); }
    else if (ev.key === "ArrowUp") { highlight(active <= 0 ? items.length - 1 : active - 1); ev.preventDefault(); }
    else if ((ev.key === "Enter" || ev.key === "Tab") && active >= 0) { take(active); ev.preventDefault(); }
    else if (ev.key === "Escape") { close(); ev.preventDefault(); ev.stopPropagation(); }
  });
}

// The editor's forms, generated from the journey JSON Schema: a node's
// settings for its kind, and the journey's own (entry, re-entry, exit
// criteria, goal, quiet hours…). Each field's widget follows its schema:
// an enum is a select, a boolean a checkbox, weekdays are checkboxes,
// numbers are number inputs, a node reference is a select of the nodes,
// lists of objects (awaited events, branch cases, split variants) are
// rows that can be added and removed, free-form objects are JSON. A field
// writes the definition only when the user changes it.

// The fields each kind of node shows, in order (the schema says which
// each kind requires; these are the ones that mean something for it).
export const KIND_FIELDS = {
  wait: ["duration", "next"],
  wait_until: ["at", "weekdays", "property", "offset", "yearly", "next"],
  wait_for: ["events", "timeout", "on_timeout"],
  branch: ["cases", "default"],
  split: ["variants", "control"],
  send: ["channel", "channels", "template", "fallback_channel", "fallback_template", "topic", "transactional", "lead", "to", "next"],
  update_profile: ["set", "unset", "increment", "add_tags", "remove_tags", "next"],
  webhook: ["url", "body", "headers", "recipient", "lead", "next"],
  exit: []
};

// The journey's own settings, in order.
export const SETTINGS_FIELDS = ["entry", "start", "timezone", "reentry", "exit_criteria", "goal", "quiet_hours", "holdout", "variables", "link_tracking", "line_budget"];

const NODE_REFS = new Set(["next", "on_timeout", "default", "start"]);
const PLACEHOLDERS = { duration: "72h, 5d", timeout: "3d", cooldown: "30d", window: "7d", offset: "-3d", at: "09:00", start: "", end: "" };

export class Forms {
  // opts: {t, schema, editable, change(path, value, structural), nodeIDs(),
  //        decorate(input, key, path, schema): helpers for a field (CEL, events, messages)}
  constructor(opts) {
    this.opts = opts;
    this.defs = opts.schema.$defs || {};
    this.seq = 0;
  }

  resolve(s) {
    let guard = 0;
    while (s && s.$ref && guard++ < 10) s = this.defs[s.$ref.replace("#/$defs/", "")] || {};
    return s || {};
  }

  // nodeForm fills container with the form of node number index.
  nodeForm(container, def, index, errors) {
    const node = def.nodes[index];
    const props = this.resolve({ $ref: "#/$defs/node" }).properties;
    container.textContent = "";
    const base = ["nodes", index];
    container.appendChild(this.field("id", props.id, base.concat("id"), node.id, errors, { required: true, rename: true }));
    for (const key of KIND_FIELDS[node.kind] || Object.keys(props).filter((k) => k !== "id" && k !== "kind")) {
      if (props[key]) container.appendChild(this.field(key, props[key], base.concat(key), node[key], errors, {}));
    }
  }

  // settingsForm fills container with the journey's settings.
  settingsForm(container, def, errors) {
    const props = this.opts.schema.properties;
    container.textContent = "";
    for (const key of SETTINGS_FIELDS) {
      if (props[key]) container.appendChild(this.field(key, props[key], [key], def[key], errors, {}));
    }
  }

  label(key) {
    const k = "js.editor.field." + key;
    const s = this.opts.t(k);
    return s === k ? key : s;
  }

  // field builds one field's widget for value at path.
  field(key, schema, path, value, errors, o) {
    const s = this.resolve(schema);
    const t = this.opts.t;
    const id = "f-" + path.join("-") + "-" + (++this.seq);
    const wrap = document.createElement("div");
    wrap.className = "field";
    wrap.dataset.field = path.join(".");
    const mine = errors.filter((e) => e.path.join(".") === path.join("."));
    const describe = () => {
      if (!mine.length) return null;
      const p = document.createElement("p");
      p.className = "field-error";
      p.id = id + "-error";
      p.textContent = mine.map((e) => e.message).join(" ");
      return p;
    };
    const ro = !this.opts.editable;
    let input;
    if (NODE_REFS.has(key) && path[0] !== "exit_criteria") {
      input = this.nodeSelect(value);
    } else if (s.enum) {
      input = document.createElement("select");
      input.appendChild(option("", t("js.editor.none")));
      for (const v of s.enum) input.appendChild(option(v, v));
      input.value = value === undefined ? "" : String(value);
    } else if (s.type === "boolean") {
      input = document.createElement("input");
      input.type = "checkbox";
      input.checked = value === true;
      wrap.classList.add("check");
    } else if (s.type === "integer" || s.type === "number") {
      input = document.createElement("input");
      input.type = "number";
      input.step = s.type === "integer" ? "1" : "any";
      input.value = value === undefined ? "" : String(value);
    } else if (s.type === "string" || (schema.$ref && !s.type && !s.properties)) {
      const long = schema.$ref === "#/$defs/cel" || (key === "body" && path.includes("template"));
      input = document.createElement(long ? "textarea" : "input");
      if (!long) input.type = "text";
      if (long) input.rows = 3;
      input.value = value === undefined ? "" : String(value);
      if (PLACEHOLDERS[key]) input.placeholder = PLACEHOLDERS[key];
      if (schema.$ref === "#/$defs/cel") input.classList.add("cel");
    } else if (s.type === "object" && s.properties) {
      return this.group(key, s, path, value, errors, mine);
    } else if (s.type === "array") {
      return this.list(key, s, path, value, errors, mine, id);
    } else {
      input = document.createElement("textarea");
      input.rows = 3;
      input.classList.add("json");
      input.value = value === undefined ? "" : JSON.stringify(value, null, 1);
    }
    input.id = id;
    input.dataset.path = path.join(".");
    input.disabled = ro;
    const label = document.createElement("label");
    label.htmlFor = id;
    label.textContent = this.label(key);
    if (input.type === "checkbox") { wrap.appendChild(input); wrap.appendChild(label); } else { wrap.appendChild(label); wrap.appendChild(input); }
    const err = describe();
    if (err) { wrap.appendChild(err); input.setAttribute("aria-invalid", "true"); input.setAttribute("aria-describedby", err.id); }
    if (this.opts.decorate) this.opts.decorate(input, key, path, schema);
    const read = () => {
      if (input.type === "checkbox") return input.checked ? true : undefined;
      if (input.type === "number") return input.value === "" ? undefined : Number(input.value);
      if (input.classList.contains("json")) {
        if (input.value.trim() === "") return undefined;
        return JSON.parse(input.value);
      }
      return input.value === "" ? undefined : input.value;
    };
    const onInput = (final) => {
      let v;
      try { v = read(); } catch (e) {
        input.setAttribute("aria-invalid", "true");
        showJSONError(wrap, id, t("js.editor.json.bad", e.message));
        return;
      }
      showJSONError(wrap, id, "");
      if (o.rename) { if (final) this.opts.rename(value, v, input); return; }
      this.opts.change(path, v, false, final);
    };
    const live = input.tagName === "SELECT" || input.type === "checkbox";
    if (!live) input.addEventListener("input", () => onInput(false));
    input.addEventListener("change", () => onInput(true));
    return wrap;
  }

  nodeSelect(value) {
    const sel = document.createElement("select");
    sel.classList.add("node-ref");
    sel.appendChild(option("", this.opts.t("js.editor.none")));
    const ids = this.opts.nodeIDs();
    for (const n of ids) sel.appendChild(option(n, n));
    if (value && !ids.includes(value)) sel.appendChild(option(value, value));
    sel.value = value || "";
    return sel;
  }

  // group is a fieldset of an object's properties.
  group(key, s, path, value, errors, mine) {
    const fs = document.createElement("fieldset");
    fs.className = "field group";
    fs.dataset.field = path.join(".");
    const lg = document.createElement("legend");
    lg.textContent = this.label(key);
    fs.appendChild(lg);
    for (const e of mine) fs.appendChild(errorLine(e.message));
    for (const [k, sub] of Object.entries(s.properties)) {
      fs.appendChild(this.field(k, sub, path.concat(k), value ? value[k] : undefined, errors, {}));
    }
    return fs;
  }

  // list is an array: weekdays as checkboxes, an ordered list of channels
  // or of strings as one per line, objects as rows to add and remove.
  list(key, s, path, value, errors, mine, id) {
    const items = this.resolve(s.items || {});
    const t = this.opts.t;
    const fs = document.createElement("fieldset");
    fs.className = "field list";
    fs.dataset.field = path.join(".");
    const lg = document.createElement("legend");
    lg.textContent = this.label(key);
    fs.appendChild(lg);
    for (const e of mine) fs.appendChild(errorLine(e.message));
    const ro = !this.opts.editable;
    if (items.enum && key === "weekdays") {
      const have = new Set(value || []);
      items.enum.forEach((day) => {
        const cb = document.createElement("input");
        cb.type = "checkbox"; cb.id = id + "-" + day; cb.checked = have.has(day); cb.disabled = ro; cb.value = day;
        const l = document.createElement("label");
        l.htmlFor = cb.id; l.textContent = dayLabel(t, day);
        const span = document.createElement("span");
        span.className = "day";
        span.append(cb, l);
        fs.appendChild(span);
        cb.addEventListener("change", () => {
          const chosen = items.enum.filter((d) => fs.querySelector("#" + CSS.escape(id + "-" + d)).checked);
          this.opts.change(path, chosen.length ? chosen : undefined, false, true);
        });
      });
      return fs;
    }
    if (items.type !== "object") {
      const ta = document.createElement("textarea");
      ta.id = id; ta.rows = 2; ta.disabled = ro; ta.dataset.path = path.join(".");
      ta.value = (value || []).join("\n");
      const l = document.createElement("label");
      l.htmlFor = id; l.className = "sr-only"; l.textContent = this.label(key);
      const hint = document.createElement("p");
      hint.className = "hint";
      hint.textContent = items.enum ? t("js.editor.list.choices", items.enum.join(", ")) : t("js.editor.list.lines");
      fs.append(l, ta, hint);
      const read = () => {
        const vals = ta.value.split(/[\n,]/).map((x) => x.trim()).filter(Boolean);
        return vals.length ? vals : undefined;
      };
      ta.addEventListener("input", () => this.opts.change(path, read(), false, false));
      ta.addEventListener("change", () => this.opts.change(path, read(), false, true));
      return fs;
    }
    (value || []).forEach((item, i) => {
      const row = document.createElement("fieldset");
      row.className = "row";
      const rl = document.createElement("legend");
      rl.textContent = t("js.editor.list.item", this.label(key), i + 1);
      row.appendChild(rl);
      for (const [k, sub] of Object.entries(items.properties || {})) {
        row.appendChild(this.field(k, sub, path.concat(i, k), item ? item[k] : undefined, errors, {}));
      }
      if (!ro) {
        const del = document.createElement("button");
        del.type = "button"; del.className = "secondary small remove";
        del.textContent = t("js.editor.list.remove");
        del.addEventListener("click", () => {
          const next = (value || []).slice();
          next.splice(i, 1);
          this.opts.change(path, next, true, true);
        });
        row.appendChild(del);
      }
      fs.appendChild(row);
    });
    if (!ro) {
      const add = document.createElement("button");
      add.type = "button"; add.className = "secondary small add";
      add.dataset.add = key;
      add.textContent = t("js.editor.list.add", this.label(key));
      add.addEventListener("click", () => this.opts.change(path, (value || []).concat([{}]), true, true));
      fs.appendChild(add);
    }
    return fs;
  }
}

function option(value, text) {
  const o = document.createElement("option");
  o.value = value;
  o.textContent = text;
  return o;
}

function errorLine(message) {
  const p = document.createElement("p");
  p.className = "field-error";
  p.textContent = message;
  return p;
}

function showJSONError(wrap, id, message) {
  let p = wrap.querySelector(".json-error");
  if (!message) { if (p) p.remove(); return; }
  if (!p) { p = document.createElement("p"); p.className = "field-error json-error"; p.id = id + "-json"; wrap.appendChild(p); }
  p.textContent = message;
}

function dayLabel(t, day) {
  const days = {
    sun: t("js.editor.day.sun"), mon: t("js.editor.day.mon"), tue: t("js.editor.day.tue"), wed: t("js.editor.day.wed"),
    thu: t("js.editor.day.thu"), fri: t("js.editor.day.fri"), sat: t("js.editor.day.sat")
  };
  return days[day] || day;
}

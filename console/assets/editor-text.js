// The editor's text views of the definition, side by side: JSON, parsed
// in the page, and YAML, which the server writes and reads
// (POST /v1/journeys/convert: no YAML library is shipped to the browser).
// An edit in either is applied as soon as it reads as a journey (the
// canvas, the form and the other view follow); until then its error is
// shown and nothing changes.

const YAML_DELAY = 300;

export class TextViews {
  // opts: {t, api, online, apply(def)}
  constructor(opts) {
    this.opts = opts;
    this.json = document.getElementById("json-view");
    this.jsonError = document.getElementById("json-error");
    this.yaml = document.getElementById("yaml-view");
    this.yamlError = document.getElementById("yaml-error");
    this.yamlSeq = 0;
    this.yamlTimer = 0;
    this.json.addEventListener("input", () => this.jsonEdited());
    if (this.yaml && opts.online) {
      this.yaml.addEventListener("input", () => { clearTimeout(this.yamlTimer); this.yamlTimer = setTimeout(() => this.yamlEdited(), YAML_DELAY); });
    } else if (this.yaml) {
      this.yaml.closest(".ed-text").hidden = true; // without a person's session the API cannot write it
      this.yaml = null;
    }
  }

  // broken says whether a view holds text that does not read as a journey.
  broken() { return !this.jsonError.hidden || (this.yaml !== null && !this.yamlError.hidden); }

  // show writes def in both views, but not in the one being typed in.
  show(def) {
    if (document.activeElement !== this.json) {
      this.json.value = JSON.stringify(def, null, 2);
      this.fault(this.json, this.jsonError, "");
    }
    if (this.yaml && document.activeElement !== this.yaml) this.writeYAML(def);
  }

  async writeYAML(def) {
    const seq = ++this.yamlSeq;
    const res = await this.opts.api("POST", "/v1/journeys/convert", { definition: def });
    if (seq !== this.yamlSeq || document.activeElement === this.yaml) return; // a later change, or the user types there
    if (res.ok) {
      this.yaml.value = res.body.yaml;
      this.fault(this.yaml, this.yamlError, "");
      this.yaml.dataset.shown = String(seq);
    } else {
      this.fault(this.yaml, this.yamlError, problem(this.opts.t, res));
    }
  }

  jsonEdited() {
    let parsed;
    try {
      parsed = JSON.parse(this.json.value);
      check(this.opts.t, parsed);
    } catch (e) {
      this.fault(this.json, this.jsonError, this.opts.t("js.editor.json.bad", e.message));
      return;
    }
    this.fault(this.json, this.jsonError, "");
    this.opts.apply(parsed, "json");
  }

  async yamlEdited() {
    const seq = ++this.yamlSeq;
    // check: unreadable YAML is answered as a verdict, not a failing request
    const res = await this.opts.api("POST", "/v1/journeys/convert", { yaml: this.yaml.value, check: true });
    if (seq !== this.yamlSeq) return;
    if (res.ok && res.body.valid === false) {
      this.fault(this.yaml, this.yamlError, this.opts.t("js.editor.yaml.bad", problem(this.opts.t, { body: res.body })));
      return;
    }
    if (!res.ok) { this.fault(this.yaml, this.yamlError, this.opts.t("js.editor.yaml.bad", problem(this.opts.t, res))); return; }
    try { check(this.opts.t, res.body.definition); } catch (e) {
      this.fault(this.yaml, this.yamlError, this.opts.t("js.editor.yaml.bad", e.message));
      return;
    }
    this.fault(this.yaml, this.yamlError, "");
    this.opts.apply(res.body.definition, "yaml");
  }

  fault(area, p, message) {
    if (message) area.setAttribute("aria-invalid", "true"); else area.removeAttribute("aria-invalid");
    p.textContent = message;
    p.hidden = !message;
  }
}

// check refuses what cannot be a journey: not an object, or nodes not a list.
function check(t, parsed) {
  if (!parsed || typeof parsed !== "object" || Array.isArray(parsed)) throw new Error(t("js.editor.json.object"));
  if (parsed.nodes !== undefined && !Array.isArray(parsed.nodes)) throw new Error(t("js.editor.json.nodes"));
}

function problem(t, res) {
  const p = res.body || {};
  const e = (p.errors || [])[0];
  return e ? e.message : p.detail || t("js.error", res.status);
}

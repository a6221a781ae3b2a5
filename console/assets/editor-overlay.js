// What the canvas draws over a saved journey: the diff against a chosen
// version (GET /v1/journeys/{id}/versions: nodes added, changed and, as
// dashed boxes where that version had them, removed since it), and, on an
// active or paused journey, the live counts of the journey's report
// (GET /v1/journeys/{id}/stats: customers who entered each node and who
// took each edge), read again every few seconds without a reload.
import { NODE_W, NODE_H } from "./editor-model.js";

const LIVE_EVERY = 5000;

export class Overlay {
  // opts: {t, api, online, id, live (an active or paused journey),
  //        changed() (the diff: draw again), counted() (new counts: write them in)}
  constructor(opts) {
    this.opts = opts;
    this.versions = [];
    this.base = null; // {version, nodes: Map id → canonical JSON, node, entry, layout}
    this.counts = opts.live && opts.online ? { nodes: {}, edges: {}, loaded: false } : null;
    this.timer = 0;
  }

  // data is what the canvas draws over def.
  data(def) { return { diff: this.base ? this.diff(def) : null, counts: this.counts }; }

  // loadVersions fills the select with every version but the one open.
  async loadVersions(select, current) {
    if (!this.opts.online || !this.opts.id) return;
    const res = await this.opts.api("GET", "/v1/journeys/" + encodeURIComponent(this.opts.id) + "/versions");
    if (!res.ok) return;
    this.versions = res.body.versions || [];
    for (const v of this.versions) {
      if (v.version === current) continue;
      select.appendChild(new Option(this.opts.t("js.editor.diff.version", v.version), String(v.version)));
    }
    select.disabled = select.options.length < 2;
  }

  // compare takes version as the base of the diff (0: none).
  async compare(version) {
    const v = this.versions.find((x) => x.version === version);
    if (!v) { this.base = null; this.opts.changed(); return; }
    const lay = await this.opts.api("GET", "/v1/journeys/" + encodeURIComponent(this.opts.id) + "/layout?version=" + version);
    const nodes = new Map();
    for (const n of v.definition.nodes || []) if (n && n.id) nodes.set(n.id, { json: canonical(n), kind: n.kind });
    this.base = { version, nodes, entry: canonical(v.definition.entry || {}), layout: (lay.ok && lay.body && lay.body.nodes) || {} };
    this.opts.changed();
  }

  diff(def) {
    const b = this.base;
    const added = new Set(), changed = new Set(), removed = [];
    const now = new Set();
    for (const n of def.nodes || []) {
      if (!n || !n.id) continue;
      now.add(n.id);
      const was = b.nodes.get(n.id);
      if (!was) added.add(n.id); else if (was.json !== canonical(n)) changed.add(n.id);
    }
    let spare = 0;
    for (const [id, was] of b.nodes) {
      if (now.has(id)) continue;
      const p = b.layout[id] || { x: -NODE_W - 60, y: spare++ * (NODE_H + 30) };
      removed.push({ id, kind: was.kind, x: p.x, y: p.y });
    }
    return { version: b.version, added, changed, removed, entry: b.entry !== canonical(def.entry || {}) };
  }

  // summary says the diff in words, "" without one.
  summary(def) {
    if (!this.base) return "";
    const d = this.diff(def);
    const t = this.opts.t;
    const part = (key, ids) => (ids.length ? t(key, ids.length, ids.join(", ")) : "");
    const parts = [part("js.editor.diff.sum.added", [...d.added]), part("js.editor.diff.sum.changed", [...d.changed]),
      part("js.editor.diff.sum.removed", d.removed.map((r) => r.id)), d.entry ? t("js.editor.diff.sum.entry") : ""].filter(Boolean);
    return t("js.editor.diff.since", d.version, parts.length ? parts.join(t("js.editor.diff.sep")) : t("js.editor.diff.same"));
  }

  // live reads the counts now and every few seconds while the page shows.
  live(status) {
    if (!this.opts.online || !this.opts.live) return;
    const read = async () => {
      if (!document.hidden) {
        const res = await this.opts.api("GET", "/v1/journeys/" + encodeURIComponent(this.opts.id) + "/stats");
        if (res.ok) {
          const nodes = {}, edges = {};
          for (const n of res.body.nodes || []) {
            nodes[n.id] = n.entered || 0;
            for (const e of n.edges || []) edges[n.id + ">" + e.to] = e.count || 0;
          }
          this.counts = { nodes, edges, loaded: true };
          status.textContent = this.opts.t("js.editor.live.at", new Date().toLocaleTimeString());
          this.opts.counted();
        }
      }
      this.timer = setTimeout(read, LIVE_EVERY);
    };
    read();
  }
}

// canonical is a value's JSON with its keys sorted, so key order never counts as a change.
function canonical(v) {
  if (Array.isArray(v)) return "[" + v.map(canonical).join(",") + "]";
  if (v && typeof v === "object") return "{" + Object.keys(v).sort().map((k) => JSON.stringify(k) + ":" + canonical(v[k])).join(",") + "}";
  return JSON.stringify(v);
}

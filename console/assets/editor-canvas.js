// The journey canvas: the definition drawn in SVG (a box per node, an
// arrow per exit, the entry above the start node), panned by dragging the
// background or with the arrow keys, zoomed with the wheel or + and -.
// It owns no definition: the editor hands it one to draw and hears what
// the user does (select, move, connect, drop a node from the palette).
import { exits, startNode, NODE_W, NODE_H } from "./editor-model.js";

function esc(s) {
  return String(s).replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]);
}

// diffLabel names a node's change since the version compared with.
function diffLabel(t, diff) { return diff === "added" ? t("js.editor.diff.added") : t("js.editor.diff.changed"); }

// countText is a live count as drawn: "" until the first read.
function countText(counts, n) { return counts.loaded ? String(n || 0) : ""; }

// clip shortens a label to n characters.
function clip(s, n) { s = String(s || ""); return s.length > n ? s.slice(0, n - 1) + "…" : s; }

export class Canvas {
  // opts: {t, editable, onSelect(id|null), onMove(id, x, y, done), onConnect(fromId, exitKey, toId),
  //        onBackground(point), onKey(ev)}
  constructor(svg, opts) {
    this.svg = svg;
    this.opts = opts;
    this.view = { x: 40, y: 20, k: 1 };
    this.viewport = svg.querySelector(".viewport");
    this.edgesG = svg.querySelector(".edges");
    this.nodesG = svg.querySelector(".nodes");
    this.ghost = svg.querySelector(".ghost");
    this.model = null;
    this.listen();
  }

  // render draws the definition with its positions, the selected node and
  // the nodes the API found fault with (and, optionally, a path to highlight).
  render(model) {
    this.model = model;
    const { def, selected, errors } = model;
    const t = this.opts.t;
    const pos = model.layout.nodes;
    const start = startNode(def);
    let nodes = "";
    for (const n of def.nodes || []) nodes += this.nodeMarkup(n, start);
    if (pos[start]) {
      const p = pos[start];
      const entry = entrySummary(t, def.entry || {});
      const bad = errors.settings.length > 0;
      nodes += `<g class="entry${selected === null ? " selected" : ""}${bad ? " invalid" : ""}" data-entry="1" transform="translate(${p.x},${p.y - 70})">`;
      nodes += `<rect width="${NODE_W}" height="36" rx="18"/><text x="${NODE_W / 2}" y="23" text-anchor="middle">${esc(clip(entry, 28))}</text></g>`;
    }
    for (const g of (model.overlay && model.overlay.diff && model.overlay.diff.removed) || []) {
      nodes += `<g class="ghost-node" data-removed="${esc(g.id)}" transform="translate(${g.x},${g.y})"><rect width="${NODE_W}" height="${NODE_H}" rx="8"/>`;
      nodes += `<text x="${NODE_W / 2}" y="26" text-anchor="middle" class="id">${esc(clip(g.id, 24))}</text><text x="${NODE_W / 2}" y="44" text-anchor="middle" class="kind">${esc(t("js.editor.diff.removed"))}</text></g>`;
    }
    this.nodesG.innerHTML = nodes;
    this.renderEdges();
    this.applyView();
  }

  // nodeMarkup is one node's box: its id, kind and main setting, a mark
  // when the API found fault with it, and a handle per exit.
  nodeMarkup(n, start) {
    const { layout, selected, errors, highlight } = this.model;
    const t = this.opts.t;
    const pos = layout.nodes;
    if (!n || !pos[n.id]) return "";
    let nodes = "";
    const p = pos[n.id];
    const outs = exits(n);
    const bad = errors.nodes[n.id];
    const cls = ["node", "kind-" + esc(n.kind)];
    if (n.id === selected) cls.push("selected");
    if (bad) cls.push("invalid");
    if (highlight && highlight.has(n.id)) cls.push("on-path");
    const ov = this.model.overlay || {};
    const diff = ov.diff && (ov.diff.added.has(n.id) ? "added" : ov.diff.changed.has(n.id) ? "changed" : "");
    if (diff) cls.push("diff-" + diff);
    const count = ov.counts ? countText(ov.counts, ov.counts.nodes[n.id]) : null;
    if (n.id === start) cls.push("start");
    let label = t("js.editor.node.label", n.id, kindLabel(t, n.kind));
    if (diff) label += " " + diffLabel(t, diff);
    const plain = label;
    if (count) label += " " + t("js.editor.count.node", count);
    nodes += `<g class="${cls.join(" ")}" data-node="${esc(n.id)}" data-kind="${esc(n.kind)}" data-label="${esc(plain)}" transform="translate(${p.x},${p.y})" tabindex="0" role="button" aria-label="${esc(label)}${bad ? " " + esc(t("js.editor.node.invalid", bad.length)) : ""}" aria-pressed="${n.id === selected}">`;
    nodes += `<rect width="${NODE_W}" height="${NODE_H}" rx="8"/>`;
    nodes += `<text x="${NODE_W / 2}" y="22" text-anchor="middle" class="id">${esc(clip(n.id, 24))}</text>`;
    nodes += `<text x="${NODE_W / 2}" y="40" text-anchor="middle" class="kind">${esc(kindLabel(t, n.kind))}</text>`;
    nodes += `<text x="${NODE_W / 2}" y="55" text-anchor="middle" class="summary">${esc(clip(summary(n), 28))}</text>`;
    if (diff) nodes += `<text x="8" y="14" class="diff-mark">${esc(diffLabel(t, diff))}</text>`;
    if (count !== null) nodes += `<g class="count" data-count="${count}"><rect x="${NODE_W - 52}" y="-11" width="48" height="20" rx="10"/><text x="${NODE_W - 28}" y="3" text-anchor="middle">${count || "…"}</text></g>`;
    if (bad) nodes += `<g class="badge"><circle cx="${NODE_W}" cy="0" r="10"/><text x="${NODE_W}" y="4" text-anchor="middle">!</text><title>${esc(bad.map((e) => (e.path.join(".") || n.id) + ": " + e.message).join("\n"))}</title></g>`;
    outs.forEach((e, i) => {
      const hx = ((i + 1) * NODE_W) / (outs.length + 1);
      const name = exitLabel(t, e.label);
      nodes += `<circle class="handle${e.to ? " linked" : ""}" data-exit="${esc(e.key)}" cx="${hx}" cy="${NODE_H}" r="7"><title>${esc(name || t("js.editor.exit.next"))}</title></circle>`;
    });
    nodes += `</g>`;
    return nodes;
  }

  // nodeChanged draws one node's box again, and the arrows (a field of
  // the node changed; nothing else did).
  nodeChanged(id) {
    const g = this.nodesG.querySelector('.node[data-node="' + CSS.escape(id) + '"]');
    const n = (this.model.def.nodes || []).find((x) => x && x.id === id);
    if (!g || !n) { this.render(this.model); return; }
    g.insertAdjacentHTML("afterend", this.nodeMarkup(n, startNode(this.model.def)));
    g.remove();
    this.renderEdges();
  }

  // renderEdges draws the arrows: from each exit's handle to the top of
  // the node it leads to, and from the entry to the start node.
  renderEdges() {
    const { def, layout } = this.model;
    const t = this.opts.t;
    const pos = layout.nodes;
    let edges = "";
    for (const n of def.nodes || []) {
      if (!n || !pos[n.id]) continue;
      const p = pos[n.id];
      const outs = exits(n);
      outs.forEach((e, i) => {
        const q = e.to && pos[e.to];
        if (!q) return;
        const name = exitLabel(t, e.label);
        const x1 = p.x + ((i + 1) * NODE_W) / (outs.length + 1), y1 = p.y + NODE_H, x2 = q.x + NODE_W / 2, y2 = q.y;
        const dy = Math.max(40, Math.abs(y2 - y1) / 2);
        edges += `<g class="edge" data-from="${esc(n.id)}" data-to="${esc(e.to)}" data-exit="${esc(e.key)}"><path d="M ${x1} ${y1} C ${x1} ${y1 + dy}, ${x2} ${y2 - dy}, ${x2} ${y2}" marker-end="url(#ed-arrow)"/>`;
        if (name) edges += `<text x="${(x1 + x2) / 2}" y="${(y1 + y2) / 2}" text-anchor="middle">${esc(clip(name, 24))}</text>`;
        const ov = this.model.overlay || {};
        const c = ov.counts ? countText(ov.counts, ov.counts.edges[n.id + ">" + e.to]) : null;
        if (c !== null) edges += `<text class="edge-count" data-count="${c}" x="${(x1 + x2) / 2}" y="${(y1 + y2) / 2 + (name ? 14 : 0)}" text-anchor="middle">${c || "…"}</text>`;
        edges += `</g>`;
      });
    }
    const start = startNode(def);
    if (pos[start]) {
      const p = pos[start];
      edges += `<g class="edge entry-edge"><path d="M ${p.x + NODE_W / 2} ${p.y - 34} L ${p.x + NODE_W / 2} ${p.y}" marker-end="url(#ed-arrow)"/></g>`;
    }
    this.edgesG.innerHTML = edges;
  }

  // updateCounts writes new live counts into the boxes and arrows drawn,
  // in place: nothing is drawn again, so focus and selection stay.
  updateCounts(counts) {
    const t = this.opts.t;
    if (this.model) this.model.overlay = Object.assign({}, this.model.overlay, { counts });
    for (const g of this.nodesG.querySelectorAll(".node")) {
      const c = g.querySelector(".count");
      if (!c) continue;
      const v = countText(counts, counts.nodes[g.dataset.node]);
      c.dataset.count = v;
      c.querySelector("text").textContent = v || "…";
      g.setAttribute("aria-label", g.dataset.label + (v ? " " + t("js.editor.count.node", v) : ""));
    }
    for (const e of this.edgesG.querySelectorAll(".edge-count")) {
      const v = countText(counts, counts.edges[e.parentNode.dataset.from + ">" + e.parentNode.dataset.to]);
      e.dataset.count = v;
      e.textContent = v || "…";
    }
  }

  // moved redraws what a node's move changes: its box (and the entry, for
  // the start node) and the arrows; nothing else.
  moved(id) {
    const p = this.model.layout.nodes[id];
    const g = this.nodesG.querySelector('.node[data-node="' + CSS.escape(id) + '"]');
    if (!p || !g) { this.render(this.model); return; }
    g.setAttribute("transform", `translate(${p.x},${p.y})`);
    if (id === startNode(this.model.def)) {
      const entry = this.nodesG.querySelector(".entry");
      if (entry) entry.setAttribute("transform", `translate(${p.x},${p.y - 70})`);
    }
    this.renderEdges();
  }

  applyView() {
    const v = this.view;
    this.viewport.setAttribute("transform", `translate(${v.x},${v.y}) scale(${v.k})`);
    this.svg.dataset.zoom = v.k.toFixed(2);
  }

  // toCanvas turns a point on the screen into canvas units.
  toCanvas(clientX, clientY) {
    const r = this.svg.getBoundingClientRect();
    return { x: (clientX - r.left - this.view.x) / this.view.k, y: (clientY - r.top - this.view.y) / this.view.k };
  }

  // centre is the canvas point in the middle of what is shown.
  centre() {
    const r = this.svg.getBoundingClientRect();
    return this.toCanvas(r.left + r.width / 2, r.top + r.height / 2);
  }

  pan(dx, dy) { this.view.x += dx; this.view.y += dy; this.applyView(); }

  // zoom scales by f around a screen point (the centre when none).
  zoom(f, clientX, clientY) {
    const r = this.svg.getBoundingClientRect();
    const cx = clientX === undefined ? r.left + r.width / 2 : clientX, cy = clientY === undefined ? r.top + r.height / 2 : clientY;
    const k = Math.min(3, Math.max(0.2, this.view.k * f));
    const px = cx - r.left, py = cy - r.top;
    this.view.x = px - ((px - this.view.x) * k) / this.view.k;
    this.view.y = py - ((py - this.view.y) * k) / this.view.k;
    this.view.k = k;
    this.applyView();
  }

  // fit shows every node.
  fit() {
    const pos = this.model ? Object.values(this.model.layout.nodes) : [];
    if (!pos.length) return;
    const r = this.svg.getBoundingClientRect();
    const minX = Math.min(...pos.map((p) => p.x)), minY = Math.min(...pos.map((p) => p.y)) - 80;
    const maxX = Math.max(...pos.map((p) => p.x)) + NODE_W, maxY = Math.max(...pos.map((p) => p.y)) + NODE_H + 20;
    const k = Math.min(1.2, Math.max(0.2, Math.min(r.width / (maxX - minX + 40), r.height / (maxY - minY + 40))));
    this.view = { k, x: (r.width - (maxX - minX) * k) / 2 - minX * k, y: 20 - minY * k };
    this.applyView();
  }

  // reveal pans so that a node is in view.
  reveal(id) {
    const p = this.model && this.model.layout.nodes[id];
    if (!p) return;
    const r = this.svg.getBoundingClientRect();
    const sx = this.view.x + p.x * this.view.k, sy = this.view.y + p.y * this.view.k;
    if (sx < 0 || sy < 0 || sx + NODE_W * this.view.k > r.width || sy + NODE_H * this.view.k > r.height) {
      this.view.x = r.width / 2 - (p.x + NODE_W / 2) * this.view.k;
      this.view.y = r.height / 2 - (p.y + NODE_H / 2) * this.view.k;
      this.applyView();
    }
  }

  listen() {
    const svg = this.svg;
    let drag = null;
    svg.addEventListener("pointerdown", (ev) => {
      if (ev.button !== 0) return;
      const handle = ev.target.closest(".handle");
      const node = ev.target.closest(".node");
      const at = this.toCanvas(ev.clientX, ev.clientY);
      if (handle && node && this.opts.editable) {
        drag = { kind: "connect", from: node.dataset.node, exit: handle.dataset.exit, x0: at.x, y0: at.y };
      } else if (node) {
        const p = this.model.layout.nodes[node.dataset.node];
        drag = { kind: "move", id: node.dataset.node, dx: at.x - p.x, dy: at.y - p.y, moved: false };
        this.opts.onSelect(node.dataset.node);
      } else if (ev.target.closest(".entry")) {
        this.opts.onSelect(null);
        return;
      } else {
        drag = { kind: "pan", x: ev.clientX, y: ev.clientY, moved: false };
      }
      svg.setPointerCapture(ev.pointerId);
      ev.preventDefault();
      svg.focus({ preventScroll: true });
    });
    svg.addEventListener("pointermove", (ev) => {
      if (!drag) return;
      const at = this.toCanvas(ev.clientX, ev.clientY);
      if (drag.kind === "pan") {
        this.pan(ev.clientX - drag.x, ev.clientY - drag.y);
        drag.moved = drag.moved || Math.abs(ev.clientX - drag.x) + Math.abs(ev.clientY - drag.y) > 0;
        drag.x = ev.clientX; drag.y = ev.clientY;
      } else if (drag.kind === "move" && this.opts.editable) {
        drag.moved = true;
        this.opts.onMove(drag.id, Math.round(at.x - drag.dx), Math.round(at.y - drag.dy), false);
      } else if (drag.kind === "connect") {
        this.ghost.setAttribute("d", `M ${drag.x0} ${drag.y0} L ${at.x} ${at.y}`);
        this.ghost.removeAttribute("hidden");
      }
    });
    const end = (ev) => {
      if (!drag) return;
      const d = drag;
      drag = null;
      this.ghost.setAttribute("hidden", "");
      if (d.kind === "move" && d.moved && this.opts.editable) {
        const at = this.toCanvas(ev.clientX, ev.clientY);
        this.opts.onMove(d.id, Math.round(at.x - d.dx), Math.round(at.y - d.dy), true);
      } else if (d.kind === "connect" && ev.type === "pointerup") {
        const under = document.elementFromPoint(ev.clientX, ev.clientY);
        const target = under && under.closest("#canvas .node");
        if (target) this.opts.onConnect(d.from, d.exit, target.dataset.node);
      } else if (d.kind === "pan" && !d.moved && ev.type === "pointerup") {
        this.opts.onBackground(this.toCanvas(ev.clientX, ev.clientY));
      }
    };
    svg.addEventListener("pointerup", end);
    svg.addEventListener("pointercancel", end);
    svg.addEventListener("wheel", (ev) => {
      ev.preventDefault();
      this.zoom(Math.exp(-ev.deltaY * 0.0015), ev.clientX, ev.clientY);
    }, { passive: false });
    svg.addEventListener("keydown", (ev) => {
      const node = ev.target.closest && ev.target.closest(".node");
      const step = 40;
      switch (ev.key) {
        case "ArrowLeft": this.pan(step, 0); break;
        case "ArrowRight": this.pan(-step, 0); break;
        case "ArrowUp": this.pan(0, step); break;
        case "ArrowDown": this.pan(0, -step); break;
        case "+": case "=": this.zoom(1.2); break;
        case "-": case "_": this.zoom(1 / 1.2); break;
        case "0": this.fit(); break;
        case "Enter": case " ":
          if (node) { this.opts.onSelect(node.dataset.node); break; }
          this.opts.onKey(ev);
          return;
        default:
          this.opts.onKey(ev);
          return;
      }
      ev.preventDefault();
    });
  }
}

export function kindLabel(t, kind) {
  const labels = {
    wait: t("js.editor.kind.wait"), wait_until: t("js.editor.kind.wait_until"), wait_for: t("js.editor.kind.wait_for"),
    branch: t("js.editor.kind.branch"), split: t("js.editor.kind.split"), send: t("js.editor.kind.send"),
    update_profile: t("js.editor.kind.update_profile"), webhook: t("js.editor.kind.webhook"), exit: t("js.editor.kind.exit")
  };
  return labels[kind] || String(kind);
}

// exitLabel names an exit: its event or case or variant name, else the
// kind of exit in the reader's language.
export function exitLabel(t, l) {
  if (l.text) return l.text;
  switch (l.key) {
    case "timeout": return t("js.editor.exit.timeout");
    case "default": return t("js.editor.exit.default");
    case "control": return t("js.editor.exit.control");
    case "case": return t("js.editor.exit.case", l.n);
    case "variant": return t("js.editor.exit.variant", l.n);
  }
  return "";
}

// summary is a node's main setting, shown under its kind.
function summary(n) {
  switch (n.kind) {
    case "wait": return n.duration || "";
    case "wait_until": return [n.at, (n.weekdays || []).join(",")].filter(Boolean).join(" ");
    case "wait_for": return (n.events || []).map((e) => e && e.event).filter(Boolean).join(", ") + (n.timeout ? " / " + n.timeout : "");
    case "send": return [(n.channels || [n.channel]).filter(Boolean).join("→"), n.template && (n.template.name || n.template.subject)].filter(Boolean).join(": ");
    case "webhook": return n.url || "";
    case "update_profile": return Object.keys(n.set || n.increment || {}).concat(n.add_tags || []).join(", ");
    case "split": return (n.variants || []).map((v) => v && v.name).join(" / ");
    case "branch": return (n.cases || []).map((c) => c && c.name).filter(Boolean).join(" / ");
  }
  return "";
}

function entrySummary(t, e) {
  if (e.api) return t("js.editor.entry.api");
  if (e.segment) return t("js.editor.entry.segment", e.segment);
  if (e.date) return t("js.editor.entry.date", e.date.property || "");
  if (e.event) return t("js.editor.entry.event", e.event);
  return t("js.editor.entry.none");
}


// The journey editor (/ui/journeys/new, /ui/journeys/{id}/edit): the
// canvas, the palette, the form of the selected node or of the journey's
// settings, the JSON view, undo and redo, and saving through the API
// (POST or PUT /v1/journeys makes a version; PUT /v1/journeys/{id}/layout
// stores the positions beside it). The API's field errors are drawn on
// the node and the field they name.
import { KINDS, autoLayout, deleteNode, exits, isNodeID, newNodeID, nodeIndex, placeErrors, renameNode, setIn, NODE_W, NODE_H } from "./editor-model.js";
import { Canvas, kindLabel } from "./editor-canvas.js";
import { Forms } from "./editor-form.js";
import { CELHelp, contextOf } from "./editor-cel.js";
import { TextViews } from "./editor-text.js";
import { MessageHelp, messageOf } from "./editor-message.js";
import { Overlay } from "./editor-overlay.js";
import { simulator } from "./editor-simulate.js";

const tb = window.tabiji;
const t = tb.t;
const root = document.getElementById("editor");
const editable = root.dataset.editable === "true";
const state = {
  id: root.dataset.journey || "",
  version: Number(root.dataset.version || 0),
  def: JSON.parse(document.getElementById("definition").textContent),
  layout: { nodes: {} },
  selected: null, // a node id, or null for the journey's settings
  errors: { nodes: {}, settings: [], other: [] },
  placing: null, // a kind picked in the palette, waiting for where
  highlight: null // the nodes a simulated customer walked
};
const undo = [], redo = [];
let editing = null; // the field being typed in: one undo step per field edit
const $ = (id) => document.getElementById(id);
// on listens on an element the page may lack (a reader who may not edit has no save button).
const on = (id, type, fn) => { const e = $(id); if (e) e.addEventListener(type, fn); };
const status = $("ed-status");

function say(msg, cls) {
  status.textContent = msg;
  status.className = "ed-status" + (cls ? " " + cls : "");
}

function snapshot() { return JSON.stringify({ def: state.def, layout: state.layout }); }

// commit records the state before a change for undo, then makes it.
function commit(change, opts) {
  undo.push(snapshot());
  if (undo.length > 200) undo.shift();
  redo.length = 0;
  editing = null;
  change();
  refresh(opts || { form: true });
}

function restore(from, to) {
  if (!from.length) return;
  to.push(snapshot());
  const s = JSON.parse(from.pop());
  state.def = s.def;
  state.layout = s.layout;
  if (state.selected !== null && nodeIndex(state.def, state.selected) < 0) state.selected = null;
  editing = null;
  refresh({ form: true });
}

const canvas = new Canvas($("canvas"), {
  t, editable,
  onSelect: (id) => select(id),
  onMove: (id, x, y, done) => move(id, x, y, done),
  onConnect: (from, exitKey, to) => connect(from, exitKey, to),
  onBackground: (at) => {
    if (state.placing) { addNode(state.placing, at.x - NODE_W / 2, at.y - NODE_H / 2); return; }
    select(null);
  },
  onKey: (ev) => {
    if (ev.key === "Escape" && state.placing) { state.placing = null; say(""); ev.preventDefault(); return; }
    if (ev.key === "Enter" && state.placing) {
      const c = canvas.centre();
      addNode(state.placing, c.x - NODE_W / 2, c.y - NODE_H / 2);
      ev.preventDefault();
      return;
    }
    if ((ev.key === "Delete" || ev.key === "Backspace") && editable && state.selected) { removeSelected(); ev.preventDefault(); }
  }
});

const cel = new CELHelp({ t, api: tb.api, online: tb.online });
const msg = new MessageHelp({ t, api: tb.api, online: tb.online, cel });
const overlay = new Overlay({ t, api: tb.api, online: tb.online, id: state.id, live: ["active", "paused"].includes(root.dataset.status), changed: () => draw(), counted: () => canvas.updateCounts(overlay.counts) });
const texts = new TextViews({ t, api: tb.api, online: tb.online, apply: (def, view) => applyText(def, view) });
const forms = new Forms({
  t, editable, schema: JSON.parse(document.getElementById("journey-schema").textContent),
  decorate: (input, key, path, schema) => {
    if (!editable) return;
    const where = () => messageOf(state.def, path);
    if (schema.$ref === "#/$defs/cel") cel.attach(input, "cel", () => contextOf(state.def, path));
    else if (key === "event" && input.type === "text") cel.attach(input, "event");
    else if (key === "name" && messageOf(state.def, path)) msg.attachName(input, where);
    else if ((key === "subject" || key === "body") && messageOf(state.def, path)) msg.attachLiquid(input, where);
  },
  nodeIDs: () => (state.def.nodes || []).map((n) => n && n.id).filter(Boolean),
  change: (path, value, structural, final) => edit(path, value, structural, final),
  rename: (from, to, input) => {
    if (to === from) return;
    if (!isNodeID(to) || nodeIndex(state.def, to) >= 0) {
      input.setAttribute("aria-invalid", "true");
      say(t("js.editor.rename.bad", to || ""), "error");
      return;
    }
    commit(() => { renameNode(state.def, state.layout, from, to); state.selected = to; });
  }
});

// move puts a node at (x, y): one undo step per drag; only the box and
// the arrows are drawn again (the definition, so the JSON and the form, is unchanged).
function move(id, x, y, done) {
  if (editing !== "move:" + id) { undo.push(snapshot()); redo.length = 0; editing = "move:" + id; }
  state.layout.nodes[id] = { x, y };
  if (done) editing = null;
  canvas.moved(id);
  $("undo").disabled = !undo.length;
  $("redo").disabled = !redo.length;
}

// edit sets a field of the definition: one undo step per field, however
// many keys are typed in it. A field of one node draws that node again
// (and the arrows); the JSON view follows a moment later, so typing stays
// quick on a large journey. Anything else draws everything again.
function edit(path, value, structural, final) {
  const key = path.join(".");
  if (editing !== key) { undo.push(snapshot()); redo.length = 0; editing = key; }
  setIn(state.def, path, value);
  if (final) editing = null;
  const node = path[0] === "nodes" && typeof path[1] === "number" && path[2] !== "id" ? state.def.nodes[path[1]] : null;
  if (structural || !node) { refresh({ form: structural }); return; }
  canvas.nodeChanged(node.id);
  $("undo").disabled = false;
  $("redo").disabled = true;
  jsonLater();
}

let jsonTimer = 0;
function jsonLater() {
  clearTimeout(jsonTimer);
  jsonTimer = setTimeout(() => { jsonTimer = 0; showJSON(); }, 150);
}

// showJSON writes the definition in the text views, but not in the one being typed in.
function showJSON() { texts.show(state.def); }

// refresh draws the canvas and the JSON view again, and the form when
// asked (not while the user types in it: the field keeps its focus).
function refresh(opts) {
  draw();
  clearTimeout(jsonTimer);
  showJSON();
  if (opts.form) inspector();
  $("undo").disabled = !undo.length;
  $("redo").disabled = !redo.length;
}

// draw draws the canvas, with the diff and the live counts over it.
function draw() {
  canvas.render({ def: state.def, layout: state.layout, selected: state.selected, errors: state.errors, highlight: state.highlight, overlay: overlay.data(state.def) });
  if ($("diff-summary")) $("diff-summary").textContent = overlay.summary(state.def);
}

function inspector() {
  const form = $("inspector-form");
  const title = $("inspector-title");
  const i = state.selected === null ? -1 : nodeIndex(state.def, state.selected);
  $("delete-node").hidden = i < 0 || !editable;
  if (i < 0) {
    state.selected = null;
    title.textContent = t("js.editor.settings");
    forms.settingsForm(form, state.def, state.errors.settings);
  } else {
    const n = state.def.nodes[i];
    title.textContent = t("js.editor.node.title", n.id, kindLabel(t, n.kind));
    forms.nodeForm(form, state.def, i, state.errors.nodes[n.id] || []);
  }
}

function select(id) {
  if (state.selected === id) return;
  state.selected = id;
  editing = null;
  refresh({ form: true });
  if (id) canvas.reveal(id);
}

function addNode(kind, x, y) {
  state.placing = null;
  const id = newNodeID(state.def, kind);
  commit(() => {
    if (!Array.isArray(state.def.nodes)) state.def.nodes = [];
    state.def.nodes.push({ id, kind });
    state.layout.nodes[id] = { x: Math.round(x), y: Math.round(y) };
    state.selected = id;
  });
  say(t("js.editor.added", id));
  const g = document.querySelector('#canvas .node[data-node="' + CSS.escape(id) + '"]');
  if (g) g.focus({ preventScroll: true });
}

function connect(from, exitKey, to) {
  const i = nodeIndex(state.def, from);
  if (i < 0 || from === to) return;
  const e = exits(state.def.nodes[i]).find((x) => x.key === exitKey);
  if (!e) return;
  commit(() => setIn(state.def.nodes[i], e.path, to));
  say(t("js.editor.connected", from, to));
}

function removeSelected() {
  const id = state.selected;
  commit(() => { deleteNode(state.def, state.layout, id); state.selected = null; });
  say(t("js.editor.deleted", id));
  $("canvas").focus({ preventScroll: true });
}

// place gives every node without a position one: all of them laid out
// afresh when none has one, else each missing one below the others.
function place() {
  const nodes = (state.def.nodes || []).filter((n) => n && n.id);
  const missing = nodes.filter((n) => !state.layout.nodes[n.id]);
  if (!missing.length) return;
  const auto = autoLayout(state.def);
  if (missing.length === nodes.length) { state.layout.nodes = Object.assign({}, state.layout.nodes, auto); return; }
  const bottom = Math.max(0, ...Object.values(state.layout.nodes).map((p) => p.y)) + NODE_H + 60;
  missing.forEach((n, k) => { state.layout.nodes[n.id] = { x: k * (NODE_W + 40), y: bottom }; });
}

// The palette: drag a kind onto the canvas, or press its button and then
// click where it goes (Enter on the canvas: its middle).
document.querySelectorAll("#palette button[data-kind]").forEach((b) => {
  let drag = null;
  b.addEventListener("pointerdown", (ev) => { if (ev.button === 0) { drag = { x: ev.clientX, y: ev.clientY, moved: false }; b.setPointerCapture(ev.pointerId); } });
  b.addEventListener("pointermove", (ev) => { if (drag && Math.abs(ev.clientX - drag.x) + Math.abs(ev.clientY - drag.y) > 6) { drag.moved = true; b.classList.add("dragging"); } });
  b.addEventListener("pointerup", (ev) => {
    const d = drag;
    drag = null;
    b.classList.remove("dragging");
    if (!d || !d.moved) return;
    const r = $("canvas").getBoundingClientRect();
    if (ev.clientX < r.left || ev.clientX > r.right || ev.clientY < r.top || ev.clientY > r.bottom) return;
    const at = canvas.toCanvas(ev.clientX, ev.clientY);
    addNode(b.dataset.kind, at.x - NODE_W / 2, at.y - NODE_H / 2);
    b.dataset.dropped = "1";
  });
  b.addEventListener("click", () => {
    if (b.dataset.dropped) { delete b.dataset.dropped; return; }
    state.placing = b.dataset.kind;
    say(t("js.editor.place", kindLabel(t, b.dataset.kind)));
    $("canvas").focus({ preventScroll: true });
  });
});
on("settings-open", "click", () => { select(null); $("inspector-form").querySelector("input, select, textarea")?.focus(); });
on("delete-node", "click", () => { if (state.selected) removeSelected(); });
on("undo", "click", () => restore(undo, redo));
on("redo", "click", () => restore(redo, undo));
on("zoom-in", "click", () => canvas.zoom(1.2));
on("zoom-out", "click", () => canvas.zoom(1 / 1.2));
on("zoom-fit", "click", () => canvas.fit());
on("auto-layout", "click", () => commit(() => { state.layout.nodes = autoLayout(state.def); }, {}));
document.addEventListener("keydown", (ev) => {
  if (!(ev.ctrlKey || ev.metaKey) || ev.altKey) return;
  const k = ev.key.toLowerCase();
  if (k !== "z" && k !== "y") return;
  const tag = ev.target && ev.target.tagName;
  if (tag === "INPUT" || tag === "TEXTAREA") return; // the field's own undo
  ev.preventDefault();
  if (k === "y" || ev.shiftKey) restore(redo, undo); else restore(undo, redo);
});

// The JSON and YAML views edit the same definition (editor-text.js):
// what reads as a journey is applied, one undo step per view while typing.
function applyText(parsed, view) {
  if (editing !== view) { undo.push(snapshot()); redo.length = 0; editing = view; }
  state.def = parsed;
  if (state.selected !== null && nodeIndex(state.def, state.selected) < 0) state.selected = null;
  place();
  refresh({ form: true });
}
on("json-view", "change", () => { editing = null; });
on("yaml-view", "change", () => { editing = null; });

// Simulate a stored customer: the path highlighted, the messages beside it (editor-simulate.js).
simulator({
  t, api: tb.api, id: state.id, say, problem: problemText, select: (id) => select(id),
  highlight: (nodes) => { state.highlight = nodes; draw(); }
});

// Saving: the definition as a new version, then the positions beside it.
on("save", "click", save);

async function save() {
  if (texts.broken()) { say(t("js.editor.json.unsaved"), "error"); return; }
  const name = $("journey-name").value.trim();
  const btn = $("save");
  btn.disabled = true;
  say(t("js.editor.saving"));
  try {
    let res;
    if (state.id) {
      res = await tb.api("PUT", "/v1/journeys/" + encodeURIComponent(state.id), { name, definition: state.def });
    } else {
      const body = { name, definition: state.def };
      const id = $("journey-id").value.trim();
      if (id) body.id = id;
      res = await tb.api("POST", "/v1/journeys", body);
    }
    if (!res.ok) { failed(res); return; }
    const saved = res.body;
    const lay = await tb.api("PUT", "/v1/journeys/" + encodeURIComponent(saved.id) + "/layout", { version: saved.version, nodes: state.layout.nodes });
    state.errors = { nodes: {}, settings: [], other: [] };
    if (!state.id) {
      window.location.assign("/ui/journeys/" + encodeURIComponent(saved.id) + "/edit?saved=" + saved.version);
      return;
    }
    state.version = saved.version;
    root.dataset.version = String(saved.version);
    $("ed-version").textContent = t("js.version", saved.version);
    refresh({ form: true });
    say(lay.ok ? t("js.editor.saved", saved.version) : t("js.editor.saved.nolayout", saved.version, problemText(lay)), lay.ok ? "ok" : "error");
  } finally {
    btn.disabled = false;
  }
}

function problemText(res) {
  const p = res.body || {};
  return p.detail || t("js.error", res.status);
}

// failed draws the API's field errors on the nodes and fields they name,
// and lists them above the canvas, each a button to its node.
function failed(res) {
  const p = res.body || {};
  state.errors = placeErrors(state.def, p.errors || []);
  refresh({ form: true });
  const list = $("ed-errors");
  list.textContent = "";
  const add = (text, id) => {
    const li = document.createElement("li");
    if (id !== undefined) {
      const b = document.createElement("button");
      b.type = "button"; b.className = "link"; b.textContent = text;
      b.dataset.node = id === null ? "" : id;
      b.addEventListener("click", () => {
        select(id);
        const bad = $("inspector-form").querySelector('[aria-invalid="true"]');
        if (bad) bad.focus();
      });
      li.appendChild(b);
    } else li.textContent = text;
    list.appendChild(li);
  };
  for (const [id, errs] of Object.entries(state.errors.nodes)) for (const e of errs) add(id + (e.path.length ? "." + e.path.join(".") : "") + ": " + e.message, id);
  for (const e of state.errors.settings) add(e.path.join(".") + ": " + e.message, null);
  for (const e of state.errors.other) add(e.field + ": " + e.message);
  list.hidden = !list.children.length;
  say(list.children.length ? t("js.editor.invalid", list.children.length) : problemText(res), "error");
}

// Start: the layout stored beside the version, the rest laid out.
async function start() {
  const began = performance.now();
  if (state.id) {
    const res = await tb.api("GET", "/v1/journeys/" + encodeURIComponent(state.id) + "/layout");
    if (res.ok && res.body && res.body.nodes) state.layout.nodes = res.body.nodes;
  }
  place();
  const drawn = performance.now();
  refresh({ form: true });
  canvas.fit();
  root.dataset.ready = "1";
  window.tabijiEditor.firstRender = performance.now() - drawn;
  window.tabijiEditor.loaded = performance.now() - began;
  if ($("diff-version")) {
    overlay.loadVersions($("diff-version"), state.version);
    $("diff-version").addEventListener("change", (ev) => overlay.compare(Number(ev.target.value || 0)));
  }
  if ($("live-status")) overlay.live($("live-status"));
  const saved = new URLSearchParams(window.location.search).get("saved");
  if (saved) say(t("js.editor.saved", saved), "ok");
}

// window.tabijiEditor lets a test read the state and time a render.
window.tabijiEditor = {
  state,
  definition: () => JSON.parse(JSON.stringify(state.def)),
  render: () => refresh({}),
  edit: (path, value) => edit(path, value, false, true),
  move: (id, x, y) => move(id, x, y, true),
  renderAll: () => refresh({ form: true }),
  kinds: KINDS
};
start();

// The journey editor's model: pure functions over a definition (the JSON
// the API stores) and a layout ({nodes: {id: {x, y}}}). Nothing here adds,
// reorders or rewrites a field the user did not change, so a definition
// loaded and saved without edits is the definition that was loaded.

export const KINDS = ["wait", "wait_until", "wait_for", "branch", "split", "send", "update_profile", "webhook", "exit"];

// The size of a node's box on the canvas, and the gaps of the automatic layout.
export const NODE_W = 180, NODE_H = 64, GAP_X = 50, GAP_Y = 80;

const idPattern = /^[a-zA-Z][a-zA-Z0-9_-]{0,63}$/;

export function isNodeID(s) { return typeof s === "string" && idPattern.test(s); }

export function getIn(obj, path) {
  let v = obj;
  for (const k of path) {
    if (v === null || typeof v !== "object") return undefined;
    v = v[k];
  }
  return v;
}

// setIn sets the value at path, making the objects on the way; an
// undefined value deletes the key, and objects left empty by a delete go
// too (an empty optional setting is no setting).
export function setIn(obj, path, value) {
  if (value === undefined) { deleteIn(obj, path); return; }
  let v = obj;
  for (let i = 0; i < path.length - 1; i++) {
    if (v[path[i]] === null || typeof v[path[i]] !== "object") v[path[i]] = typeof path[i + 1] === "number" ? [] : {};
    v = v[path[i]];
  }
  v[path[path.length - 1]] = value;
}

export function deleteIn(obj, path) {
  const chain = [obj];
  for (let i = 0; i < path.length - 1; i++) {
    const v = chain[i][path[i]];
    if (v === null || typeof v !== "object") return;
    chain.push(v);
  }
  const holder = chain[chain.length - 1], last = path[path.length - 1];
  if (Array.isArray(holder) && typeof last === "number") holder.splice(last, 1); else delete holder[last];
  // prune plain objects left empty, deepest first; never an array or an
  // array's item (a node, an awaited event), which are the user's to remove
  for (let i = chain.length - 1; i >= 1; i--) {
    const v = chain[i], parent = chain[i - 1];
    if (Array.isArray(v) || Array.isArray(parent) || Object.keys(v).length) break;
    delete parent[path[i - 1]];
  }
}

// exits are a node's ways out, each with the path of the field holding its
// target: next; each awaited event and the timeout; each branch case and
// the default; each split variant and the control.
export function exits(node) {
  const out = [];
  const add = (key, label, path) => out.push({ key, label, path, to: getIn(node, path) || "" });
  switch (node.kind) {
    case "wait_for":
      (node.events || []).forEach((e, i) => add("events." + i, { text: e && e.event }, ["events", i, "next"]));
      add("on_timeout", { key: "timeout" }, ["on_timeout"]);
      break;
    case "branch":
      (node.cases || []).forEach((c, i) => add("cases." + i, { text: c && c.name, n: i + 1, key: "case" }, ["cases", i, "next"]));
      add("default", { key: "default" }, ["default"]);
      break;
    case "split":
      (node.variants || []).forEach((v, i) => add("variants." + i, { text: v && v.name, n: i + 1, key: "variant" }, ["variants", i, "next"]));
      if (node.control) add("control", { key: "control" }, ["control", "next"]);
      break;
    case "exit":
      break;
    default:
      add("next", {}, ["next"]);
  }
  if (node.kind !== "exit" && !out.some((e) => e.key === "next") && node.next) add("next", {}, ["next"]);
  return out;
}

export function startNode(def) {
  if (def.start) return def.start;
  return def.nodes && def.nodes.length ? def.nodes[0].id : "";
}

export function nodeIndex(def, id) {
  return (def.nodes || []).findIndex((n) => n && n.id === id);
}

// newNodeID is kind_1, kind_2… the first the definition does not use.
export function newNodeID(def, kind) {
  const used = new Set((def.nodes || []).map((n) => n && n.id));
  for (let i = 1; ; i++) if (!used.has(kind + "_" + i)) return kind + "_" + i;
}

// renameNode gives a node a new id and points every exit, the start and
// the layout at it.
export function renameNode(def, layout, from, to) {
  for (const n of def.nodes || []) {
    if (!n) continue;
    if (n.id === from) n.id = to;
    for (const e of exits(n)) if (e.to === from) setIn(n, e.path, to);
  }
  if (def.start === from) def.start = to;
  if (layout.nodes[from]) { layout.nodes[to] = layout.nodes[from]; delete layout.nodes[from]; }
}

// deleteNode removes a node and every exit to it (the exit is left unset,
// for the user to connect again).
export function deleteNode(def, layout, id) {
  const i = nodeIndex(def, id);
  if (i < 0) return;
  def.nodes.splice(i, 1);
  for (const n of def.nodes) {
    if (!n) continue;
    for (const e of exits(n)) if (e.to === id) deleteIn(n, e.path);
  }
  if (def.start === id) delete def.start;
  delete layout.nodes[id];
}

// autoLayout places nodes in layers from the start node down: a node's
// layer is the longest path to it over the edges that close no loop;
// nodes no path reaches go below the deepest layer. Each layer is a row,
// centred on the widest.
export function autoLayout(def) {
  const nodes = (def.nodes || []).filter((n) => n && n.id);
  const next = new Map(nodes.map((n) => [n.id, exits(n).map((e) => e.to).filter((to) => to)]));
  const start = startNode(def);
  const state = new Map(), order = [], back = new Set();
  // an iterative depth-first search: a journey of thousands of nodes must not overflow the stack
  const visit = (root) => {
    const stack = [[root, 0]];
    state.set(root, 1);
    while (stack.length) {
      const top = stack[stack.length - 1];
      const outs = next.get(top[0]) || [];
      if (top[1] < outs.length) {
        const to = outs[top[1]++];
        if (!next.has(to)) continue;
        if (state.get(to) === 1) back.add(top[0] + ">" + to);
        else if (!state.has(to)) { state.set(to, 1); stack.push([to, 0]); }
      } else {
        state.set(top[0], 2);
        order.push(top[0]);
        stack.pop();
      }
    }
  };
  if (next.has(start)) visit(start);
  const layer = new Map([[start, 0]]);
  let deepest = 0;
  for (let i = order.length - 1; i >= 0; i--) {
    const id = order[i];
    for (const to of next.get(id) || []) {
      if (next.has(to) && !back.has(id + ">" + to) && layer.get(id) + 1 > (layer.get(to) || 0)) {
        layer.set(to, layer.get(id) + 1);
        deepest = Math.max(deepest, layer.get(to));
      }
    }
  }
  const rows = [];
  for (const n of nodes) {
    const l = layer.has(n.id) && state.has(n.id) ? layer.get(n.id) : deepest + 1;
    (rows[l] = rows[l] || []).push(n.id);
  }
  const widest = Math.max(1, ...rows.map((r) => (r ? r.length : 0)));
  const full = widest * NODE_W + (widest - 1) * GAP_X;
  const out = {};
  rows.forEach((row, l) => {
    if (!row) return;
    const w = row.length * NODE_W + (row.length - 1) * GAP_X;
    row.forEach((id, i) => { out[id] = { x: (full - w) / 2 + i * (NODE_W + GAP_X), y: 90 + l * (NODE_H + GAP_Y) }; });
  });
  return out;
}

// fieldPath reads an API field error's field ("definition.nodes[2].events[0].next",
// or a JSON pointer "/definition/nodes/2/events/0/next") as a path into the
// definition: ["nodes", 2, "events", 0, "next"].
export function fieldPath(field) {
  let parts;
  if (field.startsWith("/")) {
    parts = field.slice(1).split("/").map((p) => p.replace(/~1/g, "/").replace(/~0/g, "~"));
  } else {
    parts = [];
    for (const seg of field.split(".")) {
      const m = seg.match(/^([^[\]]*)((?:\[\d+\])*)$/);
      if (!m) { parts.push(seg); continue; }
      if (m[1]) parts.push(m[1]);
      for (const ix of m[2].match(/\d+/g) || []) parts.push(ix);
    }
  }
  if (parts[0] === "definition") parts = parts.slice(1);
  return parts.map((p) => (/^\d+$/.test(p) ? Number(p) : p));
}

// placeErrors sorts the API's field errors by where they belong: a node
// (by id, with the field's path inside the node), the journey's settings,
// or the save itself (name, id).
export function placeErrors(def, errors) {
  const out = { nodes: {}, settings: [], other: [] };
  for (const e of errors || []) {
    const field = String(e.field || "");
    const path = fieldPath(field);
    if (!field.startsWith("definition") && !field.startsWith("/definition")) { out.other.push({ field, message: e.message }); continue; }
    if (path[0] === "nodes" && typeof path[1] === "number" && def.nodes && def.nodes[path[1]]) {
      const id = def.nodes[path[1]].id;
      (out.nodes[id] = out.nodes[id] || []).push({ path: path.slice(2), field, message: e.message });
    } else {
      out.settings.push({ path, field, message: e.message });
    }
  }
  return out;
}

// What the canvas draws besides the pipeline's nodes: sticky notes, group frames, and collapsed
// groups standing in for their members (ports summarised, edges re-routed to the group's box).
// Pure: no React, no store.
import type { Edge, Node } from "@xyflow/react";
import type { FlowEdge, FlowNode } from "./convert";
import type { GroupDoc, NoteDoc } from "./types";

export const NOTE_PREFIX = "~note:";
export const GROUP_PREFIX = "~group:";
export const PROXY_PREFIX = "~proxy:";
const PAD = 24;
const HEAD = 30;
const DEFAULT_W = 230;
const DEFAULT_H = 64;
export const COLLAPSED_W = 240;
export const COLLAPSED_H = 84;

export interface NoteNodeData extends Record<string, unknown> {
  noteId: string;
  text: string;
}

export interface GroupNodeData extends Record<string, unknown> {
  groupId: string;
  label: string;
  collapsed: boolean;
  members: number;
  /** when collapsed: the edges coming in and going out, summarised */
  inputs: number;
  outputs: number;
}

export type CanvasNode = FlowNode | Node<NoteNodeData, "note"> | Node<GroupNodeData, "group">;

export const isOverlayId = (id: string) => id.startsWith(NOTE_PREFIX) || id.startsWith(GROUP_PREFIX);

export function noteToFlow(n: NoteDoc, selected: boolean): Node<NoteNodeData, "note"> {
  const width = n.width ?? 220;
  const height = n.height ?? 120;
  return {
    id: NOTE_PREFIX + n.id,
    type: "note",
    position: n.position,
    data: { noteId: n.id, text: n.text },
    width,
    height,
    selected,
    zIndex: 1,
    dragHandle: ".pw-note-grip",
  };
}

/** The node set and edge set React Flow draws, from the store's document state. */
export function composeCanvas(
  nodes: FlowNode[],
  edges: FlowEdge[],
  notes: NoteDoc[],
  selectedNotes: readonly string[],
  groups: GroupDoc[],
): { nodes: CanvasNode[]; edges: Edge[] } {
  const noteNodes = notes.map((n) => noteToFlow(n, selectedNotes.includes(n.id)));
  if (!groups.length) return { nodes: noteNodes.length ? [...nodes, ...noteNodes] : nodes, edges };
  const byId = new Map(nodes.map((n) => [n.id, n]));
  const hiddenIn = new Map<string, string>(); // member node id -> collapsed group id
  const frames: Node<GroupNodeData, "group">[] = [];
  for (const g of groups) {
    const members = g.nodes.map((id) => byId.get(id)).filter((n): n is FlowNode => !!n);
    if (!members.length) continue;
    let x0 = Infinity;
    let y0 = Infinity;
    let x1 = -Infinity;
    let y1 = -Infinity;
    for (const m of members) {
      const w = m.measured?.width ?? m.width ?? DEFAULT_W;
      const h = m.measured?.height ?? m.height ?? DEFAULT_H;
      x0 = Math.min(x0, m.position.x);
      y0 = Math.min(y0, m.position.y);
      x1 = Math.max(x1, m.position.x + w);
      y1 = Math.max(y1, m.position.y + h);
    }
    const ids = new Set(members.map((m) => m.id));
    let inputs = 0;
    let outputs = 0;
    for (const e of edges) {
      if (ids.has(e.target) && !ids.has(e.source)) inputs++;
      if (ids.has(e.source) && !ids.has(e.target)) outputs++;
    }
    const collapsed = !!g.collapsed;
    if (collapsed) for (const m of members) hiddenIn.set(m.id, g.id);
    frames.push({
      id: GROUP_PREFIX + g.id,
      type: "group",
      position: collapsed ? { x: x0, y: y0 } : { x: x0 - PAD, y: y0 - PAD - HEAD },
      data: { groupId: g.id, label: g.label, collapsed, members: members.length, inputs, outputs },
      width: collapsed ? COLLAPSED_W : x1 - x0 + 2 * PAD,
      height: collapsed ? COLLAPSED_H : y1 - y0 + 2 * PAD + HEAD,
      draggable: false,
      selectable: false,
      connectable: false,
      zIndex: collapsed ? 0 : -1,
    });
  }
  const shownNodes: CanvasNode[] = [...frames];
  for (const n of nodes) shownNodes.push(hiddenIn.has(n.id) ? { ...n, hidden: true } : n);
  shownNodes.push(...noteNodes);
  if (!hiddenIn.size) return { nodes: shownNodes, edges };
  // Edges touching a collapsed group: one proxy edge per (outside end, group) pair.
  const shownEdges: Edge[] = [];
  const proxies = new Set<string>();
  for (const e of edges) {
    const gs = hiddenIn.get(e.source);
    const gt = hiddenIn.get(e.target);
    if (!gs && !gt) {
      shownEdges.push(e);
      continue;
    }
    if (gs && gs === gt) continue; // inside one collapsed group
    const source = gs ? GROUP_PREFIX + gs : e.source;
    const target = gt ? GROUP_PREFIX + gt : e.target;
    const sourceHandle = gs ? "out" : e.sourceHandle;
    const targetHandle = gt ? "in" : e.targetHandle;
    const id = `${PROXY_PREFIX}${source}:${sourceHandle}->${target}:${targetHandle}`;
    if (proxies.has(id)) continue;
    proxies.add(id);
    shownEdges.push({ id, source, target, sourceHandle, targetHandle, selectable: false, deletable: false, style: { strokeDasharray: "4 3" } });
  }
  return { nodes: shownNodes, edges: shownEdges };
}

// The pipeline being edited: React Flow nodes/edges, pipeline parameters, undo/redo history,
// clipboard, save state and compile problems. No fetches: the page talks to the API.
import { applyEdgeChanges, applyNodeChanges, type EdgeChange, type NodeChange } from "@xyflow/react";
import { create } from "zustand";
import type { Problem } from "../api/pipelines";
import { docToFlow, edgeId, edgeToDoc, edgeToFlow, flowToDoc, nextId, nodeToDoc, nodeToFlow } from "../graph/convert";
import type { FlowEdge, FlowNode, ModuleFlowNode } from "../graph/convert";
import { computeOf } from "../graph/types";
import type { ForEachSpec } from "../graph/foreach";
import type {
  BoundaryNodeDoc,
  ComputeSettings,
  DatasetNodeDoc,
  EdgeDoc,
  GroupDoc,
  ModuleNodeDoc,
  NodeDoc,
  NoteDoc,
  PipelineDoc,
  PipelineParam,
  Position,
  SubPipelineNodeDoc,
} from "../graph/types";
import { LABEL_MAX, uniqueLabel } from "../graph/labels";
import { NOTE_TEXT_MAX } from "../graph/types";

export interface Snapshot {
  nodes: FlowNode[];
  edges: FlowEdge[];
  parameters: PipelineParam[];
  /** the pipeline's default compute settings */
  compute: ComputeSettings;
  /** sticky notes (plain text) */
  notes: NoteDoc[];
  /** visual groups of nodes */
  groups: GroupDoc[];
}

export interface NodeProblems {
  level: "error" | "warning";
  messages: string[];
}

export interface Toast {
  id: number;
  message: string;
  kind: "error" | "info" | "success";
}

export type EdgeColor = (e: EdgeDoc) => string | undefined;
/** Size/handle hints the canvas knows before React Flow measures a node (see canvas/ports.ts). */
export type NodeHints = (n: FlowNode) => FlowNode;
type Meta = { id: number; name: string; team: string; etag: string };

export interface PipelineState extends Snapshot {
  id: number | null;
  name: string;
  team: string;
  etag: string;
  dirty: boolean;
  past: Snapshot[];
  future: Snapshot[];
  clipboard: { nodes: NodeDoc[]; edges: EdgeDoc[] } | null;
  pasteCount: number;
  dragging: boolean;
  errors: Problem[];
  warnings: Problem[];
  problemsByNode: Record<string, NodeProblems>;
  toast: Toast | null;
  /** "node/param" of the last setParam, so typing in one field is a single undo step */
  lastEdit: string | null;
  /** the number of the pipeline's latest saved version (null before the first save) */
  latestVersion: number | null;
  /** the run whose version was opened as this draft ("Open in editor"); the next run records it */
  clonedFrom: number | null;

  load: (meta: Meta, doc: PipelineDoc, color?: EdgeColor, hints?: NodeHints) => void;
  /** the server's copy of what was just saved (versions pinned at save): history and selection stay */
  adoptSaved: (meta: Meta, doc: PipelineDoc, color?: EdgeColor, hints?: NodeHints) => void;
  markSaved: (etag: string, name?: string) => void;
  /** a newer ETag for the document being edited, which stays unsaved */
  setEtag: (etag: string) => void;
  setProblems: (errors: Problem[], warnings: Problem[]) => void;
  setLatestVersion: (version: number | null) => void;
  /** another document (a saved version) becomes the draft, as one undoable edit */
  openDraft: (doc: PipelineDoc, clonedFrom: number | null, color?: EdgeColor, hints?: NodeHints) => void;
  clearClonedFrom: () => void;
  doc: () => PipelineDoc;
  /** the whole document replaced (the upgrade assistant's proposal): one undo step */
  replaceDoc: (doc: PipelineDoc, color?: EdgeColor, hints?: NodeHints) => void;

  onNodesChange: (changes: NodeChange<FlowNode>[]) => void;
  onEdgesChange: (changes: EdgeChange<FlowEdge>[]) => void;
  addNode: (node: Omit<ModuleNodeDoc, "id"> | Omit<DatasetNodeDoc, "id"> | Omit<SubPipelineNodeDoc, "id"> | Omit<BoundaryNodeDoc, "id">, id?: string) => string;
  connect: (edge: EdgeDoc, color?: string) => void;
  setParam: (nodeId: string, name: string, value: unknown) => void;
  setVersion: (nodeId: string, version: string | null) => void;
  /** the dataset version a dataset node reads; null reads the latest at each save */
  setDatasetVersion: (nodeId: string, version: number | null) => void;
  /** a node's compute settings (undefined values drop a key: the default applies) */
  setNodeCompute: (nodeId: string, compute: ComputeSettings) => void;
  setPipelineCompute: (compute: ComputeSettings) => void;
  /** when a node runs: its condition ("" for none) and whether it is an always-run exit step */
  setNodeRunWhen: (nodeId: string, when: { condition?: string; exit?: boolean }) => void;
  /** make a module node a for-each (runs once per item), change it, or (undefined) make it plain again */
  setNodeForEach: (nodeId: string, foreach: ForEachSpec | undefined) => void;
  /** a sub-pipeline node's pinned version (null: the newest at save) or one of its parameter values (undefined: the inner default) */
  setSubPipeline: (nodeId: string, change: { version?: number | null; param?: [string, unknown] }) => void;
  /** a pipeline input or output node's port name (edges on it follow) or type */
  setBoundary: (nodeId: string, change: { name?: string; portType?: string }, color?: EdgeColor) => void;
  addParameter: (param: PipelineParam) => void;
  updateParameter: (index: number, param: PipelineParam) => void;
  removeParameter: (index: number) => void;
  applyPositions: (positions: Record<string, Position>) => void;
  selectOnly: (nodeId: string | null) => void;
  selectAll: () => void;
  deleteSelection: () => void;
  copySelection: () => number;
  paste: (color?: EdgeColor) => number;
  undo: () => void;
  redo: () => void;
  showToast: (message: string, kind?: Toast["kind"]) => void;
  clearToast: (id: number) => void;

  /** a node's label ("" drops it: the module's name shows) */
  setLabel: (nodeId: string, label: string) => void;
  /** the ids of the selected sticky notes */
  selectedNotes: string[];
  addNote: (position: Position, text?: string) => string;
  updateNote: (id: string, patch: Partial<Omit<NoteDoc, "id">>, historyKey?: string) => void;
  selectNote: (id: string, selected: boolean) => void;
  /** the selected nodes become a group (a node leaves any group it was in); returns its id or null */
  groupSelection: (label?: string) => string | null;
  toggleGroup: (id: string) => void;
  renameGroup: (id: string, label: string) => void;
  ungroup: (id: string) => void;
}

const HISTORY_LIMIT = 100;
let toastSeq = 0;

const snapshot = (s: Snapshot): Snapshot => ({
  nodes: s.nodes,
  edges: s.edges,
  parameters: s.parameters,
  compute: s.compute,
  notes: s.notes,
  groups: s.groups,
});

/** Groups without the nodes that are gone (an emptied group goes too). */
const pruneGroups = (groups: GroupDoc[], gone: Set<string>): GroupDoc[] =>
  gone.size
    ? groups.flatMap((g) => {
        const nodes = g.nodes.filter((n) => !gone.has(n));
        return nodes.length === g.nodes.length ? [g] : nodes.length ? [{ ...g, nodes }] : [];
      })
    : groups;

/** Record the state before a document change; every mutating action starts with this. */
const remember = (s: PipelineState) => ({
  past: [...s.past.slice(-(HISTORY_LIMIT - 1)), snapshot(s)],
  future: [] as Snapshot[],
  dirty: true,
  lastEdit: null,
});

function indexProblems(errors: Problem[], warnings: Problem[]): Record<string, NodeProblems> {
  const out: Record<string, NodeProblems> = {};
  for (const [list, level] of [
    [warnings, "warning"],
    [errors, "error"],
  ] as const) {
    for (const p of list) {
      const ids = new Set([...(p.node ? [p.node] : []), ...(p.nodes ?? [])]);
      for (const id of ids) {
        const cur = out[id];
        if (!cur) out[id] = { level, messages: [p.message] };
        else out[id] = { level: level === "error" ? "error" : cur.level, messages: [...cur.messages, p.message] };
      }
    }
  }
  return out;
}

export const selectedNodeId = (s: Pick<PipelineState, "nodes">): string | null => {
  let found: string | null = null;
  for (const n of s.nodes) {
    if (n.selected) {
      if (found) return null;
      found = n.id;
    }
  }
  return found;
};

const initial = {
  id: null,
  name: "",
  team: "",
  etag: "",
  nodes: [] as FlowNode[],
  edges: [] as FlowEdge[],
  parameters: [] as PipelineParam[],
  compute: {} as ComputeSettings,
  notes: [] as NoteDoc[],
  groups: [] as GroupDoc[],
  selectedNotes: [] as string[],
  dirty: false,
  past: [] as Snapshot[],
  future: [] as Snapshot[],
  clipboard: null,
  pasteCount: 0,
  dragging: false,
  errors: [] as Problem[],
  warnings: [] as Problem[],
  problemsByNode: {},
  toast: null,
  lastEdit: null,
  latestVersion: null,
  clonedFrom: null,
};

export const usePipelineStore = create<PipelineState>((set, get) => ({
  ...initial,

  load: (meta, doc, color, hints) => {
    const { nodes } = docToFlow(doc);
    set({
      ...meta,
      nodes,
      edges: [],
      parameters: doc.parameters,
      compute: computeOf(doc.compute) ?? {},
      notes: doc.notes ?? [],
      groups: doc.groups ?? [],
      selectedNotes: [],
      dirty: false,
      past: [],
      future: [],
      dragging: false,
      lastEdit: null,
    });
    // Edge colours look up port types on the nodes just loaded.
    set({ edges: doc.edges.map((e) => edgeToFlow(e, color)) });
    if (hints) set((s) => ({ nodes: s.nodes.map(hints) }));
  },
  adoptSaved: (meta, doc, color, hints) => {
    const { past, future, nodes } = get();
    const selectedIds = new Set(nodes.filter((n) => n.selected).map((n) => n.id));
    get().load(meta, doc, color, hints);
    set((s) => ({ past, future, nodes: s.nodes.map((n) => (selectedIds.has(n.id) ? { ...n, selected: true } : n)) }));
  },
  markSaved: (etag, name) => set((s) => ({ etag, dirty: false, name: name ?? s.name })),
  setEtag: (etag) => set({ etag }),
  setProblems: (errors, warnings) => set({ errors, warnings, problemsByNode: indexProblems(errors, warnings) }),
  setLatestVersion: (latestVersion) => set({ latestVersion }),
  openDraft: (doc, clonedFrom, color, hints) => {
    const { nodes } = docToFlow(doc);
    set((s) => ({
      ...remember(s),
      nodes: hints ? nodes.map(hints) : nodes,
      edges: [],
      parameters: doc.parameters,
      notes: doc.notes ?? [],
      groups: doc.groups ?? [],
      selectedNotes: [],
      clonedFrom,
    }));
    // edge colours look up port types on the nodes just set
    set({ edges: doc.edges.map((e) => edgeToFlow(e, color)) });
  },
  clearClonedFrom: () => set({ clonedFrom: null }),
  doc: () => {
    const s = get();
    return flowToDoc(s.nodes, s.edges, s.parameters, s.compute, s.notes, s.groups);
  },
  replaceDoc: (doc, color, hints) => get().openDraft(doc, get().clonedFrom, color, hints),

  onNodesChange: (all) =>
    set((s) => {
      // A node scrolled into view reports its size again; when it is the size we already hold,
      // skip it so panning a big pipeline does not rebuild the node list on every frame.
      const changes = all.filter((c) => {
        if (c.type !== "dimensions" || c.resizing || !c.dimensions) return true;
        const m = s.nodes.find((n) => n.id === c.id)?.measured;
        return !m || m.width !== c.dimensions.width || m.height !== c.dimensions.height;
      });
      if (!changes.length) return {};
      let history = {};
      const structural = changes.some((c) => c.type === "remove" || c.type === "add" || c.type === "replace");
      const moving = changes.some((c) => c.type === "position" && c.dragging);
      const moved = changes.some((c) => c.type === "position");
      let dragging = s.dragging;
      if (structural || (moved && !s.dragging)) history = remember(s);
      if (moving) dragging = true;
      else if (moved) dragging = false;
      let edges = s.edges;
      const removed = new Set(changes.filter((c) => c.type === "remove").map((c) => c.id));
      if (removed.size) edges = edges.filter((e) => !removed.has(e.source) && !removed.has(e.target));
      const groups = pruneGroups(s.groups, removed);
      return { ...history, nodes: applyNodeChanges(changes, s.nodes), edges, groups, dragging, ...(moved ? { dirty: true } : {}) };
    }),
  onEdgesChange: (changes) =>
    set((s) => {
      const structural = changes.some((c) => c.type !== "select");
      return { ...(structural ? remember(s) : {}), edges: applyEdgeChanges(changes, s.edges) };
    }),

  addNode: (node, id) => {
    const s = get();
    const prefix = "dataset" in node ? "d" : "pipeline" in node ? "sub" : "input" in node ? "in" : "output" in node ? "out" : "n";
    const newId = id ?? nextId(s.nodes.map((n) => n.id), prefix);
    const flow = { ...nodeToFlow({ ...node, id: newId } as NodeDoc), selected: true };
    set({
      ...remember(s),
      nodes: [...s.nodes.map((n) => (n.selected ? { ...n, selected: false } : n)), flow],
    });
    return newId;
  },
  connect: (edge, color) =>
    set((s) => {
      const id = edgeId(edge);
      if (s.edges.some((e) => e.id === id)) return {};
      return { ...remember(s), edges: [...s.edges, edgeToFlow(edge, () => color)] };
    }),
  setParam: (nodeId, name, value) =>
    set((s) => ({
      ...(s.lastEdit === `${nodeId}/${name}` ? { dirty: true } : remember(s)),
      lastEdit: `${nodeId}/${name}`,
      nodes: s.nodes.map((n) => {
        if (n.id !== nodeId || n.type !== "module") return n;
        const params = { ...n.data.params };
        if (value === undefined) delete params[name];
        else params[name] = value;
        return { ...n, data: { ...n.data, params } } as ModuleFlowNode;
      }),
    })),
  setVersion: (nodeId, version) =>
    set((s) => ({
      ...remember(s),
      // Another version may have other ports: drop the size/handle hints so React Flow re-measures.
      nodes: s.nodes.map((n) =>
        n.id === nodeId && n.type === "module"
          ? ({ ...n, handles: undefined, measured: undefined, data: { ...n.data, version } } as ModuleFlowNode)
          : n,
      ),
    })),
  setDatasetVersion: (nodeId, version) =>
    set((s) => ({
      ...remember(s),
      nodes: s.nodes.map((n) => (n.id === nodeId && n.type === "dataset" ? ({ ...n, data: { ...n.data, version } } as FlowNode) : n)),
    })),
  setNodeCompute: (nodeId, compute) =>
    set((s) => ({
      ...(s.lastEdit === `${nodeId}/compute` ? { dirty: true } : remember(s)),
      lastEdit: `${nodeId}/compute`,
      nodes: s.nodes.map((n) => {
        if (n.id !== nodeId || n.type !== "module") return n;
        const data = { ...n.data };
        const kept = computeOf(compute);
        if (kept) data.compute = kept;
        else delete data.compute;
        return { ...n, data } as ModuleFlowNode;
      }),
    })),
  setNodeForEach: (nodeId, foreach) =>
    set((s) => ({
      ...(s.lastEdit === `${nodeId}/foreach` ? { dirty: true } : remember(s)),
      lastEdit: `${nodeId}/foreach`,
      nodes: s.nodes.map((n) => {
        if (n.id !== nodeId || (n.type !== "module" && n.type !== "subpipeline")) return n;
        const data = { ...n.data };
        if (foreach) data.foreach = foreach;
        else delete data.foreach;
        return { ...n, data } as typeof n;
      }),
    })),
  setNodeRunWhen: (nodeId, when) =>
    set((s) => ({
      ...(s.lastEdit === `${nodeId}/when` ? { dirty: true } : remember(s)),
      lastEdit: `${nodeId}/when`,
      nodes: s.nodes.map((n) => {
        if (n.id !== nodeId || n.type !== "module") return n;
        const data = { ...n.data };
        if (when.condition !== undefined) {
          if (when.condition) data.condition = when.condition;
          else delete data.condition;
        }
        if (when.exit !== undefined) {
          if (when.exit) data.exit = true;
          else delete data.exit;
        }
        return { ...n, data } as ModuleFlowNode;
      }),
    })),
  setSubPipeline: (nodeId, change) =>
    set((s) => ({
      ...remember(s),
      nodes: s.nodes.map((n) => {
        if (n.id !== nodeId || n.type !== "subpipeline") return n;
        const data = { ...n.data, params: { ...n.data.params } };
        const other = change.version !== undefined && change.version !== data.version;
        if (change.version !== undefined) data.version = change.version;
        if (change.param) {
          const [name, value] = change.param;
          if (value === undefined) delete data.params[name];
          else data.params[name] = value;
        }
        // another version may have other ports: drop the size/handle hints so React Flow re-measures
        return (other ? { ...n, handles: undefined, measured: undefined, data } : { ...n, data }) as FlowNode;
      }),
    })),
  setBoundary: (nodeId, change, color) => {
    set((s) => {
      const node = s.nodes.find((n) => n.id === nodeId);
      if (!node || node.type !== "boundary") return {};
      const old = node.data.name;
      const name = change.name ?? old;
      const portType = change.portType ?? node.data.portType;
      if (name === old && portType === node.data.portType) return {};
      const key = change.name !== undefined ? `${nodeId}/boundary-name` : `${nodeId}/boundary-type`;
      const nodes = s.nodes.map((n) =>
        n.id === nodeId ? ({ ...n, handles: undefined, measured: undefined, data: { ...n.data, name, portType } } as FlowNode) : n,
      );
      // the node's one port is named after it: its edges follow a rename (and take the new type's colour)
      const edges = s.edges.map((e) => {
        if (e.source !== nodeId && e.target !== nodeId) return e;
        const doc = edgeToDoc(e);
        if (doc.source === nodeId && doc.source_port === old) doc.source_port = name;
        if (doc.target === nodeId && doc.target_port === old) doc.target_port = name;
        return edgeToFlow(doc);
      });
      return { ...(s.lastEdit === key ? { dirty: true } : remember(s)), lastEdit: key, nodes, edges };
    });
    // colours look up the port types on the node just changed
    if (color) set((s) => ({ edges: s.edges.map((e) => (e.source === nodeId || e.target === nodeId ? edgeToFlow(edgeToDoc(e), color) : e)) }));
  },
  setPipelineCompute: (compute) =>
    set((s) => ({
      ...(s.lastEdit === "pipeline/compute" ? { dirty: true } : remember(s)),
      lastEdit: "pipeline/compute",
      compute: computeOf(compute) ?? {},
    })),
  addParameter: (param) => set((s) => ({ ...remember(s), parameters: [...s.parameters, param] })),
  updateParameter: (index, param) =>
    set((s) => ({ ...remember(s), parameters: s.parameters.map((p, i) => (i === index ? param : p)) })),
  removeParameter: (index) => set((s) => ({ ...remember(s), parameters: s.parameters.filter((_, i) => i !== index) })),
  applyPositions: (positions) =>
    set((s) => ({
      ...remember(s),
      nodes: s.nodes.map((n) => (positions[n.id] ? { ...n, position: positions[n.id] } : n)),
    })),
  selectOnly: (nodeId) =>
    set((s) => ({
      nodes: s.nodes.map((n) => {
        const selected = n.id === nodeId;
        return n.selected === selected ? n : { ...n, selected };
      }),
      edges: s.edges.map((e) => (e.selected ? { ...e, selected: false } : e)),
    })),
  selectAll: () => set((s) => ({ nodes: s.nodes.map((n) => (n.selected ? n : { ...n, selected: true })) })),

  deleteSelection: () =>
    set((s) => {
      const gone = new Set(s.nodes.filter((n) => n.selected).map((n) => n.id));
      const edgesLeft = s.edges.filter((e) => !e.selected && !gone.has(e.source) && !gone.has(e.target));
      const notesGone = new Set(s.selectedNotes);
      if (!gone.size && !notesGone.size && edgesLeft.length === s.edges.length) return {};
      return {
        ...remember(s),
        nodes: s.nodes.filter((n) => !gone.has(n.id)),
        edges: edgesLeft,
        groups: pruneGroups(s.groups, gone),
        notes: s.notes.filter((n) => !notesGone.has(n.id)),
        selectedNotes: [],
      };
    }),
  copySelection: () => {
    const s = get();
    const picked = s.nodes.filter((n) => n.selected);
    const ids = new Set(picked.map((n) => n.id));
    const edges = s.edges.filter((e) => ids.has(e.source) && ids.has(e.target)).map(edgeToDoc);
    if (picked.length) set({ clipboard: { nodes: picked.map(nodeToDoc), edges }, pasteCount: 0 });
    return picked.length;
  },
  paste: (color) => {
    const s = get();
    if (!s.clipboard?.nodes.length) return 0;
    const count = s.pasteCount + 1;
    const taken = new Set(s.nodes.map((n) => n.id));
    const rename = new Map<string, string>();
    const added: FlowNode[] = [];
    const labels = s.nodes.map((n) => (n.type === "module" ? (n.data.label ?? "") : "")).filter(Boolean);
    for (const doc of s.clipboard.nodes) {
      const id = nextId(taken, "dataset" in doc ? "d" : "n");
      taken.add(id);
      rename.set(doc.id, id);
      const position = { x: doc.position.x + 40 * count, y: doc.position.y + 40 * count };
      const copy = { ...doc, id, position } as NodeDoc;
      if ("module" in copy && copy.label) {
        copy.label = uniqueLabel(copy.label, labels);
        labels.push(copy.label);
      }
      added.push({ ...nodeToFlow(copy), selected: true });
    }
    const edges = s.clipboard.edges.map((e) =>
      edgeToFlow({ ...e, source: rename.get(e.source)!, target: rename.get(e.target)! }, color),
    );
    set({
      ...remember(s),
      pasteCount: count,
      nodes: [...s.nodes.map((n) => (n.selected ? { ...n, selected: false } : n)), ...added],
      edges: [...s.edges, ...edges],
    });
    return added.length;
  },
  undo: () =>
    set((s) => {
      const prev = s.past[s.past.length - 1];
      if (!prev) return {};
      return { ...prev, past: s.past.slice(0, -1), future: [...s.future, snapshot(s)], dirty: true, lastEdit: null };
    }),
  redo: () =>
    set((s) => {
      const next = s.future[s.future.length - 1];
      if (!next) return {};
      return { ...next, future: s.future.slice(0, -1), past: [...s.past, snapshot(s)], dirty: true, lastEdit: null };
    }),
  showToast: (message, kind = "error") => set({ toast: { id: ++toastSeq, message, kind } }),
  clearToast: (id) => set((s) => (s.toast?.id === id ? { toast: null } : {})),

  setLabel: (nodeId, label) =>
    set((s) => ({
      ...(s.lastEdit === `${nodeId}/label` ? { dirty: true } : remember(s)),
      lastEdit: `${nodeId}/label`,
      nodes: s.nodes.map((n) => {
        if (n.id !== nodeId || n.type !== "module") return n;
        const data = { ...n.data };
        const kept = label.slice(0, LABEL_MAX);
        if (kept.trim()) data.label = kept;
        else delete data.label;
        return { ...n, data } as ModuleFlowNode;
      }),
    })),
  addNote: (position, text = "") => {
    const s = get();
    const id = nextId(s.notes.map((n) => n.id), "note");
    set({ ...remember(s), notes: [...s.notes, { id, text: text.slice(0, NOTE_TEXT_MAX), position, width: 220, height: 120 }], selectedNotes: [id] });
    return id;
  },
  updateNote: (id, patch, historyKey) =>
    set((s) => {
      const key = historyKey ? `note/${id}/${historyKey}` : null;
      const fixed = patch.text !== undefined ? { ...patch, text: patch.text.slice(0, NOTE_TEXT_MAX) } : patch;
      return {
        ...(key && s.lastEdit === key ? { dirty: true } : remember(s)),
        lastEdit: key,
        notes: s.notes.map((n) => (n.id === id ? { ...n, ...fixed } : n)),
      };
    }),
  selectNote: (id, selected) =>
    set((s) => {
      const has = s.selectedNotes.includes(id);
      if (has === selected) return {};
      return { selectedNotes: selected ? [...s.selectedNotes, id] : s.selectedNotes.filter((x) => x !== id) };
    }),
  groupSelection: (label) => {
    const s = get();
    const members = s.nodes.filter((n) => n.selected).map((n) => n.id);
    if (!members.length) return null;
    const id = nextId(s.groups.map((g) => g.id), "g");
    const taken = new Set(members);
    const groups = pruneGroups(s.groups, taken);
    const name = uniqueLabel(label ?? "Group", groups.map((g) => g.label));
    set({ ...remember(s), groups: [...groups, { id, label: name, nodes: members, collapsed: false }] });
    return id;
  },
  toggleGroup: (id) =>
    set((s) => ({ ...remember(s), groups: s.groups.map((g) => (g.id === id ? { ...g, collapsed: !g.collapsed } : g)) })),
  renameGroup: (id, label) =>
    set((s) => ({
      ...(s.lastEdit === `group/${id}` ? { dirty: true } : remember(s)),
      lastEdit: `group/${id}`,
      groups: s.groups.map((g) => (g.id === id ? { ...g, label: label.slice(0, LABEL_MAX) } : g)),
    })),
  ungroup: (id) => set((s) => ({ ...remember(s), groups: s.groups.filter((g) => g.id !== id) })),
}));

export const resetPipelineStore = () => usePipelineStore.setState({ ...initial });

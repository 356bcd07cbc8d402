// A visual diff of two pipeline versions, as data for a read-only canvas: every node of the newer
// version plus the removed ones of the older, each marked added / removed / changed / same, with
// its changed fields as old → new; edges likewise. Which nodes and edges changed is the server's
// diff (GET /api/pipelines/{id}/versions/{a}/diff/{b}); the values come from the two documents.
import { isBoundaryNode, isDatasetNode, isSubPipelineNode, type EdgeDoc, type NodeDoc, type PipelineDoc } from "./types";

export type DiffStatus = "added" | "removed" | "changed" | "same";

export interface FieldChange {
  /** "params.test_size", "version", "module", "label", ... */
  field: string;
  from: unknown;
  to: unknown;
}

export interface DiffNode {
  node: NodeDoc;
  status: DiffStatus;
  changes: FieldChange[];
}

export interface DiffEdge {
  edge: EdgeDoc;
  status: Exclude<DiffStatus, "changed">;
}

/** The server's diff (compiler/diff.py), typed. */
export interface ServerDiff {
  nodes: { added: string[]; removed: string[]; changed: { id: string; fields: string[] }[] };
  edges: { added: EdgeDoc[]; removed: EdgeDoc[] };
  parameters: { added: string[]; removed: string[]; changed: { name: string; fields: string[] }[] };
}

export const edgeKey = (e: EdgeDoc) => `${e.source}.${e.source_port}->${e.target}.${e.target_port}`;

function valueAt(node: NodeDoc | undefined, field: string): unknown {
  if (!node) return undefined;
  const record = node as unknown as Record<string, unknown>;
  if (field.startsWith("params.")) {
    const params = record.params as Record<string, unknown> | undefined;
    return params?.[field.slice("params.".length)];
  }
  return record[field];
}

/** A value as the diff shows it. */
export function showValue(v: unknown): string {
  if (v === undefined) return "—";
  if (typeof v === "string") return v.length > 60 ? JSON.stringify(`${v.slice(0, 57)}…`) : JSON.stringify(v);
  const text = JSON.stringify(v);
  return text.length > 60 ? `${text.slice(0, 57)}…` : text;
}

/** Node and edge statuses of `to` against `from`; with `from` null, every node is "same" (a plain view). */
export function buildDiff(from: PipelineDoc | null, to: PipelineDoc, diff: ServerDiff | null): { nodes: DiffNode[]; edges: DiffEdge[] } {
  if (!from || !diff) {
    return { nodes: to.nodes.map((node) => ({ node, status: "same", changes: [] })), edges: to.edges.map((edge) => ({ edge, status: "same" })) };
  }
  const before = new Map(from.nodes.map((n) => [n.id, n]));
  const added = new Set(diff.nodes.added);
  const changed = new Map(diff.nodes.changed.map((c) => [c.id, c.fields.filter((f) => f !== "position")]));
  const nodes: DiffNode[] = to.nodes.map((node) => {
    if (added.has(node.id)) return { node, status: "added", changes: [] };
    const fields = changed.get(node.id) ?? [];
    const changes = fields.map((field) => ({ field, from: valueAt(before.get(node.id), field), to: valueAt(node, field) }));
    return { node, status: changes.length ? "changed" : "same", changes };
  });
  for (const id of diff.nodes.removed) {
    const node = before.get(id);
    if (node) nodes.push({ node, status: "removed", changes: [] });
  }
  const addedEdges = new Set(diff.edges.added.map(edgeKey));
  const edges: DiffEdge[] = to.edges.map((edge) => ({ edge, status: addedEdges.has(edgeKey(edge)) ? "added" : "same" }));
  for (const edge of diff.edges.removed) edges.push({ edge, status: "removed" });
  return { nodes, edges };
}

/** What a diff node is called: its label, else its module or dataset name. */
export const nodeTitle = (n: NodeDoc) =>
  isDatasetNode(n)
    ? (n.dataset.split("/").pop() ?? n.dataset)
    : isSubPipelineNode(n)
      ? `pipeline ${n.pipeline}`
      : isBoundaryNode(n)
        ? `${n.input !== undefined ? "input" : "output"} ${n.input ?? n.output ?? ""}`
        : n.label || (n.module.split("/").pop() ?? n.module);

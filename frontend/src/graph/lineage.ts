// A lineage answer (GET /api/lineage/...) as boxes and arrows: sizes for the elk layout, and which
// boxes a diff's first difference points at. Framework-free; the page draws it with React Flow.
import type { EdgeDoc } from "./types";
import type { LayoutNode } from "./layout";

export interface LineageNodeLike {
  id: string;
  kind: string;
  label: string;
  detail: Record<string, unknown>;
}
export interface LineageEdgeLike {
  source: string;
  target: string;
  label: string;
}
export interface DiffLike {
  first: { node_a: string | null; kind: string } | null;
  a: { steps: { node: string; step: number }[] };
}

export const NODE_SIZE: Record<string, { width: number; height: number }> = {
  step: { width: 260, height: 64 },
  artifact: { width: 150, height: 36 },
  dataset: { width: 200, height: 44 },
  model: { width: 200, height: 44 },
};

/** Layout input: every node with its box size; edges as port-less links. */
export function layoutInput(nodes: LineageNodeLike[], edges: LineageEdgeLike[]): { nodes: LayoutNode[]; edges: EdgeDoc[] } {
  return {
    nodes: nodes.map((n) => ({ id: n.id, ...(NODE_SIZE[n.kind] ?? NODE_SIZE.artifact) })),
    edges: edges.map((e) => ({ source: e.source, source_port: "", target: e.target, target_port: "" })),
  };
}

/** The ids of this graph's nodes the diff's first difference is about (its step on side A), if shown. */
export function highlighted(nodes: LineageNodeLike[], diff: DiffLike | null): Set<string> {
  const out = new Set<string>();
  const node = diff?.first?.node_a;
  if (!diff || !node) return out;
  const steps = new Set(diff.a.steps.filter((s) => s.node === node).map((s) => `step:${s.step}`));
  for (const n of nodes) {
    if (steps.has(n.id) || (n.kind === "step" && n.detail["node"] === node && steps.size === 0)) out.add(n.id);
  }
  // the step ran in another run than the one the graph walks: fall back to its node id
  if (!out.size) for (const n of nodes) if (n.kind === "step" && n.detail["node"] === node) out.add(n.id);
  return out;
}

/** The part of a label a box shows on its second line. */
export function subtitle(node: LineageNodeLike): string {
  const d = node.detail;
  if (node.kind === "step") return `${String(d["status"] ?? "")}${d["image_id"] ? ` · ${String(d["image_id"]).slice(0, 19)}` : ""}`;
  if (node.kind === "artifact") return "artifact";
  if (node.kind === "dataset" || node.kind === "model") return String(d["sha256"] ?? "").slice(0, 12);
  return "";
}

// Auto-layout with elkjs: layered, top-down. Framework-free; returns new positions by node id.
import ELK from "elkjs/lib/elk.bundled.js";
import type { EdgeDoc, Position } from "./types";

const elk = new ELK();

export interface LayoutNode {
  id: string;
  width: number;
  height: number;
}

export async function layeredLayout(nodes: LayoutNode[], edges: Pick<EdgeDoc, "source" | "target">[]): Promise<Record<string, Position>> {
  const ids = new Set(nodes.map((n) => n.id));
  const graph = await elk.layout({
    id: "root",
    layoutOptions: {
      "elk.algorithm": "layered",
      "elk.direction": "DOWN",
      "elk.layered.spacing.nodeNodeBetweenLayers": "70",
      "elk.spacing.nodeNode": "50",
      "elk.layered.nodePlacement.strategy": "BRANDES_KOEPF",
    },
    children: nodes.map((n) => ({ id: n.id, width: n.width, height: n.height })),
    edges: edges
      .filter((e) => ids.has(e.source) && ids.has(e.target))
      .map((e, i) => ({ id: `e${i}`, sources: [e.source], targets: [e.target] })),
  });
  const out: Record<string, Position> = {};
  for (const c of graph.children ?? []) out[c.id] = { x: c.x ?? 0, y: c.y ?? 0 };
  return out;
}

// Auto-layout with elkjs: layered, top-down, ports in their drawn order (inputs on top, outputs
// below) so edges cross as little as possible. Framework-free; returns new positions by node id.
import ELK from "elkjs/lib/elk.bundled.js";
import type { EdgeDoc, Position } from "./types";

const elk = new ELK();

export interface LayoutNode {
  id: string;
  width: number;
  height: number;
  inputs?: string[];
  outputs?: string[];
}

const portId = (node: string, kind: "in" | "out", port: string) => `${node}\u0000${kind}\u0000${port}`;

export async function layeredLayout(nodes: LayoutNode[], edges: EdgeDoc[]): Promise<Record<string, Position>> {
  const byId = new Map(nodes.map((n) => [n.id, n]));
  const hasPort = (node: string, kind: "in" | "out", port: string) =>
    (kind === "in" ? byId.get(node)?.inputs : byId.get(node)?.outputs)?.includes(port) ?? false;
  const graph = await elk.layout({
    id: "root",
    layoutOptions: {
      "elk.algorithm": "layered",
      "elk.direction": "DOWN",
      "elk.layered.spacing.nodeNodeBetweenLayers": "60",
      "elk.spacing.nodeNode": "50",
      "elk.layered.nodePlacement.strategy": "NETWORK_SIMPLEX",
      "elk.spacing.edgeNode": "40",
      "elk.layered.spacing.edgeNodeBetweenLayers": "30",
      "elk.layered.crossingMinimization.strategy": "LAYER_SWEEP",
    },
    children: nodes.map((n) => {
      const ins = n.inputs ?? [];
      const outs = n.outputs ?? [];
      return {
        id: n.id,
        width: n.width,
        height: n.height,
        layoutOptions: { "elk.portConstraints": "FIXED_POS" },
        ports: [
          ...ins.map((p, i) => ({ id: portId(n.id, "in", p), x: ((i + 1) * n.width) / (ins.length + 1), y: 0, width: 1, height: 1, layoutOptions: { "elk.port.side": "NORTH" } })),
          ...outs.map((p, i) => ({ id: portId(n.id, "out", p), x: ((i + 1) * n.width) / (outs.length + 1), y: n.height, width: 1, height: 1, layoutOptions: { "elk.port.side": "SOUTH" } })),
        ],
      };
    }),
    edges: edges
      .filter((e) => byId.has(e.source) && byId.has(e.target))
      .map((e, i) => ({
        id: `e${i}`,
        sources: [hasPort(e.source, "out", e.source_port) ? portId(e.source, "out", e.source_port) : e.source],
        targets: [hasPort(e.target, "in", e.target_port) ? portId(e.target, "in", e.target_port) : e.target],
      })),
  });
  const out: Record<string, Position> = {};
  for (const c of graph.children ?? []) out[c.id] = { x: c.x ?? 0, y: c.y ?? 0 };
  return out;
}

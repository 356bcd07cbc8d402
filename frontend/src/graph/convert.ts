// Pipeline document <-> React Flow nodes and edges. Pure: no React, no fetches.
import type { Edge, Node } from "@xyflow/react";
import type { BoundaryNodeDoc, ComputeSettings, DatasetNodeDoc, EdgeDoc, GroupDoc, ModuleNodeDoc, NodeDoc, NoteDoc, PipelineDoc, PipelineParam, SubPipelineNodeDoc } from "./types";
import { computeOf, isBoundaryNode, isDatasetNode, isSubPipelineNode } from "./types";
import type { ForEachSpec } from "./foreach";

export interface ModuleNodeData extends Record<string, unknown> {
  module: string;
  version: string | null;
  params: Record<string, unknown>;
  label?: string;
  compute?: ComputeSettings;
  condition?: string;
  exit?: boolean;
  foreach?: ForEachSpec;
}

export interface DatasetNodeData extends Record<string, unknown> {
  dataset: string;
  version: number | null;
}

export interface SubPipelineNodeData extends Record<string, unknown> {
  pipeline: number;
  version: number | null;
  params: Record<string, unknown>;
  foreach?: ForEachSpec;
}

export interface BoundaryNodeData extends Record<string, unknown> {
  kind: "input" | "output";
  name: string;
  portType: string;
}

export type ModuleFlowNode = Node<ModuleNodeData, "module">;
export type DatasetFlowNode = Node<DatasetNodeData, "dataset">;
export type SubPipelineFlowNode = Node<SubPipelineNodeData, "subpipeline">;
export type BoundaryFlowNode = Node<BoundaryNodeData, "boundary">;
export type FlowNode = ModuleFlowNode | DatasetFlowNode | SubPipelineFlowNode | BoundaryFlowNode;
export type FlowEdge = Edge;

export const DATASET_PORT = "data";

export function edgeId(e: EdgeDoc): string {
  return `${e.source}:${e.source_port}->${e.target}:${e.target_port}`;
}

export function nodeToFlow(n: NodeDoc): FlowNode {
  const position = { x: Number(n.position?.x) || 0, y: Number(n.position?.y) || 0 };
  if (isDatasetNode(n)) {
    return { id: n.id, type: "dataset", position, data: { dataset: n.dataset, version: n.version ?? null } };
  }
  if (isSubPipelineNode(n)) {
    const data: SubPipelineNodeData = { pipeline: n.pipeline, version: n.version ?? null, params: { ...(n.params ?? {}) }, ...(n.foreach ? { foreach: n.foreach } : {}) };
    return { id: n.id, type: "subpipeline", position, data };
  }
  if (isBoundaryNode(n)) {
    const kind = n.input !== undefined ? "input" : "output";
    return { id: n.id, type: "boundary", position, data: { kind, name: (kind === "input" ? n.input : n.output) ?? "", portType: n.type ?? "Any" } };
  }
  const compute = computeOf(n.compute);
  return {
    id: n.id,
    type: "module",
    position,
    data: {
      module: n.module,
      version: n.version ?? null,
      params: { ...(n.params ?? {}) },
      ...(n.label ? { label: n.label } : {}),
      ...(compute ? { compute } : {}),
      ...(n.condition ? { condition: n.condition } : {}),
      ...(n.exit ? { exit: true } : {}),
      ...(n.foreach ? { foreach: n.foreach } : {}),
    },
  };
}

export function edgeToFlow(e: EdgeDoc, color?: (e: EdgeDoc) => string | undefined): FlowEdge {
  const stroke = color?.(e);
  return {
    id: edgeId(e),
    source: e.source,
    sourceHandle: e.source_port,
    target: e.target,
    targetHandle: e.target_port,
    ...(stroke ? { style: { stroke } } : {}),
  };
}

export function docToFlow(doc: PipelineDoc, color?: (e: EdgeDoc) => string | undefined): { nodes: FlowNode[]; edges: FlowEdge[] } {
  return { nodes: doc.nodes.map(nodeToFlow), edges: doc.edges.map((e) => edgeToFlow(e, color)) };
}

const round = (v: number) => Math.round(v * 100) / 100;

export function nodeToDoc(n: FlowNode): NodeDoc {
  const position = { x: round(n.position.x), y: round(n.position.y) };
  if (n.type === "dataset") {
    const d = n.data as DatasetNodeData;
    const out: DatasetNodeDoc = { id: n.id, dataset: d.dataset, version: d.version, position };
    return out;
  }
  if (n.type === "subpipeline") {
    const d = n.data as SubPipelineNodeData;
    const sub: SubPipelineNodeDoc = { id: n.id, pipeline: d.pipeline, version: d.version, params: { ...d.params }, position };
    if (d.foreach) sub.foreach = d.foreach;
    return sub;
  }
  if (n.type === "boundary") {
    const d = n.data as BoundaryNodeData;
    const b: BoundaryNodeDoc = { id: n.id, [d.kind]: d.name, type: d.portType, position };
    return b;
  }
  const d = n.data as ModuleNodeData;
  const out: ModuleNodeDoc = { id: n.id, module: d.module, version: d.version, params: { ...d.params }, position };
  if (d.label) out.label = d.label;
  const compute = computeOf(d.compute);
  if (compute) out.compute = compute;
  if (d.condition?.trim()) out.condition = d.condition.trim();
  if (d.exit) out.exit = true;
  if (d.foreach) out.foreach = d.foreach;
  return out;
}

export function edgeToDoc(e: FlowEdge): EdgeDoc {
  return { source: e.source, source_port: e.sourceHandle ?? "", target: e.target, target_port: e.targetHandle ?? "" };
}

export function flowToDoc(
  nodes: readonly FlowNode[],
  edges: readonly FlowEdge[],
  parameters: readonly PipelineParam[],
  defaults?: ComputeSettings,
  notes: readonly NoteDoc[] = [],
  groups: readonly GroupDoc[] = [],
): PipelineDoc {
  const compute = computeOf(defaults);
  return {
    schema: 1,
    nodes: nodes.map(nodeToDoc),
    edges: edges.map(edgeToDoc),
    parameters: parameters.map((p) => ({ ...p })),
    ...(compute ? { compute } : {}),
    ...(notes.length ? { notes: notes.map((n) => ({ ...n, position: { x: round(n.position.x), y: round(n.position.y) } })) } : {}),
    ...(groups.length ? { groups: groups.map((g) => ({ ...g, nodes: [...g.nodes] })) } : {}),
  };
}

/** The next free id with the given prefix ("n1", "n2", ...). */
export function nextId(taken: Iterable<string>, prefix = "n"): string {
  let max = 0;
  const re = new RegExp(`^${prefix}(\\d+)$`);
  for (const id of taken) {
    const m = re.exec(id);
    if (m) max = Math.max(max, Number(m[1]));
  }
  return `${prefix}${max + 1}`;
}

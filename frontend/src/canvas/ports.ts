// Port lookups over the live stores, for connection checks and edge colours.
import { Position } from "@xyflow/react";
import type { PortLookup } from "../graph/connect";
import type { PortType } from "../api/modules";
import type { BoundaryNodeData, FlowNode, SubPipelineNodeData } from "../graph/convert";
import { interfaceKey, useSubPipelines } from "../store/subPipelines";
import { portColor } from "../graph/ports";
import { forEachOutputs } from "../graph/foreach";
import type { EdgeDoc } from "../graph/types";
import { usePipelineStore } from "../store/pipeline";
import { DATASET_OUTPUT, specFor, useCatalogStore } from "../store/pipelineCatalog";

function portsOf(nodeOrId: string | FlowNode, kind: "inputs" | "outputs") {
  const node = typeof nodeOrId === "string" ? usePipelineStore.getState().nodes.find((n) => n.id === nodeOrId) : nodeOrId;
  if (!node) return undefined;
  if (node.type === "dataset") return kind === "outputs" ? [DATASET_OUTPUT] : [];
  if (node.type === "boundary") {
    const d = node.data as BoundaryNodeData;
    const port = [{ name: d.name, type: d.portType as PortType }];
    return (d.kind === "input") === (kind === "outputs") ? port : [];
  }
  if (node.type === "subpipeline") {
    const d = node.data as SubPipelineNodeData;
    const ports = useSubPipelines.getState().interfaces[interfaceKey(d.pipeline, d.version)]?.[kind];
    return ports && kind === "outputs" && d.foreach ? forEachOutputs(ports) : ports;
  }
  const spec = specFor(useCatalogStore.getState(), node.data.module as string, node.data.version as string | null);
  if (spec && kind === "outputs" && node.data.foreach) return forEachOutputs(spec.outputs);
  return spec?.[kind];
}

export const livePorts: PortLookup = {
  outputType: (node, port) => portsOf(node, "outputs")?.find((p) => p.name === port)?.type,
  inputType: (node, port) => portsOf(node, "inputs")?.find((p) => p.name === port)?.type,
};

export const edgeColor = (e: EdgeDoc) => portColor(livePorts.outputType(e.source, e.source_port));

export const NODE_W = 230;
export const NODE_H = 70;
const HANDLE = 11;

/**
 * Size and handle positions known before the node is drawn, so React Flow does not have to mount
 * every node of a big pipeline once just to measure it (onlyRenderVisibleElements).
 * Mirrors the CSS: .pw-node is 230 px wide and 70 px tall, handles spread evenly on top/bottom.
 */
export function withLayoutHints(node: FlowNode): FlowNode {
  const inputs = node.type === "dataset" ? [] : portsOf(node, "inputs");
  const outputs = node.type === "dataset" ? [DATASET_OUTPUT] : portsOf(node, "outputs");
  if (!inputs || !outputs) return node;
  const place = (names: { name: string }[], type: "source" | "target") =>
    names.map((p, i) => ({
      id: p.name,
      type,
      position: type === "target" ? Position.Top : Position.Bottom,
      x: ((i + 1) * NODE_W) / (names.length + 1) - HANDLE / 2,
      y: type === "target" ? -HANDLE / 2 : NODE_H - HANDLE / 2,
      width: HANDLE,
      height: HANDLE,
    }));
  return { ...node, measured: node.measured ?? { width: NODE_W, height: NODE_H }, handles: [...place(inputs, "target"), ...place(outputs, "source")] };
}

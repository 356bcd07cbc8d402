// Port lookups over the live stores, for connection checks and edge colours.
import type { PortLookup } from "../graph/connect";
import { portColor } from "../graph/ports";
import type { EdgeDoc } from "../graph/types";
import { usePipelineStore } from "../store/pipeline";
import { DATASET_OUTPUT, specFor, useCatalogStore } from "../store/pipelineCatalog";

function portsOf(nodeId: string, kind: "inputs" | "outputs") {
  const node = usePipelineStore.getState().nodes.find((n) => n.id === nodeId);
  if (!node) return undefined;
  if (node.type === "dataset") return kind === "outputs" ? [DATASET_OUTPUT] : [];
  const spec = specFor(useCatalogStore.getState(), node.data.module as string, node.data.version as string | null);
  return spec?.[kind];
}

export const livePorts: PortLookup = {
  outputType: (node, port) => portsOf(node, "outputs")?.find((p) => p.name === port)?.type,
  inputType: (node, port) => portsOf(node, "inputs")?.find((p) => p.name === port)?.type,
};

export const edgeColor = (e: EdgeDoc) => portColor(livePorts.outputType(e.source, e.source_port));

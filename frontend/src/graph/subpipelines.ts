// Sub-pipelines (compiler/nesting.py), pure: a pipeline document's interface (its input and output
// nodes as ports) and the roll-up of a sub-pipeline node's inner steps (`<node>.<inner>`) in a run.
import type { Port, PortType } from "../api/modules";
import { isBoundaryNode, type PipelineDoc } from "./types";

export interface PipelineInterface {
  name: string;
  inputs: Port[];
  outputs: Port[];
  /** the inner pipeline's parameters, which the node may set */
  parameters?: PipelineDoc["parameters"];
}

export function interfaceOf(name: string, doc: Pick<PipelineDoc, "nodes">): PipelineInterface {
  const inputs: Port[] = [];
  const outputs: Port[] = [];
  for (const n of doc.nodes ?? []) {
    if (!isBoundaryNode(n)) continue;
    const port = { name: (n.input ?? n.output ?? "") as string, type: (n.type ?? "Any") as PortType };
    if (n.input !== undefined) inputs.push(port);
    else outputs.push(port);
  }
  return { name, inputs, outputs, ...("parameters" in doc && Array.isArray(doc.parameters) && doc.parameters.length ? { parameters: doc.parameters } : {}) };
}

const ORDER = ["failed", "running", "queued", "canceled", "pending", "skipped", "succeeded", "cached"] as const;

/** One status for a sub-pipeline node from its inner steps: failed over running over queued ...;
 * succeeded when every step succeeded or was cached (cached only when all were). */
export function rollUp(node: string, steps: readonly { node: string; status: string }[]): string | undefined {
  const mine = steps.filter((s) => s.node.startsWith(`${node}.`)).map((s) => s.status);
  if (!mine.length) return undefined;
  if (mine.every((s) => s === "cached")) return "cached";
  if (mine.every((s) => s === "succeeded" || s === "cached" || s === "skipped")) return mine.every((s) => s === "skipped") ? "skipped" : "succeeded";
  if (mine.some((s) => s === "running") || (mine.some((s) => s === "succeeded" || s === "cached") && mine.some((s) => s === "pending" || s === "queued")))
    return mine.includes("failed") ? "failed" : "running";
  return ORDER.find((s) => mine.includes(s));
}

import { describe, expect, it } from "vitest";
import { docToFlow, flowToDoc } from "./convert";
import { interfaceOf, rollUp } from "./subpipelines";
import type { PipelineDoc } from "./types";

const inner: PipelineDoc = {
  schema: 1,
  nodes: [
    { id: "in_data", input: "data", type: "DataFrame", position: { x: 0, y: 0 } },
    { id: "split", module: "builtin/split-data", version: "1.0.0", params: {}, position: { x: 0, y: 100 } },
    { id: "out_train", output: "train", type: "DataFrame", position: { x: 0, y: 200 } },
  ],
  edges: [],
  parameters: [],
};

describe("sub-pipelines", () => {
  it("round-trips sub-pipeline and boundary nodes through the canvas", () => {
    const doc: PipelineDoc = { ...inner, nodes: [...inner.nodes, { id: "prep", pipeline: 7, version: 2, params: { ts: 0.3 }, position: { x: 5, y: 5 } }] };
    const { nodes, edges } = docToFlow(doc);
    expect(nodes.map((n) => n.type)).toEqual(["boundary", "module", "boundary", "subpipeline"]);
    expect(flowToDoc(nodes, edges, [])).toEqual(doc);
  });
  it("reads a pipeline's interface from its input and output nodes", () => {
    expect(interfaceOf("prep", inner)).toEqual({ name: "prep", inputs: [{ name: "data", type: "DataFrame" }], outputs: [{ name: "train", type: "DataFrame" }] });
  });
  it("rolls inner steps up into one status", () => {
    const s = (node: string, status: string) => ({ node, status });
    expect(rollUp("prep", [s("prep.a", "succeeded"), s("prep.b", "running"), s("other", "failed")])).toBe("running");
    expect(rollUp("prep", [s("prep.a", "succeeded"), s("prep.b", "failed")])).toBe("failed");
    expect(rollUp("prep", [s("prep.a", "cached"), s("prep.b", "cached")])).toBe("cached");
    expect(rollUp("prep", [s("prep.a", "cached"), s("prep.b", "succeeded")])).toBe("succeeded");
    expect(rollUp("prep", [s("prep.a", "succeeded"), s("prep.b", "pending")])).toBe("running");
    expect(rollUp("prep", [s("prep.a", "pending")])).toBe("pending");
    expect(rollUp("prep", [s("prepx", "failed")])).toBeUndefined();
  });
});

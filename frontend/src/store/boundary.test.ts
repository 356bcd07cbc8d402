import { beforeEach, describe, expect, it } from "vitest";
import { edgeToDoc } from "../graph/convert";
import { resetPipelineStore, usePipelineStore } from "./pipeline";

const meta = { id: 1, name: "p", team: "acme", etag: "e" };

describe("pipeline input/output nodes and sub-pipeline nodes from the palette", () => {
  beforeEach(() => resetPipelineStore());

  it("adds them with their own id prefixes", () => {
    const s = usePipelineStore.getState();
    expect(s.addNode({ pipeline: 7, version: 2, params: {}, position: { x: 0, y: 0 } })).toBe("sub1");
    expect(s.addNode({ input: "data", type: "DataFrame", position: { x: 0, y: 0 } })).toBe("in1");
    expect(s.addNode({ output: "result", type: "Any", position: { x: 0, y: 0 } })).toBe("out1");
    expect(usePipelineStore.getState().doc().nodes.map((n) => n.id)).toEqual(["sub1", "in1", "out1"]);
  });

  it("renames a boundary port with its edges, retypes it, and undoes in one step", () => {
    usePipelineStore.getState().load(meta, {
      schema: 1,
      nodes: [
        { id: "in_data", input: "data", type: "DataFrame", position: { x: 0, y: 0 } },
        { id: "n1", module: "builtin/split-data", version: "1.0.0", params: {}, position: { x: 0, y: 100 } },
      ],
      edges: [{ source: "in_data", source_port: "data", target: "n1", target_port: "data" }],
      parameters: [],
    });
    const s = usePipelineStore.getState();
    s.setBoundary("in_data", { name: "rows" });
    s.setBoundary("in_data", { portType: "Any" });
    const doc = usePipelineStore.getState().doc();
    expect(doc.nodes[0]).toMatchObject({ id: "in_data", input: "rows", type: "Any" });
    expect(usePipelineStore.getState().edges.map(edgeToDoc)).toEqual([{ source: "in_data", source_port: "rows", target: "n1", target_port: "data" }]);
    usePipelineStore.getState().undo();
    usePipelineStore.getState().undo();
    expect(usePipelineStore.getState().doc().nodes[0]).toMatchObject({ input: "data", type: "DataFrame" });
    expect(usePipelineStore.getState().edges[0].sourceHandle).toBe("data");
  });
});

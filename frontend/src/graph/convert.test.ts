import { describe, expect, it } from "vitest";
import { docToFlow, flowToDoc, nextId } from "./convert";
import { upgradeDoc, type PipelineDoc } from "./types";

const doc: PipelineDoc = {
  schema: 1,
  nodes: [
    { id: "d1", dataset: "acme/iris", version: 2, position: { x: 0, y: 0 } },
    { id: "n1", module: "builtin/split-data", version: "1.0.0", params: { test_size: { $param: "test_size" }, seed: 7 }, position: { x: 120, y: 80.5 } },
  ],
  edges: [{ source: "d1", source_port: "data", target: "n1", target_port: "data" }],
  parameters: [{ name: "test_size", type: "number", default: 0.2 }],
};

describe("document <-> React Flow", () => {
  it("round-trips a document exactly", () => {
    const { nodes, edges } = docToFlow(doc);
    expect(flowToDoc(nodes, edges, doc.parameters)).toEqual(doc);
  });
  it("round-trips a node's condition and exit flag", () => {
    const withWhen: PipelineDoc = { ...doc, nodes: [doc.nodes[0], { ...doc.nodes[1], condition: "params.go", exit: true }] };
    const { nodes, edges } = docToFlow(withWhen);
    expect(flowToDoc(nodes, edges, doc.parameters)).toEqual(withWhen);
  });
  it("maps ports to handles and node kinds to types", () => {
    const { nodes, edges } = docToFlow(doc, () => "#123456");
    expect(nodes.map((n) => n.type)).toEqual(["dataset", "module"]);
    expect(edges[0]).toMatchObject({ source: "d1", sourceHandle: "data", target: "n1", targetHandle: "data", style: { stroke: "#123456" } });
  });
  it("does not leak React Flow state into the document", () => {
    const { nodes, edges } = docToFlow(doc);
    const dirty = nodes.map((n) => ({ ...n, selected: true, measured: { width: 10, height: 10 } }));
    const out = flowToDoc(dirty, edges, []);
    expect(Object.keys(out.nodes[1]).sort()).toEqual(["id", "module", "params", "position", "version"]);
    expect(Object.keys(out.nodes[0]).sort()).toEqual(["dataset", "id", "position", "version"]);
  });
  it("upgrades a document without a schema field", () => {
    expect(upgradeDoc({ nodes: [], edges: [] })).toEqual({ schema: 1, nodes: [], edges: [], parameters: [] });
    expect(upgradeDoc(null).schema).toBe(1);
  });
  it("picks the next free id", () => {
    expect(nextId(["n1", "n7", "d3", "x"])).toBe("n8");
    expect(nextId([], "d")).toBe("d1");
  });
});

describe("node labels", () => {
  it("survive a round trip through the canvas", () => {
    const doc: PipelineDoc = {
      schema: 1,
      nodes: [{ id: "n1", module: "builtin/split-data", version: "1.0.0", params: {}, position: { x: 0, y: 0 }, label: "Hold out 30%" }],
      edges: [],
      parameters: [],
    };
    const { nodes, edges } = docToFlow(doc);
    expect(flowToDoc(nodes, edges, doc.parameters).nodes[0]).toEqual(doc.nodes[0]);
  });
});

describe("compute settings", () => {
  it("survive a round trip, node and pipeline defaults, and empty ones are dropped", () => {
    const withCompute: PipelineDoc = {
      schema: 1,
      nodes: [{ id: "n1", module: "builtin/train", version: "1.0.0", params: {}, position: { x: 0, y: 0 }, compute: { memory: "4Gi", gpus: 1, cache: "off" } }],
      edges: [],
      parameters: [],
      compute: { cpu: 2, timeout: 600 },
    };
    const { nodes, edges } = docToFlow(withCompute);
    expect(flowToDoc(nodes, edges, [], withCompute.compute)).toEqual(withCompute);
    expect(upgradeDoc(withCompute).compute).toEqual({ cpu: 2, timeout: 600 });
    const empty = docToFlow({ ...withCompute, nodes: [{ ...withCompute.nodes[0], compute: { memory: null, image: "" } }] });
    expect(Object.keys(flowToDoc(empty.nodes, [], [], {}))).not.toContain("compute");
    expect(flowToDoc(empty.nodes, [], []).nodes[0]).not.toHaveProperty("compute");
  });
});

import { describe, expect, it } from "vitest";
import type { PipelineDoc } from "./types";
import { buildDiff, showValue, type ServerDiff } from "./versionDiff";

const v1: PipelineDoc = {
  schema: 1,
  nodes: [
    { id: "a", module: "builtin/import-data", version: "1.0.0", params: { sample: "iris" }, position: { x: 0, y: 0 } },
    { id: "b", module: "builtin/split-data", version: "1.0.0", params: { test_size: 0.2 }, position: { x: 0, y: 100 } },
    { id: "c", module: "builtin/train-model", version: "1.0.0", params: {}, position: { x: 0, y: 200 } },
  ],
  edges: [
    { source: "a", source_port: "data", target: "b", target_port: "data" },
    { source: "b", source_port: "train", target: "c", target_port: "data" },
  ],
  parameters: [],
};
const v2: PipelineDoc = {
  ...v1,
  nodes: [
    { ...v1.nodes[0], position: { x: 50, y: 0 } },
    { id: "b", module: "builtin/split-data", version: "1.0.0", params: { test_size: 0.3, seed: 7 }, position: { x: 0, y: 100 } },
    { id: "d", module: "builtin/summarize-data", version: "1.0.0", params: {}, position: { x: 0, y: 200 } },
  ],
  edges: [
    { source: "a", source_port: "data", target: "b", target_port: "data" },
    { source: "b", source_port: "train", target: "d", target_port: "data" },
  ],
};
const server: ServerDiff = {
  nodes: { added: ["d"], removed: ["c"], changed: [{ id: "a", fields: ["position"] }, { id: "b", fields: ["params.seed", "params.test_size"] }] },
  edges: { added: [v2.edges[1]], removed: [v1.edges[1]] },
  parameters: { added: [], removed: [], changed: [] },
};

describe("buildDiff", () => {
  it("marks nodes and edges and lists changed parameters old → new", () => {
    const { nodes, edges } = buildDiff(v1, v2, server);
    const by = Object.fromEntries(nodes.map((n) => [n.node.id, n]));
    expect(by.a.status).toBe("same"); // a move is not a change
    expect(by.b.status).toBe("changed");
    expect(by.b.changes).toEqual([
      { field: "params.seed", from: undefined, to: 7 },
      { field: "params.test_size", from: 0.2, to: 0.3 },
    ]);
    expect(by.c.status).toBe("removed");
    expect(by.d.status).toBe("added");
    expect(edges.map((e) => [e.edge.target, e.status])).toEqual([
      ["b", "same"],
      ["d", "added"],
      ["c", "removed"],
    ]);
  });

  it("shows one version plainly", () => {
    const { nodes, edges } = buildDiff(null, v1, null);
    expect(nodes.every((n) => n.status === "same") && edges.every((e) => e.status === "same")).toBe(true);
  });

  it("shows values briefly", () => {
    expect(showValue(undefined)).toBe("—");
    expect(showValue(0.3)).toBe("0.3");
    expect(showValue("x".repeat(100)).length).toBeLessThan(70);
  });
});

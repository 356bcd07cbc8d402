import { describe, expect, it } from "vitest";
import { nodeToDoc, nodeToFlow } from "./convert";
import { defaultForEach, describeForEach, forEachOutputs, itemCount, rollUp, type ItemStatus } from "./foreach";

describe("for each", () => {
  it("counts the items of a list and a grid, not of rows", () => {
    expect(itemCount({ over: "list", param: "a", values: [1, 2, 3] })).toBe(3);
    expect(itemCount({ over: "list", param: "a", values: { $param: "as" } })).toBeNull();
    expect(itemCount({ over: "grid", grid: { a: [1, 2], b: [1, 2, 3] } })).toBe(6);
    expect(itemCount({ over: "rows", port: "data" })).toBeNull();
  });

  it("describes what a node runs over", () => {
    expect(describeForEach({ over: "rows", port: "data" })).toBe("each row of data");
    expect(describeForEach({ over: "grid", grid: { folds: [3, 5], seed: [1, 2, 3] } })).toBe("folds × seed (6)");
    expect(describeForEach({ over: "list", param: "C", values: { $param: "cs" } })).toBe("each C in params.cs");
  });

  it("defaults to the rows of a table input, else a list of the first parameter", () => {
    expect(defaultForEach([{ name: "model", type: "Model" }, { name: "data", type: "DataFrame" }] as never, {})).toEqual({
      over: "rows",
      port: "data",
      concurrency: 4,
    });
    expect(defaultForEach([], { C: { default: 1 } })).toEqual({ over: "list", param: "C", values: [1], concurrency: 4 });
  });

  it("rolls items up: done, failed, running", () => {
    const statuses: ItemStatus[] = [...Array(812).fill("succeeded"), ...Array(3).fill("failed"), ...Array(4).fill("running"), ...Array(181).fill("pending")];
    expect(rollUp(statuses).text).toBe("812/1000 ✓, 3 ✗, 4 running");
    expect(rollUp(["cached", "succeeded"]).text).toBe("2/2 ✓");
  });

  it("round-trips through the canvas and types the gathered outputs", () => {
    const doc = { id: "fe", module: "acme/m", version: "1.0.0", params: {}, position: { x: 0, y: 0 }, foreach: { over: "grid" as const, grid: { a: [1, 2] }, concurrency: 2 } };
    expect(nodeToDoc(nodeToFlow(doc))).toEqual(doc);
    expect(forEachOutputs([{ name: "model", type: "Model" }, { name: "scored", type: "DataFrame" }] as never)).toEqual([
      { name: "model", type: "File" },
      { name: "scored", type: "DataFrame" },
      { name: "items", type: "DataFrame" },
    ]);
  });

  it("round-trips a for-each over a sub-pipeline, and a sub-pipeline node without one stays without", () => {
    const doc = { id: "fe", pipeline: 7, version: 2, params: { algorithm: "tree" }, position: { x: 0, y: 0 }, foreach: { over: "list" as const, param: "test_size", values: [0.2, 0.3], concurrency: 2 } };
    const flow = nodeToFlow(doc);
    expect(flow.type).toBe("subpipeline");
    expect(nodeToDoc(flow)).toEqual(doc);
    const { foreach: _, ...plain } = doc;
    expect(nodeToDoc(nodeToFlow(plain))).toEqual(plain);
  });
});

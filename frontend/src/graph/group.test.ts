import { describe, expect, it } from "vitest";
import { extract, inline, place } from "./group";
import type { PipelineDoc } from "./types";

const doc: PipelineDoc = {
  schema: 1,
  nodes: [
    { id: "d", dataset: "acme/iris", version: 1, position: { x: 0, y: 0 } },
    { id: "split", module: "builtin/split-data", version: "1.2.0", params: { test_size: { $param: "ts" } }, position: { x: 0, y: 100 } },
    { id: "train", module: "builtin/train-model", version: "1.1.0", params: {}, position: { x: 0, y: 200 } },
    { id: "score", module: "builtin/score-model", version: "1.0.0", params: {}, position: { x: 0, y: 300 } },
  ],
  edges: [
    { source: "d", source_port: "data", target: "split", target_port: "data" },
    { source: "split", source_port: "train", target: "train", target_port: "data" },
    { source: "train", source_port: "model", target: "score", target_port: "model" },
    { source: "split", source_port: "test", target: "score", target_port: "data" },
  ],
  parameters: [{ name: "ts", type: "number", default: 0.2 }],
};

const types = () => "DataFrame";

describe("make sub-pipeline / ungroup", () => {
  it("cuts a selection out with inputs and outputs where edges cross it", () => {
    const ex = extract(doc, new Set(["split", "train"]), types);
    expect(ex.inner.nodes.map((n) => n.id)).toEqual(["in_data", "split", "train", "out_model", "out_test"]);
    expect(ex.inner.parameters).toEqual([{ name: "ts", type: "number", default: 0.2 }]);
    expect(ex.params).toEqual({ ts: { $param: "ts" } });
    const outer = place(doc, new Set(["split", "train"]), "sub1", 9, 1, ex);
    expect(outer.nodes.map((n) => n.id)).toEqual(["d", "score", "sub1"]);
    expect(outer.edges).toEqual([
      { source: "d", source_port: "data", target: "sub1", target_port: "data" },
      { source: "sub1", source_port: "model", target: "score", target_port: "model" },
      { source: "sub1", source_port: "test", target: "score", target_port: "data" },
    ]);
  });
  it("ungroups back to the same nodes and connections", () => {
    const ids = new Set(["split", "train"]);
    const ex = extract(doc, ids, types);
    const outer = place(doc, ids, "sub1", 9, 1, ex);
    const back = inline(outer, "sub1", ex.inner);
    expect(back.nodes.map((n) => n.id).sort()).toEqual(["d", "score", "sub1_split", "sub1_train"]);
    const norm = (edges: PipelineDoc["edges"]) => edges.map((e) => `${e.source.replace("sub1_", "")}.${e.source_port}>${e.target.replace("sub1_", "")}.${e.target_port}`).sort();
    expect(norm(back.edges)).toEqual(norm(doc.edges));
    expect(back.nodes.find((n) => n.id === "sub1_split")).toMatchObject({ params: { test_size: { $param: "ts" } } });
  });
});

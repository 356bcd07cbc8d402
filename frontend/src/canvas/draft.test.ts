import { beforeEach, describe, expect, it } from "vitest";
import type { PipelineDoc } from "../graph/types";
import { validationKey } from "./useDesigner";
import { resetPipelineStore, usePipelineStore } from "../store/pipeline";

const v2: PipelineDoc = {
  schema: 1,
  nodes: [
    { id: "n1", module: "builtin/import-data", version: "1.0.0", params: { sample: "iris" }, position: { x: 0, y: 0 } },
    { id: "n2", module: "builtin/split-data", version: "1.0.0", params: { test_size: 0.4 }, position: { x: 0, y: 100 } },
  ],
  edges: [{ source: "n1", source_port: "data", target: "n2", target_port: "data" }],
  parameters: [],
};
const v1: PipelineDoc = { ...v2, nodes: [v2.nodes[0]], edges: [] };
const st = () => usePipelineStore.getState();

beforeEach(() => {
  resetPipelineStore();
  st().load({ id: 1, name: "p", team: "acme", etag: "e1" }, v2);
});

describe("a saved version opened as the draft", () => {
  it("replaces the document as one undoable edit and remembers the run it came from", () => {
    st().openDraft(v1, 42);
    expect(st().doc()).toEqual(v1);
    expect(st().dirty).toBe(true);
    expect(st().clonedFrom).toBe(42);
    st().undo();
    expect(st().doc()).toEqual(v2);
    st().clearClonedFrom();
    expect(st().clonedFrom).toBeNull();
  });
});

describe("validationKey", () => {
  it("ignores where nodes sit but not what they are", () => {
    const moved = { ...v2, nodes: v2.nodes.map((n) => ({ ...n, position: { x: n.position.x + 40, y: 9 } })) };
    expect(validationKey(moved)).toBe(validationKey(v2));
    expect(validationKey(v1)).not.toBe(validationKey(v2));
  });
});

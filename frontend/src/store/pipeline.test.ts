import { beforeEach, describe, expect, it } from "vitest";
import type { PipelineDoc } from "../graph/types";
import { resetPipelineStore, selectedNodeId, usePipelineStore } from "./pipeline";

const doc: PipelineDoc = {
  schema: 1,
  nodes: [
    { id: "d1", dataset: "acme/iris", version: 1, position: { x: 0, y: 0 } },
    { id: "n1", module: "builtin/split-data", version: "1.0.0", params: {}, position: { x: 0, y: 100 } },
    { id: "n2", module: "builtin/train", version: "1.0.0", params: {}, position: { x: 0, y: 200 } },
  ],
  edges: [
    { source: "d1", source_port: "data", target: "n1", target_port: "data" },
    { source: "n1", source_port: "train", target: "n2", target_port: "data" },
  ],
  parameters: [],
};
const st = () => usePipelineStore.getState();

beforeEach(() => {
  resetPipelineStore();
  st().load({ id: 1, name: "p", team: "acme", etag: "e1" }, doc);
});

describe("pipeline store", () => {
  it("replaces the whole document (an upgrade) as one undo step", () => {
    const upgraded: PipelineDoc = {
      ...doc,
      nodes: [
        doc.nodes[0],
        doc.nodes[1],
        { id: "n2", module: "builtin/train", version: "2.0.0", params: { depth: 3 }, position: { x: 0, y: 200 } },
      ],
      edges: [doc.edges[0], { source: "n1", source_port: "train", target: "n2", target_port: "train_data" }],
    };
    st().replaceDoc(upgraded);
    expect(st().dirty).toBe(true);
    expect(st().doc()).toEqual(upgraded);
    st().undo();
    expect(st().doc()).toEqual(doc);
    st().redo();
    expect(st().doc()).toEqual(upgraded);
  });

  it("loads clean and reproduces the document", () => {
    expect(st().dirty).toBe(false);
    expect(st().doc()).toEqual(doc);
  });

  it("undoes and redoes node additions, params and deletes", () => {
    const id = st().addNode({ module: "builtin/score", version: null, params: {}, position: { x: 5, y: 5 } });
    expect(id).toBe("n3");
    expect(st().dirty).toBe(true);
    st().setParam("n1", "seed", 7);
    st().setParam("n1", "seed", 8); // same field: one undo step
    expect(st().doc().nodes.find((n) => n.id === "n1")).toMatchObject({ params: { seed: 8 } });
    st().undo();
    expect(st().doc().nodes.find((n) => n.id === "n1")).toMatchObject({ params: {} });
    st().undo();
    expect(st().nodes).toHaveLength(3);
    st().redo();
    expect(st().nodes).toHaveLength(4);
    st().redo();
    expect(st().doc().nodes.find((n) => n.id === "n1")).toMatchObject({ params: { seed: 8 } });
    expect(st().future).toHaveLength(0);
  });

  it("deletes a selected node with its edges, and undo brings both back", () => {
    st().selectOnly("n1");
    expect(selectedNodeId(st())).toBe("n1");
    st().deleteSelection();
    expect(st().nodes.map((n) => n.id)).toEqual(["d1", "n2"]);
    expect(st().edges).toHaveLength(0);
    st().undo();
    expect(st().nodes).toHaveLength(3);
    expect(st().edges).toHaveLength(2);
  });

  it("a new edit after undo clears the redo stack", () => {
    st().addNode({ module: "m/x", version: null, params: {}, position: { x: 0, y: 0 } });
    st().undo();
    st().addParameter({ name: "k", type: "integer", default: 3 });
    st().redo();
    expect(st().nodes).toHaveLength(3);
    expect(st().parameters).toEqual([{ name: "k", type: "integer", default: 3 }]);
  });

  it("copies and pastes a selection with fresh ids, internal edges and an offset", () => {
    usePipelineStore.setState({ nodes: st().nodes.map((n) => ({ ...n, selected: n.id !== "d1" })) });
    expect(st().copySelection()).toBe(2);
    expect(st().paste()).toBe(2);
    const d = st().doc();
    expect(d.nodes.map((n) => n.id)).toEqual(["d1", "n1", "n2", "n3", "n4"]);
    expect(d.nodes[3].position).toEqual({ x: 40, y: 140 });
    expect(d.edges).toContainEqual({ source: "n3", source_port: "train", target: "n4", target_port: "data" });
    expect(d.edges).toHaveLength(3);
    expect(st().nodes.filter((n) => n.selected).map((n) => n.id)).toEqual(["n3", "n4"]);
    st().undo();
    expect(st().nodes).toHaveLength(3);
  });

  it("records one history entry per drag, not per frame", () => {
    st().onNodesChange([{ type: "position", id: "n1", position: { x: 1, y: 1 }, dragging: true }]);
    st().onNodesChange([{ type: "position", id: "n1", position: { x: 2, y: 2 }, dragging: true }]);
    st().onNodesChange([{ type: "position", id: "n1", position: { x: 3, y: 3 }, dragging: false }]);
    expect(st().past).toHaveLength(1);
    expect(st().dirty).toBe(true);
    st().undo();
    expect(st().nodes.find((n) => n.id === "n1")?.position).toEqual({ x: 0, y: 100 });
  });

  it("ignores a re-measure that reports the size already held", () => {
    st().onNodesChange([{ type: "dimensions", id: "n1", dimensions: { width: 230, height: 70 }, setAttributes: true }]);
    const nodes = st().nodes;
    expect(nodes.find((n) => n.id === "n1")?.measured).toEqual({ width: 230, height: 70 });
    st().onNodesChange([{ type: "dimensions", id: "n1", dimensions: { width: 230, height: 70 }, setAttributes: true }]);
    expect(st().nodes).toBe(nodes);
    expect(st().dirty).toBe(false);
  });

  it("a version change drops the layout hints so the node is measured again", () => {
    usePipelineStore.setState({ nodes: st().nodes.map((n) => ({ ...n, measured: { width: 1, height: 1 }, handles: [] })) });
    st().setVersion("n1", "2.0.0");
    const n1 = st().nodes.find((n) => n.id === "n1")!;
    expect(n1.data.version).toBe("2.0.0");
    expect(n1.handles).toBeUndefined();
    expect(n1.measured).toBeUndefined();
  });

  it("selection changes are not edits", () => {
    st().onNodesChange([{ type: "select", id: "n1", selected: true }]);
    expect(st().dirty).toBe(false);
    expect(st().past).toHaveLength(0);
  });

  it("connect ignores duplicates and markSaved clears dirty", () => {
    st().connect({ source: "d1", source_port: "data", target: "n2", target_port: "extra" });
    st().connect({ source: "d1", source_port: "data", target: "n2", target_port: "extra" });
    expect(st().edges).toHaveLength(3);
    st().markSaved("e2");
    expect(st()).toMatchObject({ dirty: false, etag: "e2" });
  });

  it("indexes problems by node with errors outranking warnings", () => {
    st().setProblems(
      [{ code: "missing_input", node: "n1", message: "bad" }],
      [{ code: "deprecated", node: "n1", message: "old" }, { code: "deprecated", node: "n2", message: "deprecated" }, { code: "unused", message: "global" }],
    );
    expect(st().problemsByNode.n1).toEqual({ level: "error", messages: ["old", "bad"] });
    expect(st().problemsByNode.n2.level).toBe("warning");
    st().setProblems([{ code: "cycle", nodes: ["n1", "n2"], message: "cycle" }], []);
    expect(st().problemsByNode.n2).toEqual({ level: "error", messages: ["cycle"] });
  });

  it("adopts the server's saved copy keeping history and selection", () => {
    st().setParam("n2", "seed", 3); // one undo step
    st().selectOnly("n1");
    const pinned: PipelineDoc = { ...doc, nodes: doc.nodes.map((n) => (n.id === "n1" && "module" in n ? { ...n, version: "1.1.0" } : n)) };
    st().adoptSaved({ id: 1, name: "p", team: "acme", etag: "e2" }, pinned, undefined, (n) => ({ ...n, measured: { width: 1, height: 1 } }));
    expect(st()).toMatchObject({ etag: "e2", dirty: false });
    expect(st().past).toHaveLength(1);
    expect(st().doc().nodes.find((n) => n.id === "n1")).toMatchObject({ version: "1.1.0" });
    expect(st().nodes.every((n) => n.measured?.width === 1)).toBe(true);
    expect(selectedNodeId(st())).toBe("n1");
  });

  it("takes a newer etag without marking saved, and selects all", () => {
    st().setParam("n1", "seed", 1);
    st().setEtag("e9");
    expect(st()).toMatchObject({ etag: "e9", dirty: true });
    st().selectAll();
    expect(st().nodes.every((n) => n.selected)).toBe(true);
  });

  it("edits node and pipeline compute settings as undoable steps", () => {
    st().setNodeCompute("n1", { memory: "2Gi" });
    st().setNodeCompute("n1", { memory: "2Gi", gpus: 1 }); // the same section: one undo step
    st().setPipelineCompute({ cpu: 2 });
    expect(st().doc().compute).toEqual({ cpu: 2 });
    expect(st().doc().nodes.find((n) => n.id === "n1")).toMatchObject({ compute: { memory: "2Gi", gpus: 1 } });
    st().undo();
    expect(st().doc().compute).toBeUndefined();
    st().undo();
    expect(st().doc().nodes.find((n) => n.id === "n1")).not.toHaveProperty("compute");
    st().redo();
    st().setNodeCompute("n1", {});
    expect(st().doc().nodes.find((n) => n.id === "n1")).not.toHaveProperty("compute");
  });

  it("sets and clears a node's condition and exit flag, carried into the document", () => {
    st().setNodeRunWhen("n1", { condition: "n0.accuracy >= 0.9" });
    st().setNodeRunWhen("n1", { exit: true });
    expect(st().doc().nodes.find((n) => n.id === "n1")).toMatchObject({ condition: "n0.accuracy >= 0.9", exit: true });
    st().undo();
    expect(st().doc().nodes.find((n) => n.id === "n1")).not.toHaveProperty("exit");
    st().setNodeRunWhen("n1", { condition: "" });
    expect(st().doc().nodes.find((n) => n.id === "n1")).not.toHaveProperty("condition");
  });
});

describe("labels, notes and groups", () => {
  it("edits a label (one undo step per field), keeps pasted copies unique, and saves it", () => {
    st().setLabel("n1", "Hold out");
    st().setLabel("n1", "Hold out 30%");
    expect(st().doc().nodes[1]).toMatchObject({ label: "Hold out 30%" });
    st().selectOnly("n1");
    st().copySelection();
    st().paste();
    st().paste();
    const labels = st().doc().nodes.map((n) => ("label" in n ? n.label : undefined)).filter(Boolean);
    expect(labels).toEqual(["Hold out 30%", "Hold out 30% (2)", "Hold out 30% (3)"]);
    st().setLabel("n1", "");
    expect("label" in st().doc().nodes[1]).toBe(false);
  });

  it("adds, edits and deletes sticky notes in the document, undoably", () => {
    const id = st().addNote({ x: 5, y: 6 });
    st().updateNote(id, { text: "why 30%?" }, "text");
    st().updateNote(id, { text: "why 30%? see #12" }, "text");
    expect(st().doc().notes).toEqual([{ id, text: "why 30%? see #12", position: { x: 5, y: 6 }, width: 220, height: 120 }]);
    st().undo();
    expect(st().doc().notes?.[0].text).toBe("");
    st().deleteSelection();
    expect(st().doc().notes).toBeUndefined();
  });

  it("groups the selection, collapses it, and drops deleted members", () => {
    st().selectAll();
    const g = st().groupSelection("Prep")!;
    st().toggleGroup(g);
    expect(st().doc().groups).toEqual([{ id: g, label: "Prep", nodes: ["d1", "n1", "n2"], collapsed: true }]);
    st().selectOnly("n2");
    st().deleteSelection();
    expect(st().doc().groups?.[0].nodes).toEqual(["d1", "n1"]);
    st().ungroup(g);
    expect(st().doc().groups).toBeUndefined();
  });
});

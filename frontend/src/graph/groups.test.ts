import { describe, expect, it } from "vitest";
import { composeCanvas, GROUP_PREFIX, NOTE_PREFIX } from "./groups";
import type { FlowEdge, FlowNode } from "./convert";

const mod = (id: string, x: number, y: number): FlowNode => ({ id, type: "module", position: { x, y }, data: { module: "t/m", version: null, params: {} } });
const edge = (s: string, t: string): FlowEdge => ({ id: `${s}->${t}`, source: s, sourceHandle: "out", target: t, targetHandle: "in" });

describe("composeCanvas", () => {
  const nodes = [mod("a", 0, 0), mod("b", 0, 200), mod("c", 0, 400), mod("d", 300, 0)];
  const edges = [edge("a", "b"), edge("b", "c"), edge("d", "b")];

  it("adds notes and leaves the graph alone without groups", () => {
    const out = composeCanvas(nodes, edges, [{ id: "note1", text: "hi", position: { x: 5, y: 5 } }], ["note1"], []);
    expect(out.nodes.map((n) => n.id)).toEqual(["a", "b", "c", "d", `${NOTE_PREFIX}note1`]);
    expect(out.nodes[4].selected).toBe(true);
    expect(out.edges).toBe(edges);
  });

  it("frames an open group around its members", () => {
    const out = composeCanvas(nodes, edges, [], [], [{ id: "g1", label: "Prep", nodes: ["a", "b"] }]);
    const frame = out.nodes[0];
    expect(frame.id).toBe(`${GROUP_PREFIX}g1`);
    expect(frame.position.x).toBeLessThan(0);
    expect(frame.height).toBeGreaterThan(264);
    expect(out.nodes.some((n) => n.hidden)).toBe(false);
  });

  it("collapses a group: members hidden, crossing edges re-routed once, its ports summarised", () => {
    const out = composeCanvas(nodes, edges, [], [], [{ id: "g1", label: "Prep", nodes: ["a", "b"], collapsed: true }]);
    expect(out.nodes.filter((n) => n.hidden).map((n) => n.id)).toEqual(["a", "b"]);
    expect(out.nodes[0].data).toMatchObject({ collapsed: true, members: 2, inputs: 1, outputs: 1 });
    const ends = out.edges.map((e) => `${e.source}->${e.target}`);
    expect(ends).toEqual([`${GROUP_PREFIX}g1->c`, `d->${GROUP_PREFIX}g1`]);
  });
});

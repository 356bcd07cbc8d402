import { describe, expect, it } from "vitest";
import { layeredLayout } from "./layout";

describe("layeredLayout", () => {
  it("stacks a chain top-down and puts fan-out side by side", async () => {
    const nodes = ["a", "b", "c", "d"].map((id) => ({ id, width: 230, height: 70, inputs: ["data"], outputs: ["left", "right"] }));
    const edges = [
      { source: "a", source_port: "left", target: "b", target_port: "data" },
      { source: "b", source_port: "left", target: "c", target_port: "data" },
      { source: "b", source_port: "right", target: "d", target_port: "data" },
    ];
    const pos = await layeredLayout(nodes, edges);
    expect(pos.a.y).toBeLessThan(pos.b.y);
    expect(pos.b.y).toBeLessThan(pos.c.y);
    expect(pos.c.y).toBe(pos.d.y);
    expect(pos.c.x).toBeLessThan(pos.d.x); // the left port's child lands on the left
  });
});

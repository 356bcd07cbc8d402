import { describe, expect, it } from "vitest";
import { highlighted, layoutInput, subtitle } from "./lineage";

const nodes = [
  { id: "dataset:1", kind: "dataset", label: "acme/iris v1", detail: { sha256: "a".repeat(64) } },
  { id: "artifact:aaa", kind: "artifact", label: "aaa", detail: { sha256: "aaa" } },
  { id: "step:7", kind: "step", label: "split", detail: { node: "split", status: "succeeded", image_id: "sha256:1234567890abcdef" } },
  { id: "step:9", kind: "step", label: "train", detail: { node: "train", status: "cached" } },
];

describe("lineage graph", () => {
  it("sizes each node by its kind and keeps every edge", () => {
    const out = layoutInput(nodes, [{ source: "dataset:1", target: "artifact:aaa", label: "content" }]);
    expect(out.nodes.map((n) => [n.id, n.width])).toEqual([
      ["dataset:1", 200],
      ["artifact:aaa", 150],
      ["step:7", 260],
      ["step:9", 260],
    ]);
    expect(out.edges).toEqual([{ source: "dataset:1", source_port: "", target: "artifact:aaa", target_port: "" }]);
  });

  it("highlights the step of the first difference, by step id then by node", () => {
    const diff = { first: { node_a: "split", kind: "parameter" }, a: { steps: [{ node: "split", step: 7 }] } };
    expect([...highlighted(nodes, diff)]).toEqual(["step:7"]);
    const elsewhere = { first: { node_a: "train", kind: "parameter" }, a: { steps: [{ node: "train", step: 99 }] } };
    expect([...highlighted(nodes, elsewhere)]).toEqual(["step:9"]);
    expect(highlighted(nodes, null).size).toBe(0);
    expect(highlighted(nodes, { first: null, a: { steps: [] } }).size).toBe(0);
  });

  it("shows a step's status and image, an artifact's short hash", () => {
    expect(subtitle(nodes[2])).toBe("succeeded · sha256:1234567890ab");
    expect(subtitle(nodes[0])).toBe("aaaaaaaaaaaa");
    expect(subtitle(nodes[1])).toBe("artifact");
  });
});

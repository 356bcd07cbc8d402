import { describe, expect, it } from "vitest";
import { columnKind, columnPort, knownColumns, unknownColumns, upstreamDataset } from "./columns";

const datasets = [
  {
    ref: "acme/iris",
    latest_version: 2,
    versions: [
      { version: 1, columns: ["a", "b"] },
      { version: 2, columns: ["a", "b", "species"] },
    ],
  },
];
const inputs = [
  { name: "model", type: "Model" },
  { name: "data", type: "DataFrame" },
];

describe("column parameters", () => {
  it("knows which parameters name columns and which input they read", () => {
    expect(columnKind({ format: "column" })).toBe("column");
    expect(columnKind({ format: "columns" })).toBe("columns");
    expect(columnKind({ format: "code" })).toBeNull();
    expect(columnPort({ format: "column" }, inputs)).toBe("data");
    expect(columnPort({ format: "column", "x-input": "model" }, inputs)).toBe("model");
    expect(columnPort({ format: "column" }, [{ name: "m", type: "Model" }])).toBeNull();
  });

  it("offers the columns of a dataset connected directly, at the version the node reads", () => {
    const nodes = [
      { id: "d1", type: "dataset", data: { dataset: "acme/iris", version: null } },
      { id: "d2", type: "dataset", data: { dataset: "acme/iris", version: 1 } },
      { id: "m", type: "module", data: {} },
      { id: "n", type: "module", data: {} },
    ];
    const latest = [{ source: "d1", sourceHandle: "data", target: "m", targetHandle: "data" }];
    expect(knownColumns("m", { format: "column" }, inputs, nodes, latest, datasets)).toEqual(["a", "b", "species"]);
    const pinned = [{ source: "d2", sourceHandle: "data", target: "m", targetHandle: "data" }];
    expect(knownColumns("m", { format: "column" }, inputs, nodes, pinned, datasets)).toEqual(["a", "b"]);
    // through another module, or not connected: unknown
    const chained = [{ source: "n", sourceHandle: "data", target: "m", targetHandle: "data" }];
    expect(knownColumns("m", { format: "column" }, inputs, nodes, chained, datasets)).toBeNull();
    expect(knownColumns("m", { format: "column" }, inputs, nodes, [], datasets)).toBeNull();
  });

  it("names what the compiler would refuse", () => {
    expect(unknownColumns("column", "species", ["a", "species"])).toEqual([]);
    expect(unknownColumns("column", "target", ["a"])).toEqual(["target"]);
    expect(unknownColumns("columns", "a, x ,,b", ["a", "b"])).toEqual(["x"]);
    expect(unknownColumns("columns", "", ["a"])).toEqual([]);
  });
});

describe("upstreamDataset", () => {
  const nodes = [
    { id: "d1", type: "dataset", data: { dataset: "acme/iris", version: 2 } },
    { id: "split", type: "module", data: {} },
    { id: "select", type: "module", data: {} },
  ];
  const edges = [
    { source: "d1", sourceHandle: "data", target: "split", targetHandle: "data" },
    { source: "split", sourceHandle: "train", target: "select", targetHandle: "data" },
  ];
  const keeps = (id: string, port: string) => (id === "split" && (port === "train" || port === "test") ? "data" : null);

  it("finds a dataset feeding an input directly", () => {
    expect(upstreamDataset(edges[0], nodes, edges, keeps)).toEqual({ dataset: "acme/iris", version: 2 });
  });

  it("walks back through outputs that keep an input's columns", () => {
    expect(upstreamDataset(edges[1], nodes, edges, keeps)).toEqual({ dataset: "acme/iris", version: 2 });
  });

  it("stops at an output that does not keep its columns", () => {
    expect(upstreamDataset(edges[1], nodes, edges, () => null)).toBeNull();
  });
});

import { describe, expect, it } from "vitest";
import { flatMetrics, formatDelta, metricKeys, metricRows, parameterRows, parseIds, sortByMetric, stepRows, toggleSelected, type ComparableRun } from "./compare";

const runs: ComparableRun[] = [
  {
    id: 1,
    parameters: { depth: 3, seed: 42 },
    steps: [
      { node: "train", status: "succeeded", started_at: "2026-01-01T00:00:00Z", finished_at: "2026-01-01T00:00:04Z", metrics: {} },
      { node: "evaluate", status: "succeeded", metrics: { accuracy: 0.9, f1: 0.8, ok: true, note: "x" } },
    ],
  },
  {
    id: 2,
    parameters: { depth: 5, seed: 42 },
    steps: [
      { node: "train", status: "cached", metrics: {} },
      { node: "evaluate", status: "failed", metrics: { accuracy: 0.95 } },
    ],
  },
  { id: 3, parameters: { depth: 3, seed: 42, extra: [1] }, steps: [{ node: "train", status: "succeeded", metrics: {} }] },
];

describe("compare", () => {
  it("reads ids from the query", () => {
    expect(parseIds("3, 1,x,3,-2,0,7")).toEqual([3, 1, 7]);
    expect(parseIds(null)).toEqual([]);
  });

  it("lines up parameters and marks the ones that differ", () => {
    const rows = parameterRows(runs);
    expect(rows.map((r) => [r.key, r.differs])).toEqual([
      ["depth", true],
      ["extra", true],
      ["seed", false],
    ]);
    expect(rows[1].values).toEqual([undefined, undefined, [1]]);
  });

  it("flattens numeric metrics per step node and computes deltas against the first run", () => {
    expect(flatMetrics(runs[0].steps)).toEqual({ "evaluate.accuracy": 0.9, "evaluate.f1": 0.8 });
    const rows = metricRows(runs);
    const accuracy = rows.find((r) => r.key === "evaluate.accuracy")!;
    expect(accuracy).toMatchObject({ node: "evaluate", name: "accuracy", values: [0.9, 0.95, null], differs: true });
    expect(accuracy.deltas[0]).toBeNull();
    expect(accuracy.deltas[1]).toBeCloseTo(0.05);
    expect(accuracy.deltas[2]).toBeNull();
  });

  it("shows step outcomes and durations, a cached step without one", () => {
    const rows = stepRows(runs);
    expect(rows.map((r) => r.node)).toEqual(["train", "evaluate"]);
    expect(rows[0].cells).toEqual([{ status: "succeeded", durationMs: 4000 }, { status: "cached", durationMs: null }, { status: "succeeded", durationMs: null }]);
    expect(rows[1].cells[2]).toBeNull();
    expect(rows[1].differs).toBe(true);
  });

  it("formats deltas with their sign", () => {
    expect(formatDelta(0.05000000001)).toBe("+0.05");
    expect(formatDelta(-2)).toBe("−2");
    expect(formatDelta(0)).toBe("±0");
  });
});

describe("runs list metrics", () => {
  const listed: { id: number; metrics: Record<string, number> }[] = [
    { id: 1, metrics: { "evaluate.accuracy": 0.9 } },
    { id: 2, metrics: {} },
    { id: 3, metrics: { "evaluate.accuracy": 0.95, "train.loss": 0.1 } },
    { id: 4, metrics: { "evaluate.accuracy": 0.9 } },
  ];

  it("offers every metric key of the loaded runs", () => {
    expect(metricKeys(listed)).toEqual(["evaluate.accuracy", "train.loss"]);
  });

  it("sorts by a metric, runs without it last, ties stable", () => {
    expect(sortByMetric(listed, "evaluate.accuracy", "desc").map((r) => r.id)).toEqual([3, 1, 4, 2]);
    expect(sortByMetric(listed, "evaluate.accuracy", "asc").map((r) => r.id)).toEqual([1, 4, 3, 2]);
  });

  it("keeps at most four runs selected", () => {
    let s: number[] = [];
    for (const id of [1, 2, 3, 4, 5]) s = toggleSelected(s, id);
    expect(s).toEqual([2, 3, 4, 5]);
    expect(toggleSelected(s, 3)).toEqual([2, 4, 5]);
  });
});

import { describe, expect, it } from "vitest";
import { criticalPath, formatSpan, layoutTimeline, planDependencies, planMemoryLimits, stepSegments, ticks, type TimedStep } from "./timeline";

const T0 = Date.parse("2026-01-01T00:00:00Z");
const at = (s: number) => new Date(T0 + s * 1000).toISOString();

describe("stepSegments", () => {
  it("splits a step with timings into queue, start, run, store and record", () => {
    const step: TimedStep = {
      node: "a",
      status: "succeeded",
      started_at: at(1),
      finished_at: at(12),
      timings: { queued_at: at(0), claimed_at: at(1), container_started_at: at(3), container_exited_at: at(9), outputs_stored_at: at(10), finished_at: at(12) },
    };
    expect(stepSegments(step, T0).map((s) => [s.kind, (s.start - T0) / 1000, (s.end - T0) / 1000])).toEqual([
      ["queue", 0, 1],
      ["start", 1, 3],
      ["run", 3, 9],
      ["store", 9, 10],
      ["record", 10, 12],
    ]);
  });

  it("ends a failed attempt's store segment at its end (no outputs stored, nothing to record)", () => {
    const step: TimedStep = {
      node: "a",
      status: "failed",
      timings: { queued_at: at(0), claimed_at: at(1), container_started_at: at(2), container_exited_at: at(5), finished_at: at(6) },
    };
    expect(stepSegments(step, T0).map((s) => [s.kind, (s.start - T0) / 1000, (s.end - T0) / 1000])).toEqual([
      ["queue", 0, 1],
      ["start", 1, 2],
      ["run", 2, 5],
      ["store", 5, 6],
    ]);
  });

  it("falls back to started_at..finished_at without timings", () => {
    const segs = stepSegments({ node: "a", status: "succeeded", started_at: at(2), finished_at: at(5) }, T0);
    expect(segs.map((s) => [s.kind, (s.start - T0) / 1000, (s.end - T0) / 1000])).toEqual([["run", 2, 5]]);
  });

  it("runs a live step up to now and draws nothing for a pending one", () => {
    const live = stepSegments({ node: "a", status: "running", started_at: at(2) }, T0 + 7000);
    expect(live).toEqual([{ kind: "run", start: T0 + 2000, end: T0 + 7000 }]);
    expect(stepSegments({ node: "b", status: "pending" }, T0)).toEqual([]);
  });

  it("shows a cached step as a reused mark", () => {
    const segs = stepSegments({ node: "a", status: "cached", finished_at: at(1), reused_from: { run: 3, node: "a", step: 9 } }, T0);
    expect(segs).toEqual([{ kind: "cached", start: T0 + 1000, end: T0 + 1000 }]);
  });
});

describe("criticalPath", () => {
  it("walks back through the dependency that finished last", () => {
    // a -> b (slow) -> d, a -> c (fast) -> d
    const ends = new Map([
      ["a", 1],
      ["b", 9],
      ["c", 3],
      ["d", 12],
    ]);
    expect(criticalPath(ends, { b: ["a"], c: ["a"], d: ["b", "c"] })).toEqual(["a", "b", "d"]);
  });

  it("ends at the last-finishing step even when it is not a sink, and survives cycles in bad input", () => {
    expect(criticalPath(new Map([["x", 5], ["y", 2]]), {})).toEqual(["x"]);
    expect(criticalPath(new Map([["p", 5], ["q", 4]]), { p: ["q"], q: ["p"] })).toEqual(["q", "p"]);
  });

  it("handles a thousand-step chain", () => {
    const ends = new Map<string, number>();
    const deps: Record<string, string[]> = {};
    for (let i = 0; i < 1000; i++) {
      ends.set(`s${i}`, i);
      if (i) deps[`s${i}`] = [`s${i - 1}`];
    }
    const path = criticalPath(ends, deps);
    expect(path).toHaveLength(1000);
    expect(path[0]).toBe("s0");
  });
});

describe("layoutTimeline", () => {
  const steps: TimedStep[] = [
    { node: "load", status: "cached", finished_at: at(0), reused_from: { run: 1, node: "load", step: 1 } },
    { node: "train", status: "succeeded", started_at: at(1), finished_at: at(8), cpu_seconds: 6.5, peak_memory_bytes: 95 },
    { node: "report", status: "succeeded", started_at: at(8), finished_at: at(9), cpu_seconds: 0.5, peak_memory_bytes: 10 },
    { node: "side", status: "succeeded", started_at: at(1), finished_at: at(2) },
  ];
  const t = layoutTimeline({
    steps,
    dependencies: { train: ["load"], report: ["train", "side"], side: ["load"] },
    memoryLimits: { train: 100, report: 100 },
    originalDurations: { "1:load": 4000 },
  });

  it("puts the origin at the earliest mark and spans to the last end", () => {
    expect(t.origin).toBe(T0);
    expect(t.span).toBe(9000);
    expect(t.rows.map((r) => r.node)).toEqual(["load", "side", "train", "report"]);
  });

  it("highlights the critical path, never through a reused step", () => {
    expect(t.criticalPath).toEqual(["train", "report"]);
    expect(t.rows.filter((r) => r.critical).map((r) => r.node).sort()).toEqual(["report", "train"]);
    expect(t.rows.find((r) => r.node === "load")?.cached).toBe(true);
  });

  it("sums the compute used and the compute the cache saved", () => {
    expect(t.computeSeconds).toBe(7);
    expect(t.savedSeconds).toBe(4);
  });

  it("flags a step whose peak memory is above 90% of its limit", () => {
    expect(t.rows.find((r) => r.node === "train")).toMatchObject({ memoryRatio: 0.95, memoryWarning: true });
    expect(t.rows.find((r) => r.node === "report")?.memoryWarning).toBe(false);
    expect(t.rows.find((r) => r.node === "side")?.memoryRatio).toBeNull();
  });

  it("reports no compute when no step has cpu_seconds (an older server)", () => {
    const bare = layoutTimeline({ steps: [{ node: "a", status: "succeeded", started_at: at(0), finished_at: at(1) }] });
    expect(bare.computeSeconds).toBeNull();
    expect(bare.savedSeconds).toBeNull();
  });

  it("lays out 1,000 steps", () => {
    const many: TimedStep[] = Array.from({ length: 1000 }, (_, i) => ({ node: `s${i}`, status: "succeeded", started_at: at(i), finished_at: at(i + 1) }));
    const deps = Object.fromEntries(many.map((s, i) => [s.node, i ? [`s${i - 1}`] : []]));
    const big = layoutTimeline({ steps: many, dependencies: deps });
    expect(big.rows).toHaveLength(1000);
    expect(big.criticalPath).toHaveLength(1000);
    expect(big.span).toBe(1000 * 1000);
  });
});

describe("scale", () => {
  it("picks round ticks", () => {
    expect(ticks(9000).map((x) => x.label)).toEqual(["0ms", "2s", "4s", "6s", "8s"]);
    expect(ticks(0)).toEqual([{ at: 0, label: "0s" }]);
    expect(formatSpan(850)).toBe("850ms");
    expect(formatSpan(12_500)).toBe("12.5s");
    expect(formatSpan(185_000)).toBe("3m 05s");
    expect(formatSpan(3_720_000)).toBe("1h 02m");
  });

  it("reads dependencies and memory limits from a plan", () => {
    const plan = {
      steps: [
        { node: "a", inputs: [], runtime: { memory_bytes: 512 } },
        { node: "b", inputs: [{ source_node: "a" }, { source_node: "a" }, { source_node: null }], runtime: { memory_bytes: 0 } },
      ],
    };
    expect(planDependencies(plan)).toEqual({ a: [], b: ["a"] });
    expect(planMemoryLimits(plan)).toEqual({ a: 512 });
  });
});

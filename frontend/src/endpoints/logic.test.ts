import { describe, expect, it } from "vitest";
import { diffLines, fireTime, scheduleOfTrigger } from "./logic";

describe("endpoint page logic", () => {
  it("says what changed between two versions", () => {
    const lines = diffLines({
      from_version: 1,
      to_version: 2,
      nodes: { added: ["norm"], removed: [], changed: [{ id: "split", fields: ["params.test_size"] }] },
      edges: { added: [{}, {}], removed: [{}] },
      parameters: { added: ["depth"], removed: [], changed: [{ name: "seed", fields: ["default"] }] },
      module_versions: [{ node: "train", module: "builtin/train-model", from: "1.0.0", to: "1.1.0" }],
    });
    expect(lines).toEqual([
      "Nodes added: norm",
      "Nodes changed: split (params.test_size)",
      "Connections: 2 added, 1 removed",
      "Parameters added: depth",
      "Parameters changed: seed",
      "train: builtin/train-model 1.0.0 → 1.1.0",
    ]);
    expect(diffLines({ from_version: 1, to_version: 1, nodes: { added: [], removed: [], changed: [] } })).toEqual([]);
  });

  it("shows a fire time in the given zone", () => {
    expect(fireTime("2026-12-01T06:30:00+00:00", "Europe/Berlin")).toContain("07:30");
    expect(fireTime("2026-12-01T06:30:00+00:00", "UTC")).toContain("06:30");
  });

  it("reads a schedule's trigger", () => {
    expect(scheduleOfTrigger("schedule:12")).toBe(12);
    expect(scheduleOfTrigger("endpoint:x")).toBeNull();
    expect(scheduleOfTrigger(null)).toBeNull();
  });
});

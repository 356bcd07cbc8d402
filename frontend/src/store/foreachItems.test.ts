import { describe, expect, it } from "vitest";
import { parseEvent, type RunEvent } from "../api/events";
import type { Run } from "../api/runs";
import { initialRunData, mergeItems, reduceEvent, type RunData } from "./runs";

const run = { id: 7, steps: [], status: "running" } as unknown as Run;
const apply = (events: RunEvent[], state: RunData = initialRunData(7)) => events.reduce(reduceEvent, state);
const frame = (o: object) => parseEvent(JSON.stringify({ run_id: 7, ...o }));

describe("for-each items in the run store", () => {
  it("keeps the seq contiguous through item and foreach frames and applies them", () => {
    const events = [
      { type: "snapshot", seq: 3, run } as RunEvent,
      frame({ type: "foreach", seq: 4, node: "fe", items: 4 }),
      frame({ type: "item", seq: 5, node: "fe", item: 1, status: "running" }),
      frame({ type: "item", seq: 6, node: "fe", item: 0, status: "succeeded" }),
      frame({ type: "step", seq: 7, node: "b", status: "queued", step: { node: "b", status: "queued" } }),
    ];
    expect(events.every((e) => e !== null)).toBe(true);
    const s = apply(events as RunEvent[]);
    expect(s.seq).toBe(7);
    expect(s.items.fe).toEqual(["succeeded", "running", "pending", "pending"]);
    const skipped = apply([frame({ type: "foreach", seq: 8, node: "fe", skipped: 2 }) as RunEvent], s);
    expect(skipped.items.fe).toEqual(["succeeded", "running", "skipped", "skipped"]);
    const canceled = apply([frame({ type: "foreach", seq: 8, node: "fe", canceled: 2 }) as RunEvent], s);
    expect(canceled.items.fe).toEqual(["succeeded", "running", "canceled", "canceled"]);
  });

  it("keeps the inner steps of a for-each over a sub-pipeline live beside the item's roll-up", () => {
    const events = [
      { type: "snapshot", seq: 1, run } as RunEvent,
      frame({ type: "foreach", seq: 2, node: "fe", items: 2 }),
      frame({ type: "item", seq: 3, node: "fe", item: 1, status: "running", step: "split", step_status: "succeeded" }),
      frame({ type: "item", seq: 4, node: "fe", item: 1, status: "running", step: "train", step_status: "queued" }),
    ];
    const s = apply(events as RunEvent[]);
    expect(s.items.fe).toEqual(["pending", "running"]);
    expect(s.innerItems["fe[1]"]).toEqual({ split: "succeeded", train: "queued" });
    expect(s.innerItems["fe[0]"]).toBeUndefined();
  });

  it("rejects malformed item frames", () => {
    expect(frame({ type: "item", seq: 1, node: "fe", item: -1, status: "running" })).toBeNull();
    expect(frame({ type: "item", seq: 1, node: 3, item: 0, status: "running" })).toBeNull();
  });

  it("never takes an item back when a fetched answer is older than live events", () => {
    expect(mergeItems(["succeeded", "running"], ["running", "queued", "pending"])).toEqual(["succeeded", "running", "pending"]);
    expect(mergeItems(undefined, ["failed"])).toEqual(["failed"]);
  });
});

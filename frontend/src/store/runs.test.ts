import { describe, expect, it } from "vitest";
import type { RunEvent } from "../api/events";
import { parseEvent } from "../api/events";
import type { Run, StepRun } from "../api/runs";
import { runProgress } from "../runs/format";
import { initialRunData, reduceEvent, useRunStore, type RunData } from "./runs";
import { logText } from "./logBuffer";

const step = (node: string, status: StepRun["status"] = "pending"): StepRun => ({
  id: 0,
  node,
  label: "",
  module: "acme/emit",
  version: "1.0.0",
  force: false,
  error: null,
  compute: null,
  status,
  cache_key: null,
  reused_from: null,
  attempt: 0,
  started_at: null,
  finished_at: null,
  exit_code: null,
  outputs: {},
  metrics: {},
  timings: {},
  cpu_seconds: null,
  peak_memory_bytes: null,
  foreach: false,
});

const run = (id = 7, steps = [step("a"), step("b")]): Run => ({
  id,
  pipeline: 1,
  pipeline_name: "p",
  version: 1,
  pipeline_version: 1,
  team: "acme",
  parent: null,
  rerun_mode: null,
  cloned_from: null,
  parameters: {},
  cache: true,
  error: null,
  created_by: null,
  trigger: null,
  created_at: "2026-01-01T00:00:00Z",
  seq: 0,
  status: "running",
  started_at: null,
  finished_at: null,
  steps,
});

const apply = (events: RunEvent[], state: RunData = initialRunData(7)) => events.reduce(reduceEvent, state);

describe("reduceEvent", () => {
  it("applies a snapshot and then events in seq order", () => {
    const s = apply([
      { type: "snapshot", seq: 3, run: run() },
      { type: "step", seq: 4, step: { node: "a", status: "running", attempt: 1 } },
      { type: "step", seq: 5, step: { node: "a", status: "succeeded", exit_code: 0 } },
      { type: "run", seq: 6, run: { status: "succeeded" } },
    ]);
    expect(s.seq).toBe(6);
    expect(s.stepStatus).toEqual({ a: "succeeded", b: "pending" });
    expect(s.run?.status).toBe("succeeded");
    expect(s.run?.steps[0]).toMatchObject({ attempt: 1, exit_code: 0 });
    expect(runProgress(s.run)).toEqual({ done: 1, total: 2 });
  });

  it("ignores duplicate and stale seqs", () => {
    const s = apply([
      { type: "snapshot", seq: 3, run: run() },
      { type: "step", seq: 4, step: { node: "a", status: "succeeded" } },
      { type: "step", seq: 4, step: { node: "a", status: "failed" } },
      { type: "step", seq: 2, step: { node: "b", status: "failed" } },
      { type: "snapshot", seq: 1, run: run(7, [step("a", "pending"), step("b", "pending")]) },
    ]);
    expect(s.seq).toBe(4);
    expect(s.stepStatus).toEqual({ a: "succeeded", b: "pending" });
  });

  it("holds out-of-order events until the gap fills", () => {
    let s = apply([
      { type: "snapshot", seq: 0, run: run() },
      { type: "step", seq: 2, step: { node: "a", status: "succeeded" } },
    ]);
    expect(s.seq).toBe(0);
    expect(s.stepStatus.a).toBe("pending");
    s = reduceEvent(s, { type: "step", seq: 1, step: { node: "a", status: "running" } });
    expect(s.seq).toBe(2);
    expect(s.stepStatus.a).toBe("succeeded");
    expect(s.pending).toEqual({});
  });

  it("buffers events that arrive before the snapshot and keeps only those after it", () => {
    const s = apply([
      { type: "step", seq: 5, step: { node: "b", status: "running" } },
      { type: "step", seq: 3, step: { node: "a", status: "failed" } },
      { type: "snapshot", seq: 4, run: run(7, [step("a", "succeeded"), step("b", "queued")]) },
    ]);
    expect(s.seq).toBe(5);
    expect(s.stepStatus).toEqual({ a: "succeeded", b: "running" });
  });

  it("resumes after a reconnect: replayed events are deduplicated, a fresh snapshot wins", () => {
    let s = apply([
      { type: "snapshot", seq: 0, run: run() },
      { type: "step", seq: 1, step: { node: "a", status: "running" } },
      { type: "log", seq: 2, node: "a", text: "epoch 1\n", offset: 0 },
    ]);
    // connection drops; the client sends {"type":"resume","after":2}; the server replays from 2
    s = apply(
      [
        { type: "log", seq: 2, node: "a", text: "epoch 1\n", offset: 0 },
        { type: "log", seq: 3, node: "a", text: "epoch 2\n", offset: 8 },
        { type: "step", seq: 4, step: { node: "a", status: "succeeded" } },
      ],
      s,
    );
    expect(logText(s.logs.a)).toBe("epoch 1\nepoch 2\n".trimEnd());
    expect(s.stepStatus.a).toBe("succeeded");
    s = reduceEvent(s, { type: "snapshot", seq: 9, run: run(7, [step("a", "succeeded"), step("b", "succeeded")]) });
    expect(s.seq).toBe(9);
    expect(s.stepStatus.b).toBe("succeeded");
  });

  it("flags a log without a byte offset as behind instead of appending it twice", () => {
    const s = apply([
      { type: "snapshot", seq: 0, run: run() },
      { type: "log", seq: 1, node: "a", text: "hello\n" },
    ]);
    expect(s.seq).toBe(1);
    expect(s.logs.a.behind).toBe(true);
    expect(s.logs.a.lines).toEqual([]);
  });

  it("applies a burst in one store update, as one event at a time would", () => {
    const steps = Array.from({ length: 300 }, (_, i) => step(`n${i}`, "pending"));
    const burst: RunEvent[] = [
      { type: "snapshot", seq: 0, run: run(7, steps) },
      ...steps.map((s, i): RunEvent => ({ type: "step", seq: i + 1, step: { node: s.node, status: "cached" } })),
    ];
    useRunStore.getState().setRun(7);
    let updates = 0;
    const stop = useRunStore.subscribe(() => updates++);
    useRunStore.getState().applyEvents(burst);
    stop();
    expect(updates).toBe(1);
    const state = useRunStore.getState();
    expect(state.seq).toBe(300);
    expect(state.stepStatus).toEqual(apply(burst).stepStatus);
    expect(Object.values(state.stepStatus).every((x) => x === "cached")).toBe(true);
    useRunStore.setState(initialRunData()); // the store is shared by the tests below
  });

  it("ignores a snapshot of another run", () => {
    const s = apply([{ type: "snapshot", seq: 0, run: run(8) }]);
    expect(s.run).toBeNull();
  });
});

describe("parseEvent", () => {
  it("reads the frames the server sends and rejects anything else", () => {
    expect(parseEvent('{"type":"step","seq":1,"step":{"node":"a","status":"running"}}')).toEqual({
      type: "step",
      seq: 1,
      step: { node: "a", status: "running" },
    });
    // the server always nests the step row and batches log lines: no other shape is guessed at
    expect(parseEvent({ type: "step", seq: 2, node: "b", status: "failed" })).toBeNull();
    expect(parseEvent({ type: "log", seq: 3, node: "a", data: "x", offset: 4 })).toBeNull();
    expect(parseEvent({ type: "log", seq: 4, node: "a", lines: ["x", "y"], run_id: 3 })).toEqual({
      type: "log",
      seq: 4,
      node: "a",
      text: "x\ny\n",
      offset: undefined,
    });
    expect(parseEvent({ type: "run", seq: 5, status: "succeeded", run_id: 3 })).toEqual({
      type: "run",
      seq: 5,
      run: { status: "succeeded" },
    });
    expect(parseEvent("not json")).toBeNull();
    expect(parseEvent({ type: "step", node: "a" })).toBeNull();
  });
});

describe("useRunStore", () => {
  it("keeps setRun/setStepStatus for the canvas and lets a socket snapshot override an HTTP load", () => {
    const store = useRunStore.getState();
    store.setRun(7);
    store.loadRun(run(7, [step("a", "running"), step("b")]));
    expect(useRunStore.getState().stepStatus.a).toBe("running");
    store.applyEvent({ type: "snapshot", seq: 2, run: run(7, [step("a", "succeeded"), step("b")]) });
    store.loadRun(run(7, [step("a", "running"), step("b")]));
    expect(useRunStore.getState().stepStatus.a).toBe("succeeded");
    store.setStepStatus("b", "failed");
    expect(useRunStore.getState().stepStatus.b).toBe("failed");
    store.setRun(null);
    expect(useRunStore.getState().stepStatus).toEqual({});
  });
});

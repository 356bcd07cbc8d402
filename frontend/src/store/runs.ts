// Run state shared by the canvas (node colours) and the run panels. Owned by the runs UI.
// No fetches here: the socket (api/events.ts) and the panels feed it; applyEvent is a pure reducer.
import { create } from "zustand";
import type { RunEvent } from "../api/events";
import type { Run, StepRun, StepStatus } from "../api/runs";
import { appendLog, caughtUp, emptyLog, logFrom, type LogBuffer } from "./logBuffer";
import type { ItemStatus } from "../graph/foreach";

export type { StepStatus } from "../api/runs";

export interface RunData {
  runId: number | null;
  run: Run | null;
  /** last applied seq; -1 before the first snapshot */
  seq: number;
  /** events that arrived ahead of a gap, applied when the gap fills (keyed by seq) */
  pending: Record<number, RunEvent>;
  /** node id -> live status of the current run, read by canvas nodes to colour themselves */
  stepStatus: Record<string, StepStatus>;
  /** node id -> tail of that step's log */
  logs: Record<string, LogBuffer>;
  /** for-each node -> its items' statuses (index = item): fetched (loadItems), then kept live by
   *  the feed's compact item events; one array per node, so one grid redraw per batch */
  items: Record<string, ItemStatus[]>;
  /** over a sub-pipeline: `<node>[<item>]` -> inner step -> its live status, from item events
   *  (only items whose inner steps moved since the page opened) */
  innerItems: Record<string, Record<string, ItemStatus>>;
}

export interface RunState extends RunData {
  setRun: (runId: number | null) => void;
  setStepStatus: (node: string, status: StepStatus) => void;
  /** a run fetched over HTTP: shown until (and unless) the socket's snapshot is newer */
  loadRun: (run: Run) => void;
  applyEvent: (event: RunEvent) => void;
  /** many events in one update (the feed batches a burst into one render) */
  applyEvents: (events: RunEvent[]) => void;
  appendLogChunk: (node: string, text: string, offset?: number) => void;
  /** the first read of a log, from its tail: what comes before `offset` is never fetched */
  startLogAt: (node: string, text: string, offset: number) => void;
  /** a for-each node's items as GET /api/runs/{id}/foreach/{node}/ answered (merged with live events) */
  loadItems: (runId: number, node: string, statuses: ItemStatus[]) => void;
  /** pipeline id -> parameter values of the last run started from the Run dialog (this session) */
  lastParameters: Record<number, Record<string, unknown>>;
  rememberParameters: (pipelineId: number, values: Record<string, unknown>) => void;
}

export const initialRunData = (runId: number | null = null): RunData => ({
  runId,
  run: null,
  seq: -1,
  pending: {},
  stepStatus: {},
  logs: {},
  items: {},
  innerItems: {},
});

/** How far along a status is: a fetched answer never takes an item back past a live event. */
export const RANK: Record<ItemStatus, number> = { pending: 0, queued: 1, running: 2, succeeded: 3, failed: 3, cached: 3, skipped: 3, canceled: 3 };

export function mergeItems(known: readonly ItemStatus[] | undefined, fetched: readonly ItemStatus[]): ItemStatus[] {
  const out = [...fetched];
  (known ?? []).forEach((s, i) => {
    if (i >= out.length || RANK[s] > RANK[out[i]]) out[i] = s;
  });
  return out;
}

const statusMap = (steps: StepRun[]): Record<string, StepStatus> =>
  Object.fromEntries(steps.map((s) => [s.node, s.status]));

function applyOne(state: RunData, event: RunEvent): RunData {
  switch (event.type) {
    case "snapshot":
      return { ...state, run: event.run, seq: event.seq, stepStatus: statusMap(event.run.steps) };
    case "step": {
      const run = state.run;
      const patch = event.step;
      let steps = run?.steps ?? [];
      const i = steps.findIndex((s) => s.node === patch.node);
      if (i >= 0) steps = steps.map((s, j) => (j === i ? { ...s, ...patch } : s));
      else steps = [...steps, { ...blankStep(patch.node), ...patch }];
      const stepStatus = patch.status ? { ...state.stepStatus, [patch.node]: patch.status } : state.stepStatus;
      return { ...state, seq: event.seq, run: run ? { ...run, steps } : run, stepStatus };
    }
    case "run": {
      return { ...state, seq: event.seq, run: state.run ? { ...state.run, ...event.run } : state.run };
    }
    case "item": {
      const list = [...(state.items[event.node] ?? [])];
      for (let i = list.length; i < event.item; i++) list[i] = "pending";
      list[event.item] = event.status;
      const next = { ...state, seq: event.seq, items: { ...state.items, [event.node]: list } };
      if (event.step === undefined || event.stepStatus === undefined) return next;
      const key = `${event.node}[${event.item}]`;
      return { ...next, innerItems: { ...state.innerItems, [key]: { ...state.innerItems[key], [event.step]: event.stepStatus } } };
    }
    case "foreach": {
      let list = state.items[event.node] ?? [];
      if (event.items !== undefined && list.length < event.items) list = [...list, ...Array<ItemStatus>(event.items - list.length).fill("pending")];
      if (event.skipped) list = list.map((s) => (s === "pending" ? "skipped" : s));
      if (event.canceled) list = list.map((s) => (s === "pending" ? "canceled" : s));
      return { ...state, seq: event.seq, items: { ...state.items, [event.node]: list } };
    }
    case "log": {
      const buf = state.logs[event.node] ?? emptyLog();
      // without a byte offset the chunk cannot be placed safely against HTTP tails: flag the
      // buffer as behind so the open log panel fetches ?offset=end right away
      const next = event.offset === undefined ? (buf.behind ? buf : { ...buf, behind: true }) : appendLog(buf, event.text, event.offset);
      return { ...state, seq: event.seq, logs: next === buf ? state.logs : { ...state.logs, [event.node]: next } };
    }
  }
}

/** a step the run feed names before any snapshot listed it (its fields arrive with the event) */
function blankStep(node: string): StepRun {
  return {
    id: 0,
    node,
    label: "",
    module: "",
    version: "",
    force: false,
    error: null,
    compute: null,
    status: "pending",
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
  };
}

/** The pure reducer: snapshot first, then contiguous seqs; duplicates and stale frames are ignored. */
export function reduceEvent(state: RunData, event: RunEvent): RunData {
  if (event.type === "snapshot") {
    if (state.runId !== null && event.run.id !== undefined && event.run.id !== state.runId) return state;
    if (event.seq < state.seq) return state;
    return drain({ ...applyOne(state, event), pending: dropUpTo(state.pending, event.seq) });
  }
  if (state.seq < 0) return { ...state, pending: { ...state.pending, [event.seq]: event } };
  if (event.seq <= state.seq || state.pending[event.seq]) return state;
  if (event.seq > state.seq + 1) return { ...state, pending: { ...state.pending, [event.seq]: event } };
  return drain(applyOne(state, event));
}

function dropUpTo(pending: Record<number, RunEvent>, seq: number): Record<number, RunEvent> {
  const out: Record<number, RunEvent> = {};
  for (const [k, v] of Object.entries(pending)) if (Number(k) > seq) out[Number(k)] = v;
  return out;
}

function drain(state: RunData): RunData {
  let s = state;
  while (s.pending[s.seq + 1]) {
    const next = s.pending[s.seq + 1];
    const rest = { ...s.pending };
    delete rest[s.seq + 1];
    s = applyOne({ ...s, pending: rest }, next);
  }
  return s;
}

export const useRunStore = create<RunState>((set) => ({
  ...initialRunData(),
  lastParameters: {},
  rememberParameters: (pipelineId, values) => set((s) => ({ lastParameters: { ...s.lastParameters, [pipelineId]: { ...values } } })),
  setRun: (runId) => set((s) => (s.runId === runId ? s : initialRunData(runId))),
  setStepStatus: (node, status) => set((s) => ({ stepStatus: { ...s.stepStatus, [node]: status } })),
  loadRun: (run) =>
    set((s) => {
      if (s.runId !== run.id) return { ...initialRunData(run.id), run, stepStatus: statusMap(run.steps) };
      if (s.seq >= 0) return s;
      return { run, stepStatus: statusMap(run.steps) };
    }),
  applyEvent: (event) => set((s) => reduceEvent(s, event)),
  applyEvents: (events) => set((s) => events.reduce(reduceEvent, s)),
  loadItems: (runId, node, statuses) =>
    set((s) => (s.runId !== runId ? s : { items: { ...s.items, [node]: mergeItems(s.items[node], statuses) } })),
  startLogAt: (node, text, offset) =>
    set((s) => {
      const buf = s.logs[node];
      if (buf && buf.end > 0) return s; // live events got there first: keep them, tail from their end
      const fresh = caughtUp(appendLog(logFrom(offset), text, offset));
      return { logs: { ...s.logs, [node]: fresh } };
    }),
  appendLogChunk: (node, text, offset) =>
    set((s) => {
      const buf = s.logs[node] ?? emptyLog();
      const next = caughtUp(appendLog(buf, text, offset));
      return next === buf ? s : { logs: { ...s.logs, [node]: next } };
    }),
}));

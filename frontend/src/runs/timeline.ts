// The run timeline's pure layout: per step its segments (queue wait, container start, execution,
// storing outputs, recording the outcome: the same points the runner's bench breaks a step into), the critical path over the plan's edges, the time scale, and the compute the
// run used and the cache saved. No React here (vitest: timeline.test.ts).
//
// The step fields beyond `started_at`/`finished_at` (`timings`, `cpu_seconds`,
// `peak_memory_bytes`) may be missing (an older server): every one is optional and the layout
// falls back to started_at..finished_at as one execution segment.

export interface StepTimings {
  queued_at?: string | null;
  claimed_at?: string | null;
  container_started_at?: string | null;
  container_exited_at?: string | null;
  outputs_stored_at?: string | null;
  finished_at?: string | null;
}

export interface TimedStep {
  node: string;
  label?: string | null;
  status: string;
  started_at?: string | null;
  finished_at?: string | null;
  reused_from?: { run: number; node: string; step: number } | null;
  timings?: StepTimings | null;
  cpu_seconds?: number | null;
  peak_memory_bytes?: number | null;
}

export type SegmentKind = "queue" | "start" | "run" | "store" | "record" | "cached";

export interface Segment {
  kind: SegmentKind;
  /** ms from the timeline's origin */
  start: number;
  end: number;
}

export interface TimelineRow {
  node: string;
  /** the node's label when the run started ("" when it had none) */
  label: string;
  status: string;
  segments: Segment[];
  /** ms from the origin; null when the step has no time at all yet */
  start: number | null;
  end: number | null;
  cached: boolean;
  critical: boolean;
  /** peak memory / memory limit, when both are known */
  memoryRatio: number | null;
  /** peak memory above MEMORY_WARN of the limit */
  memoryWarning: boolean;
}

export interface Timeline {
  rows: TimelineRow[];
  /** epoch ms of 0 on the scale */
  origin: number;
  /** ms from the origin to the last end */
  span: number;
  /** the steps gating the run's end, first to last */
  criticalPath: string[];
  /** sum of the steps' cpu_seconds (null when no step reports any) */
  computeSeconds: number | null;
  /** the reused steps' original durations, in seconds (null when none is known) */
  savedSeconds: number | null;
}

export interface TimelineInput {
  steps: readonly TimedStep[];
  /** node -> the nodes it reads from (the plan's input bindings, or the graph's edges) */
  dependencies?: Readonly<Record<string, readonly string[]>>;
  /** node -> memory limit in bytes (the plan's runtime.memory_bytes) */
  memoryLimits?: Readonly<Record<string, number>>;
  /** `${run}:${node}` of a reused step's origin -> its duration in ms */
  originalDurations?: Readonly<Record<string, number>>;
  /** epoch ms standing for the end of what is still running */
  now?: number;
}

export const MEMORY_WARN = 0.9;

const ms = (iso: string | null | undefined): number | null => {
  if (!iso) return null;
  const t = Date.parse(iso);
  return Number.isFinite(t) ? t : null;
};

const first = (...values: (number | null)[]): number | null => {
  for (const v of values) if (v !== null) return v;
  return null;
};

/** Absolute segments of one step (epoch ms), in order, each ending where the next begins. */
export function stepSegments(step: TimedStep, now: number): { kind: SegmentKind; start: number; end: number }[] {
  const t = step.timings ?? {};
  const finished = first(ms(t.finished_at), ms(step.finished_at));
  if (step.status === "cached") {
    const at = first(finished, ms(step.started_at), ms(t.queued_at));
    return at === null ? [] : [{ kind: "cached", start: at, end: at }];
  }
  const live = finished === null && (step.status === "running" || step.status === "queued");
  const end = finished ?? (live ? now : null);
  const marks: { kind: SegmentKind; at: number | null }[] = [
    { kind: "queue", at: ms(t.queued_at) },
    { kind: "start", at: ms(t.claimed_at) },
    { kind: "run", at: first(ms(t.container_started_at), ms(step.started_at)) },
    { kind: "store", at: ms(t.container_exited_at) },
    // outputs stored -> its final state committed (the outcome recorded, the cache entry written)
    { kind: "record", at: ms(t.outputs_stored_at) },
  ];
  const known = marks.filter((m): m is { kind: SegmentKind; at: number } => m.at !== null);
  const stop = first(end, ms(t.outputs_stored_at));
  // each segment runs from its mark to the next known one; the last to the step's end
  const out: { kind: SegmentKind; start: number; end: number }[] = [];
  for (let i = 0; i < known.length; i++) {
    const to = i + 1 < known.length ? known[i + 1].at : stop;
    if (to !== null && to >= known[i].at) out.push({ kind: known[i].kind, start: known[i].at, end: to });
  }
  return out;
}

/**
 * The critical path: from the step that ends last, walk back through the dependency that ended
 * last (the one that gated it) until a step with none. O(steps + edges).
 */
export function criticalPath(
  ends: ReadonlyMap<string, number>,
  dependencies: Readonly<Record<string, readonly string[]>>,
): string[] {
  let last: string | null = null;
  let lastEnd = -Infinity;
  for (const [node, end] of ends) {
    if (end > lastEnd || (end === lastEnd && last !== null && node < last)) {
      last = node;
      lastEnd = end;
    }
  }
  const path: string[] = [];
  const seen = new Set<string>();
  let current = last;
  while (current !== null && !seen.has(current)) {
    path.push(current);
    seen.add(current);
    let gate: string | null = null;
    let gateEnd = -Infinity;
    for (const dep of dependencies[current] ?? []) {
      const e = ends.get(dep);
      if (e !== undefined && e > gateEnd) {
        gate = dep;
        gateEnd = e;
      }
    }
    current = gate;
  }
  return path.reverse();
}

export function layoutTimeline(input: TimelineInput): Timeline {
  const now = input.now ?? Date.now();
  const absolute = input.steps.map((s) => ({ step: s, segments: stepSegments(s, now) }));
  let origin = Infinity;
  let last = -Infinity;
  for (const { segments } of absolute) {
    for (const seg of segments) {
      origin = Math.min(origin, seg.start);
      last = Math.max(last, seg.end);
    }
  }
  if (!Number.isFinite(origin)) {
    origin = now;
    last = now;
  }
  const ends = new Map<string, number>();
  for (const { step, segments } of absolute) {
    if (segments.length && step.status !== "cached") ends.set(step.node, segments[segments.length - 1].end);
  }
  const path = criticalPath(ends, input.dependencies ?? {});
  const onPath = new Set(path);
  let compute: number | null = null;
  let saved: number | null = null;
  const rows: TimelineRow[] = absolute.map(({ step, segments }) => {
    if (typeof step.cpu_seconds === "number") compute = (compute ?? 0) + step.cpu_seconds;
    const cached = step.status === "cached";
    if (cached && step.reused_from) {
      const original = input.originalDurations?.[`${step.reused_from.run}:${step.reused_from.node}`];
      if (original !== undefined) saved = (saved ?? 0) + original / 1000;
    }
    const limit = input.memoryLimits?.[step.node];
    const peak = step.peak_memory_bytes;
    const memoryRatio = typeof peak === "number" && limit ? peak / limit : null;
    return {
      node: step.node,
      label: step.label ?? "",
      status: step.status,
      segments: segments.map((seg) => ({ kind: seg.kind, start: seg.start - origin, end: seg.end - origin })),
      start: segments.length ? segments[0].start - origin : null,
      end: segments.length ? segments[segments.length - 1].end - origin : null,
      cached,
      critical: onPath.has(step.node),
      memoryRatio,
      memoryWarning: memoryRatio !== null && memoryRatio > MEMORY_WARN,
    };
  });
  rows.sort((a, b) => (a.start ?? Infinity) - (b.start ?? Infinity) || a.node.localeCompare(b.node));
  return { rows, origin, span: Math.max(0, last - origin), criticalPath: path, computeSeconds: compute, savedSeconds: saved };
}

const STEPS_MS = [
  1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10_000, 15_000, 30_000, 60_000, 120_000, 300_000, 600_000,
  900_000, 1_800_000, 3_600_000, 7_200_000, 14_400_000, 21_600_000, 43_200_000, 86_400_000,
];

/** Tick marks for a span of `span` ms: about `count` of them at a round interval. */
export function ticks(span: number, count = 6): { at: number; label: string }[] {
  if (span <= 0) return [{ at: 0, label: "0s" }];
  const wanted = span / count;
  const every = STEPS_MS.find((s) => s >= wanted) ?? Math.ceil(wanted / 86_400_000) * 86_400_000;
  const out: { at: number; label: string }[] = [];
  for (let at = 0; at <= span + 1e-9; at += every) out.push({ at, label: formatSpan(at) });
  return out;
}

/** `850ms`, `12.5s`, `3m 05s`, `1h 02m` */
export function formatSpan(msValue: number): string {
  if (msValue < 1000) return `${Math.round(msValue)}ms`;
  const s = msValue / 1000;
  if (s < 60) return `${Number.isInteger(s) ? s : s.toFixed(1)}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m ${String(Math.round(s - m * 60)).padStart(2, "0")}s`;
  const h = Math.floor(m / 60);
  return `${h}h ${String(m - h * 60).padStart(2, "0")}m`;
}

/** node -> its upstream nodes, from a plan's steps (their input bindings). */
export function planDependencies(
  plan: { steps?: readonly { node: string; inputs?: readonly { source_node?: string | null }[] }[] } | null | undefined,
): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const s of plan?.steps ?? []) {
    out[s.node] = [...new Set((s.inputs ?? []).map((b) => b.source_node).filter((n): n is string => !!n))];
  }
  return out;
}

/** node -> memory limit in bytes, from a plan's steps. */
export function planMemoryLimits(
  plan: { steps?: readonly { node: string; runtime?: { memory_bytes?: number | null } }[] } | null | undefined,
): Record<string, number> {
  const out: Record<string, number> = {};
  for (const s of plan?.steps ?? []) {
    const limit = s.runtime?.memory_bytes;
    if (typeof limit === "number" && limit > 0) out[s.node] = limit;
  }
  return out;
}

// The compare page's and the runs list's pure logic: parameters and metrics side by side with
// their differences and deltas, step outcomes, metric columns and sorting (vitest: compare.test.ts).

export interface ComparableStep<S extends string = string> {
  node: string;
  label?: string | null;
  status: S;
  started_at?: string | null;
  finished_at?: string | null;
  metrics?: Record<string, unknown> | null;
}

export interface ComparableRun {
  id: number;
  parameters?: Record<string, unknown> | null;
  steps: readonly ComparableStep[];
}

export interface ValueRow {
  key: string;
  values: unknown[];
  /** not every run has the same value (a missing value differs from any) */
  differs: boolean;
}

export interface MetricRow {
  /** `node.key` */
  key: string;
  node: string;
  name: string;
  values: (number | null)[];
  /** value - the first run's value; null where either is missing (and for the first run) */
  deltas: (number | null)[];
  differs: boolean;
}

export interface StepRow<S extends string = string> {
  node: string;
  /** the node's label in the newest run that has it ("" when none) */
  label: string;
  cells: ({ status: S; durationMs: number | null } | null)[];
  differs: boolean;
}

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);
const allSame = (values: readonly unknown[]) => values.every((v) => same(v, values[0]));

/** The ids of `?ids=1,2,3`: positive integers, distinct, in order. */
export function parseIds(raw: string | null): number[] {
  const out: number[] = [];
  for (const part of (raw ?? "").split(",")) {
    const n = Number(part.trim());
    if (part.trim() && Number.isInteger(n) && n > 0 && !out.includes(n)) out.push(n);
  }
  return out;
}

export function parameterRows(runs: readonly ComparableRun[]): ValueRow[] {
  const keys = [...new Set(runs.flatMap((r) => Object.keys(r.parameters ?? {})))].sort();
  return keys.map((key) => {
    const values = runs.map((r) => (r.parameters && key in r.parameters ? r.parameters[key] : undefined));
    return { key, values, differs: !allSame(values) };
  });
}

/** `{"node.key": number}` of a step list's numeric metrics (booleans and text left out). */
export function flatMetrics(steps: readonly ComparableStep[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const s of steps) {
    for (const [k, v] of Object.entries(s.metrics ?? {})) {
      if (typeof v === "number" && Number.isFinite(v)) out[`${s.node}.${k}`] = v;
    }
  }
  return out;
}

/** Split `node.key` at its first dot (node ids have none of their own in metric keys we make). */
export function splitMetricKey(key: string): { node: string; name: string } {
  const dot = key.indexOf(".");
  return dot < 0 ? { node: "", name: key } : { node: key.slice(0, dot), name: key.slice(dot + 1) };
}

export function metricRows(runs: readonly ComparableRun[]): MetricRow[] {
  const flat = runs.map((r) => flatMetrics(r.steps));
  const keys = [...new Set(flat.flatMap((m) => Object.keys(m)))].sort();
  return keys.map((key) => {
    const values = flat.map((m) => (key in m ? m[key] : null));
    const base = values[0];
    const deltas = values.map((v, i) => (i === 0 || v === null || base === null ? null : v - base));
    return { key, ...splitMetricKey(key), values, deltas, differs: !allSame(values) };
  });
}

const durationMs = (s: ComparableStep): number | null => {
  const a = Date.parse(s.started_at ?? "");
  const b = Date.parse(s.finished_at ?? "");
  return Number.isFinite(a) && Number.isFinite(b) && b >= a ? b - a : null;
};

export function stepRows<S extends string>(runs: readonly { steps: readonly ComparableStep<S>[] }[]): StepRow<S>[] {
  const nodes: string[] = [];
  const seen = new Set<string>();
  for (const r of runs) {
    for (const s of r.steps) {
      if (!seen.has(s.node)) {
        seen.add(s.node);
        nodes.push(s.node);
      }
    }
  }
  return nodes.map((node) => {
    const cells = runs.map((r) => {
      const s = r.steps.find((x) => x.node === node);
      return s ? { status: s.status, durationMs: s.status === "cached" ? null : durationMs(s) } : null;
    });
    let label = "";
    for (const r of runs) label = r.steps.find((x) => x.node === node)?.label || label;
    return { node, label, cells, differs: !allSame(cells.map((c) => c?.status ?? null)) };
  });
}

/** `+0.0123`, `−2`: a delta with its sign, to 4 significant digits. */
export function formatDelta(delta: number): string {
  if (delta === 0) return "±0";
  const abs = Math.abs(delta);
  const text = Number.isInteger(abs) ? String(abs) : abs.toPrecision(4).replace(/\.?0+$/, "");
  return `${delta > 0 ? "+" : "−"}${text}`;
}

/** Every metric key among the runs' summaries, sorted. */
export function metricKeys(runs: readonly { metrics?: Record<string, number> | null }[]): string[] {
  return [...new Set(runs.flatMap((r) => Object.keys(r.metrics ?? {})))].sort();
}

export type SortOrder = "asc" | "desc";

/** Runs sorted by one metric; runs without it last, ties in their given order. */
export function sortByMetric<T extends { metrics?: Record<string, number> | null }>(runs: readonly T[], key: string, order: SortOrder): T[] {
  const sign = order === "asc" ? 1 : -1;
  return runs
    .map((r, i) => ({ r, i, v: r.metrics?.[key] }))
    .sort((a, b) => {
      const av = typeof a.v === "number" ? a.v : null;
      const bv = typeof b.v === "number" ? b.v : null;
      if (av === null || bv === null) return av === bv ? a.i - b.i : av === null ? 1 : -1;
      return (av - bv) * sign || a.i - b.i;
    })
    .map((x) => x.r);
}

export const MIN_COMPARE = 2;
export const MAX_COMPARE = 4;

/** Toggle a run in the selection to compare (at most MAX_COMPARE; the oldest pick drops out). */
export function toggleSelected(selected: readonly number[], id: number): number[] {
  if (selected.includes(id)) return selected.filter((x) => x !== id);
  const next = [...selected, id];
  return next.length > MAX_COMPARE ? next.slice(next.length - MAX_COMPARE) : next;
}

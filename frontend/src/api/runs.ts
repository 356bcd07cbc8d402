// The runs API (see /api/docs/ "Runs"): start, list, inspect, cancel, rerun, logs, cache, artifacts.
import { ApiError, get, post } from "./client";

export type StepStatus = "pending" | "queued" | "running" | "succeeded" | "failed" | "cached" | "skipped" | "canceled";
export type RunStatus = "pending" | "queued" | "running" | "succeeded" | "failed" | "canceled" | (string & {});

export const FINAL_STEP_STATUSES: readonly StepStatus[] = ["succeeded", "failed", "cached", "skipped", "canceled"];
export const FINAL_RUN_STATUSES: readonly string[] = ["succeeded", "failed", "canceled"];

export interface ArtifactRef {
  sha256: string;
  size: number;
  media_type: string;
  /** port type when the backend knows it (DataFrame, Image, Metrics, ...) */
  type?: string;
}

export interface StepRun {
  id?: number;
  node: string;
  module?: string | null;
  version?: string | null;
  status: StepStatus;
  cache_key: string | null;
  /** the run (or step run) whose outputs this cached step reused */
  reused_from: number | { run: number; step?: number; node?: string } | null;
  attempt: number;
  started_at: string | null;
  finished_at: string | null;
  exit_code: number | null;
  outputs: Record<string, ArtifactRef>;
  metrics: Record<string, unknown>;
  error?: string | null;
  /** forced to execute (rerun from an upstream node) */
  force?: boolean;
}

export interface Run {
  id: number;
  pipeline: number;
  pipeline_name?: string;
  version: number | null;
  status: RunStatus;
  parent?: number | null;
  rerun_mode?: string | null;
  team?: string;
  parameters?: Record<string, unknown>;
  cache?: boolean;
  created_by?: string | null;
  /** "endpoint:<slug>" or "schedule:<id>" when an endpoint or a schedule started the run */
  trigger?: string | null;
  created_at?: string | null;
  started_at: string | null;
  finished_at: string | null;
  error?: string | null;
  steps: StepRun[];
}

export type RerunMode = "all" | "failed" | "from";

export interface RerunOptions {
  mode: RerunMode;
  node?: string;
  parameters?: Record<string, unknown>;
  cache?: boolean;
}

export interface CacheDifference {
  ingredient: "module" | "parameter" | "input" | string;
  name?: string;
  port?: string;
  message: string;
  was?: unknown;
  now?: unknown;
}

export interface CacheInfo {
  node?: string;
  status?: string;
  cache_key?: string | null;
  hit?: boolean;
  reused_from?: StepRun["reused_from"];
  /** a human sentence: why it missed */
  reason?: string;
  /** the closest earlier cache entry and what differs from it */
  nearest?: { cache_key: string; run: number; node: string; differences: CacheDifference[] } | null;
}

export type Preview =
  | { kind: "table"; columns: string[]; rows: unknown[][]; total_rows?: number }
  | { kind: "image"; url: string }
  | { kind: "metrics"; metrics: Record<string, unknown> }
  | { kind: "text"; text: string }
  | { kind: "files" | "none"; files?: string[] };

interface Paged<T> {
  results: T[];
  count?: number;
  next?: string | null;
}

function unpage<T>(data: T[] | Paged<T>): T[] {
  return Array.isArray(data) ? data : (data.results ?? []);
}

export const startRun = (pipelineId: number, body: { parameters?: Record<string, unknown>; version?: number; cache?: boolean } = {}) =>
  post<Run>(`/api/pipelines/${pipelineId}/runs/`, { parameters: {}, cache: true, ...body });

export const listRuns = async (query: { pipeline?: number } = {}) => {
  const qs = query.pipeline !== undefined ? `?pipeline=${query.pipeline}` : "";
  return unpage(await get<Run[] | Paged<Run>>(`/api/runs/${qs}`));
};

export const getRun = (id: number) => get<Run>(`/api/runs/${id}/`);
export const cancelRun = (id: number) => post<Run>(`/api/runs/${id}/cancel`);
export const rerun = (id: number, options: RerunOptions) => post<Run>(`/api/runs/${id}/rerun`, options);

export interface LogChunk {
  text: string;
  /** byte offset of `text` in the log (after a `tail` read, where the kept part starts) */
  offset: number;
  /** byte offset to ask for next time */
  nextOffset: number;
}

export const logsUrl = (runId: number, node: string, offset = 0) =>
  `/api/runs/${runId}/steps/${encodeURIComponent(node)}/logs${offset ? `?offset=${offset}` : ""}`;

/** A log from `offset`; with `tail` (and offset 0) only about its last `tail` bytes, from a line start. */
export async function fetchLogs(runId: number, node: string, offset = 0, tail?: number): Promise<LogChunk> {
  // raw text: a log line that happens to be JSON must not be re-serialised by the JSON client
  // no Accept: text/plain here — DRF's content negotiation would answer 406
  const url = offset === 0 && tail !== undefined ? `${logsUrl(runId, node)}?tail=${tail}` : logsUrl(runId, node, offset);
  const response = await fetch(url, { credentials: "same-origin" });
  if (!response.ok) throw new ApiError(response.status, `logs: HTTP ${response.status}`);
  const text = await response.text();
  const number = (name: string) => {
    const header = response.headers.get(name);
    return header !== null && header !== "" && Number.isFinite(Number(header)) ? Number(header) : null;
  };
  const start = number("X-Offset") ?? offset;
  return { text, offset: start, nextOffset: number("X-Next-Offset") ?? start + new TextEncoder().encode(text).length };
}

export const getCacheInfo = (runId: number, node: string) =>
  get<CacheInfo>(`/api/runs/${runId}/steps/${encodeURIComponent(node)}/cache`);

export const artifactUrl = (sha256: string) => `/api/artifacts/${sha256}/`;
export const getPreview = (sha256: string) => get<Preview>(`/api/artifacts/${sha256}/preview`);

/** id of the run a cached step reused, whatever shape the backend sends */
export function reusedRunId(reused: StepRun["reused_from"]): number | null {
  if (reused == null) return null;
  if (typeof reused === "number") return reused;
  return reused.run ?? null;
}

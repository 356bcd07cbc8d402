// The runs API (see /api/docs/ "Runs"): start, list, inspect, cancel, rerun, logs, cache, artifacts.
import { ApiError, get, listPage, post, withQuery } from "./client";
export type { Page } from "./client";

import type { components } from "./schema";

type Schemas = components["schemas"];

export type StepStatus = Schemas["StepStatusEnum"];
export type RunStatus = Schemas["RunStatusEnum"];

export const FINAL_STEP_STATUSES: readonly StepStatus[] = ["succeeded", "failed", "cached", "skipped", "canceled"];
export const FINAL_RUN_STATUSES: readonly string[] = ["succeeded", "failed", "canceled"];

export type ArtifactRef = Schemas["ArtifactRef"];
export type StepRun = Schemas["Step"];
/** A run with its steps (detail, start, cancel, rerun and the run feed's snapshot). */
export type Run = Schemas["Run"];
/** A run as listed: without its steps; the list also carries its numeric metrics (`RunListItem`). */
export type RunSummary = Omit<Schemas["RunListItem"], "metrics"> & { metrics?: Record<string, number> };

export type RerunMode = Schemas["ModeEnum"];
export type RerunOptions = Schemas["Rerun"];

export type CacheDifference = Schemas["Difference"];
export type CacheInfo = Schemas["CacheExplain"];

export type Preview = Schemas["Preview"];

export const startRun = (pipelineId: number, body: Schemas["RunCreate"] = {}) =>
  post<Run>(`/api/pipelines/${pipelineId}/runs/`, { parameters: {}, cache: true, ...body });

export type RunQuery = {
  pipeline?: number;
  /** one status or several, comma-separated */
  status?: string;
  /** `manual`, `endpoint`, `schedule`, `endpoint:<slug>` or `schedule:<id>` */
  trigger?: string;
  page_size?: number;
};

/** The newest runs matching `query`: one page; its `next` loads older ones (`moreRuns`). */
export const listRuns = (query: RunQuery = {}) => listPage<RunListItem>(withQuery("/api/runs/", { ...query }));

/** The page after a `listRuns` page: follow its `next` link. */
export const moreRuns = (next: string) => listPage<RunListItem>(next);

export const getRun = (id: number) => get<Run>(`/api/runs/${id}/`);

/** A for-each node's items: counts and each item's status (runner/api/foreach.py). */
export type ForEachState = Schemas["ForEach"];
/** One item's step, with its index and value. */
export type ForEachItem = Schemas["ForEachItem"];
export const getForEach = (runId: number, node: string) => get<ForEachState>(`/api/runs/${runId}/foreach/${encodeURIComponent(node)}/`);
export const getForEachItem = (runId: number, node: string, item: number) =>
  listPage<ForEachItem>(`/api/runs/${runId}/foreach/${encodeURIComponent(node)}/items/?item=${item}`).then((page) => page.results[0] ?? null);
/** Every step of one item of a for-each over a sub-pipeline (its inner steps, in order). */
export const getForEachItemSteps = (runId: number, node: string, item: number) =>
  listPage<ForEachItem>(`/api/runs/${runId}/foreach/${encodeURIComponent(node)}/items/?item=${item}&page_size=200`).then((page) => page.results);
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

/** id of the run a cached step reused */
export const reusedRunId = (reused: StepRun["reused_from"] | undefined): number | null => reused?.run ?? null;

/** A run's numeric metrics, flat (`{"node.key": number}`), as the run list carries them. */
export type RunListItem = Schemas["RunListItem"];

/** 2 to 4 runs side by side: each with its steps, and the graph diff of the first run's version against each other's. */
export type RunCompare = Schemas["RunCompare"];
export type RunDiff = Schemas["RunDiff"];
export const compareRuns = (ids: readonly number[]) => get<RunCompare>(`/api/runs/compare?ids=${ids.join(",")}`);

// Published endpoints and their schedules (API.md "Publishing and schedules").
import { get, listAll, listPage, post, request } from "./client";
import type { RunSummary } from "./runs";
import type { components } from "./schema";

type Schemas = components["schemas"];

/** A published endpoint; `url` is where to POST {"parameters": {...}} with "Authorization: Token <key>". */
export type Endpoint = Schemas["Endpoint"];
export type Schedule = Schemas["Schedule"];
export type CronPreview = Schemas["CronPreview"];
export type VersionDiff = Schemas["Diff"];
export type VersionRow = Schemas["VersionRow"];

/** Publish the pipeline's latest version (or `version`) as an endpoint whose slug comes from `name`. */
export const publishPipeline = (pipelineId: number, name: string, version?: number) =>
  post<Endpoint>(`/api/pipelines/${pipelineId}/publish`, version === undefined ? { name } : { name, version });

export const listEndpoints = () => listAll<Endpoint>("/api/endpoints/");

export const updateEndpoint = (slug: string, body: Schemas["PatchedEndpointUpdate"]) =>
  request<Endpoint>(`/api/endpoints/${slug}/`, { method: "PATCH", body }).then((r) => r.data);

export const deleteEndpoint = (slug: string) => request<unknown>(`/api/endpoints/${slug}/`, { method: "DELETE" });

export const endpointRuns = async (slug: string) => (await listPage<RunSummary>(`/api/endpoints/${slug}/runs`)).results;

export const listSchedules = () => listAll<Schedule>("/api/schedules/");

export const createSchedule = (body: Schemas["ScheduleCreate"]) => post<Schedule>("/api/schedules/", body);

export const updateSchedule = (id: number, body: Schemas["PatchedScheduleUpdate"]) =>
  request<Schedule>(`/api/schedules/${id}/`, { method: "PATCH", body }).then((r) => r.data);

export const deleteSchedule = (id: number) => request<unknown>(`/api/schedules/${id}/`, { method: "DELETE" });

export const scheduleRuns = async (id: number) => (await listPage<RunSummary>(`/api/schedules/${id}/runs/`)).results;

/** The next five fire times of `cron`, shown in the IANA zone `tz`. */
export const cronPreview = (cron: string, tz: string) =>
  get<CronPreview>(`/api/schedules/preview?cron=${encodeURIComponent(cron)}&tz=${encodeURIComponent(tz)}`);

export const pipelineVersions = (pipelineId: number) => listAll<VersionRow>(`/api/pipelines/${pipelineId}/versions/`);

export const versionDetail = (pipelineId: number, number: number) =>
  get<Schemas["VersionDetail"]>(`/api/pipelines/${pipelineId}/versions/${number}/`);

export const versionDiff = (pipelineId: number, from: number, to: number) =>
  get<VersionDiff>(`/api/pipelines/${pipelineId}/versions/${from}/diff/${to}`);

/** Where an API token comes from (the Tokens page). */
export const TOKENS_PAGE = "/tokens";

/** A copy-paste example of starting a run of `endpoint` from a shell; paste your token where it says. */
export const curlExample = (endpoint: Pick<Endpoint, "url">, parameters: Record<string, unknown> = {}) =>
  `curl -X POST \\\n  -H "Authorization: Token <your token>" \\\n  -H "Content-Type: application/json" \\\n  -d '${JSON.stringify({ parameters }).replace(/'/g, "'\\''")}' \\\n  ${endpoint.url}`;

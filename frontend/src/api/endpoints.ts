// Published endpoints (API.md "Publishing and schedules").
import { post } from "./client";
import type { components } from "./schema";

/** A published endpoint; `url` is where to POST {"parameters": {...}} with "Authorization: Token <key>". */
export type Endpoint = components["schemas"]["Endpoint"];

/** Publish the pipeline's latest version (or `version`) as an endpoint whose slug comes from `name`. */
export const publishPipeline = (pipelineId: number, name: string, version?: number) =>
  post<Endpoint>(`/api/pipelines/${pipelineId}/publish`, version === undefined ? { name } : { name, version });

/** A copy-paste example of starting a run of `endpoint` from a shell. */
export const curlExample = (endpoint: Endpoint) =>
  `curl -X POST -H "Authorization: Token $PIPEWRIGHT_TOKEN" -H "Content-Type: application/json" \\\n  -d '{"parameters": {}}' ${endpoint.url}`;

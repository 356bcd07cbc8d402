// Published endpoints (API.md "Publishing and schedules").
import { post } from "./client";

export interface Endpoint {
  slug: string;
  name: string;
  /** absolute URL to POST {"parameters": {...}} to, with "Authorization: Token <key>" */
  url: string;
  team: string;
  pipeline: number;
  pipeline_name: string;
  version: number;
  created_by: string | null;
  created_at: string;
  updated_at: string;
}

/** Publish the pipeline's latest version (or `version`) as an endpoint whose slug comes from `name`. */
export const publishPipeline = (pipelineId: number, name: string, version?: number) =>
  post<Endpoint>(`/api/pipelines/${pipelineId}/publish`, version === undefined ? { name } : { name, version });

/** A copy-paste example of starting a run of `endpoint` from a shell. */
export const curlExample = (endpoint: Endpoint) =>
  `curl -X POST -H "Authorization: Token $PIPEWRIGHT_TOKEN" -H "Content-Type: application/json" \\\n  -d '{"parameters": {}}' ${endpoint.url}`;

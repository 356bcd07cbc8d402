// Real-time deployments (serving/): inference pipelines, deployments, versions, routing, tokens, scoring.
import { get, listAll, post, request } from "./client";
import type { components } from "./schema";

type Schemas = components["schemas"];

export type Deployment = Schemas["Deployment"];
export type DeploymentDetail = Schemas["DeploymentDetail"];
export type DeploymentVersion = Schemas["Version"];
export type DeploymentToken = Schemas["Token"];
export type DeploymentTokenCreated = Schemas["TokenCreated"];
export type InferenceCreated = Schemas["InferenceCreated"];
export type ScoreAnswer = Schemas["ScoreAnswer"];

/** Derive an inference pipeline from a finished run of a training pipeline. */
export const createInference = (pipelineId: number, run: number, name?: string) =>
  post<InferenceCreated>(`/api/pipelines/${pipelineId}/inference`, name ? { run, name } : { run });

export const listDeployments = () => listAll<Deployment>("/api/deployments/");

export const getDeployment = (slug: string) => get<DeploymentDetail>(`/api/deployments/${slug}/`);

export const createDeployment = (body: Schemas["DeploymentCreate"]) => post<DeploymentDetail>("/api/deployments/", body);

export const updateRouting = (slug: string, body: Schemas["PatchedRouting"]) =>
  request<DeploymentDetail>(`/api/deployments/${slug}/`, { method: "PATCH", body }).then((r) => r.data);

export const rollback = (slug: string) => post<DeploymentDetail>(`/api/deployments/${slug}/rollback`);

export const addVersion = (slug: string, body: Schemas["DeploymentVersionCreate"]) =>
  post<DeploymentVersion>(`/api/deployments/${slug}/versions/`, body);

export const scaleVersion = (slug: string, number: number, replicas: number) =>
  request<DeploymentVersion>(`/api/deployments/${slug}/versions/${number}/`, { method: "PATCH", body: { replicas } }).then((r) => r.data);

export const deleteDeployment = (slug: string) => request<unknown>(`/api/deployments/${slug}/`, { method: "DELETE" });

export const listTokens = (slug: string) => listAll<DeploymentToken>(`/api/deployments/${slug}/tokens/`);

export const createToken = (slug: string, name: string) => post<DeploymentTokenCreated>(`/api/deployments/${slug}/tokens/`, { name });

export const revokeToken = (slug: string, id: number) =>
  request<unknown>(`/api/deployments/${slug}/tokens/${id}/`, { method: "DELETE" });

/** Score rows as the signed-in member (the page's Try it box). */
export const tryScore = (slug: string, rows: unknown) => post<ScoreAnswer>(`/api/deployments/${slug}/try`, { rows });

/** A copy-paste example of scoring with a deployment token. */
export const scoreExample = (d: Pick<Deployment, "score_url">, row: Record<string, unknown>) =>
  `curl -X POST \\\n  -H "Authorization: Token <deployment token>" \\\n  -H "Content-Type: application/json" \\\n  -d '${JSON.stringify({ rows: [row] }).replace(/'/g, "'\\''")}' \\\n  ${location.origin}${d.score_url}`;

/** A sample row of a schema, for the Try it box. */
export function sampleRow(schema: { name?: string; type?: string }[]): Record<string, unknown> {
  const row: Record<string, unknown> = {};
  for (const c of schema) {
    if (!c.name) continue;
    row[c.name] = c.type === "string" ? "" : c.type === "boolean" ? false : 0;
  }
  return row;
}

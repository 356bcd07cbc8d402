// The model registry and lineage (docs/architecture.md "Model registry", "Lineage").
import { get, listAll, post, request, withQuery } from "./client";
import type { components } from "./schema";

type Schemas = components["schemas"];

export type RegisteredModel = Schemas["RegisteredModel"];
export type ModelVersion = Schemas["ModelVersion"];
export type ModelCompare = Schemas["ModelCompare"];
export type Lineage = Schemas["Lineage"];
export type LineageNode = Schemas["LineageNode"];
export type LineageEdge = Schemas["LineageEdge"];
export type LineageDiff = Schemas["LineageDiff"];
export type LineageDifference = Schemas["LineageDifference"];

export type ArchivedFilter = "false" | "true" | "all";

export const listModels = (q: string, archived: ArchivedFilter) => listAll<RegisteredModel>(withQuery("/api/models/", { q, archived }));
export const getModel = (id: number) => get<RegisteredModel>(`/api/models/${id}/`);
export const listVersions = (id: number, archived: ArchivedFilter = "all") => listAll<ModelVersion>(withQuery(`/api/models/${id}/versions/`, { archived }));
export const compareVersions = (id: number, versions: number[]) => get<ModelCompare>(withQuery(`/api/models/${id}/compare`, { versions: versions.join(",") }));

export const registerModel = (body: { name: string; run: number; node: string; port: string; description?: string }) =>
  post<ModelVersion>("/api/models/register", body);

const patch = async <T>(path: string, body: unknown) => (await request<T>(path, { method: "PATCH", body })).data;
export const updateModel = (id: number, body: { archived?: boolean; description?: string }) => patch<RegisteredModel>(`/api/models/${id}/`, body);
export const updateVersion = (id: number, version: number, body: { tags?: string[]; archived?: boolean }) =>
  patch<ModelVersion>(`/api/models/${id}/versions/${version}/`, body);

/** What a lineage view is rooted at (and how the diff names it). */
export type LineageRoot =
  | { kind: "artifact"; sha256: string }
  | { kind: "model"; model: number; version: number }
  | { kind: "dataset"; dataset: string; version: number };

export function lineagePath(root: LineageRoot): string {
  switch (root.kind) {
    case "artifact":
      return `/api/lineage/artifacts/${root.sha256}`;
    case "model":
      return `/api/lineage/models/${root.model}/versions/${root.version}`;
    case "dataset": {
      const [team, name] = root.dataset.split("/");
      return `/api/lineage/datasets/${encodeURIComponent(team)}/${encodeURIComponent(name)}/versions/${root.version}`;
    }
  }
}

/** The diff's reference of a root: `<sha256>` or `model:<id>/<n>` (a dataset is its content). */
export function diffRef(root: LineageRoot, lineage?: Lineage): string | null {
  if (root.kind === "artifact") return root.sha256;
  if (root.kind === "model") return `model:${root.model}/${root.version}`;
  const node = lineage?.nodes.find((n) => n.kind === "dataset");
  const sha = node?.detail["sha256"];
  return typeof sha === "string" ? sha : null;
}

export const getLineage = (root: LineageRoot, direction: "up" | "down" | "both" = "both") => get<Lineage>(withQuery(lineagePath(root), { direction }));
export const diffLineage = (a: string, b: string) => get<LineageDiff>(withQuery("/api/lineage/diff", { a, b }));

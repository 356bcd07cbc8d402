// Pipelines, validation and datasets (API.md "Pipelines").
import { ApiError, get, listAll, post, request, withQuery } from "./client";
import type { components } from "./schema";
import type { PipelineDoc } from "../graph/types";

type Schemas = components["schemas"];

/** A located problem of a graph (an error or a warning). */
export type Problem = Schemas["Issue"];

/** The generated shape with the canvas document typed (OpenAPI has it as any JSON). */
type WithGraph<T> = Omit<T, "graph"> & { graph: PipelineDoc };

/** A pipeline as listed (no graph). */
export type PipelineRow = Schemas["PipelineRow"];
/** A pipeline with its graph and its problems. */
export type Pipeline = WithGraph<Schemas["PipelineDetail"]>;
/** The answer to a create, save or duplicate: the pipeline plus the version the save made. */
export type SavedPipeline = WithGraph<Schemas["PipelineSave"]>;

export type DatasetItem = Schemas["Dataset"];

export const datasetRef = (d: DatasetItem) => d.ref;
/** The dataset's latest version number (null while it has none). */
export const datasetVersion = (d: DatasetItem): number | null => d.latest_version;

function etagOf(response: Response, data: Pipeline): string {
  return response.headers.get("ETag") ?? data.etag;
}

/** Every pipeline I can see (all pages), by team and name. */
export const listPipelines = (query: { q?: string; team?: string } = {}) =>
  listAll<PipelineRow>(withQuery("/api/pipelines/", query));

export const createPipeline = (team: string, name: string, graph: PipelineDoc) =>
  post<SavedPipeline>("/api/pipelines/", { team, name, graph });

export async function loadPipeline(id: number): Promise<{ pipeline: Pipeline; etag: string }> {
  const { data, response } = await request<Pipeline>(`/api/pipelines/${id}/`);
  return { pipeline: data, etag: etagOf(response, data) };
}

export async function savePipeline(
  id: number,
  etag: string,
  body: { name?: string; graph?: PipelineDoc; message?: string },
): Promise<{ pipeline: SavedPipeline; etag: string }> {
  const { data, response } = await request<SavedPipeline>(`/api/pipelines/${id}/`, {
    method: "PUT",
    body,
    headers: etag ? { "If-Match": etag } : {},
  });
  return { pipeline: data, etag: etagOf(response, data) };
}

/** Rename: re-GET for a fresh ETag, then PUT only the name. */
export async function renamePipeline(id: number, name: string): Promise<SavedPipeline> {
  const { pipeline, etag } = await loadPipeline(id);
  return (await savePipeline(id, etag, { name, graph: pipeline.graph })).pipeline;
}

export const duplicatePipeline = (id: number, name: string) => post<SavedPipeline>(`/api/pipelines/${id}/duplicate`, { name });

export const deletePipeline = (id: number) => request<unknown>(`/api/pipelines/${id}/`, { method: "DELETE" });

export const validatePipeline = (id: number, graph: PipelineDoc) =>
  post<WithGraph<Schemas["ValidateResult"]>>(`/api/pipelines/${id}/validate`, { graph });

/** Every dataset I can see (all pages), archived ones too (a pipeline may read one; the palette hides them). */
export const listDatasets = (query: { q?: string; team?: string } = {}) =>
  listAll<DatasetItem>(withQuery("/api/datasets/", { ...query, archived: "all" }));

/** A saved version with its pinned graph and problems. */
export type PipelineVersionDetail = WithGraph<Schemas["VersionDetail"]>;
/** A saved version as listed. */
export type PipelineVersionRow = Schemas["VersionRow"];

export const getPipelineVersion = (id: number, number: number) =>
  get<PipelineVersionDetail>(`/api/pipelines/${id}/versions/${number}/`);

export const listPipelineVersions = (id: number) => listAll<PipelineVersionRow>(`/api/pipelines/${id}/versions/`);

/** What changed from version `a` to version `b` (compiler/diff.py). */
export const diffVersions = (id: number, a: number, b: number) =>
  get<Schemas["Diff"]>(`/api/pipelines/${id}/versions/${a}/diff/${b}`);

export const isPreconditionFailed = (e: unknown) => e instanceof ApiError && e.status === 412;

// Pipelines, validation and datasets (API.md "Pipelines").
import { ApiError, get, post, request } from "./client";
import type { LocatedError } from "./client";
import type { PipelineDoc } from "../graph/types";

export interface Problem extends LocatedError {
  code?: string;
  /** several nodes at once, e.g. the members of a cycle */
  nodes?: string[];
}

export interface Pipeline {
  id: number;
  name: string;
  team: string;
  /** absent in list rows */
  graph: PipelineDoc;
  errors?: Problem[];
  warnings?: Problem[];
  version?: number;
  revision?: number;
  latest_version?: number | null;
  description?: string;
  created_at?: string;
  updated_at?: string;
  etag?: string;
}

export interface DatasetItem {
  id?: number;
  ref?: string;
  team: string;
  name: string;
  version?: number;
  latest_version?: number;
  versions?: ({ version: number } | number)[];
}

export const datasetRef = (d: DatasetItem) => d.ref ?? `${d.team}/${d.name}`;
export function datasetVersion(d: DatasetItem): number | null {
  if (typeof d.latest_version === "number") return d.latest_version;
  if (typeof d.version === "number") return d.version;
  const vs = (d.versions ?? []).map((v) => (typeof v === "number" ? v : v.version));
  return vs.length ? Math.max(...vs) : null;
}

function etagOf(response: Response, data: Pipeline): string {
  return response.headers.get("ETag") ?? data.etag ?? "";
}

type Paged<T> = T[] | { results: T[] };
const items = <T>(data: Paged<T>): T[] => (Array.isArray(data) ? data : (data?.results ?? []));

export const listPipelines = async () => items(await get<Paged<Pipeline>>("/api/pipelines/"));

export const createPipeline = (team: string, name: string, graph: PipelineDoc) =>
  post<Pipeline>("/api/pipelines/", { team, name, graph });

export async function loadPipeline(id: number): Promise<{ pipeline: Pipeline; etag: string }> {
  const { data, response } = await request<Pipeline>(`/api/pipelines/${id}/`);
  return { pipeline: data, etag: etagOf(response, data) };
}

export async function savePipeline(
  id: number,
  etag: string,
  body: { name?: string; graph?: PipelineDoc },
): Promise<{ pipeline: Pipeline; etag: string }> {
  const { data, response } = await request<Pipeline>(`/api/pipelines/${id}/`, {
    method: "PUT",
    body,
    headers: etag ? { "If-Match": etag } : {},
  });
  return { pipeline: data, etag: etagOf(response, data) };
}

/** Rename: re-GET for a fresh ETag, then PUT only the name. */
export async function renamePipeline(id: number, name: string): Promise<Pipeline> {
  const { pipeline, etag } = await loadPipeline(id);
  return (await savePipeline(id, etag, { name, graph: pipeline.graph })).pipeline;
}

export const duplicatePipeline = (id: number, name: string) => post<Pipeline>(`/api/pipelines/${id}/duplicate`, { name });

export const deletePipeline = (id: number) => request<unknown>(`/api/pipelines/${id}/`, { method: "DELETE" });

export const validatePipeline = (id: number, graph: PipelineDoc) =>
  post<{ errors: Problem[]; warnings: Problem[] }>(`/api/pipelines/${id}/validate`, { graph });

export const listDatasets = async () => items(await get<Paged<DatasetItem>>("/api/datasets/"));

export const isPreconditionFailed = (e: unknown) => e instanceof ApiError && e.status === 412;

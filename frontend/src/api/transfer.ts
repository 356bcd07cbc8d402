// Pipelines as files: export (a download) and import (API.md "Pipelines", export/import).
import { request } from "./client";
import type { SavedPipeline } from "./pipelines";

/** The download URL of a pipeline's file (its saved graph with the schema version it is at). */
export const exportUrl = (id: number) => `/api/pipelines/${id}/export`;

/** A new pipeline in `team` from an exported file; modules missing there come back as compile errors naming their node. */
export async function importPipeline(team: string, file: File, name?: string): Promise<SavedPipeline> {
  const form = new FormData();
  form.append("team", team);
  form.append("file", file);
  if (name) form.append("name", name);
  return (await request<SavedPipeline>("/api/pipelines/import", { method: "POST", body: form })).data;
}

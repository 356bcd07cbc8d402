// Interfaces of the sub-pipelines placed on the canvas, loaded once per (pipeline, version), and
// the team's saved pipelines the palette offers (loaded when first asked for). No fetches here.
import { create } from "zustand";
import type { PipelineRow } from "../api/pipelines";
import type { PipelineInterface } from "../graph/subpipelines";

interface SubPipelinesState {
  /** `${id}@${version ?? "latest"}` -> its interface, or null when it cannot be read */
  interfaces: Record<string, PipelineInterface | null>;
  /** team -> its saved pipelines (the palette's "Pipelines"), "loading", or the error met */
  teamPipelines: Record<string, PipelineRow[] | "loading" | { error: string }>;
}

export const useSubPipelines = create<SubPipelinesState>(() => ({ interfaces: {}, teamPipelines: {} }));

export const interfaceKey = (id: number, version: number | null) => `${id}@${version ?? "latest"}`;

/** The newest saved version of pipeline `id` as the team's list knows it (undefined: not known). */
export function newestVersion(state: Pick<SubPipelinesState, "teamPipelines">, team: string, id: number): number | undefined {
  const rows = state.teamPipelines[team];
  if (!Array.isArray(rows)) return undefined;
  return rows.find((r) => r.id === id)?.latest_version ?? undefined;
}

// Interfaces of the sub-pipelines placed on the canvas, loaded once per (pipeline, version).
import { create } from "zustand";
import type { PipelineInterface } from "../graph/subpipelines";

interface SubPipelinesState {
  /** `${id}@${version ?? "latest"}` -> its interface, or null when it cannot be read */
  interfaces: Record<string, PipelineInterface | null>;
}

export const useSubPipelines = create<SubPipelinesState>(() => ({ interfaces: {} }));

export const interfaceKey = (id: number, version: number | null) => `${id}@${version ?? "latest"}`;


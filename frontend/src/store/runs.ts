// Run state shared by the canvas (node colours) and the run panels. Owned by the runs UI.
import { create } from "zustand";

export type StepStatus = "pending" | "queued" | "running" | "succeeded" | "failed" | "cached" | "skipped" | "canceled";

export interface RunState {
  runId: number | null;
  /** node id -> live status of the current run, read by canvas nodes to colour themselves */
  stepStatus: Record<string, StepStatus>;
  setRun: (runId: number | null) => void;
  setStepStatus: (node: string, status: StepStatus) => void;
}

export const useRunStore = create<RunState>((set) => ({
  runId: null,
  stepStatus: {},
  setRun: (runId) => set({ runId, stepStatus: {} }),
  setStepStatus: (node, status) => set((s) => ({ stepStatus: { ...s.stepStatus, [node]: status } })),
}));

// The run panel docked beside the canvas (Run button, progress, logs, outputs, history).
// Placeholder: replaced by the runs UI owner. The canvas page renders it with the pipeline id
// and the selected node id.
export interface RunDockProps {
  pipelineId: number;
  selectedNode: string | null;
  /** ask the canvas to save first; resolves false when the graph cannot run */
  ensureSaved: () => Promise<boolean>;
}

export function RunDock(_props: RunDockProps) {
  return null;
}

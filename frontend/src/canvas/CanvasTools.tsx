// Toolbar actions on the canvas's layout: add a sticky note where the view is, group the selected
// nodes into a labelled frame (collapsible), and ungroup.
import { useReactFlow } from "@xyflow/react";
import { usePipelineStore } from "../store/pipeline";

const selectedCount = (s: { nodes: { selected?: boolean }[] }) => s.nodes.reduce((k, n) => k + (n.selected ? 1 : 0), 0);

export function CanvasTools() {
  const flow = useReactFlow();
  const picked = usePipelineStore(selectedCount);
  const addNote = () => {
    const el = document.querySelector(".canvas-wrap")?.getBoundingClientRect();
    const at = el ? flow.screenToFlowPosition({ x: el.left + el.width / 2 - 110, y: el.top + el.height / 2 - 60 }) : { x: 0, y: 0 };
    usePipelineStore.getState().addNote({ x: Math.round(at.x), y: Math.round(at.y) });
  };
  const group = () => {
    const s = usePipelineStore.getState();
    if (s.groupSelection()) s.showToast("Grouped. Rename it in Properties; ▾ on its frame collapses it.", "info");
  };
  return (
    <>
      <button className="btn ghost" onClick={addNote} title="Add a sticky note (plain text, saved with the pipeline)" data-testid="add-note">
        ✎ Note
      </button>
      <button className="btn ghost" onClick={group} disabled={!picked} title="Group the selected nodes in a labelled, collapsible frame" data-testid="group-selection">
        ▭ Group
      </button>
    </>
  );
}

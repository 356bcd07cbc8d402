// Toolbar actions on the canvas's layout: add a sticky note where the view is (clear of nodes), group the selected
// nodes into a labelled frame (collapsible), and ungroup.
import { useReactFlow } from "@xyflow/react";
import { usePipelineStore } from "../store/pipeline";
import { freeBox } from "./place";

const selectedCount = (s: { nodes: { selected?: boolean }[] }) => s.nodes.reduce((k, n) => k + (n.selected ? 1 : 0), 0);

export function CanvasTools() {
  const flow = useReactFlow();
  const picked = usePipelineStore(selectedCount);
  const addNote = () => {
    const el = document.querySelector(".canvas-wrap")?.getBoundingClientRect();
    const at = el ? flow.screenToFlowPosition({ x: el.left + el.width / 2 - 110, y: el.top + el.height / 2 - 60 }) : { x: 0, y: 0 };
    // never on top of a node or another note: a new note that covers a node takes its clicks
    const s = usePipelineStore.getState();
    const taken = [
      ...s.nodes.map((n) => ({ x: n.position.x, y: n.position.y, w: n.measured?.width ?? 220, h: n.measured?.height ?? 80 })),
      ...s.notes.map((n) => ({ x: n.position.x, y: n.position.y, w: n.width ?? 220, h: n.height ?? 120 })),
    ];
    const spot = freeBox({ x: Math.round(at.x), y: Math.round(at.y) }, 220, 120, taken);
    s.addNote({ x: Math.round(spot.x), y: Math.round(spot.y) });
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

import { Background, Controls, MiniMap, ReactFlow } from "@xyflow/react";
import "@xyflow/react/dist/style.css";

// Placeholder canvas until the designer canvas lands.
export function CanvasPage() {
  return (
    <div className="canvas-wrap" data-testid="canvas">
      <ReactFlow nodes={[]} edges={[]} fitView>
        <Background />
        <MiniMap />
        <Controls />
      </ReactFlow>
    </div>
  );
}

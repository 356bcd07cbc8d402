// The React Flow surface: drop from the palette, validated connections, big-graph friendly.
import {
  Background,
  BackgroundVariant,
  Controls,
  MiniMap,
  ReactFlow,
  useReactFlow,
  type Connection,
  type Edge,
  type FinalConnectionState,
  type IsValidConnection,
} from "@xyflow/react";
import "@xyflow/react/dist/style.css";
import { useCallback, type DragEvent } from "react";
import { checkConnection } from "../graph/connect";
import { edgeToDoc, type FlowNode } from "../graph/convert";
import { portColor } from "../graph/ports";
import { usePipelineStore } from "../store/pipeline";
import { nodeTypes } from "./nodes";
import { DRAG_MIME, type PaletteDrag } from "./Palette";
import { edgeColor, livePorts } from "./ports";

const NODE_WIDTH = 230;

function attempt(c: Connection | Edge) {
  return { source: c.source, sourcePort: c.sourceHandle ?? "", target: c.target, targetPort: c.targetHandle ?? "" };
}

const isValidConnection: IsValidConnection = (c) => {
  const edges = usePipelineStore.getState().edges.map(edgeToDoc);
  return checkConnection(attempt(c), edges, livePorts).ok;
};

const minimapColor = (n: FlowNode) => (n.type === "dataset" ? "#0ea5e9" : "#6366f1");
const proOptions = { hideAttribution: true };
const minimapStyle = { width: 168, height: 112 };
const defaultEdgeOptions = { type: "smoothstep", animated: false };

const setMoving = (on: boolean) => document.querySelector(".canvas-wrap")?.classList.toggle("moving", on);
const onMoveStart = () => setMoving(true);
const onMoveEnd = () => setMoving(false);

export function Canvas({ fitOnLoad }: { fitOnLoad: boolean }) {
  const nodes = usePipelineStore((s) => s.nodes);
  const edges = usePipelineStore((s) => s.edges);
  const onNodesChange = usePipelineStore((s) => s.onNodesChange);
  const onEdgesChange = usePipelineStore((s) => s.onEdgesChange);
  const { screenToFlowPosition } = useReactFlow();

  const onConnect = useCallback((c: Connection) => {
    const s = usePipelineStore.getState();
    const verdict = checkConnection(attempt(c), s.edges.map(edgeToDoc), livePorts);
    if (!verdict.ok) {
      s.showToast(verdict.reason);
      return;
    }
    const edge = { source: c.source, source_port: c.sourceHandle ?? "", target: c.target, target_port: c.targetHandle ?? "" };
    s.connect(edge, edgeColor(edge));
  }, []);

  const onConnectEnd = useCallback((_e: MouseEvent | TouchEvent, state: FinalConnectionState) => {
    // Dropped on a handle that isValidConnection refused: say why.
    if (state.isValid || !state.toHandle || !state.fromHandle) return;
    const from = state.fromHandle.type === "source" ? state.fromHandle : state.toHandle;
    const to = state.fromHandle.type === "source" ? state.toHandle : state.fromHandle;
    const s = usePipelineStore.getState();
    const verdict = checkConnection(
      { source: from.nodeId, sourcePort: from.id ?? "", target: to.nodeId, targetPort: to.id ?? "" },
      s.edges.map(edgeToDoc),
      livePorts,
    );
    s.showToast(verdict.ok ? "Connect an output to an input" : verdict.reason);
  }, []);

  const onDragOver = useCallback((e: DragEvent) => {
    if (e.dataTransfer.types.includes(DRAG_MIME)) {
      e.preventDefault();
      e.dataTransfer.dropEffect = "move";
    }
  }, []);

  const onDrop = useCallback(
    (e: DragEvent) => {
      const raw = e.dataTransfer.getData(DRAG_MIME);
      if (!raw) return;
      e.preventDefault();
      const payload = JSON.parse(raw) as PaletteDrag;
      const p = screenToFlowPosition({ x: e.clientX, y: e.clientY });
      const position = { x: Math.round(p.x - NODE_WIDTH / 2), y: Math.round(p.y - 30) };
      const s = usePipelineStore.getState();
      if (payload.kind === "dataset") s.addNode({ dataset: payload.ref, version: payload.version, position });
      else s.addNode({ module: payload.ref, version: payload.version, params: {}, position });
    },
    [screenToFlowPosition],
  );

  return (
    <ReactFlow
      nodes={nodes}
      edges={edges}
      nodeTypes={nodeTypes}
      onNodesChange={onNodesChange}
      onEdgesChange={onEdgesChange}
      onConnect={onConnect}
      onConnectEnd={onConnectEnd}
      isValidConnection={isValidConnection}
      onDrop={onDrop}
      onDragOver={onDragOver}
      deleteKeyCode={null}
      onlyRenderVisibleElements
      onMoveStart={onMoveStart}
      onMoveEnd={onMoveEnd}
      fitView={fitOnLoad}
      fitViewOptions={{ padding: 0.2, maxZoom: 1.1, minZoom: 0.3 }}
      minZoom={0.05}
      defaultEdgeOptions={defaultEdgeOptions}
      proOptions={proOptions}
      connectionRadius={24}
      connectionLineStyle={{ strokeWidth: 2, stroke: portColor("Any") }}
      multiSelectionKeyCode={["Meta", "Control", "Shift"]}
    >
      <Background variant={BackgroundVariant.Dots} gap={20} size={1.2} color="#cbd5e1" />
      <MiniMap pannable zoomable nodeColor={minimapColor} nodeStrokeWidth={0} nodeBorderRadius={6} maskColor="rgba(241,245,249,0.7)" style={minimapStyle} />
      <Controls showInteractive={false} />
    </ReactFlow>
  );
}

// The React Flow surface: drop from the palette, validated connections, big-graph friendly.
import {
  Controls,
  MiniMap,
  ReactFlow,
  useReactFlow,
  useStoreApi,
  ViewportPortal,
  type Connection,
  type Edge,
  type FinalConnectionState,
  type IsValidConnection,
  type Node,
  type NodeChange,
  type EdgeChange,
  type Viewport,
} from "@xyflow/react";
import "@xyflow/react/dist/style.css";
import { useCallback, useMemo, useRef, type DragEvent, type MouseEvent as ReactMouseEvent } from "react";
import { useNavigate } from "react-router-dom";
import { composeCanvas, GROUP_PREFIX, NOTE_PREFIX, PROXY_PREFIX, type CanvasNode } from "../graph/groups";
import { checkConnection } from "../graph/connect";
import { edgeToDoc, type FlowEdge, type FlowNode } from "../graph/convert";
import { portColor } from "../graph/ports";
import { usePipelineStore } from "../store/pipeline";
import { nodeTypes } from "./nodes";
import { DRAG_MIME, placeFromPalette, type PaletteDrag } from "./place";
import { ApiError } from "../api/client";
import { errorMessage } from "../api/errors";
import { listDatasets } from "../api/pipelines";
import { csvFileOf } from "../datasets/upload";
import { useCatalogStore } from "../store/pipelineCatalog";
import { uploadDroppedCsv } from "./dropCsv";
import { edgeColor, livePorts, NODE_H } from "./ports";
import { Dots } from "./Dots";
import { boxesOf, moveLod, panLarge } from "./lod";
import { defaultForEach } from "../graph/foreach";
import { interfaceKey, useSubPipelines } from "../store/subPipelines";
import { specFor } from "../store/pipelineCatalog";

const NODE_WIDTH = 230;

function attempt(c: Connection | Edge) {
  return { source: c.source, sourcePort: c.sourceHandle ?? "", target: c.target, targetPort: c.targetHandle ?? "" };
}

const isValidConnection: IsValidConnection = (c) => {
  const edges = usePipelineStore.getState().edges.map(edgeToDoc);
  return checkConnection(attempt(c), edges, livePorts).ok;
};

/** Upload a CSV dropped on the canvas and place a dataset node reading it where it fell. */
async function dropCsv(file: File, position: { x: number; y: number }) {
  const s = usePipelineStore.getState();
  let shown = -1;
  s.showToast(`Uploading ${file.name}…`, "info");
  try {
    const dataset = await uploadDroppedCsv(file, s.team, (f) => {
      const pct = Math.floor(f * 10) * 10;
      if (pct !== shown && pct < 100) {
        shown = pct;
        usePipelineStore.getState().showToast(`Uploading ${file.name}… ${pct}%`, "info");
      }
    });
    useCatalogStore.getState().setDatasets(await listDatasets().catch(() => [...useCatalogStore.getState().datasets, dataset]));
    const store = usePipelineStore.getState();
    store.addNode({ dataset: dataset.ref, version: dataset.latest_version, position });
    store.showToast(`Uploaded ${dataset.ref} v${dataset.latest_version} and placed it on the canvas.`, "success");
  } catch (err) {
    const located = err instanceof ApiError ? err.errors.map((x) => x.message).join("; ") : "";
    usePipelineStore.getState().showToast(`Could not upload ${file.name}: ${located || errorMessage(err)}`, "error");
  }
}

const minimapColor = (n: Node) =>
  n.type === "dataset" ? "#0ea5e9" : n.type === "note" ? "#facc15" : n.type === "group" ? "rgba(100,116,139,.25)" : "#6366f1";

/** Changes to notes and group frames go to their own actions; the rest to the pipeline's nodes. */
function routeNodeChanges(changes: NodeChange<CanvasNode>[]) {
  const s = usePipelineStore.getState();
  const own: NodeChange<FlowNode>[] = [];
  for (const c of changes) {
    const id = "id" in c ? c.id : "";
    if (id.startsWith(NOTE_PREFIX)) {
      const noteId = id.slice(NOTE_PREFIX.length);
      if (c.type === "position" && c.position) s.updateNote(noteId, { position: { x: Math.round(c.position.x), y: Math.round(c.position.y) } }, "move");
      else if (c.type === "dimensions" && c.resizing && c.dimensions)
        s.updateNote(noteId, { width: Math.round(c.dimensions.width), height: Math.round(c.dimensions.height) }, "size");
      else if (c.type === "select") s.selectNote(noteId, c.selected);
    } else if (!id.startsWith(GROUP_PREFIX)) own.push(c as NodeChange<FlowNode>);
  }
  if (own.length) s.onNodesChange(own);
}

function routeEdgeChanges(changes: EdgeChange[]) {
  const own = changes.filter((c) => !("id" in c) || !c.id.startsWith(PROXY_PREFIX)) as EdgeChange<FlowEdge>[];
  if (own.length) usePipelineStore.getState().onEdgesChange(own);
}

export { defaultLabel } from "./place";
const proOptions = { hideAttribution: true };
const minimapStyle = { width: 168, height: 112 };
const defaultEdgeOptions = { type: "smoothstep", animated: false };

const setMoving = (on: boolean) => document.querySelector(".canvas-wrap")?.classList.toggle("moving", on);
const onMoveStart = () => setMoving(true);

// The minimap draws every node again on each frame of a pan: past this many it costs more than the
// canvas itself (bench/canvas_bench.py), so a big graph goes without it.
const MINIMAP_MAX_NODES = 300;

export function Canvas({ fitOnLoad }: { fitOnLoad: boolean }) {
  const nodes = usePipelineStore((s) => s.nodes);
  const edges = usePipelineStore((s) => s.edges);
  const notes = usePipelineStore((s) => s.notes);
  const selectedNotes = usePipelineStore((s) => s.selectedNotes);
  const groups = usePipelineStore((s) => s.groups);
  const shown = useMemo(() => composeCanvas(nodes, edges, notes, selectedNotes, groups), [nodes, edges, notes, selectedNotes, groups]);
  const { screenToFlowPosition, setViewport } = useReactFlow();

  // level of detail while the view moves (./lod.ts): the stand-in drawing's paths, filled in and
  // shown by a CSS class when a pan of many nodes starts, without re-rendering anything
  const store = useStoreApi<CanvasNode>();
  const lodCanvas = useRef<HTMLCanvasElement | null>(null);
  const lod = useMemo(
    () =>
      moveLod({
        root: () => store.getState().domNode,
        boxes: () => boxesOf(store.getState().nodeLookup),
        links: () => store.getState().edges.filter((e) => !e.hidden),
        canvas: () => lodCanvas.current,
      }),
    [store],
  );
  const onMove = useCallback((e: MouseEvent | TouchEvent | null, viewport: Viewport) => lod.move(e, viewport), [lod]);
  // a drag of a big canvas's pane is panned by ./lod.ts, not by React Flow
  const onMouseDownCapture = useMemo(() => {
    const pan = panLarge(
      {
        root: () => store.getState().domNode,
        viewport: () => {
          const [x, y, zoom] = store.getState().transform;
          return { x, y, zoom };
        },
        setViewport: (v) => void setViewport(v),
      },
      lod,
      setMoving,
    );
    return (e: ReactMouseEvent) => pan(e.nativeEvent);
  }, [store, lod, setViewport]);
  const onMoveEnd = useCallback(() => {
    setMoving(false);
    lod.end();
  }, [lod]);

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
    } else if (e.dataTransfer.types.includes("Files")) {
      e.preventDefault();
      e.dataTransfer.dropEffect = "copy";
    }
  }, []);

  const onDrop = useCallback(
    (e: DragEvent) => {
      const raw = e.dataTransfer.getData(DRAG_MIME);
      const p = screenToFlowPosition({ x: e.clientX, y: e.clientY });
      const position = { x: Math.round(p.x - NODE_WIDTH / 2), y: Math.round(p.y - 30) };
      const file = raw ? null : csvFileOf(e.dataTransfer.files);
      if (file) {
        e.preventDefault();
        void dropCsv(file, position);
        return;
      }
      if (!raw) return;
      e.preventDefault();
      const payload = JSON.parse(raw) as PaletteDrag;
      if (payload.kind === "foreach") {
        const s = usePipelineStore.getState();
        const target = s.nodes.find(
          (n) =>
            (n.type === "module" || n.type === "subpipeline") &&
            p.x >= n.position.x &&
            p.x <= n.position.x + NODE_WIDTH &&
            p.y >= n.position.y &&
            p.y <= n.position.y + NODE_H,
        );
        if (!target) {
          s.showToast("Drop “For each” onto a module or sub-pipeline node: it then runs once per item.");
          return;
        }
        if (target.type === "subpipeline") {
          // the whole sub-pipeline runs once per item (compiler/subforeach.py): its inputs and parameters
          const found = useSubPipelines.getState().interfaces[interfaceKey(target.data.pipeline, target.data.version)];
          const params = Object.fromEntries((found?.parameters ?? []).map((q) => [q.name, { default: q.default ?? undefined }]));
          s.setNodeForEach(target.id, defaultForEach(found?.inputs ?? [], params));
        } else {
          const spec = specFor(useCatalogStore.getState(), target.data.module as string, target.data.version as string | null);
          s.setNodeForEach(target.id, defaultForEach(spec?.inputs ?? [], spec?.parameters ?? {}));
        }
        s.showToast(`Node ${target.id} now runs once per item: set the items in its properties.`, "info");
        return;
      }
      placeFromPalette(payload, position);
    },
    [screenToFlowPosition],
  );

  // a sub-pipeline opens on double-click; its page leads back here (the breadcrumb's `from`)
  const navigate = useNavigate();
  const onNodeDoubleClick = useCallback(
    (_e: ReactMouseEvent, shown: CanvasNode) => {
      if (shown.type !== "subpipeline") return;
      const node = shown as FlowNode & { type: "subpipeline"; data: { pipeline: number } };
      const from = usePipelineStore.getState().id;
      navigate(`/pipelines/${node.data.pipeline}${from !== null ? `?from=${from}` : ""}`);
    },
    [navigate],
  );

  return (
    <ReactFlow
      nodes={shown.nodes}
      edges={shown.edges}
      nodeTypes={nodeTypes}
      onNodesChange={routeNodeChanges}
      onEdgesChange={routeEdgeChanges}
      onConnect={onConnect}
      onConnectEnd={onConnectEnd}
      isValidConnection={isValidConnection}
      onDrop={onDrop}
      onDragOver={onDragOver}
      onNodeDoubleClick={onNodeDoubleClick}
      deleteKeyCode={null}
      onlyRenderVisibleElements
      onMouseDownCapture={onMouseDownCapture}
      onMoveStart={onMoveStart}
      onMove={onMove}
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
      <Dots gap={20} size={1.2} color="#cbd5e1" />
      {shown.nodes.length <= MINIMAP_MAX_NODES ? (
        <MiniMap pannable zoomable nodeColor={minimapColor} nodeStrokeWidth={0} nodeBorderRadius={6} maskColor="rgba(241,245,249,0.7)" style={minimapStyle} />
      ) : null}
      <Controls showInteractive={false} />
      <ViewportPortal>
        <canvas className="pw-overview" aria-hidden="true" ref={lodCanvas} />
      </ViewportPortal>
    </ReactFlow>
  );
}

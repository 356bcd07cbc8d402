// A saved version on a read-only canvas, or the visual diff of two versions: added nodes and edges
// green, removed red, changed amber with their changed fields old → new. Restore makes the shown
// (newer) version the latest again, as a new version.
import { Background, BackgroundVariant, Controls, Handle, Position, ReactFlow, ReactFlowProvider, type Edge, type Node, type NodeProps } from "@xyflow/react";
import { memo, useMemo } from "react";
import { isBoundaryNode, isDatasetNode, isSubPipelineNode } from "../graph/types";
import { buildDiff, edgeKey, nodeTitle, showValue, type DiffNode } from "../graph/versionDiff";
import type { VersionShown } from "./useVersions";

type DiffFlowNode = Node<{ item: DiffNode }, "diff">;

const DiffNodeView = memo(function DiffNodeView({ data }: NodeProps<DiffFlowNode>) {
  const { node, status, changes } = data.item;
  return (
    <div className={`diff-node diff-${status}`} data-testid="diff-node" data-node={node.id} data-status={status}>
      <Handle type="target" position={Position.Top} isConnectable={false} />
      <div className="diff-node-title">
        {nodeTitle(node)} <span className="muted small">{node.id}</span>
        {status !== "same" ? <span className={`diff-tag diff-${status}`}>{status}</span> : null}
      </div>
      <div className="muted small">{isDatasetNode(node)
          ? `${node.dataset} v${node.version ?? "latest"}`
          : isSubPipelineNode(node)
            ? `sub-pipeline ${node.pipeline} v${node.version ?? "latest"}`
            : isBoundaryNode(node)
              ? node.type
              : `${node.module}@${node.version ?? "default"}`}</div>
      {changes.length ? (
        <ul className="diff-changes">
          {changes.map((c) => (
            <li key={c.field} data-testid="diff-change" data-field={c.field}>
              <code>{c.field.replace(/^params\./, "")}</code> <span className="diff-old">{showValue(c.from)}</span> →{" "}
              <span className="diff-new">{showValue(c.to)}</span>
            </li>
          ))}
        </ul>
      ) : null}
      <Handle type="source" position={Position.Bottom} isConnectable={false} />
    </div>
  );
});

const nodeTypes = { diff: DiffNodeView };
const proOptions = { hideAttribution: true };
const EDGE_COLORS = { added: "#16a34a", removed: "#dc2626", same: "#94a3b8" } as const;

function Surface({ shown }: { shown: VersionShown }) {
  const { nodes, edges } = useMemo(() => {
    const built = buildDiff(shown.from?.graph ?? null, shown.to.graph, shown.diff);
    const flowNodes: DiffFlowNode[] = built.nodes.map((item) => ({
      id: item.node.id,
      type: "diff",
      position: item.node.position ?? { x: 0, y: 0 },
      data: { item },
      draggable: false,
      selectable: false,
      connectable: false,
    }));
    const flowEdges: Edge[] = built.edges.map(({ edge, status }) => ({
      id: `${status}:${edgeKey(edge)}`,
      source: edge.source,
      target: edge.target,
      type: "smoothstep",
      label: status === "same" ? undefined : status,
      className: `diff-edge diff-${status}`,
      style: { stroke: EDGE_COLORS[status], strokeWidth: status === "same" ? 1.5 : 2.5, strokeDasharray: status === "removed" ? "6 4" : undefined },
      data: { status },
    }));
    return { nodes: flowNodes, edges: flowEdges };
  }, [shown]);
  return (
    <ReactFlow
      nodes={nodes}
      edges={edges}
      nodeTypes={nodeTypes}
      nodesDraggable={false}
      nodesConnectable={false}
      elementsSelectable={false}
      fitView
      fitViewOptions={{ padding: 0.2, maxZoom: 1.1 }}
      minZoom={0.1}
      proOptions={proOptions}
    >
      <Background variant={BackgroundVariant.Dots} gap={18} size={1} />
      <Controls showInteractive={false} />
    </ReactFlow>
  );
}

export function VersionView({ shown, onClose, onRestore, busy }: { shown: VersionShown; onClose: () => void; onRestore: (n: number) => void; busy: boolean }) {
  const to = shown.to;
  const paramChanges = shown.diff ? [...shown.diff.parameters.added.map((p) => `+${p}`), ...shown.diff.parameters.removed.map((p) => `−${p}`), ...shown.diff.parameters.changed.map((p) => `~${p.name}`)] : [];
  return (
    <div className="version-view" role="dialog" aria-modal="true" aria-label="pipeline version" data-testid="version-view" data-mode={shown.from ? "diff" : "view"}>
      <div className="version-view-bar">
        <b data-testid="version-view-title">
          {shown.from ? `Changes from version ${shown.from.number} to version ${to.number}` : `Version ${to.number}`}
        </b>
        <span className="muted small">read-only{to.message ? ` · “${to.message}”` : ""}</span>
        {shown.from ? (
          <span className="diff-legend small">
            <span className="diff-tag diff-added">added</span>
            <span className="diff-tag diff-removed">removed</span>
            <span className="diff-tag diff-changed">changed</span>
            {paramChanges.length ? <span className="muted" data-testid="diff-parameters">pipeline parameters: {paramChanges.join(", ")}</span> : null}
          </span>
        ) : null}
        <span className="spacer" />
        <button className="btn" onClick={() => onRestore(to.number)} disabled={busy} data-testid="version-restore" title={`Save version ${to.number}'s graph as a new latest version`}>
          Restore version {to.number}
        </button>
        <button className="btn ghost" onClick={onClose} data-testid="version-close">
          Close
        </button>
      </div>
      <div className="version-view-canvas">
        <ReactFlowProvider>
          <Surface shown={shown} />
        </ReactFlowProvider>
      </div>
    </div>
  );
}

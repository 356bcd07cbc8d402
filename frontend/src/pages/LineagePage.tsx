// Lineage of an artifact, a model version or a dataset version: a graph upstream (the steps, module
// versions, images, parameters and datasets it came from) and downstream (the steps, runs and
// models that used it), laid out with elk. "Diff against…" names the first differing ingredient
// of two artifacts or model versions and highlights its step here.
import { Background, BackgroundVariant, Controls, Handle, Position, ReactFlow, ReactFlowProvider, type Edge, type Node, type NodeProps } from "@xyflow/react";
import { memo, useEffect, useMemo, useState } from "react";
import { Link, useSearchParams } from "react-router-dom";
import { errorMessage } from "../api/errors";
import { diffLineage, diffRef, getLineage, type Lineage, type LineageDiff, type LineageNode, type LineageRoot } from "../api/registry";
import { highlighted, layoutInput, subtitle } from "../graph/lineage";
import { layeredLayout } from "../graph/layout";
import { useAsync } from "../hooks/useAsync";
import { formatValue } from "../runs/format";

type LineageFlowNode = Node<{ node: LineageNode; root: boolean; hot: boolean }, "lineage">;

function linkOf(n: LineageNode): string | null {
  const d = n.detail;
  if (n.kind === "step") return `/runs/${String(d["run"])}`;
  if (n.kind === "model") return `/models/${String(d["model"])}`;
  if (n.kind === "artifact") return `/lineage?artifact=${String(d["sha256"])}`;
  return null;
}

const LineageNodeView = memo(function LineageNodeView({ data }: NodeProps<LineageFlowNode>) {
  const { node, root, hot } = data;
  const href = linkOf(node);
  return (
    <div className={`lineage-node lineage-${node.kind}${root ? " lineage-root" : ""}${hot ? " lineage-hot" : ""}`} data-testid="lineage-node" data-kind={node.kind} data-id={node.id} data-hot={hot ? "1" : "0"} title={node.id}>
      <Handle type="target" position={Position.Top} isConnectable={false} />
      <div className="lineage-title">{href ? <a href={href}>{node.label}</a> : node.label}</div>
      <div className="muted small">{subtitle(node)}</div>
      <Handle type="source" position={Position.Bottom} isConnectable={false} />
    </div>
  );
});

const nodeTypes = { lineage: LineageNodeView };
const proOptions = { hideAttribution: true };

function rootFrom(params: URLSearchParams): LineageRoot | null {
  const version = Number(params.get("version"));
  if (params.get("artifact")) return { kind: "artifact", sha256: params.get("artifact") ?? "" };
  if (params.get("model") && version) return { kind: "model", model: Number(params.get("model")), version };
  if (params.get("dataset") && version) return { kind: "dataset", dataset: params.get("dataset") ?? "", version };
  return null;
}

function Graph({ lineage, hot, onPick }: { lineage: Lineage; hot: Set<string>; onPick: (n: LineageNode) => void }) {
  const [positions, setPositions] = useState<Record<string, { x: number; y: number }> | null>(null);
  useEffect(() => {
    let live = true;
    const input = layoutInput(lineage.nodes, lineage.edges);
    layeredLayout(input.nodes, input.edges).then((p) => live && setPositions(p));
    return () => {
      live = false;
    };
  }, [lineage]);
  const { nodes, edges } = useMemo(() => {
    const flowNodes: LineageFlowNode[] = lineage.nodes.map((n) => ({
      id: n.id,
      type: "lineage",
      position: positions?.[n.id] ?? { x: 0, y: 0 },
      data: { node: n, root: n.id === lineage.root, hot: hot.has(n.id) },
      draggable: false,
      connectable: false,
    }));
    const flowEdges: Edge[] = lineage.edges.map((e) => ({
      id: `${e.source}>${e.target}>${e.label}`,
      source: e.source,
      target: e.target,
      label: e.label || undefined,
      type: "smoothstep",
      style: { stroke: "#94a3b8", strokeWidth: 1.5 },
    }));
    return { nodes: flowNodes, edges: flowEdges };
  }, [lineage, positions, hot]);
  if (!positions) return <div className="muted small">laying out…</div>;
  return (
    <ReactFlow
      nodes={nodes}
      edges={edges}
      nodeTypes={nodeTypes}
      nodesDraggable={false}
      nodesConnectable={false}
      onNodeClick={(_, n) => onPick((n as LineageFlowNode).data.node)}
      fitView
      fitViewOptions={{ padding: 0.2, maxZoom: 1.1 }}
      minZoom={0.05}
      proOptions={proOptions}
    >
      <Background variant={BackgroundVariant.Dots} gap={18} size={1} />
      <Controls showInteractive={false} />
    </ReactFlow>
  );
}

function DiffPanel({ diff }: { diff: LineageDiff }) {
  return (
    <section className="lineage-diff" data-testid="lineage-diff">
      {diff.identical ? <div data-testid="diff-identical">Both are the same bytes.</div> : null}
      {diff.first ? (
        <div className="lineage-first" data-testid="diff-first" data-kind={diff.first.kind}>
          First difference: <b>{diff.first.kind}</b> — {diff.first.message}
        </div>
      ) : !diff.identical ? (
        <div>No differing ingredient found upstream.</div>
      ) : null}
      {diff.differences.length > 1 ? (
        <ul className="small">
          {diff.differences.map((d, i) => (
            <li key={i} data-testid="diff-item">
              <b>{d.kind}</b> {d.message}: {formatValue(d.a)} → {formatValue(d.b)}
            </li>
          ))}
        </ul>
      ) : null}
    </section>
  );
}

export function LineagePage() {
  const [params] = useSearchParams();
  const root = useMemo(() => rootFrom(params), [params]);
  const [direction, setDirection] = useState<"up" | "down" | "both">("both");
  const lineage = useAsync(() => (root ? getLineage(root, direction) : null), [root, direction]);
  const [other, setOther] = useState("");
  const [diff, setDiff] = useState<LineageDiff | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [picked, setPicked] = useState<LineageNode | null>(null);
  const hot = useMemo(() => highlighted(lineage.data?.nodes ?? [], diff), [lineage.data, diff]);

  if (!root) return <div className="page empty">Open a lineage from a model version, a step output or a dataset version.</div>;
  const runDiff = async () => {
    setError(null);
    const mine = diffRef(root, lineage.data);
    if (!mine) return;
    try {
      setDiff(await diffLineage(mine, other.trim()));
    } catch (e) {
      setError(errorMessage(e));
      setDiff(null);
    }
  };
  const data = lineage.data;
  return (
    <div className="page lineage-page" data-testid="lineage-page">
      <h2>Lineage</h2>
      <div className="toolbar">
        <label className="small">
          Direction{" "}
          <select value={direction} onChange={(e) => setDirection(e.target.value as "up" | "down" | "both")} data-testid="lineage-direction">
            <option value="both">both</option>
            <option value="up">upstream</option>
            <option value="down">downstream</option>
          </select>
        </label>
        <form
          className="inline-form"
          onSubmit={(e) => {
            e.preventDefault();
            void runDiff();
          }}
        >
          <input value={other} onChange={(e) => setOther(e.target.value)} placeholder="diff against… sha256 or model:<id>/<n>" size={44} data-testid="diff-against" />
          <button className="btn" disabled={!other.trim()} data-testid="diff-run">
            Diff
          </button>
        </form>
        {root.kind === "model" ? <Link to={`/models/${root.model}`}>back to the model</Link> : null}
      </div>
      {error ? <div className="run-error" data-testid="lineage-error">{error}</div> : null}
      {lineage.error ? <div className="run-error">{errorMessage(lineage.error)}</div> : null}
      {diff ? <DiffPanel diff={diff} /> : null}
      {data?.truncated ? <div className="muted small" data-testid="lineage-truncated">Cut: {data.truncated_reason}</div> : null}
      <div className="lineage-body">
        <div className="lineage-canvas" data-testid="lineage-graph">
          {data ? (
            <ReactFlowProvider>
              <Graph lineage={data} hot={hot} onPick={setPicked} />
            </ReactFlowProvider>
          ) : (
            <div className="muted small">loading…</div>
          )}
        </div>
        {picked ? (
          <aside className="lineage-detail" data-testid="lineage-detail">
            <b>{picked.label}</b>
            <table className="run-table small">
              <tbody>
                {Object.entries(picked.detail).map(([k, v]) => (
                  <tr key={k}>
                    <th>{k}</th>
                    <td>
                      <code>{typeof v === "object" ? JSON.stringify(v) : formatValue(v)}</code>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </aside>
        ) : null}
      </div>
    </div>
  );
}

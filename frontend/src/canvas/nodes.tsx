// Custom canvas nodes. Memoized and reading only what they need through stable selectors,
// so a 1,000-node pipeline re-renders just the nodes that changed.
import { Handle, NodeResizer, Position, useStore, useUpdateNodeInternals, type Node, type NodeProps, type NodeTypes, type ReactFlowState } from "@xyflow/react";
import { memo, useEffect, useState } from "react";
import type { Port, PortType } from "../api/modules";
import type { BoundaryFlowNode, DatasetFlowNode, ModuleFlowNode, SubPipelineFlowNode } from "../graph/convert";
import type { GroupNodeData, NoteNodeData } from "../graph/groups";
import { rollUp } from "../graph/subpipelines";
import { NOTE_TEXT_MAX } from "../graph/types";
import { interfaceKey, useSubPipelines } from "../store/subPipelines";
import { loadInterface } from "./subPipelineLoader";
import { portColor } from "../graph/ports";
import { upgradeFor } from "../graph/versions";
import { overrides } from "./ComputeFields";
import { usePipelineStore, type NodeProblems } from "../store/pipeline";
import { DATASET_OUTPUT, specFor, useCatalogStore } from "../store/pipelineCatalog";
import { useRunStore } from "../store/runs";
import { describeForEach, forEachOutputs } from "../graph/foreach";
import { ForEachRollUp } from "../runs/ForEachGrid";

/** Below this zoom the text is unreadable anyway: draw lighter nodes (no port labels, no subtitle). */
const zoomedOut = (s: ReactFlowState) => s.transform[2] < 0.5;

const spread = (i: number, count: number) => `${((i + 1) * 100) / (count + 1)}%`;

function Ports({ ports, kind, labels }: { ports: Port[]; kind: "in" | "out"; labels: boolean }) {
  const position = kind === "in" ? Position.Top : Position.Bottom;
  return (
    <>
      {ports.map((p, i) => (
        <Handle
          key={p.name}
          id={p.name}
          type={kind === "in" ? "target" : "source"}
          position={position}
          className={`port port-${p.type}`}
          style={{ left: spread(i, ports.length), background: portColor(p.type) }}
          title={`${p.name}: ${p.type}${p.optional ? " (optional)" : ""}`}
        />
      ))}
      {labels ? (
        <div className={`port-labels port-labels-${kind}`}>
          {ports.map((p, i) => (
            <span key={p.name} style={{ left: spread(i, ports.length) }}>
              {p.name}
            </span>
          ))}
        </div>
      ) : null}
    </>
  );
}

/** Why a node's step failed (from its log) or was skipped (its condition, an upstream step) in the current run. */
const useStepError = (id: string) =>
  useRunStore((s) =>
    s.stepStatus[id] === "failed" || s.stepStatus[id] === "skipped" ? (s.run?.steps.find((st) => st.node === id)?.error ?? "") : "",
  );

function StatusChip({ status, error }: { status: string | undefined; error?: string }) {
  if (!status || status === "pending") return null;
  return (
    <span className={`run-chip run-${status}`} title={error || undefined} data-testid="run-chip" data-error={error || undefined}>
      {status}
    </span>
  );
}

function ProblemBadge({ problems }: { problems: NodeProblems | undefined }) {
  if (!problems) return null;
  return (
    <span className={`problem-badge ${problems.level}`} title={problems.messages.join("\n")} data-testid="problem-badge">
      {problems.level === "error" ? "!" : "⚠"} {problems.messages.length}
    </span>
  );
}

function nodeClass(base: string, selected: boolean | undefined, status: string | undefined, problems: string | undefined) {
  return [base, selected ? "selected" : "", status ? `run-${status}` : "", problems ? `has-${problems}` : ""].join(" ");
}

export const ModuleNode = memo(function ModuleNode({ id, data, selected }: NodeProps<ModuleFlowNode>) {
  const spec = useCatalogStore((s) => specFor(s, data.module, data.version));
  const item = useCatalogStore((s) => s.modules[data.module]);
  const status = useRunStore((s) => s.stepStatus[id]);
  const runId = useRunStore((s) => (data.foreach ? s.runId : null));
  const stepError = useStepError(id);
  const problems = usePipelineStore((s) => s.problemsByNode[id]);
  const level = problems?.level;
  const far = useStore(zoomedOut);
  const version = data.version ?? item?.default_version ?? "default";
  const vstatus = item?.versions.find((v) => v.version === version)?.status;
  const upgrade = item ? upgradeFor(item.versions, version) : null;
  const name = spec?.display_name ?? item?.display_name ?? data.module.split("/").pop();
  const title = data.label || name;
  return (
    <div className={nodeClass(data.foreach ? "pw-node is-foreach" : "pw-node", selected, status, level)} data-testid="canvas-node" data-module={data.module}>
      <Ports ports={spec?.inputs ?? []} kind="in" labels={!far} />
      <div className="pw-node-body">
        <div className={`pw-node-icon cat-${(item?.category ?? spec?.category ?? "other").replace(/\W+/g, "-").toLowerCase()}`}>
          {(name ?? "?").slice(0, 1).toUpperCase()}
        </div>
        <div className="pw-node-text">
          <div className="pw-node-title" data-testid="node-title" title={`${title} · node ${id}`}>
            {title}
          </div>
          {far ? null : (
            <div className="pw-node-sub">{data.label && data.label !== name ? `${name} · ${id}` : (item?.category ?? spec?.category ?? data.module)}</div>
          )}
        </div>
        <span className={`version-badge ${vstatus ?? ""}`} title={vstatus ? `Version ${version} is ${vstatus}` : `Version ${version}`}>
          v{version}
          {upgrade ? <i className="upgrade-dot" title={`Upgrade available: ${upgrade}`} /> : null}
        </span>
      </div>
      {!spec ? <div className="pw-node-missing">Module not found</div> : null}
      {overrides(data.compute) ? (
        <span
          className="compute-badge"
          data-testid="compute-badge"
          title={`Compute: ${Object.entries(data.compute ?? {})
            .map(([k, v]) => `${k} ${String(v)}`)
            .join(", ")}`}
        >
          ⚙ {overrides(data.compute)}
        </span>
      ) : null}
      {data.condition || data.exit ? (
        <span className="when-badge" data-testid="when-badge" title={[data.exit ? "Exit step: runs at the end, whatever the outcome" : "", data.condition ? `Runs only when ${data.condition}` : ""].filter(Boolean).join("\n")}>
          {data.exit ? "⏻ exit" : ""}
          {data.exit && data.condition ? " · " : ""}
          {data.condition ? `if ${data.condition}` : ""}
        </span>
      ) : null}
      {data.foreach ? (
        <span className="foreach-badge" data-testid="foreach-badge" title={`For each: runs ${name} once per item, ${data.foreach.concurrency ?? 4} at a time`}>
          <span className="foreach-text">⟳ {describeForEach(data.foreach)}</span>
          {status ? <ForEachRollUp runId={runId} node={id} status={status} /> : null}
        </span>
      ) : null}
      {stepError && !far ? (
        <div className="pw-node-failure" title={stepError} data-testid="step-failure">
          {stepError}
        </div>
      ) : null}
      <StatusChip status={status} error={stepError} />
      <ProblemBadge problems={problems} />
      <Ports ports={data.foreach && spec ? forEachOutputs(spec.outputs) : (spec?.outputs ?? [])} kind="out" labels={!far} />
    </div>
  );
});

export const DatasetNode = memo(function DatasetNode({ id, data, selected }: NodeProps<DatasetFlowNode>) {
  const status = useRunStore((s) => s.stepStatus[id]);
  const problems = usePipelineStore((s) => s.problemsByNode[id]);
  const level = problems?.level;
  return (
    <div className={nodeClass("pw-node dataset", selected, status, level)} data-testid="canvas-node" data-dataset={data.dataset}>
      <div className="pw-node-body">
        <div className="pw-node-icon cat-dataset">⛁</div>
        <div className="pw-node-text">
          <div className="pw-node-title">{data.dataset.split("/").pop()}</div>
          <div className="pw-node-sub">Dataset · {data.dataset}</div>
        </div>
        <span className="version-badge">{data.version === null ? "latest" : `v${data.version}`}</span>
      </div>
      <StatusChip status={status} />
      <ProblemBadge problems={problems} />
      <Ports ports={[DATASET_OUTPUT]} kind="out" labels />
    </div>
  );
});

/** A saved pipeline placed as one node: its ports are the inner pipeline's inputs and outputs; in a
 * run its status rolls up its inner steps (`<id>.<inner>`). Double-click opens it (Canvas).
 * A for-each over it (compiler/subforeach.py) runs the whole pipeline once per item: the run has
 * one step for the node, its outputs are gathered, and its items roll up as a module for-each's. */
export const SubPipelineNode = memo(function SubPipelineNode({ id, data, selected }: NodeProps<SubPipelineFlowNode>) {
  const key = interfaceKey(data.pipeline, data.version);
  const found = useSubPipelines((s) => s.interfaces[key]);
  useEffect(() => loadInterface(data.pipeline, data.version), [data.pipeline, data.version]);
  // its handles arrive with the interface (after the node was drawn): React Flow must measure them again
  const updateInternals = useUpdateNodeInternals();
  const shape = found ? `${found.inputs.map((p) => p.name).join(",")}|${found.outputs.map((p) => p.name).join(",")}` : "";
  useEffect(() => updateInternals(id), [id, shape, updateInternals]);
  const loop = data.foreach;
  const status = useRunStore((s) => (loop ? s.stepStatus[id] : s.run ? rollUp(id, s.run.steps) : undefined));
  const runId = useRunStore((s) => (loop ? s.runId : null));
  const problems = usePipelineStore((s) => s.problemsByNode[id]);
  const name = found?.name ?? `pipeline ${data.pipeline}`;
  return (
    <div
      className={nodeClass(loop ? "pw-node subpipeline is-foreach" : "pw-node subpipeline", selected, status, problems?.level)}
      data-testid="canvas-node"
      data-subpipeline={data.pipeline}
    >
      <Ports ports={found?.inputs ?? []} kind="in" labels />
      <div className="pw-node-body">
        <div className="pw-node-icon cat-subpipeline">▣</div>
        <div className="pw-node-text">
          <div className="pw-node-title">{name}</div>
          <div className="pw-node-sub">{loop ? "Sub-pipeline, once per item" : "Sub-pipeline"} · double-click to open</div>
        </div>
        <span className="version-badge">{data.version === null ? "latest" : `v${data.version}`}</span>
      </div>
      {found === null ? <div className="pw-node-missing">Pipeline not found</div> : null}
      {loop ? (
        <span className="foreach-badge" data-testid="foreach-badge" title={`For each: runs the whole of ${name} once per item, ${loop.concurrency ?? 4} at a time`}>
          <span className="foreach-text">⟳ {describeForEach(loop)}</span>
          {status ? <ForEachRollUp runId={runId} node={id} status={status} /> : null}
        </span>
      ) : null}
      <StatusChip status={status} />
      <ProblemBadge problems={problems} />
      <Ports ports={loop && found ? forEachOutputs(found.outputs) : (found?.outputs ?? [])} kind="out" labels />
    </div>
  );
});

/** A sticky note: plain text (React renders it as text, never HTML), moved by its grip, resized by its corners. */
export const NoteNode = memo(function NoteNode({ data, selected }: NodeProps<Node<NoteNodeData, "note">>) {
  const [editing, setEditing] = useState(false);
  const update = usePipelineStore((s) => s.updateNote);
  return (
    <div className={`pw-note${selected ? " selected" : ""}`} data-testid="sticky-note" data-note={data.noteId}>
      <NodeResizer isVisible={!!selected} minWidth={80} minHeight={50} maxWidth={4000} maxHeight={4000} />
      <div className="pw-note-grip" title="Drag to move">
        ✎ Note
      </div>
      {editing ? (
        <textarea
          className="pw-note-text nodrag nowheel"
          autoFocus
          maxLength={NOTE_TEXT_MAX}
          value={data.text}
          onChange={(e) => update(data.noteId, { text: e.target.value }, "text")}
          onBlur={() => setEditing(false)}
          data-testid="note-text"
          aria-label="Note text"
        />
      ) : (
        <div className="pw-note-text nowheel" onDoubleClick={() => setEditing(true)} data-testid="note-body" title="Double-click to edit">
          {data.text || <span className="muted">Double-click to write a note</span>}
        </div>
      )}
    </div>
  );
});

/** A pipeline's declared input or output (what a sub-pipeline node shows as a port). */
export const BoundaryNode = memo(function BoundaryNode({ id, data, selected }: NodeProps<BoundaryFlowNode>) {
  const problems = usePipelineStore((s) => s.problemsByNode[id]);
  const port = [{ name: data.name, type: data.portType as PortType }];
  // a renamed port is another handle: React Flow must measure it again
  const updateInternals = useUpdateNodeInternals();
  useEffect(() => updateInternals(id), [id, data.name, updateInternals]);
  return (
    <div className={nodeClass("pw-node boundary", selected, undefined, problems?.level)} data-testid="canvas-node" data-boundary={data.kind}>
      {data.kind === "output" ? <Ports ports={port} kind="in" labels /> : null}
      <div className="pw-node-body">
        <div className="pw-node-icon cat-boundary">{data.kind === "input" ? "⇥" : "↦"}</div>
        <div className="pw-node-text">
          <div className="pw-node-title">{data.name}</div>
          <div className="pw-node-sub">
            Pipeline {data.kind} · {data.portType}
          </div>
        </div>
      </div>
      <ProblemBadge problems={problems} />
      {data.kind === "input" ? <Ports ports={port} kind="out" labels /> : null}
    </div>
  );
});

/** A group's frame (open) or its one box standing in for its members (collapsed). */
export const GroupNode = memo(function GroupNode({ data }: NodeProps<Node<GroupNodeData, "group">>) {
  const toggle = usePipelineStore((s) => s.toggleGroup);
  const head = (
    <div className="pw-group-head">
      <button
        className="pw-group-toggle nodrag"
        onClick={() => toggle(data.groupId)}
        data-testid="group-toggle"
        title={data.collapsed ? "Expand: show its nodes" : "Collapse into one box"}
      >
        {data.collapsed ? "▸" : "▾"}
      </button>
      <span className="pw-group-label" data-testid="group-label">
        {data.label || "Group"}
      </span>
    </div>
  );
  if (!data.collapsed)
    return (
      <div className="pw-group" data-testid="group-frame" data-group={data.groupId} data-collapsed="false">
        {head}
      </div>
    );
  return (
    <div className="pw-group collapsed" data-testid="group-frame" data-group={data.groupId} data-collapsed="true">
      <Handle type="target" id="in" position={Position.Top} isConnectable={false} className="port" />
      {head}
      <div className="pw-group-sum small muted" data-testid="group-summary">
        {data.members} nodes · {data.inputs} in · {data.outputs} out
      </div>
      <Handle type="source" id="out" position={Position.Bottom} isConnectable={false} className="port" />
    </div>
  );
});

export const nodeTypes: NodeTypes = {
  module: ModuleNode,
  dataset: DatasetNode,
  subpipeline: SubPipelineNode,
  boundary: BoundaryNode,
  note: NoteNode,
  group: GroupNode,
};

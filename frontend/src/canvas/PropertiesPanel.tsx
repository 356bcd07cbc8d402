// Properties of the selected node: version picker and a form generated from the parameter schema.
import { memo } from "react";
import type { Port } from "../api/modules";
import { fieldsFor } from "../graph/schemaForm";
import { sortVersions, upgradeFor } from "../graph/versions";
import { selectedNodeId, usePipelineStore } from "../store/pipeline";
import { specFor, useCatalogStore } from "../store/pipelineCatalog";
import type { DatasetFlowNode, FlowEdge, FlowNode, ModuleFlowNode } from "../graph/convert";
import { columnKind, columnPort, datasetColumns, upstreamDataset, type ColumnSchema, type NodeLike } from "../graph/columns";
import { NodeCompute } from "./ComputeFields";
import { ParamField } from "./ParamField";
import { RunWhen } from "./RunWhen";
import { ForEachFields } from "./ForEachFields";
import { NestingProperties } from "./SubPipelineProperties";
import { LABEL_MAX } from "../graph/labels";

const NO_PORTS: Port[] = [];
const NO_PARAMS: Record<string, { default?: unknown }> = {};

/** The group a node is in: its name (editable) and a way out. */
function GroupSection({ nodeId }: { nodeId: string }) {
  const group = usePipelineStore((s) => s.groups.find((g) => g.nodes.includes(nodeId)));
  const rename = usePipelineStore((s) => s.renameGroup);
  const ungroup = usePipelineStore((s) => s.ungroup);
  if (!group) return null;
  return (
    <div className="field" data-testid="group-section">
      <div className="field-head">
        <label htmlFor={`group-${group.id}`}>Group</label>
        <button className="upgrade-hint" onClick={() => ungroup(group.id)} data-testid="ungroup">
          Ungroup
        </button>
      </div>
      <input id={`group-${group.id}`} value={group.label} maxLength={LABEL_MAX} onChange={(e) => rename(group.id, e.target.value)} data-testid="group-name" />
      <div className="field-help">{group.nodes.length} nodes; a visual frame only, runs ignore it.</div>
    </div>
  );
}

export const PropertiesPanel = memo(function PropertiesPanel() {
  const id = usePipelineStore(selectedNodeId);
  const node = usePipelineStore((s) => (id ? s.nodes.find((n) => n.id === id) : undefined));
  if (!node) {
    return (
      <div className="props-empty muted" data-testid="properties">
        Select a node to edit its properties.
      </div>
    );
  }
  if (node.type === "dataset") return <DatasetProperties node={node as DatasetFlowNode} />;
  if (node.type === "subpipeline" || node.type === "boundary") return <NestingProperties node={node} />;
  return <ModuleProperties node={node as ModuleFlowNode} />;
});

function DatasetProperties({ node }: { node: DatasetFlowNode }) {
  const { dataset, version } = node.data;
  const item = useCatalogStore((s) => s.datasets.find((d) => d.ref === dataset));
  const setDatasetVersion = usePipelineStore((s) => s.setDatasetVersion);
  const shown = item?.versions.find((v) => v.version === (version ?? item.latest_version));
  return (
    <div data-testid="properties">
      <div className="props-head">
        <div className="props-title">{dataset}</div>
        <div className="muted small">Dataset node {node.id}</div>
      </div>
      <div className="field">
        <div className="field-head">
          <label htmlFor={`dataset-version-${node.id}`}>Version</label>
        </div>
        <select
          id={`dataset-version-${node.id}`}
          value={version === null || version === undefined ? "" : String(version)}
          onChange={(e) => setDatasetVersion(node.id, e.target.value ? Number(e.target.value) : null)}
          data-testid="dataset-version-picker"
        >
          <option value="">Latest{item?.latest_version ? ` (now v${item.latest_version})` : ""}</option>
          {[...(item?.versions ?? [])].reverse().map((v) => (
            <option key={v.version} value={v.version}>
              v{v.version} · {v.filename}
            </option>
          ))}
          {version && item && !item.versions.some((v) => v.version === version) ? <option value={version}>v{version} (missing)</option> : null}
        </select>
        <div className="field-help">
          {version ? "Pinned: runs read exactly this version." : "Each save pins the newest version at that moment."}
          {item?.archived ? " This dataset is archived; pinned pipelines still run." : ""}
        </div>
      </div>
      {shown?.columns.length ? (
        <div className="field">
          <div className="field-head">
            <label>Columns</label>
          </div>
          <div className="small" data-testid="dataset-columns">
            {shown.columns.join(", ")}
          </div>
        </div>
      ) : null}
      <p className="muted small pad">
        Feeds its rows to connected modules through the “data” output. Profiles and uploads are on the <a href="/datasets">Datasets page</a>.
      </p>
    </div>
  );
}

/** "port|ref|version" for each input whose table comes from a dataset node, directly or through
 *  outputs that keep an input's columns, as one string (a stable selector value). */
function datasetFeeds(nodeId: string) {
  return (s: { nodes: FlowNode[]; edges: FlowEdge[] }) => {
    const catalog = useCatalogStore.getState();
    const keeps = (id: string, outPort: string): string | null => {
      const src = s.nodes.find((n) => n.id === id);
      if (!src || src.type !== "module") return null;
      const { module, version } = (src as ModuleFlowNode).data;
      const out = specFor(catalog, module, version)?.outputs.find((p) => p.name === outPort);
      return typeof out?.columns_from === "string" ? out.columns_from : null;
    };
    return s.edges
      .filter((e) => e.target === nodeId)
      .map((e) => {
        const found = upstreamDataset(e, s.nodes as unknown as NodeLike[], s.edges, keeps);
        return found ? `${e.targetHandle}|${found.dataset}|${found.version ?? ""}` : "";
      })
      .filter(Boolean)
      .sort()
      .join("\n");
  };
}

function ModuleProperties({ node }: { node: ModuleFlowNode }) {
  const { module, version, params } = node.data;
  const item = useCatalogStore((s) => s.modules[module]);
  const spec = useCatalogStore((s) => specFor(s, module, version));
  const parameters = usePipelineStore((s) => s.parameters);
  const setParam = usePipelineStore((s) => s.setParam);
  const setVersion = usePipelineStore((s) => s.setVersion);
  const setLabel = usePipelineStore((s) => s.setLabel);
  const current = version ?? item?.default_version ?? null;
  const upgrade = item ? upgradeFor(item.versions, current) : null;
  const currentStatus = item?.versions.find((v) => v.version === current);
  const required = Array.isArray((spec as { required?: unknown } | undefined)?.required) ? ((spec as unknown as { required: string[] }).required) : [];
  const fields = fieldsFor(spec?.parameters, required);
  const feeds = usePipelineStore(datasetFeeds(node.id));
  const datasets = useCatalogStore((s) => s.datasets);
  const columnsFor = (name: string): string[] | null => {
    const schema = spec?.parameters?.[name] as ColumnSchema | undefined;
    if (!schema || !columnKind(schema)) return null;
    const port = columnPort(schema, spec?.inputs ?? []);
    const line = feeds.split("\n").find((l) => l.startsWith(`${port}|`));
    if (!line) return null;
    const [, ref, v] = line.split("|");
    return datasetColumns(datasets, ref, v ? Number(v) : null);
  };

  return (
    <div data-testid="properties">
      <div className="props-head">
        <div className="props-title">{node.data.label || spec?.display_name || item?.display_name || module}</div>
        <div className="muted small">
          {spec?.display_name ?? item?.display_name ?? module} · {module} · node {node.id}
        </div>
        {spec?.description ? <p className="small">{spec.description}</p> : null}
      </div>
      <div className="field">
        <div className="field-head">
          <label htmlFor={`label-${node.id}`}>Name</label>
        </div>
        <input
          id={`label-${node.id}`}
          value={node.data.label ?? ""}
          maxLength={LABEL_MAX}
          placeholder={spec?.display_name ?? item?.display_name ?? module}
          onChange={(e) => setLabel(node.id, e.target.value)}
          data-testid="node-label"
        />
        <div className="field-help">Shown on the canvas, in problems, runs and logs; the id {node.id} stays the same.</div>
      </div>
      <GroupSection nodeId={node.id} />
      <div className="field">
        <div className="field-head">
          <label>Version</label>
          {upgrade ? (
            <button className="upgrade-hint" onClick={() => setVersion(node.id, upgrade)} data-testid="upgrade">
              ↑ Upgrade to {upgrade}
            </button>
          ) : null}
        </div>
        <select value={version ?? ""} onChange={(e) => setVersion(node.id, e.target.value || null)} data-testid="version-picker">
          <option value="">Default{item?.default_version ? ` (${item.default_version})` : ""}</option>
          {sortVersions(item?.versions ?? []).map((v) => (
            <option key={v.version} value={v.version} disabled={v.status === "disabled"}>
              {v.version}
              {v.is_default ? " · default" : ""}
              {v.status !== "active" ? ` · ${v.status}` : ""}
            </option>
          ))}
        </select>
        {currentStatus && currentStatus.status !== "active" ? (
          <div className={`status-note ${currentStatus.status}`}>
            <span className={`pill ${currentStatus.status}`}>{currentStatus.status}</span>{" "}
            {currentStatus.deprecation_message || (currentStatus.status === "disabled" ? "This version cannot run." : "")}
          </div>
        ) : null}
      </div>
      <div className="section-title">Parameters</div>
      {!spec ? <div className="muted small pad">Loading the module spec…</div> : null}
      {spec && !fields.length ? <div className="muted small pad">This module has no parameters.</div> : null}
      {fields.map((f) => (
        <ParamField
          key={`${node.id}/${f.name}`}
          field={f}
          value={params[f.name]}
          parameters={parameters}
          onChange={(v) => setParam(node.id, f.name, v)}
          columnKind={columnKind(spec?.parameters?.[f.name] as ColumnSchema | undefined)}
          columns={columnsFor(f.name)}
        />
      ))}
      <div className="section-title">For each</div>
      <ForEachFields nodeId={node.id} foreach={node.data.foreach} inputs={spec?.inputs ?? NO_PORTS} params={spec?.parameters ?? NO_PARAMS} />
      <div className="section-title">Runs when</div>
      <RunWhen nodeId={node.id} condition={node.data.condition} exit={node.data.exit} />
      <div className="section-title">Compute</div>
      <NodeCompute nodeId={node.id} compute={node.data.compute} />
    </div>
  );
}

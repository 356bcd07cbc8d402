// Properties of the selected node: version picker and a form generated from the parameter schema.
import { memo } from "react";
import { fieldsFor } from "../graph/schemaForm";
import { sortVersions, upgradeFor } from "../graph/versions";
import { selectedNodeId, usePipelineStore } from "../store/pipeline";
import { specFor, useCatalogStore } from "../store/pipelineCatalog";
import type { ModuleFlowNode } from "../graph/convert";
import { NodeCompute } from "./ComputeFields";
import { ParamField } from "./ParamField";

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
  if (node.type === "dataset") {
    return (
      <div data-testid="properties">
        <div className="props-head">
          <div className="props-title">{node.data.dataset}</div>
          <div className="muted small">Dataset node {node.id}</div>
        </div>
        <p className="muted small pad">Feeds its rows to connected modules through the “data” output.</p>
      </div>
    );
  }
  return <ModuleProperties node={node as ModuleFlowNode} />;
});

function ModuleProperties({ node }: { node: ModuleFlowNode }) {
  const { module, version, params } = node.data;
  const item = useCatalogStore((s) => s.modules[module]);
  const spec = useCatalogStore((s) => specFor(s, module, version));
  const parameters = usePipelineStore((s) => s.parameters);
  const setParam = usePipelineStore((s) => s.setParam);
  const setVersion = usePipelineStore((s) => s.setVersion);
  const current = version ?? item?.default_version ?? null;
  const upgrade = item ? upgradeFor(item.versions, current) : null;
  const currentStatus = item?.versions.find((v) => v.version === current);
  const required = Array.isArray((spec as { required?: unknown } | undefined)?.required) ? ((spec as unknown as { required: string[] }).required) : [];
  const fields = fieldsFor(spec?.parameters, required);

  return (
    <div data-testid="properties">
      <div className="props-head">
        <div className="props-title">{spec?.display_name ?? item?.display_name ?? module}</div>
        <div className="muted small">
          {module} · node {node.id}
        </div>
        {spec?.description ? <p className="small">{spec.description}</p> : null}
      </div>
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
        />
      ))}
      <div className="section-title">Compute</div>
      <NodeCompute nodeId={node.id} compute={node.data.compute} />
    </div>
  );
}

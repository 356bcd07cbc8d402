// Properties of a sub-pipeline node (its pinned version and the inner parameters it sets) and of a
// pipeline input or output node (what a sub-pipeline node of this pipeline shows as a port).
import { useEffect } from "react";
import { Link } from "react-router-dom";
import type { Port, PortType } from "../api/modules";
import type { BoundaryFlowNode, FlowNode } from "../graph/convert";
import { usePipelineStore } from "../store/pipeline";
import { interfaceKey, newestVersion, useSubPipelines } from "../store/subPipelines";
import { ForEachFields } from "./ForEachFields";
import { edgeColor } from "./ports";
import { loadTeamPipelines } from "./subPipelineLoader";

const PORT_TYPES: readonly PortType[] = ["DataFrame", "Model", "Metrics", "Image", "File", "Any"];

function BoundaryProperties({ node }: { node: BoundaryFlowNode }) {
  const setBoundary = usePipelineStore((s) => s.setBoundary);
  const { kind, name, portType } = node.data;
  const twin = usePipelineStore((s) => s.nodes.some((n) => n.id !== node.id && n.type === "boundary" && n.data.kind === kind && n.data.name === name));
  return (
    <div data-testid="properties">
      <div className="props-head">
        <div className="props-title">
          Pipeline {kind} “{name}”
        </div>
        <div className="muted small">
          {portType} · node {node.id}
        </div>
        <p className="small">
          Where this pipeline is placed as a sub-pipeline, its node has the {kind} port “{name}”.
          {kind === "input" ? " A pipeline with an input runs only as a sub-pipeline." : ""}
        </p>
      </div>
      <div className="field">
        <label htmlFor={`boundary-name-${node.id}`}>Port name</label>
        <input
          id={`boundary-name-${node.id}`}
          data-testid="boundary-name"
          key={`${node.id}/${name}`}
          defaultValue={name}
          maxLength={63}
          onBlur={(e) => {
            const next = e.target.value.trim();
            if (next && next !== name) setBoundary(node.id, { name: next }, edgeColor);
          }}
          onKeyDown={(e) => {
            if (e.key === "Enter") e.currentTarget.blur();
          }}
        />
        {twin ? <div className="field-error">Another {kind} is named “{name}”: a port name must be unique.</div> : null}
      </div>
      <div className="field">
        <label htmlFor={`boundary-type-${node.id}`}>Type</label>
        <select
          id={`boundary-type-${node.id}`}
          data-testid="boundary-type"
          value={portType}
          onChange={(e) => setBoundary(node.id, { portType: e.target.value }, edgeColor)}
        >
          {(PORT_TYPES.includes(portType as PortType) ? PORT_TYPES : [...PORT_TYPES, portType]).map((t) => (
            <option key={t} value={t}>
              {t}
            </option>
          ))}
        </select>
        <div className="field-help">{kind === "input" ? "What the outer pipeline must connect to it" : "What it hands to the outer pipeline"} (Any connects to everything).</div>
      </div>
    </div>
  );
}

export function NestingProperties({ node }: { node: FlowNode }) {
  const found = useSubPipelines((s) => (node.type === "subpipeline" ? s.interfaces[interfaceKey(node.data.pipeline, node.data.version)] : undefined));
  const setSub = usePipelineStore((s) => s.setSubPipeline);
  const from = usePipelineStore((s) => s.id);
  const team = usePipelineStore((s) => s.team);
  const isSub = node.type === "subpipeline";
  const newest = useSubPipelines((s) => (node.type === "subpipeline" ? newestVersion(s, team, node.data.pipeline) : undefined));
  useEffect(() => {
    if (isSub) loadTeamPipelines(team, true); // the newest version may have moved since the palette loaded
  }, [isSub, team, node.id]);
  if (node.type === "boundary") return <BoundaryProperties node={node} />;
  if (node.type !== "subpipeline") return null;
  const { pipeline, version, params } = node.data;
  const upgrade = version !== null && newest !== undefined && newest > version ? newest : null;
  return (
    <div data-testid="properties">
      <div className="props-head">
        <div className="props-title">{found?.name ?? `Pipeline ${pipeline}`}</div>
        <div className="muted small">
          sub-pipeline · node {node.id} ·{" "}
          <Link to={`/pipelines/${pipeline}${from !== null ? `?from=${from}` : ""}`} data-testid="open-subpipeline">
            open
          </Link>
        </div>
      </div>
      <div className="field">
        <div className="field-head">
          <label htmlFor="sub-version">Version</label>
          {upgrade ? (
            <button className="upgrade-hint" onClick={() => setSub(node.id, { version: upgrade })} data-testid="sub-upgrade" title={`v${upgrade} is the newest saved version`}>
              ↑ Upgrade to v{upgrade}
            </button>
          ) : null}
        </div>
        <input
          id="sub-version"
          data-testid="sub-version"
          key={`${node.id}/${version ?? ""}`}
          defaultValue={version ?? ""}
          placeholder="newest (pinned at save)"
          inputMode="numeric"
          onBlur={(e) => {
            const text = e.target.value.trim();
            const next = text === "" ? null : Number(text);
            if (next !== version && (next === null || Number.isInteger(next))) setSub(node.id, { version: next });
          }}
        />
        <div className="field-help" data-testid="sub-version-help">
          {version === null
            ? "Each save pins the newest version at that moment."
            : `Pinned to v${version}${newest !== undefined ? (upgrade ? `; v${newest} is the newest.` : " (the newest).") : "."}`}
        </div>
      </div>
      <div className="section-title">Parameters</div>
      {!found?.parameters?.length ? <div className="muted small pad">The pipeline has no parameters.</div> : null}
      {(found?.parameters ?? []).map((p) => (
        <div className="field" key={`${node.id}/${p.name}`}>
          <label htmlFor={`sub-param-${p.name}`}>
            {p.name} <span className="muted small">{p.type}</span>
          </label>
          <input
            id={`sub-param-${p.name}`}
            data-testid="sub-param"
            defaultValue={params[p.name] === undefined ? "" : JSON.stringify(params[p.name])}
            placeholder={p.default === undefined || p.default === null ? "no default" : `${JSON.stringify(p.default)} (default)`}
            onBlur={(e) => {
              const text = e.target.value.trim();
              let value: unknown = undefined;
              if (text !== "") {
                try {
                  value = JSON.parse(text);
                } catch {
                  value = text; // a bare string; the compiler names a wrong type
                }
              }
              setSub(node.id, { param: [p.name, value] });
            }}
          />
        </div>
      ))}
      <div className="section-title">For each</div>
      <ForEachFields
        nodeId={node.id}
        foreach={node.data.foreach}
        inputs={found?.inputs ?? NO_PORTS}
        params={Object.fromEntries((found?.parameters ?? []).map((p) => [p.name, { default: p.default ?? undefined }]))}
        what="the whole sub-pipeline"
      />
    </div>
  );
}

const NO_PORTS: Port[] = [];

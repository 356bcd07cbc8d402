// Properties of a sub-pipeline node (its pinned version and the inner parameters it sets) and of a
// pipeline input or output node (what a sub-pipeline node of this pipeline shows as a port).
import { Link } from "react-router-dom";
import type { FlowNode } from "../graph/convert";
import { usePipelineStore } from "../store/pipeline";
import { interfaceKey, useSubPipelines } from "../store/subPipelines";

export function NestingProperties({ node }: { node: FlowNode }) {
  const found = useSubPipelines((s) => (node.type === "subpipeline" ? s.interfaces[interfaceKey(node.data.pipeline, node.data.version)] : undefined));
  const setSub = usePipelineStore((s) => s.setSubPipeline);
  const from = usePipelineStore((s) => s.id);
  if (node.type === "boundary") {
    return (
      <div data-testid="properties">
        <div className="props-head">
          <div className="props-title">
            Pipeline {node.data.kind} “{node.data.name}”
          </div>
          <div className="muted small">
            {node.data.portType} · node {node.id}
          </div>
          <p className="small">
            Where this pipeline is placed as a sub-pipeline, its node has the {node.data.kind === "input" ? "input" : "output"} port “{node.data.name}”.
          </p>
        </div>
      </div>
    );
  }
  if (node.type !== "subpipeline") return null;
  const { pipeline, version, params } = node.data;
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
        <label htmlFor="sub-version">Version</label>
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
    </div>
  );
}

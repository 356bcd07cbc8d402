// Pipeline parameters: name, type and default; node params bind to them with {"$param": name}.
import { memo, useState } from "react";
import { PARAM_TYPES, type PipelineParam, type PipelineParamType } from "../graph/types";
import { usePipelineStore } from "../store/pipeline";
import { PipelineCompute } from "./ComputeFields";

const TYPES: readonly PipelineParamType[] = PARAM_TYPES;

function parseDefault(type: PipelineParamType, raw: string): unknown {
  if (raw === "") return undefined;
  if (type === "number" || type === "integer") return Number.isFinite(Number(raw)) ? Number(raw) : raw;
  if (type === "boolean") return raw === "true";
  if (type === "array" || type === "object") {
    try {
      return JSON.parse(raw) as unknown; // the compiler names a default of the wrong shape
    } catch {
      return raw;
    }
  }
  return raw;
}

export const ParametersPanel = memo(function ParametersPanel() {
  const parameters = usePipelineStore((s) => s.parameters);
  const add = usePipelineStore((s) => s.addParameter);
  const update = usePipelineStore((s) => s.updateParameter);
  const remove = usePipelineStore((s) => s.removeParameter);
  const [name, setName] = useState("");
  const [type, setType] = useState<PipelineParamType>("number");
  const nameOk = /^[A-Za-z_][A-Za-z0-9_]*$/.test(name) && !parameters.some((p) => p.name === name);

  const change = (i: number, p: PipelineParam, patch: Partial<PipelineParam>) => update(i, { ...p, ...patch });

  return (
    <div className="params-panel" data-testid="pipeline-parameters">
      {parameters.length === 0 ? <div className="muted small pad">No pipeline parameters yet.</div> : null}
      {parameters.map((p, i) => (
        <div className="param-row" key={`${i}:${p.name}:${String(p.default)}`}>
          <code className="param-name">{p.name}</code>
          <select value={p.type} onChange={(e) => change(i, p, { type: e.target.value as PipelineParamType })}>
            {TYPES.map((t) => (
              <option key={t}>{t}</option>
            ))}
          </select>
          {p.type === "boolean" ? (
            <select value={p.default === undefined ? "" : String(p.default)} onChange={(e) => change(i, p, { default: parseDefault(p.type, e.target.value) })}>
              <option value="">—</option>
              <option>true</option>
              <option>false</option>
            </select>
          ) : (
            <input
              placeholder="default"
              defaultValue={p.default === undefined ? "" : String(p.default)}
              onBlur={(e) => change(i, p, { default: parseDefault(p.type, e.target.value) })}
            />
          )}
          <button className="icon" title={`Remove ${p.name}`} onClick={() => remove(i)}>
            ✕
          </button>
        </div>
      ))}
      <form
        className="param-add"
        onSubmit={(e) => {
          e.preventDefault();
          if (!nameOk) return;
          add({ name, type });
          setName("");
        }}
      >
        <input placeholder="new_parameter" value={name} onChange={(e) => setName(e.target.value)} data-testid="new-param-name" />
        <select value={type} onChange={(e) => setType(e.target.value as PipelineParamType)}>
          {TYPES.map((t) => (
            <option key={t}>{t}</option>
          ))}
        </select>
        <button className="btn small" disabled={!nameOk}>
          Add
        </button>
      </form>
      <div className="section-title">Compute defaults</div>
      <PipelineCompute />
    </div>
  );
});

// The module editor's interface form: ports and parameters, written into the draft spec.
import type { ModuleSpec, PortType } from "../api/modules";
import {
  PARAM_TYPES,
  PORT_TYPES,
  addParam,
  addPort,
  removeParam,
  removePort,
  renameParam,
  setParamDefault,
  setParamType,
  setPort,
  type ParamType,
  type PortKind,
} from "./draft";

interface Props {
  spec: ModuleSpec;
  onChange: (spec: ModuleSpec) => void;
}

function Ports({ spec, kind, onChange }: Props & { kind: PortKind }) {
  return (
    <fieldset className="ed-fieldset" data-testid={`form-${kind}`}>
      <legend>{kind === "inputs" ? "Inputs" : "Outputs"}</legend>
      {spec[kind].map((port, i) => (
        <div className="ed-row" key={i}>
          <input
            aria-label={`${kind} ${i + 1} name`}
            value={port.name}
            onChange={(e) => onChange(setPort(spec, kind, i, { name: e.target.value }))}
          />
          <select
            aria-label={`${kind} ${i + 1} type`}
            value={port.type}
            onChange={(e) => onChange(setPort(spec, kind, i, { type: e.target.value as PortType }))}
          >
            {PORT_TYPES.map((t) => (
              <option key={t}>{t}</option>
            ))}
          </select>
          {kind === "inputs" && (
            <label className="ed-check">
              <input
                type="checkbox"
                checked={Boolean(port.optional)}
                onChange={(e) => onChange(setPort(spec, kind, i, { optional: e.target.checked }))}
              />
              optional
            </label>
          )}
          <button type="button" className="cat-btn cat-btn-sm" aria-label={`remove ${port.name}`} onClick={() => onChange(removePort(spec, kind, i))}>
            ×
          </button>
        </div>
      ))}
      <button type="button" className="cat-btn cat-btn-sm" onClick={() => onChange(addPort(spec, kind))}>
        + {kind === "inputs" ? "input" : "output"}
      </button>
    </fieldset>
  );
}

export function InterfaceForm({ spec, onChange }: Props) {
  return (
    <div className="ed-form" data-testid="interface-form">
      <label className="cat-field">
        <span>Display name</span>
        <input value={spec.display_name ?? ""} onChange={(e) => onChange({ ...spec, display_name: e.target.value })} />
      </label>
      <label className="cat-field">
        <span>Category</span>
        <input value={spec.category ?? ""} onChange={(e) => onChange({ ...spec, category: e.target.value })} />
      </label>
      <label className="cat-field">
        <span>Description</span>
        <textarea rows={2} value={spec.description ?? ""} onChange={(e) => onChange({ ...spec, description: e.target.value })} />
      </label>
      <Ports spec={spec} kind="inputs" onChange={onChange} />
      <Ports spec={spec} kind="outputs" onChange={onChange} />
      <fieldset className="ed-fieldset" data-testid="form-parameters">
        <legend>Parameters</legend>
        {Object.entries(spec.parameters).map(([name, schema], i) => (
          <div className="ed-row" key={i}>
            <input
              key={`name-${name}`}
              aria-label={`parameter ${i + 1} name`}
              defaultValue={name}
              onBlur={(e) => onChange(renameParam(spec, name, e.target.value.trim()))}
            />
            <select
              aria-label={`parameter ${name} type`}
              value={String(schema.type ?? "string")}
              onChange={(e) => onChange(setParamType(spec, name, e.target.value as ParamType))}
            >
              {PARAM_TYPES.map((t) => (
                <option key={t}>{t}</option>
              ))}
            </select>
            <input
              key={`default-${name}-${String(schema.default)}`}
              aria-label={`parameter ${name} default`}
              defaultValue={schema.default === undefined ? "" : String(schema.default)}
              onBlur={(e) => onChange(setParamDefault(spec, name, e.target.value))}
            />
            <button type="button" className="cat-btn cat-btn-sm" aria-label={`remove ${name}`} onClick={() => onChange(removeParam(spec, name))}>
              ×
            </button>
          </div>
        ))}
        <button type="button" className="cat-btn cat-btn-sm" onClick={() => onChange(addParam(spec))}>
          + parameter
        </button>
      </fieldset>
    </div>
  );
}

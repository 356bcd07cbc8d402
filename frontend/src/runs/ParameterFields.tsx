// One typed input per pipeline parameter (the Run dialog's and the schedule form's), with the
// default or the error under each; the values are parsed by runParameters.ts.
import type { PipelineParam } from "../graph/types";
import type { Draft, Drafts } from "./runParameters";

const defaultText = (p: PipelineParam) =>
  p.default === undefined || p.default === null ? "no default" : `default ${JSON.stringify(p.default)}`;

interface Props {
  parameters: readonly PipelineParam[];
  drafts: Drafts;
  errors: Record<string, string>;
  onChange: (name: string, value: Draft) => void;
  /** focus the first input when shown (a dialog); off inside a page form */
  autoFocus?: boolean;
  idPrefix?: string;
}

export function ParameterFields({ parameters, drafts, errors: fieldErrors, onChange: change, autoFocus = true, idPrefix = "run-param" }: Props) {
  return (
        <div className="run-params-list">
          {parameters.map((p, i) => {
            const id = `${idPrefix}-${p.name}`;
            const draft = drafts[p.name];
            const error = fieldErrors[p.name];
            return (
              <div className={`field run-param${error ? " invalid" : ""}`} key={p.name} data-testid={`run-param-${p.name}`}>
                <div className="field-head">
                  <label htmlFor={id}>
                    <code>{p.name}</code>
                  </label>
                  <span className="run-param-type">{p.type}</span>
                </div>
                {p.type === "boolean" ? (
                  <label className="run-param-check">
                    <input
                      id={id}
                      type="checkbox"
                      checked={draft === true}
                      onChange={(e) => change(p.name, e.target.checked)}
                      autoFocus={autoFocus && i === 0}
                      data-testid="run-param-input"
                    />
                    {draft === true ? "true" : "false"}
                  </label>
                ) : (
                  <input
                    id={id}
                    type={p.type === "string" ? "text" : "number"}
                    step={p.type === "integer" ? 1 : p.type === "number" ? "any" : undefined}
                    inputMode={p.type === "integer" ? "numeric" : p.type === "number" ? "decimal" : undefined}
                    value={typeof draft === "string" ? draft : ""}
                    onChange={(e) => change(p.name, e.target.value)}
                    autoFocus={autoFocus && i === 0}
                    aria-invalid={error ? true : undefined}
                    aria-describedby={`${id}-note`}
                    data-testid="run-param-input"
                  />
                )}
                {error ? (
                  <span className="field-error" id={`${id}-note`} role="alert" data-testid="run-param-error">
                    {error}
                  </span>
                ) : (
                  <span className="field-help" id={`${id}-note`}>
                    {defaultText(p)}
                  </span>
                )}
              </div>
            );
          })}
        </div>
  );
}

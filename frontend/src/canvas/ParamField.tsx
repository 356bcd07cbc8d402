// One generated form field, with the toggle that binds it to a pipeline parameter.
import { useState } from "react";
import type { Field } from "../graph/schemaForm";
import { displayValue, parseInput, validateValue } from "../graph/schemaForm";
import { isParamRef, type PipelineParam } from "../graph/types";
import { splitColumns, unknownColumns } from "../graph/columns";
import { CodeEditor } from "../editor/CodeEditor";

function rangeText(f: Field): string {
  const lo = f.min ?? f.exclusiveMin;
  const hi = f.max ?? f.exclusiveMax;
  if (lo === undefined && hi === undefined) return "";
  const left = lo === undefined ? "" : `${lo} ${f.exclusiveMin !== undefined ? "<" : "≤"} `;
  const right = hi === undefined ? "" : ` ${f.exclusiveMax !== undefined ? "<" : "≤"} ${hi}`;
  return ` ${left}x${right}`;
}

interface Props {
  field: Field;
  value: unknown;
  parameters: PipelineParam[];
  onChange: (value: unknown) => void;
  /** the parameter names a column (`format: column`) or several (`format: columns`) */
  columnKind?: "column" | "columns" | null;
  /** the columns known to flow into the parameter's input (null: not known) */
  columns?: string[] | null;
}

export function ParamField({ field, value, parameters, onChange, columnKind = null, columns = null }: Props) {
  const bound = isParamRef(value);
  const [draft, setDraft] = useState<{ text: string; error?: string } | null>(null);
  const missing = !bound && columnKind && columns ? unknownColumns(columnKind, value, columns) : [];
  const error =
    draft?.error ??
    (bound ? null : validateValue(field, value)) ??
    (missing.length ? `Not a column of the connected dataset: ${missing.join(", ")}` : null);
  const testid = `param-${field.name}`;

  const commitText = (text: string) => {
    const parsed = parseInput(field, text);
    if (parsed.error) {
      setDraft({ text, error: parsed.error });
      return;
    }
    setDraft(null);
    onChange(parsed.value);
  };

  const typeNumber = (text: string) => {
    const parsed = parseInput(field, text);
    setDraft({ text, error: parsed.error });
    if (!parsed.error) onChange(parsed.value);
  };

  let input;
  if (bound) {
    input = (
      <select value={value.$param} onChange={(e) => onChange({ $param: e.target.value })} data-testid={testid}>
        {parameters.some((p) => p.name === value.$param) ? null : <option value={value.$param}>{value.$param} (missing)</option>}
        {parameters.map((p) => (
          <option key={p.name} value={p.name}>
            {p.name}
          </option>
        ))}
      </select>
    );
  } else if (columnKind === "column" && columns) {
    const current = typeof value === "string" ? value : "";
    input = (
      <select value={current} onChange={(e) => onChange(e.target.value === "" ? undefined : e.target.value)} data-testid={testid} data-columns={columns.join(",")}>
        <option value="">{field.default !== undefined && field.default !== "" ? `Default (${String(field.default)})` : "—"}</option>
        {current && !columns.includes(current) ? <option value={current}>{current} (not in the dataset)</option> : null}
        {columns.map((c) => (
          <option key={c} value={c}>
            {c}
          </option>
        ))}
      </select>
    );
  } else if (field.kind === "checkbox") {
    const checked = typeof value === "boolean" ? value : Boolean(field.default);
    input = <input type="checkbox" checked={checked} onChange={(e) => onChange(e.target.checked)} data-testid={testid} />;
  } else if (field.kind === "select") {
    input = (
      <select value={value === undefined ? "" : String(value)} onChange={(e) => onChange(parseInput(field, e.target.value).value)} data-testid={testid}>
        <option value="">{field.default !== undefined ? `Default (${String(field.default)})` : "—"}</option>
        {field.options?.map((o) => (
          <option key={String(o)} value={String(o)}>
            {String(o)}
          </option>
        ))}
      </select>
    );
  } else if (field.kind === "code") {
    // the module editor's code editor (CodeMirror): highlighting, indentation, Tab indents
    input = (
      <CodeEditor
        label={field.label}
        value={draft?.text ?? displayValue(field, value ?? field.default)}
        onChange={commitText}
        testId={testid}
        minHeight="10em"
      />
    );
  } else if (field.kind === "json") {
    input = (
      <textarea
        className="code"
        spellCheck={false}
        rows={3}
        value={draft?.text ?? displayValue(field, value)}
        placeholder={field.default !== undefined ? displayValue(field, field.default) : ""}
        onChange={(e) => setDraft({ text: e.target.value })}
        onBlur={(e) => draft && commitText(e.target.value)}
        data-testid={testid}
      />
    );
  } else {
    const numeric = field.kind === "number" || field.kind === "integer";
    input = (
      <input
        type={numeric ? "number" : "text"}
        step={field.kind === "integer" ? 1 : "any"}
        min={field.min}
        max={field.max}
        value={draft?.text ?? displayValue(field, value)}
        placeholder={field.default !== undefined ? displayValue(field, field.default) : ""}
        onChange={(e) => (numeric ? typeNumber(e.target.value) : commitText(e.target.value))}
        onBlur={() => setDraft(null)}
        data-testid={testid}
      />
    );
  }

  return (
    <div className={`field ${error ? "invalid" : ""}`}>
      <div className="field-head">
        <label>
          {field.label}
          {field.kind === "integer" || field.kind === "number" ? (
            <span className="range">
              {rangeText(field)}
            </span>
          ) : null}
        </label>
        <button
          className={`bind ${bound ? "on" : ""}`}
          title={bound ? "Unbind from pipeline parameter" : "Bind to a pipeline parameter"}
          disabled={!bound && parameters.length === 0}
          onClick={() => onChange(bound ? undefined : { $param: parameters.find((p) => p.name === field.name)?.name ?? parameters[0].name })}
          data-testid={`bind-${field.name}`}
        >
          {bound ? "$ bound" : "$"}
        </button>
      </div>
      {input}
      {columnKind === "columns" && columns && !bound ? (
        <div className="column-chips" role="group" aria-label={`Columns for ${field.label}`} data-testid={`columns-${field.name}`}>
          {columns.map((c) => {
            const chosen = typeof value === "string" ? splitColumns(value) : [];
            const on = chosen.includes(c);
            return (
              <button
                key={c}
                type="button"
                className={`chip${on ? " on" : ""}`}
                aria-pressed={on}
                onClick={() => {
                  const next = on ? chosen.filter((x) => x !== c) : [...chosen, c];
                  setDraft(null);
                  onChange(next.length ? next.join(",") : undefined);
                }}
              >
                {c}
              </button>
            );
          })}
        </div>
      ) : null}
      {error ? <div className="field-error">{error}</div> : field.description ? <div className="field-help">{field.description}</div> : null}
    </div>
  );
}

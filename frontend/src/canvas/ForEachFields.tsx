// For each in the properties panel (compiler/foreach.py): make a module node (or a sub-pipeline
// node: the whole inner pipeline, compiler/subforeach.py) run once per item, choose where the items
// come from (rows of an input table, files of an input folder, a list of values of one parameter,
// a grid of several) and how many run at once. The compiler types it all; its errors for this
// node show here.
import { useMemo } from "react";
import type { Port } from "../api/modules";
import { CONCURRENCY_DEFAULT, CONCURRENCY_MAX, defaultForEach, FOREACH_KINDS, itemCount, type ForEachKind, type ForEachSpec } from "../graph/foreach";
import { usePipelineStore } from "../store/pipeline";

const HELP: Record<ForEachKind, string> = {
  rows: "each row of the table on an input: every item gets a one-row table",
  files: "each file of the folder on an input: every item gets a folder with that file",
  list: "each value of a list (or an array pipeline parameter) for one parameter",
  grid: "each combination of values of several parameters (a sweep)",
};

/** JSON text of a value, for an editable field. */
const text = (v: unknown) => (v === undefined ? "" : JSON.stringify(v));

function parse(raw: string): { value?: unknown; problem?: string } {
  if (!raw.trim()) return { value: undefined };
  try {
    return { value: JSON.parse(raw) };
  } catch {
    return { problem: "not valid JSON" };
  }
}

/** `inputs` and `params`: the body's (a module's, or a sub-pipeline's declared inputs and parameters). */
export function ForEachFields({
  nodeId,
  foreach,
  inputs,
  params,
  what = "item",
}: {
  nodeId: string;
  foreach: ForEachSpec | undefined;
  inputs: readonly Port[];
  params: Record<string, { default?: unknown }>;
  /** what the toggle runs once per item ("item": the module; a sub-pipeline says so) */
  what?: string;
}) {
  const setForEach = usePipelineStore((s) => s.setNodeForEach);
  const errors = usePipelineStore((s) => s.errors);
  const mine = useMemo(() => errors.filter((p) => p.node === nodeId && p.code === "invalid_foreach"), [errors, nodeId]);
  const change = (patch: Partial<ForEachSpec>) => foreach && setForEach(nodeId, { ...foreach, ...patch });
  const count = foreach ? itemCount(foreach) : null;
  return (
    <div data-testid="foreach-fields">
      <div className="field">
        <label className="check">
          <input
            type="checkbox"
            checked={!!foreach}
            data-testid="foreach-toggle"
            onChange={(e) => setForEach(nodeId, e.target.checked ? defaultForEach([...inputs], params) : undefined)}
          />{" "}
          {what === "item" ? "Run once for each item" : `Run ${what} once for each item`}
        </label>
      </div>
      {foreach ? (
        <>
          <div className="field">
            <label htmlFor="foreach-over">Items</label>
            <select
              id="foreach-over"
              data-testid="foreach-over"
              value={foreach.over}
              onChange={(e) => {
                const over = e.target.value as ForEachKind;
                const first = Object.keys(params)[0] ?? "";
                if (over === "rows" || over === "files") setForEach(nodeId, { over, port: inputs[0]?.name ?? "", concurrency: foreach.concurrency });
                else if (over === "list") setForEach(nodeId, { over, param: first, values: [], concurrency: foreach.concurrency });
                else setForEach(nodeId, { over, grid: first ? { [first]: [] } : {}, concurrency: foreach.concurrency });
              }}
            >
              {FOREACH_KINDS.map((k) => (
                <option key={k} value={k}>
                  {k}
                </option>
              ))}
            </select>
            <div className="field-help">{HELP[foreach.over]}</div>
          </div>
          {foreach.over === "rows" || foreach.over === "files" ? (
            <div className="field">
              <label htmlFor="foreach-port">Input split into items</label>
              <select id="foreach-port" data-testid="foreach-port" value={foreach.port ?? ""} onChange={(e) => change({ port: e.target.value })}>
                {inputs.map((p) => (
                  <option key={p.name} value={p.name}>
                    {p.name} ({p.type})
                  </option>
                ))}
              </select>
            </div>
          ) : null}
          {foreach.over === "list" ? (
            <>
              <div className="field">
                <label htmlFor="foreach-param">Parameter each item sets</label>
                <select id="foreach-param" data-testid="foreach-param" value={foreach.param ?? ""} onChange={(e) => change({ param: e.target.value })}>
                  {Object.keys(params).map((name) => (
                    <option key={name} value={name}>
                      {name}
                    </option>
                  ))}
                </select>
              </div>
              <JsonField
                id="foreach-values"
                label="Values"
                help='a JSON list, e.g. [0.1, 1, 10], or {"$param": "name"} of an array pipeline parameter'
                value={foreach.values}
                onChange={(values) => change({ values: values as ForEachSpec["values"] })}
              />
            </>
          ) : null}
          {foreach.over === "grid" ? (
            <JsonField
              id="foreach-grid"
              label="Grid"
              help='parameter -> values, e.g. {"folds": [3, 5], "seed": [1, 2]}: every combination is an item'
              value={foreach.grid}
              onChange={(grid) => change({ grid: grid as ForEachSpec["grid"] })}
            />
          ) : null}
          <div className="field">
            <label htmlFor="foreach-concurrency">At most at once</label>
            <input
              id="foreach-concurrency"
              data-testid="foreach-concurrency"
              type="number"
              min={1}
              max={CONCURRENCY_MAX}
              value={foreach.concurrency ?? CONCURRENCY_DEFAULT}
              onChange={(e) => change({ concurrency: e.target.value === "" ? undefined : Number(e.target.value) })}
            />
            <div className="field-help">
              1 to {CONCURRENCY_MAX} items queued or running at once{count !== null ? ` · ${count} item${count === 1 ? "" : "s"}` : ""}
            </div>
          </div>
        </>
      ) : null}
      {mine.map((p) => (
        <div className="field-error" key={p.message} data-testid="foreach-error">
          {p.message}
        </div>
      ))}
    </div>
  );
}

function JsonField({ id, label, help, value, onChange }: { id: string; label: string; help: string; value: unknown; onChange: (v: unknown) => void }) {
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <input
        id={id}
        data-testid={id}
        key={`${id}/${text(value)}`}
        defaultValue={text(value)}
        onBlur={(e) => {
          const { value: next, problem } = parse(e.target.value);
          if (problem) e.target.setCustomValidity(problem);
          else {
            e.target.setCustomValidity("");
            if (text(next) !== text(value)) onChange(next);
          }
        }}
      />
      <div className="field-help">{help}</div>
    </div>
  );
}

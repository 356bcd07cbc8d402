// Compute settings (image, cpu, memory, GPUs, timeout, retries, caching) of a node, or the
// pipeline's defaults. An empty field inherits: a node's from the pipeline, the pipeline's from
// each module. Values go to the server as typed; its compile errors (naming `compute.<key>`)
// show under the field.
import { memo, useMemo } from "react";
import type { Problem } from "../api/pipelines";
import type { ComputeSettings } from "../graph/types";
import { usePipelineStore } from "../store/pipeline";

type Key = keyof ComputeSettings;

interface FieldSpec {
  key: Key;
  label: string;
  kind: "text" | "number" | "cache";
  hint: string;
}

export const COMPUTE_FIELDS: readonly FieldSpec[] = [
  { key: "image", label: "Image", kind: "text", hint: "e.g. pipewright/python-ml:1" },
  { key: "cpu", label: "CPUs", kind: "number", hint: "e.g. 2" },
  { key: "memory", label: "Memory", kind: "text", hint: "e.g. 512m, 4g" },
  { key: "gpus", label: "GPUs", kind: "number", hint: "0" },
  { key: "timeout", label: "Timeout (s)", kind: "number", hint: "e.g. 600" },
  { key: "retries", label: "Retries", kind: "number", hint: "0" },
  { key: "cache", label: "Cache", kind: "cache", hint: "" },
  { key: "cache_max_age", label: "Cache max age (s)", kind: "number", hint: "no limit" },
];

/** A typed value for `key`: a number where the text is one, else the text itself (the server names what is wrong). */
export function parseCompute(kind: FieldSpec["kind"], raw: string): unknown {
  const text = raw.trim();
  if (text === "") return undefined;
  if (kind === "number") return Number.isFinite(Number(text)) ? Number(text) : text;
  return text;
}

const shown = (v: unknown) => (v === undefined || v === null ? "" : String(v));

/** How many settings a node overrides (the node's badge). */
export const overrides = (c: ComputeSettings | undefined) => (c ? Object.keys(c).length : 0);

export const ComputeFields = memo(function ComputeFields({
  value,
  inherited,
  problems,
  onChange,
  testId,
}: {
  value: ComputeSettings;
  /** what an empty field falls back to (the pipeline's defaults, for a node) */
  inherited?: ComputeSettings;
  /** this node's (or the pipeline's) compile problems */
  problems: Problem[];
  onChange: (next: ComputeSettings) => void;
  testId: string;
}) {
  const set = (key: Key, v: unknown) => {
    const next: Record<string, unknown> = { ...value };
    if (v === undefined) delete next[key];
    else next[key] = v;
    onChange(next as ComputeSettings);
  };
  return (
    <div data-testid={testId}>
      {COMPUTE_FIELDS.map((f) => {
        const error = problems.find((p) => p.field === `compute.${f.key}`);
        const fallback = inherited?.[f.key];
        const placeholder = fallback !== undefined && fallback !== null ? `${String(fallback)} (pipeline)` : f.hint || "default";
        const id = `${testId}-${f.key}`;
        return (
          <div className="field" key={f.key}>
            <label htmlFor={id}>{f.label}</label>
            {f.kind === "cache" ? (
              <select id={id} value={shown(value.cache)} onChange={(e) => set("cache", e.target.value || undefined)} data-testid={id}>
                <option value="">{fallback ? `Inherit (${String(fallback)})` : "Inherit (on)"}</option>
                <option value="on">on</option>
                <option value="off">off</option>
              </select>
            ) : (
              <input
                id={id}
                data-testid={id}
                key={shown(value[f.key])}
                defaultValue={shown(value[f.key])}
                placeholder={placeholder}
                inputMode={f.kind === "number" ? "decimal" : undefined}
                onBlur={(e) => {
                  const next = parseCompute(f.kind, e.target.value);
                  if (shown(next) !== shown(value[f.key])) set(f.key, next);
                }}
              />
            )}
            {error ? <div className="field-error">{error.message}</div> : null}
          </div>
        );
      })}
    </div>
  );
});

/** The selected node's Compute section (PropertiesPanel). */
export function NodeCompute({ nodeId, compute }: { nodeId: string; compute: ComputeSettings | undefined }) {
  const defaults = usePipelineStore((s) => s.compute);
  const errors = usePipelineStore((s) => s.errors);
  const setNodeCompute = usePipelineStore((s) => s.setNodeCompute);
  const mine = useMemo(() => errors.filter((p) => p.node === nodeId), [errors, nodeId]);
  return (
    <ComputeFields
      value={compute ?? {}}
      inherited={defaults}
      problems={mine}
      onChange={(next) => setNodeCompute(nodeId, next)}
      testId="node-compute"
    />
  );
}

/** The pipeline's default compute settings (the parameters tab). */
export function PipelineCompute() {
  const compute = usePipelineStore((s) => s.compute);
  const errors = usePipelineStore((s) => s.errors);
  const setPipelineCompute = usePipelineStore((s) => s.setPipelineCompute);
  const mine = useMemo(() => errors.filter((p) => !p.node && p.field?.startsWith("compute")), [errors]);
  return <ComputeFields value={compute} problems={mine} onChange={setPipelineCompute} testId="pipeline-compute" />;
}

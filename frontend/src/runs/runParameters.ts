// Pipeline parameter values for a run, as the Run dialog edits them: one draft per parameter
// (the text of its input, or a checkbox's state), parsed by the parameter's type.
import type { ApiError } from "../api/client";
import type { PipelineParam, PipelineParamType } from "../graph/types";

export type Draft = string | boolean;
export type Drafts = Record<string, Draft>;

const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

const hasDefault = (p: PipelineParam) => p.default !== undefined && p.default !== null;

/** Whether a value already has the parameter's type (a remembered value may not, once the type changed). */
export function fitsType(type: PipelineParamType, value: unknown): boolean {
  switch (type) {
    case "number":
      return typeof value === "number" && Number.isFinite(value);
    case "integer":
      return typeof value === "number" && Number.isSafeInteger(value);
    case "boolean":
      return typeof value === "boolean";
    case "string":
      return typeof value === "string";
    case "array":
      return Array.isArray(value);
    case "object":
      return typeof value === "object" && value !== null && !Array.isArray(value);
  }
  return false;
}

/** The input's content for a value. */
export function toDraft(param: PipelineParam, value: unknown): Draft {
  if (param.type === "boolean") return value === true || value === "true";
  if (value === undefined || value === null) return "";
  if (typeof value === "string") return value;
  return typeof value === "object" ? JSON.stringify(value) : String(value);
}

/** One draft per parameter: the value remembered from this pipeline's last run when it still fits, else the default. */
export function initialDrafts(params: readonly PipelineParam[], remembered: Record<string, unknown> = {}): Drafts {
  const out: Drafts = {};
  for (const p of params) {
    const last = Object.prototype.hasOwnProperty.call(remembered, p.name) ? remembered[p.name] : undefined;
    out[p.name] = toDraft(p, last !== undefined && fitsType(p.type, last) ? last : p.default);
  }
  return out;
}

export type Parsed = { ok: true; value: unknown } | { ok: true; omit: true } | { ok: false; error: string };

/** A draft as the value sent for the parameter; an empty field of a parameter without a default is left out. */
export function parseDraft(param: PipelineParam, draft: Draft | undefined): Parsed {
  if (param.type === "boolean") return { ok: true, value: draft === true || draft === "true" };
  const text = typeof draft === "string" ? draft : draft === undefined ? "" : String(draft);
  if (param.type === "string") return text === "" && !hasDefault(param) ? { ok: true, omit: true } : { ok: true, value: text };
  const trimmed = text.trim();
  if (param.type === "array" || param.type === "object") {
    if (trimmed === "") return hasDefault(param) ? { ok: false, error: `Enter JSON (an ${param.type}).` } : { ok: true, omit: true };
    let value: unknown;
    try {
      value = JSON.parse(trimmed);
    } catch {
      return { ok: false, error: `Must be JSON (an ${param.type}).` };
    }
    return fitsType(param.type, value) ? { ok: true, value } : { ok: false, error: `Must be an ${param.type}.` };
  }
  if (trimmed === "") return hasDefault(param) ? { ok: false, error: "Enter a number." } : { ok: true, omit: true };
  if (!NUMBER.test(trimmed)) return { ok: false, error: "Must be a number." };
  const n = Number(trimmed);
  if (!Number.isFinite(n)) return { ok: false, error: "Must be a finite number." };
  if (param.type === "integer" && !Number.isSafeInteger(n)) return { ok: false, error: "Must be a whole number." };
  return { ok: true, value: n };
}

/** The parameters object of the run request, or the fields to fix. */
export function collectValues(
  params: readonly PipelineParam[],
  drafts: Drafts,
): { values: Record<string, unknown>; errors: Record<string, string> } {
  const values: Record<string, unknown> = {};
  const errors: Record<string, string> = {};
  for (const p of params) {
    const r = parseDraft(p, drafts[p.name]);
    if (!r.ok) errors[p.name] = r.error;
    else if ("value" in r) values[p.name] = r.value;
  }
  return { values, errors };
}

/**
 * A refused run request split for the dialog: messages located at `parameters.<name>` go under that
 * parameter's input; the rest (and located errors of parameters the dialog does not show) go above the buttons.
 */
export function locateRunErrors(
  e: ApiError,
  names: readonly string[],
): { fields: Record<string, string>; general: string[] } {
  const fields: Record<string, string> = {};
  const general: string[] = [];
  for (const x of e.errors) {
    const field = x.field ?? "";
    const name = field.startsWith("parameters.") ? field.slice("parameters.".length) : null;
    if (name !== null && names.includes(name)) {
      fields[name] = fields[name] ? `${fields[name]}; ${x.message}` : x.message;
    } else {
      general.push([name ?? x.node ?? x.port ?? (field || null), x.message].filter(Boolean).join(": "));
    }
  }
  return { fields, general: [e.detail, ...general].filter(Boolean) };
}

/** "test_size = 0.5 · mode = "fast"" for a run's parameters. */
export function formatValues(values: Record<string, unknown> | undefined | null): string {
  return Object.entries(values ?? {})
    .map(([k, v]) => `${k} = ${JSON.stringify(v)}`)
    .join(" · ");
}

// The module editor's document: a draft spec plus its files, kept in the browser (localStorage)
// until it is published. The interface form and the YAML view both edit `spec`: the form writes the
// object, the YAML view shows it (and parses edits back, keeping the last valid spec on an error).
import { parse, stringify } from "yaml";
import type { ModuleSpec, ParamSchema, Port, PortType } from "../api/modules";

export const PORT_TYPES: PortType[] = ["DataFrame", "Model", "Metrics", "Image", "File", "Any"];
export const PARAM_TYPES = ["integer", "number", "string", "boolean"] as const;
export type ParamType = (typeof PARAM_TYPES)[number];

export interface EditorDraft {
  spec: ModuleSpec;
  files: Record<string, string>;
}

/** The spec as the YAML view shows it. */
export function specToYaml(spec: ModuleSpec): string {
  return stringify(spec, { lineWidth: 0 });
}

/** The YAML view's text back to a spec, or the reason it is not one (the form keeps the last good spec). */
export function yamlToSpec(text: string): { spec: ModuleSpec } | { error: string } {
  let value: unknown;
  try {
    value = parse(text);
  } catch (e) {
    return { error: e instanceof Error ? e.message.split("\n")[0] : String(e) };
  }
  if (!value || typeof value !== "object" || Array.isArray(value)) return { error: "the spec must be a mapping" };
  const spec = value as ModuleSpec;
  if (spec.inputs !== undefined && !Array.isArray(spec.inputs)) return { error: "inputs must be a list" };
  if (spec.outputs !== undefined && !Array.isArray(spec.outputs)) return { error: "outputs must be a list" };
  if (spec.parameters !== undefined && (typeof spec.parameters !== "object" || Array.isArray(spec.parameters)))
    return { error: "parameters must be a mapping" };
  return { spec: { ...spec, inputs: spec.inputs ?? [], outputs: spec.outputs ?? [], parameters: spec.parameters ?? {} } };
}

export type PortKind = "inputs" | "outputs";

export function setPort(spec: ModuleSpec, kind: PortKind, index: number, patch: Partial<Port>): ModuleSpec {
  const ports = spec[kind].map((p, i) => {
    if (i !== index) return p;
    const next: Port = { ...p, ...patch };
    if (next.optional === false) delete next.optional;
    return next;
  });
  return { ...spec, [kind]: ports };
}

export function addPort(spec: ModuleSpec, kind: PortKind): ModuleSpec {
  const taken = new Set(spec[kind].map((p) => p.name));
  const base = kind === "inputs" ? "input" : "output";
  let n = spec[kind].length + 1;
  while (taken.has(`${base}${n}`)) n++;
  return { ...spec, [kind]: [...spec[kind], { name: `${base}${n}`, type: "DataFrame" }] };
}

export function removePort(spec: ModuleSpec, kind: PortKind, index: number): ModuleSpec {
  return { ...spec, [kind]: spec[kind].filter((_, i) => i !== index) };
}

/** Rename a parameter keeping the order of the form. */
export function renameParam(spec: ModuleSpec, from: string, to: string): ModuleSpec {
  if (from === to || to in spec.parameters) return spec;
  const parameters: Record<string, ParamSchema> = {};
  for (const [k, v] of Object.entries(spec.parameters)) parameters[k === from ? to : k] = v;
  return { ...spec, parameters };
}

export function setParamType(spec: ModuleSpec, name: string, type: ParamType): ModuleSpec {
  const old = spec.parameters[name] ?? {};
  const schema: ParamSchema = { ...old, type, default: coerce(type, old.default) };
  if (type !== "integer" && type !== "number") {
    delete schema.minimum;
    delete schema.maximum;
  }
  if (type !== "string") delete schema.enum;
  return { ...spec, parameters: { ...spec.parameters, [name]: schema } };
}

export function setParamDefault(spec: ModuleSpec, name: string, text: string): ModuleSpec {
  const schema = spec.parameters[name] ?? {};
  const type = (schema.type ?? "string") as ParamType;
  return { ...spec, parameters: { ...spec.parameters, [name]: { ...schema, default: coerce(type, text) } } };
}

export function addParam(spec: ModuleSpec): ModuleSpec {
  let n = Object.keys(spec.parameters).length + 1;
  while (`param${n}` in spec.parameters) n++;
  return { ...spec, parameters: { ...spec.parameters, [`param${n}`]: { type: "integer", default: 0 } } };
}

export function removeParam(spec: ModuleSpec, name: string): ModuleSpec {
  const parameters = { ...spec.parameters };
  delete parameters[name];
  return { ...spec, parameters };
}

/** A default typed in the form as the parameter's type ("3" -> 3 for an integer). */
export function coerce(type: ParamType, value: unknown): unknown {
  const text = typeof value === "string" ? value.trim() : value;
  switch (type) {
    case "integer": {
      const n = Number(text);
      return Number.isFinite(n) ? Math.trunc(n) : 0;
    }
    case "number": {
      const n = Number(text);
      return Number.isFinite(n) ? n : 0;
    }
    case "boolean":
      return text === true || text === "true";
    default:
      return value === undefined || value === null ? "" : String(value);
  }
}

/** Does the draft come from the function template (its run.py is generated from main()'s signature)? */
export const isFunctionDraft = (files: Record<string, string>) =>
  (files["run.py"] ?? "").includes("Generated by Pipewright from the signature of main()");

/** Where a module's draft is kept in this browser. */
export const draftKey = (ref: string) => `pipewright.draft.${ref}`;

export function loadDraft(ref: string, storage: Storage = window.localStorage): EditorDraft | null {
  try {
    const raw = storage.getItem(draftKey(ref));
    if (!raw) return null;
    const value = JSON.parse(raw) as EditorDraft;
    return value && value.spec && value.files ? value : null;
  } catch {
    return null;
  }
}

export function saveDraft(ref: string, draft: EditorDraft | null, storage: Storage = window.localStorage) {
  try {
    if (draft) storage.setItem(draftKey(ref), JSON.stringify(draft));
    else storage.removeItem(draftKey(ref));
  } catch {
    // a full or disabled storage: the draft lives on in the page only
  }
}

/** The parameter values a trial sends: the defaults, overridden by the typed values. */
export function trialParams(spec: ModuleSpec, typed: Record<string, string>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, schema] of Object.entries(spec.parameters)) {
    if (typed[name] === undefined || typed[name] === "") continue;
    out[name] = coerce((schema.type ?? "string") as ParamType, typed[name]);
  }
  return out;
}

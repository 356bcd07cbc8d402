// A properties form generated from a parameter's JSON Schema. Pure: the panel renders these fields.
import type { ParamSchema } from "../api/modules";

export type FieldKind = "number" | "integer" | "select" | "checkbox" | "text" | "code" | "json";

export interface Field {
  name: string;
  label: string;
  kind: FieldKind;
  description?: string;
  min?: number;
  max?: number;
  exclusiveMin?: number;
  exclusiveMax?: number;
  minLength?: number;
  options?: unknown[];
  default?: unknown;
  required: boolean;
}

export function humanize(name: string): string {
  const s = name.replace(/[_-]+/g, " ").trim();
  return s.charAt(0).toUpperCase() + s.slice(1);
}

export function fieldFor(name: string, schema: ParamSchema, required = false): Field {
  const base = {
    name,
    label: typeof schema.title === "string" ? schema.title : humanize(name),
    description: schema.description,
    default: schema.default,
    required,
  };
  if (Array.isArray(schema.enum)) return { ...base, kind: "select", options: schema.enum };
  switch (schema.type) {
    case "number":
    case "integer":
      return {
        ...base,
        kind: schema.type,
        min: schema.minimum,
        max: schema.maximum,
        exclusiveMin: typeof schema.exclusiveMinimum === "number" ? schema.exclusiveMinimum : undefined,
        exclusiveMax: typeof schema.exclusiveMaximum === "number" ? schema.exclusiveMaximum : undefined,
      };
    case "boolean":
      return { ...base, kind: "checkbox" };
    case "string":
      return {
        ...base,
        kind: schema.format === "code" ? "code" : "text",
        minLength: typeof schema.minLength === "number" ? schema.minLength : undefined,
      };
    default:
      return { ...base, kind: "json" };
  }
}

export function fieldsFor(parameters: Record<string, ParamSchema> | undefined, required: string[] = []): Field[] {
  return Object.entries(parameters ?? {}).map(([name, schema]) => fieldFor(name, schema, required.includes(name)));
}

/** Turn the raw text of an input into the parameter's value; undefined means "unset". */
export function parseInput(field: Field, raw: string): { value?: unknown; error?: string } {
  if (field.kind === "number" || field.kind === "integer") {
    if (raw.trim() === "") return {};
    const n = Number(raw);
    if (!Number.isFinite(n)) return { error: "Not a number" };
    return { value: n };
  }
  if (field.kind === "json") {
    if (raw.trim() === "") return {};
    try {
      return { value: JSON.parse(raw) };
    } catch {
      return { error: "Invalid JSON" };
    }
  }
  if (field.kind === "select") {
    const match = field.options?.find((o) => String(o) === raw);
    return match === undefined ? {} : { value: match };
  }
  return { value: raw };
}

/** The message to show beside a field, or null when the value is acceptable. */
export function validateValue(field: Field, value: unknown): string | null {
  if (value === undefined) return field.required && field.default === undefined ? "Required" : null;
  if (field.kind === "number" || field.kind === "integer") {
    if (typeof value !== "number" || !Number.isFinite(value)) return "Must be a number";
    if (field.kind === "integer" && !Number.isInteger(value)) return "Must be a whole number";
    if (field.min !== undefined && value < field.min) return `Must be at least ${field.min}`;
    if (field.max !== undefined && value > field.max) return `Must be at most ${field.max}`;
    if (field.exclusiveMin !== undefined && value <= field.exclusiveMin) return `Must be more than ${field.exclusiveMin}`;
    if (field.exclusiveMax !== undefined && value >= field.exclusiveMax) return `Must be less than ${field.exclusiveMax}`;
  }
  if ((field.kind === "text" || field.kind === "code") && field.minLength !== undefined && String(value).length < field.minLength) {
    return field.minLength === 1 ? "Must not be empty" : `At least ${field.minLength} characters`;
  }
  if (field.kind === "select" && !field.options?.some((o) => o === value)) return "Not one of the allowed values";
  if (field.kind === "checkbox" && typeof value !== "boolean") return "Must be true or false";
  return null;
}

export function displayValue(field: Field, value: unknown): string {
  if (value === undefined || value === null) return "";
  if (field.kind === "json") return JSON.stringify(value);
  return String(value);
}

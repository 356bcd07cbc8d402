// Pure catalog logic (no React, no fetch): permissions, badges, semver ordering, parameter rows.
import type { LocatedError } from "../api/client";
import type { ModuleListItem, ParamSchema, VersionStatus, VersionSummary } from "../api/modules";
import { sortVersions } from "../graph/versions";

export type Role = "owner" | "maintainer" | "member" | "viewer";
export const BUILTIN_TEAM = "builtin";

export interface TeamMembership {
  name: string;
  role: Role | null;
}

/** The user's role in `team`, or null when they are not a member. */
export function roleIn(teams: readonly TeamMembership[] | undefined, team: string): Role | null {
  return teams?.find((t) => t.name === team)?.role ?? null;
}

/** Maintainers and owners publish and change the lifecycle of their team's modules; builtin is read-only. */
export function canManage(role: Role | null | undefined, team: string): boolean {
  if (team === BUILTIN_TEAM) return false;
  return role === "maintainer" || role === "owner";
}

export interface BadgeStyle {
  label: string;
  tone: "green" | "amber" | "grey";
  title: string;
}

const BADGES: Record<VersionStatus, BadgeStyle> = {
  active: { label: "active", tone: "green", title: "Active: new nodes may use it." },
  deprecated: { label: "deprecated", tone: "amber", title: "Deprecated: still runs, with a warning." },
  disabled: { label: "disabled", tone: "grey", title: "Disabled: pipelines using it cannot run." },
};

export function statusBadge(status: VersionStatus | string): BadgeStyle {
  return BADGES[status as VersionStatus] ?? { label: String(status), tone: "grey", title: String(status) };
}

/** Port colours come from the canvas, so chips here match the handles there. */
export { PORT_COLORS, portColor } from "../graph/ports";

// --- semver (owned by graph/versions, so the canvas and the catalog order versions alike) ------

export { compareSemver, parseSemver, sortVersions } from "../graph/versions";
/** The version shown by default: the server's `preferred_version` (the one rule, owned by the
 * compiler), else for a module whose every version is disabled the newest. */
export function preferredVersion(module: Pick<ModuleListItem, "versions" | "preferred_version">): VersionSummary | null {
  const sorted = sortVersions(module.versions);
  return sorted.find((v) => v.version === module.preferred_version) ?? sorted[0] ?? null;
}

export function statusSummary(versions: readonly VersionSummary[]): string {
  const counts: Record<string, number> = {};
  for (const v of versions) counts[v.status] = (counts[v.status] ?? 0) + 1;
  const total = versions.length;
  const parts = [`${total} version${total === 1 ? "" : "s"}`];
  for (const status of ["deprecated", "disabled"] as const) {
    if (counts[status]) parts.push(`${counts[status]} ${status}`);
  }
  return parts.join(" · ");
}

export function shortDigest(digest: string, length = 12): string {
  const hex = digest.replace(/^sha256:/, "");
  return hex.length > length ? hex.slice(0, length) : hex;
}

/** Modules grouped by category (categories alphabetical, "Uncategorized" last; modules by display name). */
export function groupByCategory(items: readonly ModuleListItem[]): [string, ModuleListItem[]][] {
  const groups = new Map<string, ModuleListItem[]>();
  for (const item of items) {
    const key = item.category?.trim() || "Uncategorized";
    const list = groups.get(key) ?? [];
    list.push(item);
    groups.set(key, list);
  }
  const byName = (a: ModuleListItem, b: ModuleListItem) =>
    (a.display_name || a.name).localeCompare(b.display_name || b.name) || a.ref.localeCompare(b.ref);
  return [...groups.entries()]
    .map(([k, list]) => [k, list.sort(byName)] as [string, ModuleListItem[]])
    .sort(([a], [b]) => (a === "Uncategorized" ? 1 : b === "Uncategorized" ? -1 : a.localeCompare(b)));
}

// --- parameters ---------------------------------------------------------------------------------

export interface ParamRow {
  name: string;
  type: string;
  default: string;
  constraints: string[];
  title: string;
  description: string;
}

export function formatValue(value: unknown): string {
  if (value === undefined) return "";
  if (typeof value === "string") return JSON.stringify(value);
  return JSON.stringify(value) ?? String(value);
}

function constraintsOf(schema: ParamSchema): string[] {
  const out: string[] = [];
  const num = (k: string) => (typeof schema[k] === "number" ? (schema[k] as number) : undefined);
  const min = num("minimum");
  const max = num("maximum");
  const xmin = num("exclusiveMinimum");
  const xmax = num("exclusiveMaximum");
  const lower = min !== undefined ? `${min} ≤` : xmin !== undefined ? `${xmin} <` : "";
  const upper = max !== undefined ? `≤ ${max}` : xmax !== undefined ? `< ${xmax}` : "";
  if (lower || upper) out.push([lower, "x", upper].filter(Boolean).join(" "));
  if (Array.isArray(schema.enum)) out.push("one of " + schema.enum.map(formatValue).join(", "));
  if (typeof schema.minLength === "number") out.push(`min length ${schema.minLength}`);
  if (typeof schema.maxLength === "number") out.push(`max length ${schema.maxLength}`);
  if (typeof schema.pattern === "string") out.push(`matches /${schema.pattern}/`);
  if (typeof schema.multipleOf === "number") out.push(`multiple of ${schema.multipleOf}`);
  if (typeof schema.minItems === "number") out.push(`at least ${schema.minItems} items`);
  if (typeof schema.maxItems === "number") out.push(`at most ${schema.maxItems} items`);
  if (schema.format) out.push(`format ${schema.format}`);
  return out;
}

function typeOf(schema: ParamSchema): string {
  const t = schema.type as unknown;
  if (Array.isArray(t)) return t.join(" | ");
  if (typeof t === "string") {
    const items = schema.items as ParamSchema | undefined;
    if (t === "array" && items && typeof items.type === "string") return `array<${items.type}>`;
    return t;
  }
  if (Array.isArray(schema.enum)) return "enum";
  return "any";
}

export function paramRows(parameters: Record<string, ParamSchema> | undefined): ParamRow[] {
  return Object.entries(parameters ?? {}).map(([name, schema]) => ({
    name,
    type: typeOf(schema),
    default: "default" in schema ? formatValue(schema.default) : "",
    constraints: constraintsOf(schema),
    title: typeof schema.title === "string" ? schema.title : "",
    description: typeof schema.description === "string" ? schema.description : "",
  }));
}

// --- errors -------------------------------------------------------------------------------------

/** Located API errors keyed by their field (or node/port), for showing next to form controls. */
export function errorsByField(errors: readonly LocatedError[]): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const e of errors) {
    const key = e.field ?? e.port ?? e.node ?? "";
    (out[key] ??= []).push(e.message);
  }
  return out;
}

/** Best-effort `version:` of a spec file's text (YAML or JSON), to label the publish button. */
export function specVersionOf(text: string): string | null {
  const json = /"version"\s*:\s*"([^"]+)"/.exec(text);
  if (json) return json[1];
  const yaml = /^version\s*:\s*["']?([^"'\s#]+)["']?/m.exec(text);
  return yaml ? yaml[1] : null;
}

// --- lifecycle ----------------------------------------------------------------------------------

export type LifecycleAction = "deprecate" | "disable" | "enable" | "default";

/** Which lifecycle buttons make sense for a version in its current state. */
export function actionsFor(v: VersionSummary): LifecycleAction[] {
  const out: LifecycleAction[] = [];
  if (!v.is_default && v.status !== "disabled") out.push("default");
  if (v.status === "active") out.push("deprecate");
  if (v.status !== "disabled") out.push("disable");
  if (v.status !== "active") out.push("enable");
  return out;
}

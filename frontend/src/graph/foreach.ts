// For each (compiler/foreach.py): a module node run once per item. Pure: the document's shape,
// what a node shows of it, a default for a node made into one, and a run's roll-up of its items.
import type { Port } from "../api/modules";
import type { ParamRef } from "./types";

export const FOREACH_KINDS = ["rows", "files", "list", "grid"] as const;
export type ForEachKind = (typeof FOREACH_KINDS)[number];
export const CONCURRENCY_MAX = 64;
export const CONCURRENCY_DEFAULT = 4;

export interface ForEachSpec {
  over: ForEachKind;
  /** rows, files: the body's input whose table or folder is split into items */
  port?: string;
  /** list: the body parameter each item sets */
  param?: string;
  /** list: the values, or an array pipeline parameter */
  values?: unknown[] | ParamRef;
  /** grid: parameter -> values; every combination is an item */
  grid?: Record<string, unknown[]>;
  /** at most this many items queued or running at once */
  concurrency?: number;
}

/** A for-each node's outputs: the body's gathered (a table stays a table, anything else becomes a
 *  folder of one sub-folder per item: File) and `items`, one row per item. */
export function forEachOutputs(body: readonly Port[]): Port[] {
  return [...body.map((p) => ({ ...p, type: p.type === "DataFrame" ? p.type : ("File" as Port["type"]) })), { name: "items", type: "DataFrame" as Port["type"] }];
}

const isRef = (v: unknown): v is ParamRef => typeof v === "object" && v !== null && !Array.isArray(v) && "$param" in v;

/** How many items a list or grid makes (null: known only at run time). */
export function itemCount(f: ForEachSpec): number | null {
  if (f.over === "list") return Array.isArray(f.values) ? f.values.length : null;
  if (f.over === "grid") {
    const lists = Object.values(f.grid ?? {});
    return lists.length ? lists.reduce((n, l) => n * (Array.isArray(l) ? l.length : 0), 1) : 0;
  }
  return null;
}

/** One line for the node: what it runs over. */
export function describeForEach(f: ForEachSpec): string {
  switch (f.over) {
    case "rows":
      return `each row of ${f.port || "?"}`;
    case "files":
      return `each file of ${f.port || "?"}`;
    case "list":
      return isRef(f.values) ? `each ${f.param || "?"} in params.${f.values.$param}` : `each ${f.param || "?"} of ${itemCount(f) ?? 0}`;
    case "grid":
      return `${Object.keys(f.grid ?? {}).join(" × ") || "?"} (${itemCount(f) ?? 0})`;
  }
}

/** What a module node becomes when made a for-each: over the rows of its first table input, else
 *  over a list of values of its first parameter (its default as the one value). */
export function defaultForEach(inputs: Port[], params: Record<string, { default?: unknown }>): ForEachSpec {
  const table = inputs.find((p) => p.type === "DataFrame" || p.type === "Any");
  if (table) return { over: "rows", port: table.name, concurrency: CONCURRENCY_DEFAULT };
  const [name, schema] = Object.entries(params)[0] ?? ["", {}];
  return { over: "list", param: name, values: schema.default !== undefined ? [schema.default] : [], concurrency: CONCURRENCY_DEFAULT };
}

export type ItemStatus = "pending" | "queued" | "running" | "succeeded" | "failed" | "cached" | "skipped" | "canceled";

export interface RollUp {
  total: number;
  done: number;
  failed: number;
  running: number;
  text: string;
}

/** "812/1000 ✓, 3 ✗, 4 running": done counts succeeded and cached items. */
export function rollUp(statuses: readonly ItemStatus[]): RollUp {
  let done = 0;
  let failed = 0;
  let running = 0;
  for (const s of statuses) {
    if (s === "succeeded" || s === "cached") done += 1;
    else if (s === "failed" || s === "canceled") failed += 1;
    else if (s === "running" || s === "queued") running += 1;
  }
  const parts = [`${done}/${statuses.length} ✓`];
  if (failed) parts.push(`${failed} ✗`);
  if (running) parts.push(`${running} running`);
  return { total: statuses.length, done, failed, running, text: parts.join(", ") };
}

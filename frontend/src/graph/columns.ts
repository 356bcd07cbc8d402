// Which columns a module parameter can name: a parameter whose schema says `format: column` (one
// name) or `format: columns` (comma-separated names) refers to the table on one input (its
// `x-input`, else the module's first DataFrame/Any input). The columns are known when a dataset
// node feeds that input: the header of the version the node reads (its pinned version, else the
// latest), directly or through modules whose output keeps an input's columns (an output port's
// `columns_from`, e.g. Split Data's train and test); the compiler follows the same chain.

export interface ColumnPort {
  name: string;
  type: string;
}

export interface ColumnSchema {
  format?: unknown;
  "x-input"?: unknown;
}

export interface DatasetColumns {
  ref: string;
  latest_version: number | null;
  versions: readonly { version: number; columns: readonly string[] }[];
}

export interface EdgeLike {
  source: string;
  sourceHandle?: string | null;
  target: string;
  targetHandle?: string | null;
}

export interface NodeLike {
  id: string;
  type?: string;
  data: { dataset?: string; version?: number | string | null };
}

export const columnKind = (schema: ColumnSchema | undefined): "column" | "columns" | null =>
  schema?.format === "column" || schema?.format === "columns" ? schema.format : null;

export function columnPort(schema: ColumnSchema, inputs: readonly ColumnPort[]): string | null {
  if (typeof schema["x-input"] === "string") return schema["x-input"];
  return inputs.find((p) => p.type === "DataFrame" || p.type === "Any")?.name ?? null;
}

/** The columns of the dataset version `ref@version` (latest when null), or null when unknown. */
export function datasetColumns(datasets: readonly DatasetColumns[], ref: string, version: number | null): string[] | null {
  const d = datasets.find((x) => x.ref === ref);
  if (!d) return null;
  const wanted = version ?? d.latest_version;
  const v = d.versions.find((x) => x.version === wanted);
  return v && v.columns.length ? [...v.columns] : null;
}

/** The columns flowing into the parameter's input of node `nodeId`, or null when not known. */
export function knownColumns(
  nodeId: string,
  schema: ColumnSchema,
  inputs: readonly ColumnPort[],
  nodes: readonly NodeLike[],
  edges: readonly EdgeLike[],
  datasets: readonly DatasetColumns[],
): string[] | null {
  const port = columnPort(schema, inputs);
  if (port === null) return null;
  const edge = edges.find((e) => e.target === nodeId && e.targetHandle === port);
  const source = edge ? nodes.find((n) => n.id === edge.source) : undefined;
  if (!source || typeof source.data.dataset !== "string") return null;
  const v = source.data.version;
  return datasetColumns(datasets, source.data.dataset, typeof v === "number" ? v : null);
}

/** Where the table on `edge` comes from: the dataset node (ref and version) reached by walking
 *  back through module outputs that keep an input's columns, or null. `keeps(nodeId, outPort)`
 *  names the input whose columns that output keeps (its `columns_from`), else null. */
export function upstreamDataset(
  edge: EdgeLike,
  nodes: readonly NodeLike[],
  edges: readonly EdgeLike[],
  keeps: (nodeId: string, outPort: string) => string | null,
): { dataset: string; version: number | null } | null {
  const seen = new Set<string>();
  let current: EdgeLike | undefined = edge;
  while (current && !seen.has(`${current.target}|${current.targetHandle ?? ""}`)) {
    seen.add(`${current.target}|${current.targetHandle ?? ""}`);
    const from: EdgeLike = current;
    const source = nodes.find((n) => n.id === from.source);
    if (!source) return null;
    if (typeof source.data.dataset === "string") {
      const v = source.data.version;
      return { dataset: source.data.dataset, version: typeof v === "number" ? v : null };
    }
    const input = from.sourceHandle ? keeps(source.id, from.sourceHandle) : null;
    if (input === null) return null;
    current = edges.find((e) => e.target === source.id && e.targetHandle === input);
  }
  return null;
}

/** The names a `columns` value lists (comma-separated, trimmed, blanks dropped). */
export const splitColumns = (value: string) =>
  value
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);

/** The names in `value` that are not among `known` (what the compiler would refuse). */
export function unknownColumns(kind: "column" | "columns", value: unknown, known: readonly string[]): string[] {
  if (typeof value !== "string" || !value.trim()) return [];
  const names = kind === "columns" ? splitColumns(value) : [value.trim()];
  return names.filter((n) => !known.includes(n));
}

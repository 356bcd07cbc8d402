import type { components } from "../api/schema";
import type { ForEachSpec } from "./foreach";
// The pipeline document exactly as API.md "Pipelines" describes it (schema 1).

export type ParamValue = unknown;
export interface ParamRef {
  $param: string;
}

export interface Position {
  x: number;
  y: number;
}

/** Compute settings of a node, or the pipeline's defaults (compiler.compute): every key optional. */
export type ComputeSettings = components["schemas"]["ComputeSettings"];

/** The settings actually set (no null or empty values), or undefined when none is. */
export function computeOf(c: ComputeSettings | null | undefined): ComputeSettings | undefined {
  if (!c || typeof c !== "object") return undefined;
  const out = Object.fromEntries(Object.entries(c).filter(([, v]) => v !== null && v !== undefined && v !== "")) as ComputeSettings;
  return Object.keys(out).length ? out : undefined;
}

export interface ModuleNodeDoc {
  id: string;
  module: string; // "team/name"
  version: string | null;
  params: Record<string, ParamValue>;
  position: Position;
  /** a display name for the node; the compiler carries it into the plan */
  label?: string;
  /** overrides of the pipeline's and the module's compute settings */
  compute?: ComputeSettings;
  /** runs only when this holds, e.g. "evaluate.accuracy >= 0.9" or "params.mode == 'full'" (compiler.conditions) */
  condition?: string;
  /** an "always run" exit step: runs once every other step has finished, whatever the outcome */
  exit?: boolean;
  /** run once per item (compiler/foreach.py): the module is the body */
  foreach?: ForEachSpec;
}

export interface DatasetNodeDoc {
  id: string;
  dataset: string; // "team/name"
  version: number | null;
  position: Position;
}

/** A saved pipeline version placed as one node (compiler.nesting): its ports are the inner
 * pipeline's input and output nodes; `params` set the inner pipeline's parameters. */
export interface SubPipelineNodeDoc {
  id: string;
  pipeline: number;
  version: number | null;
  params: Record<string, ParamValue>;
  position: Position;
  /** run the whole inner pipeline once per item (compiler/subforeach.py): list and grid set its
   *  parameters, rows and files split one of its inputs */
  foreach?: ForEachSpec;
}

/** A pipeline's declared input (an output port inside) or output (an input port inside). */
export interface BoundaryNodeDoc {
  id: string;
  input?: string;
  output?: string;
  type: string;
  position: Position;
}

export type NodeDoc = ModuleNodeDoc | DatasetNodeDoc | SubPipelineNodeDoc | BoundaryNodeDoc;

export interface EdgeDoc {
  source: string;
  source_port: string;
  target: string;
  target_port: string;
}

/** The compiler's pipeline parameter types (compiler.parameters), read from /api/schema/. */
export type PipelineParamType = components["schemas"]["PipelineParameter"]["type"];

/** Every type, for pickers; a type the server adds or drops fails `tsc` here until listed. */
export const PARAM_TYPES = ["number", "integer", "string", "boolean", "array", "object"] as const satisfies readonly PipelineParamType[];
type Unlisted = Exclude<PipelineParamType, (typeof PARAM_TYPES)[number]>;
const everyTypeListed: [Unlisted] extends [never] ? true : Unlisted = true;
void everyTypeListed;

export interface PipelineParam {
  name: string;
  type: PipelineParamType;
  default?: unknown;
}

/** A sticky note (plain text, never rendered as HTML); runs ignore it. */
export interface NoteDoc {
  id: string;
  text: string;
  position: Position;
  width?: number;
  height?: number;
}

/** A visual group of nodes: a labelled frame around its members, collapsible; runs ignore it. */
export interface GroupDoc {
  id: string;
  label: string;
  nodes: string[];
  collapsed?: boolean;
}

export const NOTE_TEXT_MAX = 2000;

export interface PipelineDoc {
  schema: 1;
  nodes: NodeDoc[];
  edges: EdgeDoc[];
  parameters: PipelineParam[];
  /** the pipeline's default compute settings */
  compute?: ComputeSettings;
  notes?: NoteDoc[];
  groups?: GroupDoc[];
}

export const isDatasetNode = (n: NodeDoc): n is DatasetNodeDoc => "dataset" in n;
export const isSubPipelineNode = (n: NodeDoc): n is SubPipelineNodeDoc => "pipeline" in n;
export const isBoundaryNode = (n: NodeDoc): n is BoundaryNodeDoc => ("input" in n || "output" in n) && !("module" in n);

export const isParamRef = (v: unknown): v is ParamRef =>
  typeof v === "object" && v !== null && !Array.isArray(v) && typeof (v as ParamRef).$param === "string";

export function emptyDoc(): PipelineDoc {
  return { schema: 1, nodes: [], edges: [], parameters: [] };
}

/** Upgrade whatever the server holds to schema 1 (documents saved before the version field). */
export function upgradeDoc(raw: unknown): PipelineDoc {
  const obj = (raw && typeof raw === "object" ? raw : {}) as Partial<PipelineDoc> & { schema?: number };
  const compute = computeOf(obj.compute);
  const notes = Array.isArray(obj.notes) ? obj.notes : [];
  const groups = Array.isArray(obj.groups) ? obj.groups : [];
  return {
    schema: 1,
    nodes: Array.isArray(obj.nodes) ? obj.nodes : [],
    edges: Array.isArray(obj.edges) ? obj.edges : [],
    parameters: Array.isArray(obj.parameters) ? obj.parameters : [],
    ...(compute ? { compute } : {}),
    ...(notes.length ? { notes } : {}),
    ...(groups.length ? { groups } : {}),
  };
}

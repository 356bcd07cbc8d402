// The module catalog API (see /api/docs/). Shared by the palette, the canvas and catalog pages.
import { ApiError, get, listAll, post, request, withQuery } from "./client";
import type { components } from "./schema";

type Schemas = components["schemas"];

export type PortType = "DataFrame" | "Model" | "Metrics" | "Image" | "File" | "Any";
export type VersionStatus = Schemas["VersionStatusEnum"];

// A module's spec is any JSON to OpenAPI (validated by the catalog); its shape is written here.
export interface Port {
  name: string;
  type: PortType;
  optional?: boolean;
  description?: string;
  /** an output whose table has the columns of this input (split, clean, normalize) */
  columns_from?: string;
}

/** JSON Schema of one parameter (plus `format: "code"` for script editors). */
export interface ParamSchema {
  type?: "number" | "integer" | "string" | "boolean" | "array" | "object";
  enum?: unknown[];
  default?: unknown;
  minimum?: number;
  maximum?: number;
  description?: string;
  title?: string;
  format?: string;
  [key: string]: unknown;
}

export interface ModuleSpec {
  name: string;
  version: string;
  display_name?: string;
  category?: string;
  description?: string;
  inputs: Port[];
  outputs: Port[];
  parameters: Record<string, ParamSchema>;
  runtime: Record<string, unknown>;
  deterministic?: boolean;
}

export type VersionSummary = Schemas["VersionSummary"];

/** A module with its version summaries; `spec` is the preferred version's,
 *  for the palette and new nodes. */
export type ModuleListItem = Omit<Schemas["ModuleListItem"], "spec"> & { spec?: ModuleSpec };

export type ModuleVersionDetail = Omit<Schemas["ModuleVersionDetail"], "spec"> & { spec: ModuleSpec };

/** Every module matching the filters, in catalog order (all pages: the palette and the catalog show them all). */
export const listModules = (query: { q?: string; category?: string; team?: string } = {}) =>
  listAll<ModuleListItem>(withQuery("/api/modules/", query));

/** Every module matching a catalog query string (`q` and repeated facet values), in catalog order. */
export const listModulesWhere = (query: string) => listAll<ModuleListItem>(`/api/modules/${query ? `?${query}` : ""}`);

export const getVersion = (ref: string, version: string) =>
  get<ModuleVersionDetail>(`/api/modules/${ref}/versions/${version}/`);

export const deprecateVersion = (ref: string, version: string, message: string, successor?: string) =>
  post<ModuleVersionDetail>(`/api/modules/${ref}/versions/${version}/deprecate`, { message, successor });
export const disableVersion = (ref: string, version: string) =>
  post<ModuleVersionDetail>(`/api/modules/${ref}/versions/${version}/disable`);
export const enableVersion = (ref: string, version: string) =>
  post<ModuleVersionDetail>(`/api/modules/${ref}/versions/${version}/enable`);
export const setDefaultVersion = (ref: string, version: string) =>
  post<ModuleListItem>(`/api/modules/${ref}/default`, { version });

export const publishVersion = async (ref: string, form: FormData) =>
  (await request<ModuleVersionDetail>(`/api/modules/${ref}/versions/`, { method: "POST", body: form })).data;

// --- sharing (maintainers of the owning team) ------------------------------------------------------

export type ModuleGrant = Schemas["Grant"];
export type Visibility = Schemas["VisibilityEnum"];

export const listGrants = (ref: string) => listAll<ModuleGrant>(`/api/modules/${ref}/grants/`);
export const grantModule = (ref: string, team: string) => post<ModuleGrant>(`/api/modules/${ref}/grants/`, { team });
export const revokeGrant = async (ref: string, team: string) => {
  await request<null>(`/api/modules/${ref}/grants/${encodeURIComponent(team)}/`, { method: "DELETE" });
};
export const setVisibility = async (ref: string, visibility: Visibility) =>
  (await request<ModuleListItem>(`/api/modules/${ref}/`, { method: "PATCH", body: { visibility } })).data;

// --- catalog pages ------------------------------------------------------------------------------

export const moduleRef = (team: string, name: string) => `${team}/${name}`;

/** One module with its version summaries; null when it does not exist or is not visible (404). */
export const getModule = async (team: string, name: string): Promise<ModuleListItem | null> => {
  try {
    return await get<ModuleListItem>(`/api/modules/${team}/${name}/`);
  } catch (e) {
    if (e instanceof ApiError && e.status === 404) return null;
    throw e;
  }
};

export const specYamlUrl = (ref: string, version: string) => `/api/modules/${ref}/versions/${version}/spec.yaml`;

/** The version as a Kubeflow Pipelines component.yaml (an imported one's own file). */
export const componentYamlUrl = (ref: string, version: string) =>
  `/api/modules/${ref}/versions/${version}/component.yaml`;

export type KfpImport = Schemas["KfpImport"];

/** Import a Kubeflow component.yaml (its text) as a version of `team/name`; creates the module if needed. */
export const importKfpComponent = (body: KfpImport) => post<ModuleVersionDetail>("/api/modules/import/kfp", body);

export type NewModule = Schemas["ModuleCreate"];

export const createModule = (body: NewModule) => post<ModuleListItem>("/api/modules/", body);

/** The multipart body of a publish: the spec YAML as `spec`, each source file as `files`, and `is_default`. */
export function publishForm(spec: File, sources: readonly File[], isDefault: boolean): FormData {
  const form = new FormData();
  form.append("spec", spec, spec.name);
  for (const file of sources) form.append("files", file, file.name);
  if (isDefault) form.append("is_default", "true");
  return form;
}

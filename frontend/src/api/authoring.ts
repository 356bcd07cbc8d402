// Authoring modules in the browser (docs/modules.md "The module editor"): templates, sources of a
// version, "Try it" trials, the publish proposal, comparing versions, usage and catalog facets.
import { ApiError, get, listAll, post, withQuery } from "./client";
import type { ModuleSpec, ModuleVersionDetail } from "./modules";
import type { components } from "./schema";

type Schemas = components["schemas"];

export type Template = "script" | "function";
export interface Draft {
  spec: ModuleSpec;
  files: Record<string, string>;
}

export const fromTemplate = async (body: {
  template: Template;
  name: string;
  display_name?: string;
  category?: string;
  description?: string;
  code?: string;
  version?: string;
}): Promise<Draft> => {
  const answer = await post<Schemas["Draft"]>("/api/modules/templates/", body);
  return { spec: answer.spec as unknown as ModuleSpec, files: answer.files };
};

export const versionSources = async (ref: string, version: string) =>
  (await get<Schemas["Sources"]>(`/api/modules/${ref}/versions/${version}/sources/`)).files;

export type Trial = Schemas["Trial"];
export interface TrialInput {
  dataset?: string;
  version?: number;
  csv?: string;
}

export const startTrial = (body: {
  module: string;
  spec: ModuleSpec;
  files: Record<string, string>;
  parameters: Record<string, unknown>;
  inputs: Record<string, TrialInput>;
}) => post<Trial>("/api/trials/", body);

export const getTrial = (id: number, offset = 0) => get<Trial>(withQuery(`/api/trials/${id}/`, { offset }));

export type Bump = "patch" | "minor" | "major";
export type Proposal = Schemas["Proposal"];
export type SpecDiff = Schemas["SpecDiff"];

export const proposeVersion = (ref: string, spec: ModuleSpec) =>
  post<Proposal>(`/api/modules/${ref}/proposal`, { spec });

export const publishDraft = (
  ref: string,
  body: { spec: ModuleSpec; files: Record<string, string>; changelog: string; is_default: boolean },
) => post<ModuleVersionDetail>(`/api/modules/${ref}/versions/`, body);

export type Comparison = Omit<Schemas["Compare"], "base" | "head"> & {
  base: ModuleVersionDetail;
  head: ModuleVersionDetail;
};

export const compareVersions = (ref: string, base: string, head: string) =>
  get<Comparison>(withQuery(`/api/modules/${ref}/compare`, { base, head }));

export type Usage = Schemas["ModuleUsage"];
export const moduleUsage = async (ref: string): Promise<Usage[]> => {
  try {
    return await listAll<Usage>(`/api/modules/${ref}/usage/`);
  } catch (e) {
    if (e instanceof ApiError && e.status === 404) return [];
    throw e;
  }
};

export type Facets = Schemas["Facets"];
export type FacetName = keyof Facets;
export const FACET_NAMES: FacetName[] = ["category", "team", "port_type", "status"];

/** The catalog's filters as a query string: `q` plus repeated values per facet. */
export function catalogQuery(q: string, chosen: Partial<Record<FacetName, string[]>>): string {
  const search = new URLSearchParams();
  if (q) search.set("q", q);
  for (const name of FACET_NAMES) for (const v of chosen[name] ?? []) search.append(name, v);
  return search.toString();
}

export const getFacets = (query: string) => get<Facets>(`/api/modules/facets/${query ? `?${query}` : ""}`);

// Module specs and datasets the canvas knows about (palette, node ports, version picker).
// Filled by the canvas page from the API; no fetches here.
import { create } from "zustand";
import type { ModuleListItem, ModuleSpec } from "../api/modules";
import type { DatasetItem } from "../api/pipelines";
import { DATASET_PORT } from "../graph/convert";

export interface CatalogState {
  modules: Record<string, ModuleListItem>;
  /** "team/name@version" -> spec */
  specs: Record<string, ModuleSpec>;
  datasets: DatasetItem[];
  setModules: (items: ModuleListItem[]) => void;
  addSpec: (ref: string, version: string, spec: ModuleSpec) => void;
  setDatasets: (items: DatasetItem[]) => void;
}

export const specKey = (ref: string, version: string) => `${ref}@${version}`;

export const useCatalogStore = create<CatalogState>((set) => ({
  modules: {},
  specs: {},
  datasets: [],
  setModules: (items) =>
    set((s) => {
      const modules: Record<string, ModuleListItem> = {};
      const specs = { ...s.specs };
      for (const m of items) {
        modules[m.ref] = m;
        const v = m.spec?.version ?? m.default_version;
        if (m.spec && v) specs[specKey(m.ref, v)] = m.spec;
      }
      return { modules, specs };
    }),
  addSpec: (ref, version, spec) => set((s) => ({ specs: { ...s.specs, [specKey(ref, version)]: spec } })),
  setDatasets: (datasets) => set({ datasets }),
}));

/** The spec a node uses: its pinned version, else the module's default. */
export function specFor(state: Pick<CatalogState, "modules" | "specs">, ref: string, version: string | null): ModuleSpec | undefined {
  const item = state.modules[ref];
  const v = version ?? item?.default_version ?? null;
  if (v && state.specs[specKey(ref, v)]) return state.specs[specKey(ref, v)];
  if (item?.spec && (v === null || item.spec.version === v)) return item.spec;
  return undefined;
}

export const DATASET_OUTPUT = { name: DATASET_PORT, type: "DataFrame" as const };

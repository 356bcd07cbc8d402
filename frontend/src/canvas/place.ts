// Placing what the palette offers: a module, a dataset, a saved pipeline (a sub-pipeline node
// pinned to its newest version) or a pipeline input/output node. The canvas drops it where the
// pointer is; a click in the palette puts it in the middle of the view.
import type { PortType } from "../api/modules";
import { uniqueLabel } from "../graph/labels";
import { usePipelineStore } from "../store/pipeline";
import { useCatalogStore } from "../store/pipelineCatalog";
import { loadInterface } from "./subPipelineLoader";

export const DRAG_MIME = "application/x-pipewright-node";

export type PaletteDrag =
  | { kind: "module"; ref: string; version: string | null }
  | { kind: "dataset"; ref: string; version: number | null }
  | { kind: "pipeline"; ref: string; id: number; version: number | null }
  | { kind: "boundary"; ref: string; boundary: "input" | "output" }
  /** dropped onto a module node: that node runs once per item (graph/foreach.ts) */
  | { kind: "foreach"; ref: string };

/** What a new pipeline input or output node is called and carries; the properties panel changes both. */
export const BOUNDARY_DEFAULTS: Record<"input" | "output", { name: string; type: PortType }> = {
  input: { name: "data", type: "DataFrame" },
  output: { name: "result", type: "Any" },
};

/** A new module node's label: its display name, unique on the canvas ("Split Data (2)"). */
export function defaultLabel(ref: string): string {
  const item = useCatalogStore.getState().modules[ref];
  const base = item?.display_name || ref.split("/").pop() || ref;
  const taken = usePipelineStore.getState().nodes.map((n) => (n.type === "module" ? (n.data.label ?? "") : ""));
  return uniqueLabel(base, taken);
}

/** A port name of this pipeline's inputs (or outputs) not taken yet: data, data_2, data_3, ... */
export function freeBoundaryName(kind: "input" | "output", base: string): string {
  const taken = new Set(usePipelineStore.getState().nodes.flatMap((n) => (n.type === "boundary" && n.data.kind === kind ? [n.data.name] : [])));
  if (!taken.has(base)) return base;
  let i = 2;
  while (taken.has(`${base}_${i}`)) i++;
  return `${base}_${i}`;
}

export function placeFromPalette(payload: Exclude<PaletteDrag, { kind: "foreach" }>, position: { x: number; y: number }): string {
  const s = usePipelineStore.getState();
  switch (payload.kind) {
    case "dataset":
      return s.addNode({ dataset: payload.ref, version: payload.version, position });
    case "pipeline":
      loadInterface(payload.id, payload.version);
      return s.addNode({ pipeline: payload.id, version: payload.version, params: {}, position });
    case "boundary": {
      const { name, type } = BOUNDARY_DEFAULTS[payload.boundary];
      return s.addNode({ [payload.boundary]: freeBoundaryName(payload.boundary, name), type, position });
    }
    default:
      return s.addNode({ module: payload.ref, version: payload.version, params: {}, position, label: defaultLabel(payload.ref) });
  }
}

/** `at`, or the first spot below it where a new node does not cover another (a click in the palette). */
export function freeSpot(at: { x: number; y: number }, taken: readonly { position: { x: number; y: number } }[]): { x: number; y: number } {
  const W = 230,
    H = 70;
  let spot = at;
  for (let i = 0; i < 50 && taken.some((n) => Math.abs(n.position.x - spot.x) < W && Math.abs(n.position.y - spot.y) < H + 10); i++)
    spot = { x: spot.x, y: spot.y + H + 30 };
  return spot;
}

type Box = { x: number; y: number; w: number; h: number };

/** Where a new `w`×`h` box (a sticky note) goes near `at` without covering any of `taken`: `at`
 *  itself, else the nearest free spot on rings of candidates around it (right, below, left, above). */
export function freeBox(at: { x: number; y: number }, w: number, h: number, taken: readonly Box[]): { x: number; y: number } {
  const gap = 20;
  const clear = (x: number, y: number) =>
    !taken.some((b) => x < b.x + b.w + gap && b.x < x + w + gap && y < b.y + b.h + gap && b.y < y + h + gap);
  if (clear(at.x, at.y)) return at;
  const step = 60;
  for (let ring = 1; ring <= 40; ring++) {
    const d = ring * step;
    const spots: [number, number][] = [];
    for (let k = -ring; k <= ring; k++) {
      spots.push([at.x + d, at.y + k * step], [at.x + k * step, at.y + d], [at.x - d, at.y + k * step], [at.x + k * step, at.y - d]);
    }
    spots.sort((a, b) => Math.hypot(a[0] - at.x, a[1] - at.y) - Math.hypot(b[0] - at.x, b[1] - at.y));
    const hit = spots.find(([x, y]) => clear(x, y));
    if (hit) return { x: hit[0], y: hit[1] };
  }
  return at;
}

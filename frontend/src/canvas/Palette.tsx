// Module palette grouped by category, with search; items drag onto the canvas via dataTransfer.
// "Pipelines" (loaded when first opened) places the team's saved pipelines as sub-pipeline nodes
// and adds the pipeline's own input and output nodes; a click places an item mid-view.
import { useReactFlow } from "@xyflow/react";
import { memo, useMemo, useState, type DragEvent } from "react";
import type { ModuleListItem } from "../api/modules";
import { datasetRef, datasetVersion, type PipelineRow } from "../api/pipelines";
import { usePipelineStore } from "../store/pipeline";
import { useCatalogStore } from "../store/pipelineCatalog";
import { useSubPipelines } from "../store/subPipelines";
import { DRAG_MIME, freeSpot, placeFromPalette, type PaletteDrag } from "./place";
import { loadTeamPipelines } from "./subPipelineLoader";

export { DRAG_MIME, type PaletteDrag } from "./place";

function startDrag(event: DragEvent, payload: PaletteDrag) {
  event.dataTransfer.setData(DRAG_MIME, JSON.stringify(payload));
  event.dataTransfer.setData("text/plain", payload.ref);
  event.dataTransfer.effectAllowed = "move";
}

function matches(m: ModuleListItem, q: string) {
  if (!q) return true;
  const hay = `${m.display_name} ${m.name} ${m.ref} ${m.category} ${m.description}`.toLowerCase();
  return q
    .toLowerCase()
    .split(/\s+/)
    .every((w) => hay.includes(w));
}

/** Why a saved pipeline cannot be placed here, or null when it can. */
function notPlaceable(p: PipelineRow, current: number | null): string | null {
  if (p.id === current) return "This is the pipeline you are editing: a pipeline cannot contain itself.";
  if (p.latest_version === null) return "Not saved yet: it has no version to place.";
  return null;
}

/** The team's saved pipelines (placed as sub-pipeline nodes) and the pipeline's own input/output nodes. */
function PipelinesSection({ q, place }: { q: string; place: (p: Exclude<PaletteDrag, { kind: "foreach" }>) => void }) {
  const team = usePipelineStore((s) => s.team);
  const current = usePipelineStore((s) => s.id);
  const rows = useSubPipelines((s) => s.teamPipelines[team]);
  const [open, setOpen] = useState(false);
  const toggle = () => {
    if (!open) loadTeamPipelines(team, true);
    setOpen(!open);
  };
  const words = q.toLowerCase().split(/\s+/).filter(Boolean);
  const shown = Array.isArray(rows) ? rows.filter((p) => words.every((w) => `${p.name} ${p.description ?? ""}`.toLowerCase().includes(w))) : [];
  const boundary = (kind: "input" | "output") => {
    const payload: PaletteDrag = { kind: "boundary", ref: `pipeline ${kind}`, boundary: kind };
    return (
      <div
        key={kind}
        className="palette-item"
        draggable
        title={`A declared ${kind} of this pipeline: where it is placed as a sub-pipeline, its node has this ${kind} port. Name and type it in Properties.`}
        data-testid={`palette-boundary-${kind}`}
        onDragStart={(e) => startDrag(e, payload)}
        onClick={() => place(payload)}
      >
        <span className="dot cat-boundary">{kind === "input" ? "⇥" : "↦"}</span>
        <span className="palette-name">Pipeline {kind}</span>
      </div>
    );
  };
  return (
    <section data-testid="palette-pipelines">
      <button className="group-title" onClick={toggle} data-testid="palette-pipelines-toggle">
        <span>{open ? "▾" : "▸"}</span> Pipelines {Array.isArray(rows) ? <em>{shown.length}</em> : null}
      </button>
      {open ? (
        <>
          {boundary("input")}
          {boundary("output")}
          {rows === "loading" || rows === undefined ? <div className="muted small pad">Loading pipelines…</div> : null}
          {rows && typeof rows === "object" && "error" in rows ? <div className="error small pad">Could not load pipelines: {rows.error}</div> : null}
          {Array.isArray(rows) && !shown.length ? (
            <div className="muted small pad" data-testid="palette-no-pipelines">
              {q ? `No saved pipeline matches “${q}”.` : `Team ${team} has no saved pipelines yet.`}
            </div>
          ) : null}
          {shown.map((p) => {
            const why = notPlaceable(p, current);
            const payload: PaletteDrag = { kind: "pipeline", ref: p.name, id: p.id, version: p.latest_version };
            return (
              <div
                key={p.id}
                className={`palette-item${why ? " disabled" : ""}`}
                draggable={!why}
                aria-disabled={why ? true : undefined}
                title={why ?? `Place “${p.name}” v${p.latest_version} as a sub-pipeline node${p.description ? `: ${p.description}` : ""}`}
                data-testid="palette-pipeline"
                data-pipeline={p.id}
                onDragStart={(e) => (why ? e.preventDefault() : startDrag(e, payload))}
                onClick={() => (why ? undefined : place(payload))}
              >
                <span className="dot cat-subpipeline">▣</span>
                <span className="palette-name">{p.name}</span>
                <span className="palette-meta">{p.latest_version ? `v${p.latest_version}` : ""}</span>
              </div>
            );
          })}
        </>
      ) : null}
    </section>
  );
}

export const Palette = memo(function Palette() {
  const modules = useCatalogStore((s) => s.modules);
  const datasets = useCatalogStore((s) => s.datasets);
  const [q, setQ] = useState("");
  const [collapsed, setCollapsed] = useState<Record<string, boolean>>({});
  const flow = useReactFlow();
  /** a click places the item in the middle of the view */
  const place = (payload: Exclude<PaletteDrag, { kind: "foreach" }>) => {
    const el = document.querySelector(".canvas-wrap")?.getBoundingClientRect();
    const at = el ? flow.screenToFlowPosition({ x: el.left + el.width / 2 - 115, y: el.top + el.height / 2 - 35 }) : { x: 0, y: 0 };
    placeFromPalette(payload, freeSpot({ x: Math.round(at.x), y: Math.round(at.y) }, usePipelineStore.getState().nodes));
  };

  const groups = useMemo(() => {
    const by = new Map<string, ModuleListItem[]>();
    for (const m of Object.values(modules)) {
      if (!matches(m, q) || !m.default_version) continue;
      const cat = m.category || "Other";
      by.set(cat, [...(by.get(cat) ?? []), m]);
    }
    return [...by.entries()]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([cat, items]) => [cat, items.sort((a, b) => a.display_name.localeCompare(b.display_name))] as const);
  }, [modules, q]);

  const shownDatasets = datasets.filter((d) => !d.archived).filter((d) => !q || datasetRef(d).toLowerCase().includes(q.toLowerCase()));

  return (
    <aside className="palette" data-testid="palette">
      <div className="panel-title">Modules</div>
      <input className="search" placeholder="Search modules…" value={q} onChange={(e) => setQ(e.target.value)} data-testid="palette-search" />
      <div className="palette-scroll">
        {!q || "for each loop sweep".includes(q.toLowerCase()) ? (
          <section>
            <div className="group-title">Constructs</div>
            <div
              className="palette-item"
              draggable
              title="Drop onto a module or sub-pipeline node: it runs once per item (rows, files, a list or a grid of parameter values), a few at a time, and gathers the results"
              data-testid="palette-foreach"
              onDragStart={(e) => startDrag(e, { kind: "foreach", ref: "for-each" })}
            >
              <span className="dot cat-foreach">⟳</span>
              <span className="palette-name">For each</span>
              <span className="palette-meta">drop on a node</span>
            </div>
          </section>
        ) : null}
        <PipelinesSection q={q} place={place} />
        {shownDatasets.length ? (
          <section>
            <button className="group-title" onClick={() => setCollapsed((c) => ({ ...c, __datasets: !c.__datasets }))}>
              <span>{collapsed.__datasets ? "▸" : "▾"}</span> Datasets <em>{shownDatasets.length}</em>
            </button>
            {collapsed.__datasets
              ? null
              : shownDatasets.map((d) => (
                  <div
                    key={datasetRef(d)}
                    className="palette-item"
                    draggable
                    data-testid="palette-item"
                    data-ref={datasetRef(d)}
                    onDragStart={(e) => startDrag(e, { kind: "dataset", ref: datasetRef(d), version: datasetVersion(d) })}
                  >
                    <span className="dot cat-dataset">⛁</span>
                    <span className="palette-name">{d.name}</span>
                    <span className="palette-meta">{datasetVersion(d) ? `v${datasetVersion(d)}` : ""}</span>
                  </div>
                ))}
          </section>
        ) : !q && !datasets.some((d) => !d.archived) ? (
          <div className="muted small pad" data-testid="palette-no-datasets">
            No datasets yet: drop a CSV onto the canvas, or upload one on the <a href="/datasets">Datasets page</a>.
          </div>
        ) : null}
        {groups.map(([cat, items]) => (
          <section key={cat}>
            <button className="group-title" onClick={() => setCollapsed((c) => ({ ...c, [cat]: !c[cat] }))}>
              <span>{collapsed[cat] ? "▸" : "▾"}</span> {cat} <em>{items.length}</em>
            </button>
            {collapsed[cat]
              ? null
              : items.map((m) => (
                  <div
                    key={m.ref}
                    className="palette-item"
                    draggable
                    title={m.description}
                    data-testid="palette-item"
                    data-ref={m.ref}
                    onDragStart={(e) => startDrag(e, { kind: "module", ref: m.ref, version: m.default_version })}
                  >
                    <span className={`dot cat-${m.category.replace(/\W+/g, "-").toLowerCase()}`}>{m.display_name.slice(0, 1)}</span>
                    <span className="palette-name">{m.display_name}</span>
                    <span className="palette-meta">{m.team === "builtin" ? "" : m.team}</span>
                  </div>
                ))}
          </section>
        ))}
        {!groups.length && !shownDatasets.length ? <div className="muted pad">No modules match “{q}”.</div> : null}
      </div>
    </aside>
  );
});

// Module palette grouped by category, with search; items drag onto the canvas via dataTransfer.
import { memo, useMemo, useState, type DragEvent } from "react";
import type { ModuleListItem } from "../api/modules";
import { datasetRef, datasetVersion } from "../api/pipelines";
import { useCatalogStore } from "../store/pipelineCatalog";

export const DRAG_MIME = "application/x-pipewright-node";

export type PaletteDrag =
  | { kind: "module"; ref: string; version: string | null }
  | { kind: "dataset"; ref: string; version: number | null }
  /** dropped onto a module node: that node runs once per item (graph/foreach.ts) */
  | { kind: "foreach"; ref: string };

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

export const Palette = memo(function Palette() {
  const modules = useCatalogStore((s) => s.modules);
  const datasets = useCatalogStore((s) => s.datasets);
  const [q, setQ] = useState("");
  const [collapsed, setCollapsed] = useState<Record<string, boolean>>({});

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
              title="Drop onto a module node: it runs once per item (rows, files, a list or a grid of parameter values), a few at a time, and gathers the results"
              data-testid="palette-foreach"
              onDragStart={(e) => startDrag(e, { kind: "foreach", ref: "for-each" })}
            >
              <span className="dot cat-foreach">⟳</span>
              <span className="palette-name">For each</span>
              <span className="palette-meta">drop on a module</span>
            </div>
          </section>
        ) : null}
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

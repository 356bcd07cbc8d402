import { useEffect, useMemo, useState } from "react";
import { useSearchParams } from "react-router-dom";
import { catalogQuery, FACET_NAMES, getFacets, type FacetName, type Facets } from "../api/authoring";
import { listModules, listModulesWhere, type ModuleListItem } from "../api/modules";
import { ErrorNotice } from "../catalog/Bits";
import { KfpImportForm } from "../catalog/KfpImportForm";
import { ModuleCard } from "../catalog/ModuleCard";
import { NewModuleForm } from "../catalog/NewModuleForm";
import { canManage, groupByCategory } from "../catalog/logic";
import { useAsync } from "../hooks/useAsync";
import { useMe } from "../hooks/useMe";
import "../catalog/catalog.css";
import "../editor/editor.css";

const FACET_LABELS: Record<FacetName, string> = {
  category: "Category",
  team: "Team",
  port_type: "Port type",
  status: "Status",
};

function FacetPanel({ facets, chosen, toggle }: { facets: Facets | null; chosen: Record<FacetName, string[]>; toggle: (f: FacetName, v: string) => void }) {
  if (!facets) return <aside className="cat-facets cat-muted">Loading filters…</aside>;
  return (
    <aside className="cat-facets" data-testid="facets">
      {FACET_NAMES.map((name) => (
        <fieldset key={name} data-testid={`facet-${name}`}>
          <legend>{FACET_LABELS[name]}</legend>
          {facets[name].map(({ value, count }) => (
            <label key={value}>
              <input
                type="checkbox"
                aria-label={`${name} ${value || "(none)"}`}
                checked={chosen[name].includes(value)}
                onChange={() => toggle(name, value)}
              />
              <span>{value || "(none)"}</span> <span className="cat-muted cat-small" data-testid="facet-count">{count}</span>
            </label>
          ))}
        </fieldset>
      ))}
    </aside>
  );
}

export function CatalogPage() {
  const [params, setParams] = useSearchParams();
  const q = params.get("q") ?? "";
  const chosen = useMemo(
    () => Object.fromEntries(FACET_NAMES.map((f) => [f, params.getAll(f)])) as Record<FacetName, string[]>,
    [params],
  );
  // the boxes as clicked: the URL (and so `chosen`) changes in a router transition, and until it
  // renders a controlled checkbox would snap back for a moment
  const [ticked, setTicked] = useState(chosen);
  useEffect(() => setTicked(chosen), [chosen]);
  const query = catalogQuery(q, chosen);
  const [text, setText] = useState(q);
  const me = useMe();
  const [creating, setCreating] = useState(false);
  const [importing, setImporting] = useState(false);
  const everything = useAsync(() => listModules(), []);
  const all = useMemo(() => (everything.error ? [] : (everything.data ?? [])), [everything.data, everything.error]);

  // Back/forward changes the URL: follow it.
  useEffect(() => setText(q), [q]);

  // Debounce typing into the URL, which drives the query.
  useEffect(() => {
    if (text === q) return;
    const t = window.setTimeout(() => update("q", text), 250);
    return () => window.clearTimeout(t);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [text]);

  // the last answer stays on screen while the next query loads
  const found = useAsync(() => listModulesWhere(query), [query]);
  const facets = useAsync(() => getFacets(query), [query]);
  const error = found.error;
  const items = useMemo<ModuleListItem[] | null>(() => (error ? [] : (found.data ?? null)), [error, found.data]);

  const toggle = (facet: FacetName, value: string) => {
    const next = new URLSearchParams(params);
    const values = next.getAll(facet);
    next.delete(facet);
    const now = values.includes(value) ? values.filter((x) => x !== value) : [...values, value];
    for (const v of now) next.append(facet, v);
    setTicked((t) => ({ ...t, [facet]: now }));
    setParams(next, { replace: true });
  };

  const update = (key: string, value: string) => {
    const next = new URLSearchParams(params);
    if (value) next.set(key, value);
    else next.delete(key);
    setParams(next, { replace: true });
  };

  const categories = useMemo(
    () => [...new Set(all.map((m) => m.category).filter(Boolean))].sort((a, b) => a.localeCompare(b)),
    [all],
  );
  const managed = useMemo(
    () => (me?.teams ?? []).filter((t) => canManage(t.role, t.name)).map((t) => t.name),
    [me],
  );
  const myTeams = useMemo(() => (me?.teams ?? []).map((t) => t.name), [me]);
  const groups = useMemo(() => groupByCategory(items ?? []), [items]);
  const filtered = Boolean(q || FACET_NAMES.some((f) => chosen[f].length));

  return (
    <div className="cat-page" data-testid="catalog-page">
      <header className="cat-header">
        <div>
          <h1>Module catalog</h1>
          <p className="cat-muted">
            Versioned building blocks for pipelines. Builtin modules are available to everyone; your teams publish
            their own.
          </p>
        </div>
        {managed.length > 0 && !creating && !importing && (
          <div className="cat-header-actions">
            <button type="button" className="cat-btn" onClick={() => setImporting(true)}>
              Import Kubeflow component
            </button>
            <button type="button" className="cat-btn cat-btn-primary" onClick={() => setCreating(true)}>
              + New module
            </button>
          </div>
        )}
      </header>
      {creating && <NewModuleForm teams={managed} categories={categories} onCancel={() => setCreating(false)} />}
      {importing && <KfpImportForm teams={managed} onCancel={() => setImporting(false)} />}
      <div className="cat-toolbar" role="search">
        <input
          type="search"
          className="cat-search"
          placeholder="Search modules by name or description…"
          aria-label="Search modules"
          value={text}
          onChange={(e) => setText(e.target.value)}
        />
        {filtered && (
          <button
            type="button"
            className="cat-btn"
            onClick={() => {
              setText("");
              setParams(new URLSearchParams(), { replace: true });
            }}
          >
            Clear
          </button>
        )}
        <span className="cat-muted cat-small cat-count">
          {items ? `${items.length} module${items.length === 1 ? "" : "s"}` : ""}
        </span>
      </div>
      <ErrorNotice error={error} />
      <div className="cat-with-facets">
      <FacetPanel facets={facets.data ?? null} chosen={ticked} toggle={toggle} />
      <div className="cat-results">
      {items === null ? (
        <div className="cat-muted">Loading modules…</div>
      ) : items.length === 0 ? (
        <div className="cat-empty">{filtered ? "No module matches these filters." : "The catalog is empty."}</div>
      ) : (
        groups.map(([name, modules]) => (
          <section key={name} className="cat-group" data-testid="category-group">
            <h2>
              {name} <span className="cat-muted cat-small">{modules.length}</span>
            </h2>
            <div className="cat-grid">
              {modules.map((m) => (
                <ModuleCard key={m.ref} module={m} myTeams={me ? myTeams : undefined} />
              ))}
            </div>
          </section>
        ))
      )}
      </div>
      </div>
    </div>
  );
}

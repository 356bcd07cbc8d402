import { useEffect, useMemo, useState } from "react";
import { useSearchParams } from "react-router-dom";
import { listModules, type ModuleListItem } from "../api/modules";
import { ErrorNotice } from "../catalog/Bits";
import { KfpImportForm } from "../catalog/KfpImportForm";
import { ModuleCard } from "../catalog/ModuleCard";
import { NewModuleForm } from "../catalog/NewModuleForm";
import { BUILTIN_TEAM, canManage, groupByCategory } from "../catalog/logic";
import { useAsync } from "../hooks/useAsync";
import { useMe } from "../hooks/useMe";
import "../catalog/catalog.css";

export function CatalogPage() {
  const [params, setParams] = useSearchParams();
  const q = params.get("q") ?? "";
  const category = params.get("category") ?? "";
  const team = params.get("team") ?? "";
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
  const found = useAsync(() => listModules({ q, category, team }), [q, category, team]);
  const error = found.error;
  const items = useMemo<ModuleListItem[] | null>(() => (error ? [] : (found.data ?? null)), [error, found.data]);

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
  const teams = useMemo(() => {
    const names = new Set<string>([BUILTIN_TEAM, ...all.map((m) => m.team), ...(me?.teams.map((t) => t.name) ?? [])]);
    return [...names].sort((a, b) => (a === BUILTIN_TEAM ? -1 : b === BUILTIN_TEAM ? 1 : a.localeCompare(b)));
  }, [all, me]);
  const managed = useMemo(
    () => (me?.teams ?? []).filter((t) => canManage(t.role, t.name)).map((t) => t.name),
    [me],
  );
  const myTeams = useMemo(() => (me?.teams ?? []).map((t) => t.name), [me]);
  const groups = useMemo(() => groupByCategory(items ?? []), [items]);
  const filtered = Boolean(q || category || team);

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
        <select aria-label="Category" value={category} onChange={(e) => update("category", e.target.value)}>
          <option value="">All categories</option>
          {categories.map((c) => (
            <option key={c} value={c}>
              {c}
            </option>
          ))}
        </select>
        <select aria-label="Team" value={team} onChange={(e) => update("team", e.target.value)}>
          <option value="">All teams</option>
          {teams.map((t) => (
            <option key={t} value={t}>
              {t}
            </option>
          ))}
        </select>
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
  );
}

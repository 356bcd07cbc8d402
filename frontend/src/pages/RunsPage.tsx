// Runs history across every pipeline of my teams.
import { useEffect, useMemo, useState } from "react";
import { Link, useNavigate } from "react-router-dom";
import { errorMessage } from "../api/errors";
import { mergePages } from "../api/client";
import { FINAL_RUN_STATUSES, listRuns, moreRuns, type RunListItem } from "../api/runs";
import { useAsync } from "../hooks/useAsync";
import { MAX_COMPARE, MIN_COMPARE, metricKeys, sortByMetric, toggleSelected, type SortOrder } from "../runs/compare";
import { duration, formatValue, when } from "../runs/format";
import { StatusBadge } from "../runs/StatusBadge";
import { useNow } from "../runs/useRunFeed";
import "../runs/runs.css";
import "../runs/timeline.css";

export function RunsPage() {
  const [status, setStatus] = useState("");
  // the newest page (filtered by status on the server), polled: the last list stays on screen
  // through a failed poll; "Load more" appends older pages, which the polls keep
  const { data, error: failure, loading, reload } = useAsync(() => listRuns({ status }), [status]);
  const [older, setOlder] = useState<{ rows: RunListItem[]; next: string | null } | null>(null);
  const [moreError, setMoreError] = useState<string | null>(null);
  const [loadingMore, setLoadingMore] = useState(false);
  useEffect(() => setOlder(null), [status]);
  const runs = useMemo(() => (data ? mergePages(data.results, older?.rows ?? []) : null), [data, older]);
  const next = older ? older.next : (data?.next ?? null);
  const error = failure ? errorMessage(failure) : moreError;
  const [q, setQ] = useState("");
  const loadMore = async () => {
    if (!next) return;
    setLoadingMore(true);
    try {
      const page = await moreRuns(next);
      setOlder((o) => ({ rows: [...(o?.rows ?? []), ...page.results], next: page.next }));
      setMoreError(null);
    } catch (e) {
      setMoreError(errorMessage(e));
    } finally {
      setLoadingMore(false);
    }
  };
  const navigate = useNavigate();
  const anyLive = (runs ?? []).some((r) => !FINAL_RUN_STATUSES.includes(r.status));
  const now = useNow(anyLive);

  useEffect(() => {
    if (loading) return; // the next poll 5 s after this answer: polls never overlap
    const t = setTimeout(reload, 5000);
    return () => clearTimeout(t);
  }, [loading, reload]);

  // runs picked to compare, metric columns shown, and the metric the list is sorted by
  const [selected, setSelected] = useState<number[]>([]);
  const [columns, setColumns] = useState<string[]>([]);
  const [sort, setSort] = useState<{ key: string; order: SortOrder } | null>(null);
  const keys = useMemo(() => metricKeys(runs ?? []), [runs]);

  const shown = useMemo(() => {
    const needle = q.trim().toLowerCase();
    const rows = (runs ?? []).filter(
      (r) =>
        (!status || r.status === status) &&
        (!needle || `#${r.id} ${r.pipeline_name ?? ""} ${r.pipeline} ${r.created_by ?? ""}`.toLowerCase().includes(needle)),
    );
    return sort ? sortByMetric(rows, sort.key, sort.order) : rows;
  }, [runs, status, q, sort]);
  const sortBy = (key: string) =>
    setSort((s) => (s?.key !== key ? { key, order: "desc" } : s.order === "desc" ? { key, order: "asc" } : null));
  const canCompare = selected.length >= MIN_COMPARE && selected.length <= MAX_COMPARE;

  return (
    <div className="runs-page" data-testid="runs-page">
      <h1>Runs</h1>
      <div className="runs-filter">
        <input placeholder="Filter by pipeline, run or user" value={q} onChange={(e) => setQ(e.target.value)} aria-label="filter runs" />
        <select value={status} onChange={(e) => setStatus(e.target.value)} aria-label="status">
          <option value="">All statuses</option>
          {["queued", "running", "succeeded", "failed", "canceled"].map((s) => (
            <option key={s}>{s}</option>
          ))}
        </select>
        {keys.length ? (
          <select
            value=""
            onChange={(e) => e.target.value && setColumns((c) => (c.includes(e.target.value) ? c : [...c, e.target.value]))}
            aria-label="add a metric column"
            data-testid="metric-column-picker"
          >
            <option value="">+ Metric column</option>
            {keys.filter((k) => !columns.includes(k)).map((k) => (
              <option key={k} value={k}>
                {k.replace(".", " › ")}
              </option>
            ))}
          </select>
        ) : null}
      </div>
      <div className="runs-compare-bar">
        <button
          className="primary"
          data-testid="compare-button"
          disabled={!canCompare}
          title={`pick ${MIN_COMPARE} to ${MAX_COMPARE} runs with the checkboxes`}
          onClick={() => navigate(`/runs/compare?ids=${selected.join(",")}`)}
        >
          Compare{selected.length ? ` (${selected.length})` : ""}
        </button>
        {selected.length ? (
          <button className="link" onClick={() => setSelected([])}>
            clear
          </button>
        ) : (
          <span className="muted small">Tick {MIN_COMPARE}–{MAX_COMPARE} runs to compare them.</span>
        )}
      </div>
      {error ? <div className="run-error">{error}</div> : null}
      {runs === null ? (
        <div className="muted">Loading…</div>
      ) : !shown.length ? (
        <div className="empty">{runs.length || status ? "No run matches." : "No runs yet. Open a pipeline and press Run."}</div>
      ) : (
        <table className="page-table" data-testid="runs-table">
          <thead>
            <tr>
              <th aria-label="compare" />
              <th>Run</th>
              <th>Pipeline</th>
              <th>Status</th>
              <th>Started</th>
              <th>Duration</th>
              <th>By</th>
              {columns.map((k) => (
                <th key={k} className="num" data-testid={`metric-col-${k}`}>
                  <button className="link" onClick={() => sortBy(k)} title="sort by this metric">
                    {k.replace(".", " › ")}
                    {sort?.key === k ? (sort.order === "desc" ? " ▼" : " ▲") : ""}
                  </button>{" "}
                  <button className="link muted" aria-label={`remove column ${k}`} onClick={() => setColumns((c) => c.filter((x) => x !== k))}>
                    ×
                  </button>
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {shown.map((r) => {
              return (
                <tr key={r.id} className="clickable" data-testid={`runs-row-${r.id}`} onClick={() => navigate(`/runs/${r.id}`)}>
                  <td onClick={(e) => e.stopPropagation()}>
                    <input
                      type="checkbox"
                      aria-label={`compare run ${r.id}`}
                      data-testid={`compare-pick-${r.id}`}
                      checked={selected.includes(r.id)}
                      onChange={() => setSelected((s) => toggleSelected(s, r.id))}
                    />
                  </td>
                  <td>
                    <Link to={`/runs/${r.id}`} onClick={(e) => e.stopPropagation()}>
                      #{r.id}
                    </Link>
                    {r.parent ? (
                      <span className="muted small">
                        {" "}
                        ↻ {r.rerun_mode ?? "rerun"} of #{r.parent}
                      </span>
                    ) : null}
                    {r.cache === false ? <span className="muted small"> · no cache</span> : null}
                  </td>
                  <td>
                    <Link to={`/pipelines/${r.pipeline}`} onClick={(e) => e.stopPropagation()}>
                      {r.pipeline_name ?? `Pipeline ${r.pipeline}`}
                    </Link>
                    {r.version ? <span className="muted small"> v{r.version}</span> : null}
                  </td>
                  <td>
                    <StatusBadge status={r.status} />
                  </td>
                  <td className="muted">{when(r.started_at ?? r.created_at)}</td>
                  <td className="muted">{duration(r.started_at, r.finished_at, now)}</td>
                  <td className="muted">{r.created_by ?? ""}</td>
                  {columns.map((k) => (
                    <td key={k} className="num" data-testid={`metric-${r.id}-${k}`}>
                      {r.metrics?.[k] === undefined ? "—" : formatValue(r.metrics[k])}
                    </td>
                  ))}
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
      {runs !== null && next ? (
        <button className="runs-more" data-testid="runs-more" disabled={loadingMore} onClick={() => void loadMore()}>
          {loadingMore ? "Loading…" : "Load more"}
        </button>
      ) : null}
    </div>
  );
}

// Runs history across every pipeline of my teams.
import { useEffect, useMemo, useState } from "react";
import { Link, useNavigate } from "react-router-dom";
import { errorMessage } from "../api/errors";
import { mergePages } from "../api/client";
import { FINAL_RUN_STATUSES, listRuns, moreRuns, type RunSummary } from "../api/runs";
import { useAsync } from "../hooks/useAsync";
import { duration, when } from "../runs/format";
import { StatusBadge } from "../runs/StatusBadge";
import { useNow } from "../runs/useRunFeed";
import "../runs/runs.css";

export function RunsPage() {
  const [status, setStatus] = useState("");
  // the newest page (filtered by status on the server), polled: the last list stays on screen
  // through a failed poll; "Load more" appends older pages, which the polls keep
  const { data, error: failure, loading, reload } = useAsync(() => listRuns({ status }), [status]);
  const [older, setOlder] = useState<{ rows: RunSummary[]; next: string | null } | null>(null);
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

  const shown = useMemo(() => {
    const needle = q.trim().toLowerCase();
    return (runs ?? []).filter(
      (r) =>
        (!status || r.status === status) &&
        (!needle || `#${r.id} ${r.pipeline_name ?? ""} ${r.pipeline} ${r.created_by ?? ""}`.toLowerCase().includes(needle)),
    );
  }, [runs, status, q]);

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
              <th>Run</th>
              <th>Pipeline</th>
              <th>Status</th>
              <th>Started</th>
              <th>Duration</th>
              <th>By</th>
            </tr>
          </thead>
          <tbody>
            {shown.map((r) => {
              return (
                <tr key={r.id} className="clickable" data-testid={`runs-row-${r.id}`} onClick={() => navigate(`/runs/${r.id}`)}>
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

// Endpoints of my teams: what each serves, its last runs, re-point (with the version diff),
// disable/enable, delete, a curl example; and the schedules that run them.
import { useCallback, useEffect, useMemo, useState } from "react";
import { Link } from "react-router-dom";
import { errorMessage } from "../api/errors";
import {
  curlExample,
  deleteEndpoint,
  deleteSchedule,
  endpointRuns,
  listEndpoints,
  listSchedules,
  scheduleRuns,
  TOKENS_PAGE,
  updateEndpoint,
  updateSchedule,
  type Endpoint,
  type Schedule,
} from "../api/endpoints";
import type { RunSummary } from "../api/runs";
import { RepointPanel } from "../endpoints/RepointPanel";
import { ScheduleForm } from "../endpoints/ScheduleForm";
import { localZone, fireTime } from "../endpoints/logic";
import { useMe } from "../hooks/useMe";
import { StatusBadge } from "../runs/StatusBadge";

function when(iso?: string | null) {
  if (!iso) return "";
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? "" : d.toLocaleString(undefined, { dateStyle: "medium", timeStyle: "short" });
}

function RunList({ runs, empty }: { runs: RunSummary[] | undefined; empty: string }) {
  if (!runs) return <span className="muted small">Loading runs…</span>;
  if (!runs.length) return <span className="muted small">{empty}</span>;
  return (
    <ul className="run-list" data-testid="run-list">
      {runs.slice(0, 5).map((r) => (
        <li key={r.id}>
          <Link to={`/runs/${r.id}`}>#{r.id}</Link> <StatusBadge status={r.status} /> <span className="muted small">v{r.version} · {when(r.created_at)}{r.trigger?.startsWith("schedule:") ? " · scheduled" : ""}</span>
        </li>
      ))}
    </ul>
  );
}

export function EndpointsPage() {
  const me = useMe();
  const canEdit = useMemo(() => new Set((me?.teams ?? []).filter((t) => t.role !== "viewer").map((t) => t.name)), [me]);
  const [endpoints, setEndpoints] = useState<Endpoint[] | null>(null);
  const [schedules, setSchedules] = useState<Schedule[]>([]);
  const [runs, setRuns] = useState<Record<string, RunSummary[]>>({});
  const [scheduleRunList, setScheduleRunList] = useState<Record<number, RunSummary[]>>({});
  const [openSchedule, setOpenSchedule] = useState<number | null>(null);
  const [panel, setPanel] = useState<{ slug: string; kind: "repoint" | "schedule" | "curl" | "delete" } | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const zone = localZone();

  const refresh = useCallback(async () => {
    try {
      const [eps, scheds] = await Promise.all([listEndpoints(), listSchedules()]);
      setEndpoints(eps);
      setSchedules(scheds);
      const pairs = await Promise.all(eps.map(async (ep) => [ep.slug, await endpointRuns(ep.slug).catch(() => [])] as const));
      setRuns(Object.fromEntries(pairs));
    } catch (e) {
      setError(errorMessage(e));
    }
  }, []);
  useEffect(() => {
    void refresh();
  }, [refresh]);

  useEffect(() => {
    if (openSchedule === null) return;
    scheduleRuns(openSchedule).then(
      (rows) => setScheduleRunList((m) => ({ ...m, [openSchedule]: rows })),
      (e) => setError(errorMessage(e)),
    );
  }, [openSchedule]);

  const act = async (fn: () => Promise<unknown>, done: string) => {
    setError(null);
    try {
      await fn();
      setNotice(done);
      setPanel(null);
      await refresh();
    } catch (e) {
      setError(errorMessage(e));
    }
  };

  const toggle = (slug: string, kind: "repoint" | "schedule" | "curl" | "delete") =>
    setPanel((p) => (p?.slug === slug && p.kind === kind ? null : { slug, kind }));

  return (
    <div className="page">
      <div className="page-head">
        <div>
          <h1>Endpoints</h1>
          <p className="muted">
            Published pipeline versions with a stable URL that API clients and schedules run. Calls need an API token:{" "}
            <Link to={TOKENS_PAGE}>get one on the Tokens page</Link>.
          </p>
        </div>
      </div>
      {error ? (
        <div className="alert error" role="alert" data-testid="error">
          {error}
        </div>
      ) : null}
      {notice ? (
        <div className="alert ok" role="status" data-testid="notice">
          {notice}
        </div>
      ) : null}
      {endpoints === null ? (
        <div className="muted pad">Loading…</div>
      ) : endpoints.length === 0 ? (
        <div className="blank-slate" data-testid="endpoints-empty">
          <div className="blank-icon">⇄</div>
          <h3>No endpoints yet</h3>
          <p className="muted">
            Open a pipeline from the <Link to="/">Pipelines</Link> page and press <strong>Publish</strong> in its toolbar; the endpoint and its schedules
            then appear here.
          </p>
        </div>
      ) : (
        <div className="endpoint-list" data-testid="endpoints">
          {endpoints.map((ep) => {
            const editable = canEdit.has(ep.team);
            const own = schedules.filter((s) => s.endpoint === ep.slug);
            const open = panel?.slug === ep.slug ? panel.kind : null;
            return (
              <section className={`endpoint-card${ep.enabled ? "" : " disabled"}`} key={ep.slug} data-testid="endpoint" data-slug={ep.slug} aria-label={`Endpoint ${ep.name}`}>
                <div className="endpoint-head">
                  <div>
                    <h3>
                      {ep.name} <span className="muted small">/{ep.slug}</span>
                    </h3>
                    <div className="small">
                      <span className="team-pill">{ep.team}</span> <Link to={`/pipelines/${ep.pipeline}`}>{ep.pipeline_name}</Link> · serves{" "}
                      <strong data-testid="served-version">v{ep.version}</strong> ·{" "}
                      <span className={`pill ${ep.enabled ? "active" : "disabled"}`} data-testid="endpoint-state">
                        {ep.enabled ? "enabled" : "disabled"}
                      </span>
                    </div>
                  </div>
                  <div className="row-actions">
                    <button className="btn small ghost" aria-expanded={open === "curl"} onClick={() => toggle(ep.slug, "curl")} data-testid="show-curl">
                      curl
                    </button>
                    {editable ? (
                      <>
                        <button className="btn small ghost" aria-expanded={open === "repoint"} onClick={() => toggle(ep.slug, "repoint")} data-testid="repoint">
                          Re-point…
                        </button>
                        <button className="btn small ghost" aria-expanded={open === "schedule"} onClick={() => toggle(ep.slug, "schedule")} data-testid="new-schedule">
                          Schedule…
                        </button>
                        <button
                          className="btn small ghost"
                          onClick={() => void act(() => updateEndpoint(ep.slug, { enabled: !ep.enabled }), `${ep.enabled ? "Disabled" : "Enabled"} ${ep.name}.`)}
                          data-testid="toggle-endpoint"
                        >
                          {ep.enabled ? "Disable" : "Enable"}
                        </button>
                        <button className="btn small ghost danger-text" onClick={() => toggle(ep.slug, "delete")} data-testid="delete-endpoint">
                          Delete
                        </button>
                      </>
                    ) : null}
                  </div>
                </div>
                {open === "delete" ? (
                  <div className="confirm" role="alertdialog" aria-label="Confirm delete">
                    <span className="small">
                      Delete “{ep.name}”{own.length ? ` and its ${own.length} schedule${own.length === 1 ? "" : "s"}` : ""}? Its URL stops working.
                    </span>{" "}
                    <button className="btn small danger" autoFocus onClick={() => void act(() => deleteEndpoint(ep.slug), `Deleted ${ep.name}.`)} data-testid="confirm-delete">
                      Delete
                    </button>{" "}
                    <button className="btn small ghost" onClick={() => setPanel(null)}>
                      Cancel
                    </button>
                  </div>
                ) : null}
                {open === "curl" ? (
                  <div className="curl" data-testid="curl">
                    <p className="small">
                      Start a run from a shell. Replace <code>&lt;your token&gt;</code> with an API token from the <Link to={TOKENS_PAGE}>Tokens page</Link>.
                    </p>
                    <pre className="publish-example" data-testid="curl-example">{curlExample(ep)}</pre>
                    <button className="btn small ghost" onClick={() => void navigator.clipboard?.writeText(curlExample(ep))}>
                      Copy
                    </button>
                  </div>
                ) : null}
                {open === "repoint" ? (
                  <RepointPanel
                    endpoint={ep}
                    onCancel={() => setPanel(null)}
                    onDone={(updated) => {
                      setNotice(`${updated.name} now serves v${updated.version}.`);
                      setPanel(null);
                      void refresh();
                    }}
                  />
                ) : null}
                {open === "schedule" ? (
                  <ScheduleForm
                    endpoint={ep}
                    onCancel={() => setPanel(null)}
                    onCreated={(s) => {
                      setNotice(`Scheduled ${ep.name} at “${s.cron}” (UTC).`);
                      setPanel(null);
                      void refresh();
                    }}
                  />
                ) : null}
                <div className="endpoint-body">
                  <div>
                    <div className="section-title">Last runs</div>
                    <RunList runs={runs[ep.slug]} empty="No runs yet: call the URL with a token, or add a schedule." />
                  </div>
                  <div>
                    <div className="section-title">Schedules</div>
                    {own.length === 0 ? (
                      <span className="muted small">No schedules. {editable ? "Use “Schedule…” to run this endpoint on a cron." : ""}</span>
                    ) : (
                      <table className="table compact" data-testid="schedules">
                        <thead>
                          <tr>
                            <th>Cron (UTC)</th>
                            <th>State</th>
                            <th>Next</th>
                            <th>Last fire</th>
                            <th>Last error</th>
                            <th />
                          </tr>
                        </thead>
                        <tbody>
                          {own.map((s) => [
                            <tr key={s.id} data-testid="schedule-row" data-id={s.id}>
                              <td>
                                <code>{s.cron}</code>
                                {Object.keys(s.parameters ?? {}).length ? <div className="muted small">{JSON.stringify(s.parameters)}</div> : null}
                              </td>
                              <td>
                                <span className={`pill ${s.enabled ? "active" : "disabled"}`} data-testid="schedule-state">
                                  {s.enabled ? "enabled" : "disabled"}
                                </span>
                              </td>
                              <td className="small">{s.next_run_at ? fireTime(s.next_run_at, zone) : "—"}</td>
                              <td className="small">{s.last_run_at ? fireTime(s.last_run_at, zone) : "never"}</td>
                              <td className="small warn-text" data-testid="schedule-error">
                                {s.last_error || ""}
                              </td>
                              <td className="row-actions">
                                <button className="btn small ghost" aria-expanded={openSchedule === s.id} onClick={() => setOpenSchedule((o) => (o === s.id ? null : s.id))} data-testid="schedule-runs">
                                  Runs
                                </button>
                                {editable ? (
                                  <>
                                    <button
                                      className="btn small ghost"
                                      onClick={() => void act(() => updateSchedule(s.id, { enabled: !s.enabled }), `${s.enabled ? "Paused" : "Resumed"} the schedule “${s.cron}”.`)}
                                      data-testid="toggle-schedule"
                                    >
                                      {s.enabled ? "Disable" : "Enable"}
                                    </button>
                                    <button className="btn small ghost danger-text" onClick={() => void act(() => deleteSchedule(s.id), `Deleted the schedule “${s.cron}”.`)} data-testid="delete-schedule">
                                      Delete
                                    </button>
                                  </>
                                ) : null}
                              </td>
                            </tr>,
                            openSchedule === s.id ? (
                              <tr key={`${s.id}/runs`} className="detail-row">
                                <td colSpan={6}>
                                  <RunList runs={scheduleRunList[s.id]} empty="This schedule has not started a run yet." />
                                </td>
                              </tr>
                            ) : null,
                          ])}
                        </tbody>
                      </table>
                    )}
                  </div>
                </div>
              </section>
            );
          })}
        </div>
      )}
    </div>
  );
}

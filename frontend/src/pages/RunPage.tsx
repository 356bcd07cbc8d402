// One run: summary, live steps table (status, timing, attempts, cache, exit code, logs, outputs)
// and the selected step's details.
import { useState } from "react";
import { loadPipeline } from "../api/pipelines";
import { Link, useParams } from "react-router-dom";
import { errorMessage } from "../api/errors";
import { artifactUrl, cancelRun, FINAL_RUN_STATUSES, logsUrl, reusedRunId } from "../api/runs";
import { duration, runProgress, when } from "../runs/format";
import { ProgressBar, StatusBadge } from "../runs/StatusBadge";
import { RunTimeline } from "../runs/RunTimeline";
import { StepDetails } from "../runs/StepDetails";
import { ForEachPanel, ForEachRollUp } from "../runs/ForEachGrid";
import { useNow, useRunFeed } from "../runs/useRunFeed";
import { useRunStore } from "../store/runs";
import { useAsync } from "../hooks/useAsync";
import { stepTitle } from "../graph/labels";
import "../runs/runs.css";

export function RunPage() {
  const { id } = useParams();
  const runId = Number(id);
  const valid = Number.isInteger(runId) && runId > 0;
  const { error, socket, refused } = useRunFeed(valid ? runId : null);
  const run = useRunStore((s) => (s.runId === runId ? s.run : null));
  const [selected, setSelected] = useState<string | null>(null);
  const [actionError, setActionError] = useState<string | null>(null);
  const live = run !== null && !FINAL_RUN_STATUSES.includes(run.status);
  const now = useNow(live);
  // the run names its pipeline; only a run from a server that does not is looked up
  const pipelineId = run && !run.pipeline_name ? run.pipeline : undefined;
  const pipelineName =
    useAsync(() => (pipelineId === undefined ? null : loadPipeline(pipelineId).then(({ pipeline }) => pipeline.name)), [pipelineId]).data ?? null;

  if (!valid) return <div className="empty">No such run.</div>;
  if (!run) {
    return <div className="empty">{error ? (error.includes("404") || error.toLowerCase().includes("not found") ? "Run not found." : error) : "Loading run…"}</div>;
  }
  const progress = runProgress(run);
  const step = run.steps.find((s) => s.node === selected) ?? null;

  return (
    <div className="run-page" data-testid="run-page" data-run-status={run.status}>
      <h1>
        Run #{run.id} <StatusBadge status={run.status} testId="run-status" />
        {socket === "reconnecting" ? <span className="muted small">reconnecting…</span> : null}
        {live ? (
          <button
            onClick={() =>
              cancelRun(run.id).catch((e: unknown) => setActionError(errorMessage(e)))
            }
          >
            Cancel
          </button>
        ) : null}
        {run.version ? (
          <Link
            className="btn ghost open-in-editor"
            to={`/pipelines/${run.pipeline}?from_run=${run.id}`}
            data-testid="open-in-editor"
            title={`Open version ${run.version} as this run ran it on the canvas, as a draft to edit and run again`}
          >
            ✎ Open in editor
          </Link>
        ) : null}
      </h1>
      {refused ? (
        <div className="alert error" role="alert" data-testid="feed-refused">
          {refused}
        </div>
      ) : null}
      <div className="run-meta">
        <span>
          Pipeline <Link to={`/pipelines/${run.pipeline}`}>{run.pipeline_name ?? pipelineName ?? `#${run.pipeline}`}</Link>
          {run.version ? ` v${run.version}` : ""}
        </span>
        {run.parent ? (
          <span>
            Rerun of <Link to={`/runs/${run.parent}`}>#{run.parent}</Link>
            {run.rerun_mode ? ` (${run.rerun_mode})` : ""}
          </span>
        ) : null}
        {run.cloned_from ? (
          <span data-testid="run-cloned-from">
            Cloned from <Link to={`/runs/${run.cloned_from}`}>#{run.cloned_from}</Link>
          </span>
        ) : null}
        <span>
          Started <b>{when(run.started_at ?? run.created_at)}</b>
        </span>
        <span>
          Duration <b>{duration(run.started_at, run.finished_at, now)}</b>
        </span>
        {run.created_by ? (
          <span>
            By <b>{run.created_by}</b>
          </span>
        ) : null}
        {run.trigger ? (
          <span data-testid="run-trigger">
            Via <b>{run.trigger.replace(":", " ")}</b>
          </span>
        ) : null}
        {run.cache === false ? <span>cache off</span> : null}
      </div>
      <div style={{ maxWidth: 480, marginBottom: 16 }}>
        <ProgressBar done={progress.done} total={progress.total} status={run.status} />
      </div>
      {run.error ? <div className="run-error">{run.error}</div> : null}
      {actionError ? <div className="run-error">{actionError}</div> : null}
      {run.parameters && Object.keys(run.parameters).length ? (
        <div className="run-meta run-params-line" data-testid="run-parameters">
          <span className="muted">Parameters</span>
          {Object.entries(run.parameters).map(([k, v]) => (
            <span key={k}>
              {k} = <b>{JSON.stringify(v)}</b>
            </span>
          ))}
        </div>
      ) : null}
      <RunTimeline run={run} now={now} />
      <div className="run-page-grid">
        <div className="table-scroll">
        <table className="page-table" data-testid="steps-table">
          <thead>
            <tr>
              <th>Step</th>
              <th>Status</th>
              <th>Started</th>
              <th>Duration</th>
              <th>Attempt</th>
              <th>Cache</th>
              <th>Exit</th>
              <th>Logs</th>
              <th>Outputs</th>
            </tr>
          </thead>
          <tbody>
            {run.steps.map((s) => {
              const from = reusedRunId(s.reused_from);
              return (
                <tr
                  key={s.node}
                  className={`clickable${s.node === selected ? " selected" : ""}`}
                  data-testid={`step-row-${s.node}`}
                  data-status={s.status}
                  onClick={() => setSelected(s.node)}
                >
                  <td>
                    <b data-testid={`step-title-${s.node}`}>{stepTitle(s)}</b> <span className="muted small">{s.node}</span>
                    {s.module ? <div className="muted small">{s.module}{s.version ? `@${s.version}` : ""}</div> : null}
                    {s.status === "failed" && s.error ? (
                      <div className="step-row-error" data-testid={`step-error-${s.node}`} title={s.error}>
                        {s.error}
                      </div>
                    ) : null}
                  </td>
                  <td>
                    <StatusBadge status={s.status} />
                    {s.foreach ? (
                      <div>
                        <ForEachRollUp runId={run.id} node={s.node} status={s.status} />
                      </div>
                    ) : null}
                  </td>
                  <td className="muted">{when(s.started_at)}</td>
                  <td className="muted">{s.status === "cached" ? "—" : duration(s.started_at, s.finished_at, now)}</td>
                  <td className="muted">{s.attempt || "—"}</td>
                  <td>
                    {s.status === "cached" ? (
                      from !== null ? (
                        <Link to={`/runs/${from}`} onClick={(e) => e.stopPropagation()}>
                          from #{from}
                        </Link>
                      ) : (
                        "hit"
                      )
                    ) : s.cache_key ? (
                      <code className="muted" title={s.cache_key}>
                        {s.cache_key.slice(0, 8)}
                      </code>
                    ) : (
                      <span className="muted">—</span>
                    )}
                  </td>
                  <td className="muted">{s.exit_code ?? "—"}</td>
                  <td>
                    {s.started_at || s.status === "failed" ? (
                      <a href={logsUrl(run.id, s.node)} target="_blank" rel="noreferrer" onClick={(e) => e.stopPropagation()}>
                        log
                      </a>
                    ) : (
                      <span className="muted">—</span>
                    )}
                  </td>
                  <td>
                    {Object.entries(s.outputs).map(([port, a]) => (
                      <a key={port} href={artifactUrl(a.sha256)} download title={a.sha256} onClick={(e) => e.stopPropagation()} style={{ marginRight: 8 }}>
                        {port}
                      </a>
                    ))}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
        </div>
        <div className="panel">
          {step?.foreach ? <ForEachPanel key={`${run.id}:fe:${step.node}`} runId={run.id} step={step} /> : null}
          {step ? <StepDetails key={`${run.id}:${step.node}`} runId={run.id} step={step} /> : <div className="muted small">Select a step to see its log, outputs and cache.</div>}
        </div>
      </div>
    </div>
  );
}

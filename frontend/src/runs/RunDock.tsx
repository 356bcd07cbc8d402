// The run panel docked beside the canvas: Run / Cancel / Rerun, progress, the selected node's
// status, cache, outputs and live log, and this pipeline's run history. Run asks for the pipeline
// parameters' values first when the pipeline has any.
import { useCallback, useEffect, useState } from "react";
import { Link, useNavigate } from "react-router-dom";
import { errorWithLocations as errorText } from "../api/errors";
import { mergePages } from "../api/client";
import { cancelRun, FINAL_RUN_STATUSES, listRuns, moreRuns, rerun, startRun, type RerunMode, type Run, type RunSummary } from "../api/runs";
import type { PipelineParam } from "../graph/types";
import { useAsync } from "../hooks/useAsync";
import { usePipelineStore } from "../store/pipeline";
import { useRunStore } from "../store/runs";
import { RunHistory } from "./RunHistory";
import { RunParametersDialog } from "./RunParametersDialog";
import { RunTimeline } from "./RunTimeline";
import { runProgress } from "./format";
import { formatValues } from "./runParameters";
import { ProgressBar, StatusBadge } from "./StatusBadge";
import { StepDetails } from "./StepDetails";
import { SubSteps } from "./SubSteps";
import { useRunFeed } from "./useRunFeed";
import "./runs.css";

export interface RunDockProps {
  pipelineId: number;
  selectedNode: string | null;
  /** ask the canvas to save first; resolves false when the graph cannot run */
  ensureSaved: () => Promise<boolean>;
}

export function RunDock({ pipelineId, selectedNode, ensureSaved }: RunDockProps) {
  const runId = useRunStore((s) => s.runId);
  const run = useRunStore((s) => s.run);
  const [history, setHistory] = useState<RunSummary[]>([]);
  const [busy, setBusy] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [mode, setMode] = useState<RerunMode>("all");
  const [noCache, setNoCache] = useState(false);
  const [collapsed, setCollapsed] = useState(false);
  /** the parameters asked for in the Run dialog while it is open */
  const [asking, setAsking] = useState<readonly PipelineParam[] | null>(null);
  const pipelineName = usePipelineStore((s) => s.name);
  /** errors of the draft on the canvas (validated as it is edited) */
  const draftErrors = usePipelineStore((s) => s.errors.length);
  const dirty = usePipelineStore((s) => s.dirty);
  const latestVersion = usePipelineStore((s) => s.latestVersion);
  const navigate = useNavigate();
  const remembered = useRunStore((s) => s.lastParameters[pipelineId]);
  const { socket, refused } = useRunFeed(runId);

  // the newest page of this pipeline's runs, refreshed; "Load more" appends older pages
  const [older, setOlder] = useState<{ pipelineId: number; next: string | null } | null>(null);
  const [firstNext, setFirstNext] = useState<string | null>(null);
  const moreLink = older && older.pipelineId === pipelineId ? older.next : firstNext;

  const refreshHistory = useCallback(async () => {
    try {
      const page = await listRuns({ pipeline: pipelineId });
      const mine = page.results.filter((r) => r.pipeline === pipelineId);
      setHistory((h) => mergePages(mine, h.filter((r) => r.pipeline === pipelineId)));
      setFirstNext(page.next);
      return mine;
    } catch (e) {
      setError(errorText(e));
      return [];
    }
  }, [pipelineId]);

  const loadOlder = async () => {
    if (!moreLink) return;
    try {
      const page = await moreRuns(moreLink);
      setHistory((h) => mergePages(h, page.results));
      setOlder({ pipelineId, next: page.next });
    } catch (e) {
      setError(errorText(e));
    }
  };

  // on opening a pipeline, show its latest run (unless the store already follows one of its runs)
  const opened = useAsync(() => refreshHistory().then((runs) => ({ pipelineId, runs })), [pipelineId, refreshHistory]).data;
  useEffect(() => {
    if (!opened || opened.pipelineId !== pipelineId) return;
    const current = useRunStore.getState().run;
    if (current && current.pipeline === pipelineId) return;
    useRunStore.getState().setRun(opened.runs.length ? opened.runs[0].id : null);
  }, [opened, pipelineId]);

  // runs started elsewhere (API, schedules, another tab) show up in the history too
  useEffect(() => {
    const t = setInterval(() => void refreshHistory(), 15000);
    return () => clearInterval(t);
  }, [refreshHistory]);

  // keep the history's status of the current run in step with the live one
  const liveStatus = run?.status;
  useEffect(() => {
    if (!run) return;
    const changed = (r: RunSummary) => r.id === run.id && (r.status !== run.status || r.started_at !== run.started_at || r.finished_at !== run.finished_at);
    setHistory((h) =>
      h.some(changed) ? h.map((r) => (r.id === run.id ? { ...r, status: run.status, started_at: run.started_at, finished_at: run.finished_at } : r)) : h,
    );
  }, [run, liveStatus]);

  /** follow a run just started */
  const adopt = (next: Run) => {
    useRunStore.getState().setRun(next.id);
    useRunStore.getState().loadRun(next);
    setHistory((h) => [next, ...h.filter((r) => r.id !== next.id)]);
    setCollapsed(false);
  };

  const act = async (label: string, fn: () => Promise<Run | null>) => {
    setBusy(label);
    setError(null);
    try {
      const next = await fn();
      if (next) adopt(next);
    } catch (e) {
      setError(errorText(e));
    } finally {
      setBusy(null);
    }
  };

  /** a draft opened from a run says so on its next run */
  const lineage = () => {
    const from = usePipelineStore.getState().clonedFrom;
    return from !== null ? { cloned_from: from } : {};
  };
  const started = (next: Run) => {
    usePipelineStore.getState().clearClonedFrom();
    return next;
  };

  const onRun = () =>
    act("run", async () => {
      if (!(await ensureSaved())) {
        setError("The pipeline has errors; fix them before running.");
        return null;
      }
      // the saved graph's parameters: with any, the dialog asks for their values before starting
      const parameters = usePipelineStore.getState().parameters;
      if (parameters.length) {
        setAsking(parameters);
        return null;
      }
      return started(await startRun(pipelineId, { cache: !noCache, ...lineage() }));
    });

  const closeDialog = useCallback(() => setAsking(null), []);

  const submitRun = async (values: Record<string, unknown>, cache: boolean) => {
    if (!(await ensureSaved())) throw new Error("The pipeline has errors; fix them before running.");
    const next = started(await startRun(pipelineId, { parameters: values, cache, ...lineage() }));
    useRunStore.getState().rememberParameters(pipelineId, values);
    setNoCache(!cache);
    setAsking(null);
    setError(null);
    adopt(next);
  };

  const onRerun = () =>
    act("rerun", async () => {
      if (!run) return null;
      if (mode === "from" && !selectedNode) {
        setError("Select the node to rerun from.");
        return null;
      }
      return rerun(run.id, { mode, ...(mode === "from" ? { node: selectedNode ?? undefined } : {}), cache: !noCache });
    });

  /** after a failed run: save the edits (when any) and run the latest version, reusing what did not change */
  const onResume = () =>
    act("resume", async () => {
      if (!run) return null;
      if (!(await ensureSaved())) {
        setError("The pipeline has errors; fix them before resuming.");
        return null;
      }
      const version = usePipelineStore.getState().latestVersion;
      if (version === null) return null;
      return rerun(run.id, { mode: "failed", version, cache: !noCache });
    });

  /** "Open in editor": the run's version becomes the draft (the canvas asks before dropping edits) */
  const openInEditor = (rid: number) => {
    if (usePipelineStore.getState().dirty && !window.confirm(`Replace your unsaved edits with the version run #${rid} ran?`)) return;
    navigate(`/pipelines/${pipelineId}?from_run=${rid}`);
  };

  const onCancel = () => act("cancel", async () => (run ? (await cancelRun(run.id), null) : null));

  const live = run !== null && !FINAL_RUN_STATUSES.includes(run.status);
  const progress = runProgress(run);
  const step = selectedNode && run ? run.steps.find((s) => s.node === selectedNode) : undefined;
  const ownRun = run !== null && run.pipeline === pipelineId;
  // a failed run can resume with the edits: the draft when unsaved, else a newer saved version
  const resumable = ownRun && run.status === "failed" && (dirty || (latestVersion !== null && latestVersion !== run.version));
  const rerunsStale = ownRun && (dirty || (latestVersion !== null && latestVersion !== run.version));

  return (
    <aside
      className={`run-dock${collapsed ? " collapsed" : ""}`}
      data-testid="run-dock"
      data-run-id={run?.id ?? ""}
      data-run-status={run?.status ?? ""}
    >
      <div className="run-dock-bar">
        <button
          className="primary"
          data-testid="run-button"
          onClick={onRun}
          disabled={busy !== null || draftErrors > 0}
          title={draftErrors > 0 ? `The pipeline has ${draftErrors} error${draftErrors === 1 ? "" : "s"}: fix them (see Problems) to run` : "save if needed and run the latest edits"}
        >
          {busy === "run" ? "Starting…" : "▶ Run"}
        </button>
        <button data-testid="cancel-run" onClick={onCancel} disabled={!live || busy !== null}>
          ■ Cancel
        </button>
        <span className="sep" />
        <select data-testid="rerun-mode" value={mode} onChange={(e) => setMode(e.target.value as RerunMode)} aria-label="rerun mode">
          <option value="all">Rerun all</option>
          <option value="failed">Rerun failed</option>
          <option value="from">Rerun from selected node</option>
        </select>
        <button
          data-testid="rerun-button"
          data-version={run?.version ?? ""}
          title={
            rerunsStale
              ? `repeats version ${run?.version} exactly as run #${run?.id} ran it, without ${dirty ? "your unsaved edits" : `the newer version ${latestVersion}`}`
              : "repeat this run's pipeline version"
          }
          onClick={onRerun}
          disabled={!ownRun || live || busy !== null || (mode === "from" && !selectedNode)}
        >
          {busy === "rerun" ? "Starting…" : `↻ Rerun${ownRun && run?.version ? ` v${run.version}` : ""}`}
          {rerunsStale ? <span className="stale-note">{dirty ? " (not your edits)" : " (old version)"}</span> : null}
        </button>
        {resumable ? (
          <button
            className="primary"
            data-testid="resume-button"
            onClick={onResume}
            disabled={busy !== null || draftErrors > 0}
            title={`run ${dirty ? "your edits (saved first)" : `version ${latestVersion}`} as a rerun of failed run #${run?.id}: steps you did not change reuse its outputs; the changed and failed ones run`}
          >
            {busy === "resume" ? "Starting…" : dirty ? "▶ Save and resume" : `▶ Resume with v${latestVersion}`}
          </button>
        ) : null}
        <label className="check" title="ignore cached outputs and execute every step">
          <input type="checkbox" data-testid="no-cache" checked={noCache} onChange={(e) => setNoCache(e.target.checked)} /> no cache
        </label>
        <span className="sep" />
        {ownRun && run ? (
          <div className="run-dock-summary">
            <Link to={`/runs/${run.id}`} data-testid="run-link">
              Run #{run.id}
            </Link>
            <StatusBadge status={run.status} testId="run-status" />
            <ProgressBar done={progress.done} total={progress.total} status={run.status} />
            <span className="muted small nowrap">
              {run.version ? `v${run.version}` : ""}
              {run.parent ? ` · rerun (${run.rerun_mode ?? "all"}) of #${run.parent}` : ""}
              {run.cloned_from ? ` · cloned from #${run.cloned_from}` : ""}
              {run.cache === false ? " · cache off" : ""}
            </span>
            {run.parameters && Object.keys(run.parameters).length ? (
              <span className="muted small run-dock-params" title={`Parameters: ${formatValues(run.parameters)}`} data-testid="run-dock-params">
                {formatValues(run.parameters)}
              </span>
            ) : null}
            {socket === "reconnecting" ? <span className="muted small">reconnecting…</span> : null}
            {refused ? (
              <span className="field-error" role="alert" data-testid="feed-refused">
                {refused}
              </span>
            ) : null}
          </div>
        ) : (
          <span className="muted small">No runs yet — press Run.</span>
        )}
        <button className="ghost right" onClick={() => setCollapsed((c) => !c)} title={collapsed ? "Show run panel" : "Hide run panel"} data-testid="run-dock-toggle">
          {collapsed ? "▴" : "▾"}
        </button>
      </div>
      {error ? (
        <div className="run-error" role="alert" data-testid="run-error">
          {error}
        </div>
      ) : null}
      {!collapsed && ownRun && run ? <RunTimeline run={run} compact /> : null}
      {collapsed ? null : (
        <div className="run-dock-body">
          <div className="run-dock-col history-col">
            <h4>Runs of this pipeline</h4>
            <RunHistory
              runs={history}
              current={run?.id ?? null}
              onPick={(rid) => useRunStore.getState().setRun(rid)}
              onOpen={openInEditor}
              onMore={moreLink ? () => void loadOlder() : undefined}
            />
          </div>
          {!ownRun || !run ? (
            <div className="run-dock-col muted small">Press Run to execute the pipeline; node colours, logs and outputs appear here live.</div>
          ) : !selectedNode ? (
            <div className="run-dock-col muted small">{run.error ? <div className="run-error">{run.error}</div> : null}Select a node on the canvas to see its log, outputs and cache.</div>
          ) : step ? (
            <StepDetails key={`${run.id}:${step.node}`} runId={run.id} step={step} layout="dock" />
          ) : run.steps.some((s) => s.node.startsWith(`${selectedNode}.`)) ? (
            <SubSteps key={`${run.id}:${selectedNode}`} runId={run.id} node={selectedNode} steps={run.steps} />
          ) : (
            <div className="run-dock-col muted small">
              Node <code>{selectedNode}</code> is not part of run #{run.id}.
            </div>
          )}
        </div>
      )}
      {asking ? (
        <RunParametersDialog
          pipelineName={pipelineName}
          parameters={asking}
          remembered={remembered}
          noCache={noCache}
          onSubmit={submitRun}
          onClose={closeDialog}
        />
      ) : null}
    </aside>
  );
}

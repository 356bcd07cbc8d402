// Everything about one step of one run: status line, cache, outputs and the live log.
import type { StepRun } from "../api/runs";
import { CacheInfoView } from "./CacheInfoView";
import { duration } from "./format";
import { LogPanel } from "./LogPanel";
import { StatusBadge } from "./StatusBadge";
import { StepOutputs } from "./StepOutputs";
import { useNow } from "./useRunFeed";
import { stepTitle } from "../graph/labels";

export function StepDetails({ runId, step, layout = "stack" }: { runId: number; step: StepRun; layout?: "stack" | "dock" }) {
  const now = useNow(step.status === "running");
  const log = <LogPanel runId={runId} node={step.node} status={step.status} />;
  return (
    <>
    <div className={`run-step ${layout}`} data-testid="step-details" data-node={step.node} data-status={step.status}>
      <div className="run-step-head">
        <b className="step-title" data-testid="step-title">{stepTitle(step)}</b>
        <code className="node-id">{step.node}</code>
        <StatusBadge status={step.status} testId="step-status" />
        <span className="muted small">
          {step.status === "cached" ? "reused" : duration(step.started_at, step.finished_at, now)}
          {step.attempt > 1 ? ` · attempt ${step.attempt}` : ""}
          {step.exit_code !== null && step.exit_code !== undefined ? ` · exit ${step.exit_code}` : ""}
        </span>
        {step.compute === "local" ? (
          <span className="muted small" data-testid="step-local-compute" title="enabled by the operator">
            · host process, no container (local compute)
          </span>
        ) : null}
      </div>
      {step.error ? <div className="run-error" data-testid="step-error">{step.error}</div> : null}
      {/* the outputs come before the cache's answer: that answer loads later and grows (its reason,
          the closest earlier step and its differences), and nothing may move the outputs' buttons
          (download, lineage, register model) from under a pointer on their way to them */}
      <section>
        <h4>Outputs</h4>
        <StepOutputs step={step} runId={runId} />
      </section>
      <section>
        <h4>Cache</h4>
        <CacheInfoView runId={runId} step={step} />
      </section>
      {layout === "stack" ? <section>{log}</section> : null}
    </div>
    {layout === "dock" ? <div className="run-dock-col log-col">{log}</div> : null}
    </>
  );
}

import type { RunStatus, StepStatus } from "../api/runs";

export function StatusBadge({ status, testId }: { status: StepStatus | RunStatus | null | undefined; testId?: string }) {
  const s = status ?? "none";
  return (
    <span className={`run-badge status-${s}`} data-status={s} data-testid={testId}>
      <span className="dot" />
      {s === "none" ? "no run" : s}
    </span>
  );
}

export function ProgressBar({ done, total, status }: { done: number; total: number; status: string | undefined }) {
  const pct = total ? Math.round((done / total) * 100) : 0;
  return (
    <div className={`run-progress status-${status ?? "none"}`} data-testid="run-progress" data-done={done} data-total={total}>
      <div className="bar" role="progressbar" aria-valuemin={0} aria-valuemax={total} aria-valuenow={done}>
        <div className="fill" style={{ width: `${pct}%` }} />
      </div>
      <span className="label">
        {done}/{total} steps
      </span>
    </div>
  );
}

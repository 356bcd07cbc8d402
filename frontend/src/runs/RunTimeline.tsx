// A run's timeline (Gantt): per step its queue wait, container start and execution, the critical
// path highlighted, reused steps marked, the compute used and saved, steps near their memory
// limit flagged. Layout in ./timeline.ts; rows are virtualised so 1,000 steps stay fast.
import { useMemo, useState } from "react";
import { get } from "../api/client";
import { getRun, type Run } from "../api/runs";
import type { components } from "../api/schema";
import { useAsync } from "../hooks/useAsync";
import "./timeline.css";
import { formatSpan, layoutTimeline, planDependencies, planMemoryLimits, ticks, type SegmentKind, type TimedStep, type TimelineRow } from "./timeline";

type VersionDetail = components["schemas"]["VersionDetail"];
type PlanJson = Parameters<typeof planDependencies>[0] & Parameters<typeof planMemoryLimits>[0];

const ROW = 20;
const VISIBLE = 16;
const OVERSCAN = 8;
const MAX_ORIGIN_RUNS = 8;

const LABELS: Record<SegmentKind, string> = {
  queue: "queue wait",
  start: "container start",
  run: "execution",
  store: "storing outputs",
  record: "recording the outcome",
  cached: "reused from cache",
};

/** The plan of the run's version: its edges and memory limits. */
function usePlan(run: Pick<Run, "pipeline" | "version">): PlanJson | null {
  const { pipeline, version } = run;
  const answer = useAsync(
    () => (version ? get<VersionDetail>(`/api/pipelines/${pipeline}/versions/${version}/`).then((v) => (v.plan ?? null) as PlanJson | null) : null),
    [pipeline, version],
  );
  return answer.data ?? null;
}

/** `${run}:${node}` -> duration in ms of the steps this run's cached steps reused. */
function useOriginalDurations(steps: readonly TimedStep[]): Record<string, number> {
  const key = [...new Set(steps.flatMap((s) => (s.status === "cached" && s.reused_from ? [s.reused_from.run] : [])))]
    .sort((a, b) => a - b)
    .slice(0, MAX_ORIGIN_RUNS)
    .join(",");
  const answer = useAsync(async () => {
    const out: Record<string, number> = {};
    if (!key) return out;
    const runs = await Promise.all(key.split(",").map((id) => getRun(Number(id)).catch(() => null)));
    for (const origin of runs) {
      for (const s of (origin?.steps ?? []) as TimedStep[]) {
        const start = Date.parse(s.started_at ?? "");
        const end = Date.parse(s.finished_at ?? "");
        if (s.status !== "cached" && Number.isFinite(start) && Number.isFinite(end) && end >= start) out[`${origin!.id}:${s.node}`] = end - start;
      }
    }
    return out;
  }, [key]);
  return answer.data ?? {};
}

const seconds = (s: number | null) => (s === null ? "—" : formatSpan(s * 1000));

/** The timeline; `compact` (the run dock) folds it under a "Timeline" summary line. */
export function RunTimeline({ run, now, compact = false }: { run: Run; now?: number; compact?: boolean }) {
  if (!compact) return <TimelineView run={run} now={now} />;
  return (
    <details className="run-timeline-fold" data-testid="run-timeline-fold">
      <summary>Timeline</summary>
      <TimelineView run={run} now={now} compact />
    </details>
  );
}

function TimelineView({ run, now, compact = false }: { run: Run; now?: number; compact?: boolean }) {
  const steps = run.steps as unknown as TimedStep[];
  const plan = usePlan(run);
  const originalDurations = useOriginalDurations(steps);
  const timeline = useMemo(
    () =>
      layoutTimeline({
        steps,
        dependencies: planDependencies(plan),
        memoryLimits: planMemoryLimits(plan),
        originalDurations,
        now,
      }),
    [steps, plan, originalDurations, now],
  );
  const [scrollTop, setScrollTop] = useState(0);
  const rows = timeline.rows;
  const visible = compact ? 8 : VISIBLE;
  const from = Math.max(0, Math.floor(scrollTop / ROW) - OVERSCAN);
  const to = Math.min(rows.length, Math.ceil(scrollTop / ROW) + visible + OVERSCAN);
  const span = timeline.span || 1;
  const pct = (x: number) => `${(x / span) * 100}%`;
  const scale = ticks(timeline.span, compact ? 4 : 6);
  const warnings = rows.filter((r) => r.memoryWarning);

  if (!rows.length) return <div className="muted small">No steps yet.</div>;
  return (
    <div className={`run-timeline${compact ? " compact" : ""}`} data-testid="run-timeline">
      <div className="timeline-summary">
        <span>
          Wall time <b data-testid="timeline-span">{formatSpan(timeline.span)}</b>
        </span>
        <span title="the sum of the steps' CPU time">
          Compute used <b data-testid="timeline-compute">{seconds(timeline.computeSeconds)}</b>
        </span>
        <span title="the original durations of the steps reused from the cache">
          Cache saved <b data-testid="timeline-saved">{seconds(timeline.savedSeconds)}</b>
        </span>
        {timeline.criticalPath.length ? (
          <span className="timeline-path" title="the steps that gated the run's end" data-testid="timeline-critical">
            Critical path <b>{timeline.criticalPath.join(" → ")}</b>
          </span>
        ) : null}
        {warnings.length ? (
          <span className="timeline-warn" data-testid="timeline-memory-warnings">
            ⚠ near memory limit: {warnings.map((r) => r.node).join(", ")}
          </span>
        ) : null}
      </div>
      <div className="timeline-legend">
        {(Object.keys(LABELS) as SegmentKind[]).map((k) => (
          <span key={k}>
            <i className={`seg seg-${k}`} /> {LABELS[k]}
          </span>
        ))}
        <span>
          <i className="seg seg-run critical" /> critical path
        </span>
      </div>
      <div className="timeline-scale">
        <div className="timeline-label" />
        <div className="timeline-track">
          {scale.map((t) => (
            <span key={t.at} className="tick" style={{ left: pct(t.at) }}>
              {t.label}
            </span>
          ))}
        </div>
      </div>
      <div className="timeline-rows" style={{ maxHeight: visible * ROW }} onScroll={(e) => setScrollTop(e.currentTarget.scrollTop)}>
        <div style={{ height: rows.length * ROW, position: "relative" }}>
          {rows.slice(from, to).map((row, i) => (
            <TimelineRowView key={row.node} row={row} top={(from + i) * ROW} pct={pct} />
          ))}
        </div>
      </div>
    </div>
  );
}

function TimelineRowView({ row, top, pct }: { row: TimelineRow; top: number; pct: (x: number) => string }) {
  const title = [
    row.node,
    row.status,
    ...row.segments.filter((s) => s.kind !== "cached").map((s) => `${LABELS[s.kind]} ${formatSpan(s.end - s.start)}`),
    row.cached ? "reused from the cache" : "",
    row.memoryRatio !== null ? `peak memory ${(row.memoryRatio * 100).toFixed(0)}% of its limit` : "",
  ]
    .filter(Boolean)
    .join(" · ");
  return (
    <div
      className={`timeline-row${row.critical ? " critical" : ""}${row.cached ? " cached" : ""}`}
      style={{ top, height: ROW }}
      data-testid={`timeline-row-${row.node}`}
      data-critical={row.critical ? "true" : "false"}
      data-cached={row.cached ? "true" : "false"}
      data-memory-warning={row.memoryWarning ? "true" : "false"}
      title={title}
    >
      <div className="timeline-label">
        {row.memoryWarning ? <span className="timeline-warn">⚠ </span> : null}
        {row.label || row.node}
        {row.label && row.label !== row.node ? <span className="muted small"> {row.node}</span> : null}
        {row.cached ? <span className="muted small"> reused</span> : null}
      </div>
      <div className="timeline-track">
        {row.segments.map((s, i) => (
          <span
            key={i}
            className={`seg seg-${s.kind}${row.critical && s.kind === "run" ? " critical" : ""}`}
            style={{ left: pct(s.start), width: s.kind === "cached" ? undefined : pct(Math.max(0, s.end - s.start)) }}
          />
        ))}
      </div>
    </div>
  );
}

// A sub-pipeline node selected in a run: its inner steps (`<node>.<inner>`) with their status and
// its rolled-up status; picking one shows that step's details (log, outputs, cache).
import { useState } from "react";
import type { StepRun } from "../api/runs";
import { rollUp } from "../graph/subpipelines";
import { StatusBadge } from "./StatusBadge";
import { StepDetails } from "./StepDetails";

export function SubSteps({ runId, node, steps }: { runId: number; node: string; steps: readonly StepRun[] }) {
  const inner = steps.filter((s) => s.node.startsWith(`${node}.`));
  const [picked, setPicked] = useState<string | null>(null);
  const step = inner.find((s) => s.node === picked);
  const status = rollUp(node, steps);
  return (
    <div className="run-dock-col" data-testid="sub-steps" data-node={node} data-status={status}>
      <div className="run-step-head">
        <code className="node-id">{node}</code> {status ? <StatusBadge status={status as StepRun["status"]} testId="sub-status" /> : null}
        <span className="muted small"> sub-pipeline · {inner.length} step(s)</span>
      </div>
      <ul className="sub-steps">
        {inner.map((s) => (
          <li key={s.node}>
            <button className={`link ${s.node === picked ? "active" : ""}`} onClick={() => setPicked(s.node)} data-testid="sub-step" data-node={s.node}>
              {s.node.slice(node.length + 1)}
            </button>{" "}
            <StatusBadge status={s.status} />
          </li>
        ))}
      </ul>
      {step ? <StepDetails key={`${runId}:${step.node}`} runId={runId} step={step} layout="dock" /> : null}
    </div>
  );
}

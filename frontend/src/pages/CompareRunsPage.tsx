// 2 to 4 runs side by side (/runs/compare?ids=1,2,3): parameters with differences highlighted,
// metrics per step node with deltas against the first run, step outcomes and durations, the graph
// diff of their versions, and one node's output previews side by side.
import { useMemo, useState } from "react";
import { Link, useSearchParams } from "react-router-dom";
import { errorMessage } from "../api/errors";
import { compareRuns, type Run, type RunDiff } from "../api/runs";
import { useAsync } from "../hooks/useAsync";
import { formatDelta, metricRows, parameterRows, parseIds, stepRows, MAX_COMPARE, MIN_COMPARE } from "../runs/compare";
import { formatValue } from "../runs/format";
import { StatusBadge } from "../runs/StatusBadge";
import { StepOutputs } from "../runs/StepOutputs";
import { nodeName } from "../graph/labels";
import { formatSpan } from "../runs/timeline";
import "../runs/runs.css";
import "../runs/timeline.css";

const show = (v: unknown) => (v === undefined ? "—" : formatValue(v));

export function CompareRunsPage() {
  const [params] = useSearchParams();
  const ids = useMemo(() => parseIds(params.get("ids")), [params]);
  const valid = ids.length >= MIN_COMPARE && ids.length <= MAX_COMPARE;
  const answer = useAsync(() => (valid ? compareRuns(ids) : null), [ids, valid]);
  if (!valid) return <div className="empty">Pick {MIN_COMPARE} to {MAX_COMPARE} runs to compare on the Runs page.</div>;
  if (answer.error) return <div className="empty run-error">{errorMessage(answer.error)}</div>;
  if (!answer.data) return <div className="empty">Loading runs…</div>;
  return <Comparison runs={answer.data.runs} diffs={answer.data.diffs} />;
}

function RunHeads({ runs }: { runs: readonly Run[] }) {
  return (
    <>
      {runs.map((r) => (
        <th key={r.id}>
          <Link to={`/runs/${r.id}`}>#{r.id}</Link> <StatusBadge status={r.status} />
          <div className="muted small">
            {r.pipeline_name} v{r.version}
          </div>
        </th>
      ))}
    </>
  );
}

function Comparison({ runs, diffs }: { runs: Run[]; diffs: RunDiff[] }) {
  const parameters = useMemo(() => parameterRows(runs), [runs]);
  const metrics = useMemo(() => metricRows(runs), [runs]);
  // what people read: a step's label (its node's, when the run started), the id after it
  const labelOf = useMemo(() => {
    const out = new Map<string, string>();
    for (const r of runs) for (const st of r.steps) if (st.label && !out.has(st.node)) out.set(st.node, st.label);
    return out;
  }, [runs]);
  const steps = useMemo(() => stepRows(runs), [runs]);
  const [node, setNode] = useState<string>(() => steps.find((s) => s.cells.some((c) => c?.status === "succeeded"))?.node ?? steps[0]?.node ?? "");

  return (
    <div className="compare-page" data-testid="compare-page">
      <h1>Compare runs {runs.map((r) => `#${r.id}`).join(" · ")}</h1>

      <section className="compare-section">
        <h3>Parameters</h3>
        {parameters.length ? (
          <table className="page-table compare-table" data-testid="compare-parameters">
            <thead>
              <tr>
                <th>Parameter</th>
                <RunHeads runs={runs} />
              </tr>
            </thead>
            <tbody>
              {parameters.map((row) => (
                <tr key={row.key} data-testid={`compare-param-${row.key}`} data-differs={row.differs ? "true" : "false"}>
                  <th>{row.key}</th>
                  {row.values.map((v, i) => (
                    <td key={runs[i].id} className={row.differs ? "differs" : ""}>
                      {show(v)}
                    </td>
                  ))}
                </tr>
              ))}
            </tbody>
          </table>
        ) : (
          <div className="muted small">None of these runs has parameters.</div>
        )}
      </section>

      <section className="compare-section">
        <h3>Metrics</h3>
        {metrics.length ? (
          <table className="page-table compare-table" data-testid="compare-metrics">
            <thead>
              <tr>
                <th>Metric</th>
                <RunHeads runs={runs} />
              </tr>
            </thead>
            <tbody>
              {metrics.map((row) => (
                <tr key={row.key} data-testid={`compare-metric-${row.key}`} data-differs={row.differs ? "true" : "false"}>
                  <th title={row.node}>
                    {labelOf.get(row.node) ?? row.node} › {row.name}
                  </th>
                  {row.values.map((v, i) => {
                    const d = row.deltas[i];
                    return (
                      <td key={runs[i].id} className={`num${row.differs ? " differs" : ""}`}>
                        {v === null ? "—" : formatValue(v)}
                        {d !== null ? (
                          <span className={`delta${d > 0 ? " up" : d < 0 ? " down" : ""}`} data-testid="metric-delta">
                            {formatDelta(d)}
                          </span>
                        ) : null}
                      </td>
                    );
                  })}
                </tr>
              ))}
            </tbody>
          </table>
        ) : (
          <div className="muted small">No numeric metrics in these runs.</div>
        )}
      </section>

      <section className="compare-section">
        <h3>Steps</h3>
        <table className="page-table compare-table" data-testid="compare-steps">
          <thead>
            <tr>
              <th>Step</th>
              <RunHeads runs={runs} />
            </tr>
          </thead>
          <tbody>
            {steps.map((row) => (
              <tr key={row.node} data-testid={`compare-step-${row.node}`}>
                <th>{nodeName(row.node, row.label)}</th>
                {row.cells.map((c, i) => (
                  <td key={runs[i].id} className={row.differs ? "differs" : ""}>
                    {c ? (
                      <>
                        <StatusBadge status={c.status} /> <span className="muted small">{c.durationMs === null ? "" : formatSpan(c.durationMs)}</span>
                      </>
                    ) : (
                      <span className="muted">not in this run</span>
                    )}
                  </td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      </section>

      <section className="compare-section compare-diff" data-testid="compare-diff">
        <h3>Graph changes</h3>
        {diffs.map((d) => (
          <DiffView key={d.to_run} diff={d} />
        ))}
      </section>

      <section className="compare-section">
        <h3>
          Outputs of{" "}
          <select value={node} onChange={(e) => setNode(e.target.value)} aria-label="node to compare" data-testid="compare-node">
            {steps.map((s) => (
              <option key={s.node} value={s.node}>
                {nodeName(s.node, s.label)}
              </option>
            ))}
          </select>
        </h3>
        <div className="compare-outputs" style={{ gridTemplateColumns: `repeat(${runs.length}, minmax(0, 1fr))` }}>
          {runs.map((r) => {
            const step = r.steps.find((s) => s.node === node);
            return (
              <div key={r.id} data-testid={`compare-outputs-${r.id}`}>
                <div className="muted small">#{r.id}</div>
                {step ? <StepOutputs key={`${r.id}:${node}`} step={step} /> : <div className="muted small">No step {node} in this run.</div>}
              </div>
            );
          })}
        </div>
      </section>
    </div>
  );
}

interface DiffShape {
  nodes?: { added?: string[]; removed?: string[]; changed?: { id: string; fields: string[] }[] };
  edges?: { added?: unknown[]; removed?: unknown[] };
  parameters?: { added?: string[]; removed?: string[]; changed?: { name: string; fields: string[] }[] };
  module_versions?: { node: string; module: string; from: string | null; to: string | null }[];
}

function DiffView({ diff }: { diff: RunDiff }) {
  const d = diff as unknown as DiffShape & RunDiff;
  const lines: string[] = [];
  if (d.nodes?.added?.length) lines.push(`nodes added: ${d.nodes.added.join(", ")}`);
  if (d.nodes?.removed?.length) lines.push(`nodes removed: ${d.nodes.removed.join(", ")}`);
  for (const c of d.nodes?.changed ?? []) lines.push(`${c.id} changed: ${c.fields.join(", ")}`);
  if (d.edges?.added?.length) lines.push(`${d.edges.added.length} edge(s) added`);
  if (d.edges?.removed?.length) lines.push(`${d.edges.removed.length} edge(s) removed`);
  if (d.parameters?.added?.length) lines.push(`parameters added: ${d.parameters.added.join(", ")}`);
  if (d.parameters?.removed?.length) lines.push(`parameters removed: ${d.parameters.removed.join(", ")}`);
  for (const p of d.parameters?.changed ?? []) lines.push(`parameter ${p.name} changed: ${p.fields.join(", ")}`);
  for (const m of d.module_versions ?? []) lines.push(`${m.node}: ${m.module} ${m.from ?? "?"} → ${m.to ?? "?"}`);
  const where =
    d.from_pipeline === d.to_pipeline
      ? `v${d.from_version ?? "?"} → v${d.to_version ?? "?"}`
      : `pipeline #${d.from_pipeline} v${d.from_version ?? "?"} → pipeline #${d.to_pipeline} v${d.to_version ?? "?"}`;
  return (
    <div data-testid={`compare-diff-${d.to_run}`}>
      <b>
        #{d.from_run} → #{d.to_run}
      </b>{" "}
      <span className="muted small">{where}</span>
      {lines.length ? (
        <ul>
          {lines.map((l) => (
            <li key={l}>{l}</li>
          ))}
        </ul>
      ) : (
        <span className="muted small"> — the same graph</span>
      )}
    </div>
  );
}

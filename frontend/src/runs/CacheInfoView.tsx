// Why a step was (or was not) reused from the cache.
import { Link } from "react-router-dom";
import { getCacheInfo, reusedRunId, type StepRun } from "../api/runs";
import { useAsync } from "../hooks/useAsync";

const SETTLED = ["succeeded", "failed", "cached", "skipped", "canceled", "running"];

export function CacheInfoView({ runId, step }: { runId: number; step: StepRun }) {
  const settled = SETTLED.includes(step.status);
  const answer = useAsync(
    () => (settled ? getCacheInfo(runId, step.node) : null),
    // ask again whenever the step's status moves (a retry may change the answer)
    // eslint-disable-next-line react-hooks/exhaustive-deps
    [runId, step.node, settled, step.status],
  );
  const fetched = answer.error ? null : (answer.data ?? null);
  // never show another step's answer while this one loads
  const info = fetched && fetched.node === step.node ? fetched : null;

  const from = reusedRunId(step.reused_from ?? info?.reused_from ?? null);
  const hit = step.status === "cached" || info?.hit === true;
  return (
    <div className={`run-cache ${hit ? "hit" : "miss"}`} data-testid="cache-info" data-hit={hit ? "true" : "false"}>
      {hit ? (
        <div>
          <strong>Reused from cache</strong>
          {from !== null ? (
            <>
              {" "}
              — outputs of <Link to={`/runs/${from}`}>run #{from}</Link>
            </>
          ) : null}
        </div>
      ) : (
        <div>
          <strong>{settled ? "Not from cache" : "Cache not checked yet"}</strong>
        </div>
      )}
      {!hit && info?.reason ? <div className="small" data-testid="cache-reason">Why: {info.reason}</div> : null}
      {!hit && info?.nearest ? (
        <div className="small">
          Closest earlier: <Link to={`/runs/${info.nearest.run}`}>run #{info.nearest.run}</Link> ({info.nearest.node})
          {info.nearest.differences.length ? (
            <ul className="cache-diffs">
              {info.nearest.differences.map((d, i) => (
                <li key={i}>
                  {d.message}
                  {d.ingredient === "parameter" ? (
                    <span className="muted">
                      {" "}
                      ({JSON.stringify(d.was)} → {JSON.stringify(d.now)})
                    </span>
                  ) : null}
                </li>
              ))}
            </ul>
          ) : null}
        </div>
      ) : null}
      {step.cache_key ? (
        <div className="small muted" title={step.cache_key}>
          key <code>{step.cache_key.slice(0, 16)}…</code>
        </div>
      ) : null}
    </div>
  );
}

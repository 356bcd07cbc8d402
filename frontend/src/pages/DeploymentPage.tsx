// One deployment: versions (replicas, metrics), default, canary split, rollback, scaling, tokens,
// and a Try it box that scores JSON rows (showing the answer, or the 400 naming row and column).
import { useCallback, useEffect, useState } from "react";
import { Link, useNavigate, useParams } from "react-router-dom";
import {
  addVersion,
  createToken,
  deleteDeployment,
  getDeployment,
  listTokens,
  revokeToken,
  rollback,
  sampleRow,
  scaleVersion,
  scoreExample,
  tryScore,
  updateRouting,
  type DeploymentDetail,
  type DeploymentToken,
} from "../api/deployments";
import { errorMessage, errorWithLocations } from "../api/errors";

const REFRESH_MS = 2000;

function ms(value: number | null | undefined) {
  return value === null || value === undefined ? "—" : `${value} ms`;
}

export function DeploymentPage() {
  const { slug = "" } = useParams();
  const navigate = useNavigate();
  const [d, setD] = useState<DeploymentDetail | null>(null);
  const [tokens, setTokens] = useState<DeploymentToken[]>([]);
  const [newKey, setNewKey] = useState<string | null>(null);
  const [tokenName, setTokenName] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [rows, setRows] = useState("");
  const [answer, setAnswer] = useState<string | null>(null);
  const [answerError, setAnswerError] = useState<string | null>(null);
  const [canary, setCanary] = useState<number | "">("");
  const [percent, setPercent] = useState(10);
  const [newPipeline, setNewPipeline] = useState<number | "">("");

  const refresh = useCallback(async () => {
    try {
      const fresh = await getDeployment(slug);
      setD(fresh);
      setTokens(await listTokens(slug));
    } catch (e) {
      setError(errorMessage(e));
    }
  }, [slug]);
  useEffect(() => {
    void refresh();
    const timer = window.setInterval(() => void refresh(), REFRESH_MS);
    return () => window.clearInterval(timer);
  }, [refresh]);
  const defaultVersion = d?.versions.find((v) => v.number === d.default_version);
  useEffect(() => {
    if (defaultVersion && !rows) setRows(JSON.stringify([sampleRow(defaultVersion.schema)], null, 1));
    if (defaultVersion && newPipeline === "") setNewPipeline(defaultVersion.pipeline);
  }, [defaultVersion, rows, newPipeline]);

  const act = async (fn: () => Promise<unknown>) => {
    setError(null);
    try {
      await fn();
      await refresh();
    } catch (e) {
      setError(errorWithLocations(e));
    }
  };

  const score = async () => {
    setAnswer(null);
    setAnswerError(null);
    let parsed: unknown;
    try {
      parsed = JSON.parse(rows);
    } catch (e) {
      setAnswerError(`Not JSON: ${errorMessage(e)}`);
      return;
    }
    try {
      setAnswer(JSON.stringify(await tryScore(slug, parsed), null, 1));
    } catch (e) {
      setAnswerError(errorWithLocations(e));
    }
  };

  if (!d) return <div className="page">{error ? <p className="field-error">{error}</p> : <p className="muted">Loading…</p>}</div>;
  const others = d.versions.filter((v) => v.number !== d.default_version);

  return (
    <div className="page" data-testid="deployment-page">
      <p>
        <Link to="/deployments">Deployments</Link> /
      </p>
      <h2>
        {d.team}/{d.slug}
      </h2>
      <p>
        Score URL: <code data-testid="score-url">{location.origin + d.score_url}</code> · default <strong data-testid="default-version">v{d.default_version ?? "—"}</strong>
        {d.canary_version ? (
          <span data-testid="canary-state">
            {" "}
            · canary v{d.canary_version} at {d.canary_percent} %
          </span>
        ) : null}
      </p>
      {error ? (
        <p className="field-error" role="alert" data-testid="deployment-error">
          {error}
        </p>
      ) : null}

      <h3>Versions</h3>
      <table className="table" data-testid="versions-table">
        <thead>
          <tr>
            <th>Version</th>
            <th>Pipeline</th>
            <th>Replicas</th>
            <th>Requests</th>
            <th>Errors</th>
            <th>p50</th>
            <th>p95</th>
            <th>p99</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {d.versions.map((v) => (
            <tr key={v.number} data-testid={`version-${v.number}`}>
              <td>
                v{v.number}
                {v.number === d.default_version ? " (default)" : ""}
                {v.number === d.canary_version ? " (canary)" : ""}
              </td>
              <td>
                <Link to={`/pipelines/${v.pipeline}`}>pipeline {v.pipeline}</Link> v{v.pipeline_version}
              </td>
              <td>
                <button className="btn ghost" onClick={() => void act(() => scaleVersion(slug, v.number, Math.max(0, v.replicas - 1)))} data-testid={`scale-down-${v.number}`} aria-label="one replica less">
                  −
                </button>{" "}
                <span data-testid={`replicas-${v.number}`}>{v.replicas}</span>{" "}
                <button className="btn ghost" onClick={() => void act(() => scaleVersion(slug, v.number, v.replicas + 1))} data-testid={`scale-up-${v.number}`} aria-label="one replica more">
                  +
                </button>{" "}
                <span className="muted small" data-testid={`ready-${v.number}`}>
                  {v.replica_states.filter((r) => r.state === "ready").length} ready
                </span>
                {v.replica_states
                  .filter((r) => r.last_error)
                  .map((r) => (
                    <div key={r.index} className="muted small" title={r.last_error}>
                      replica {r.index}: restarted {r.restarts}×
                    </div>
                  ))}
              </td>
              <td data-testid={`requests-${v.number}`}>{v.metrics?.requests ?? 0}</td>
              <td>{v.metrics?.errors ?? 0}</td>
              <td>{ms(v.metrics?.p50_ms)}</td>
              <td>{ms(v.metrics?.p95_ms)}</td>
              <td>{ms(v.metrics?.p99_ms)}</td>
              <td>
                {v.number !== d.default_version ? (
                  <button className="btn" onClick={() => void act(() => updateRouting(slug, { default_version: v.number }))} data-testid={`make-default-${v.number}`}>
                    Make default
                  </button>
                ) : null}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <p className="muted small">Metrics: the last hour, per version.</p>
      <div className="row">
        <button className="btn" disabled={!d.previous_version} onClick={() => void act(() => rollback(slug))} data-testid="rollback">
          Roll back{d.previous_version ? ` to v${d.previous_version}` : ""}
        </button>{" "}
        <button className="btn" onClick={() => void act(() => addVersion(slug, { pipeline: Number(newPipeline) }))} disabled={newPipeline === ""} data-testid="add-version">
          New version from pipeline
        </button>{" "}
        <input type="number" value={newPipeline} onChange={(e) => setNewPipeline(e.target.value ? Number(e.target.value) : "")} aria-label="inference pipeline id" style={{ width: "6em" }} />
      </div>

      <h3>Canary</h3>
      {others.length ? (
        <div className="row" data-testid="canary-form">
          <select value={canary} onChange={(e) => setCanary(e.target.value ? Number(e.target.value) : "")} aria-label="canary version" data-testid="canary-version">
            <option value="">Version…</option>
            {others.map((v) => (
              <option key={v.number} value={v.number}>
                v{v.number}
              </option>
            ))}
          </select>{" "}
          <input type="range" min={0} max={100} value={percent} onChange={(e) => setPercent(Number(e.target.value))} aria-label="canary share" data-testid="canary-percent" />{" "}
          <span>{percent} %</span>{" "}
          <button className="btn" disabled={canary === ""} onClick={() => void act(() => updateRouting(slug, { canary_version: Number(canary), canary_percent: percent }))} data-testid="canary-apply">
            Split
          </button>{" "}
          <button className="btn ghost" disabled={!d.canary_version} onClick={() => void act(() => updateRouting(slug, { canary_percent: 0 }))}>
            End split
          </button>
        </div>
      ) : (
        <p className="muted small">Add a second version to split traffic.</p>
      )}

      <h3>Try it</h3>
      <textarea value={rows} onChange={(e) => setRows(e.target.value)} rows={6} cols={80} aria-label="rows as JSON" data-testid="try-rows" />
      <div>
        <button className="btn primary" onClick={() => void score()} data-testid="try-score">
          Score
        </button>
      </div>
      {answer ? <pre data-testid="try-answer">{answer}</pre> : null}
      {answerError ? (
        <p className="field-error" role="alert" data-testid="try-error">
          {answerError}
        </p>
      ) : null}
      {defaultVersion ? <pre className="publish-example">{scoreExample(d, sampleRow(defaultVersion.schema))}</pre> : null}

      <h3>Tokens</h3>
      <p className="muted small">A deployment token scores this deployment and nothing else.</p>
      <ul data-testid="tokens">
        {tokens.map((t) => (
          <li key={t.id}>
            {t.name} <code>{t.prefix}…</code>{" "}
            <button className="btn ghost" onClick={() => void act(() => revokeToken(slug, t.id))} data-testid="revoke-token">
              Revoke
            </button>
          </li>
        ))}
      </ul>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          void act(async () => setNewKey((await createToken(slug, tokenName.trim())).token)).then(() => setTokenName(""));
        }}
      >
        <input value={tokenName} onChange={(e) => setTokenName(e.target.value)} placeholder="token name" maxLength={100} data-testid="token-name" />{" "}
        <button className="btn" disabled={!tokenName.trim()} data-testid="token-create">
          Create token
        </button>
      </form>
      {newKey ? (
        <p>
          Copy it now, it is not shown again: <code data-testid="new-token">{newKey}</code>
        </p>
      ) : null}

      <h3>Danger zone</h3>
      <button className="btn" onClick={() => void act(async () => { await deleteDeployment(slug); navigate("/deployments"); })} data-testid="delete-deployment">
        Delete deployment
      </button>
    </div>
  );
}

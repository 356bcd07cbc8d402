// Real-time deployments of my teams, and a form that deploys an inference pipeline as team/slug.
import { useEffect, useMemo, useState } from "react";
import { Link, useNavigate } from "react-router-dom";
import { createDeployment, listDeployments, type Deployment } from "../api/deployments";
import { errorMessage } from "../api/errors";
import { listPipelines } from "../api/pipelines";
import { useMe } from "../hooks/useMe";

type PipelineRow = Awaited<ReturnType<typeof listPipelines>>[number];

export function DeploymentsPage() {
  const me = useMe();
  const navigate = useNavigate();
  const teams = useMemo(() => (me?.teams ?? []).filter((t) => t.role !== "viewer").map((t) => t.name), [me]);
  const [rows, setRows] = useState<Deployment[] | null>(null);
  const [pipelines, setPipelines] = useState<PipelineRow[]>([]);
  const [team, setTeam] = useState("");
  const [slug, setSlug] = useState("");
  const [pipeline, setPipeline] = useState<number | "">("");
  const [replicas, setReplicas] = useState(1);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    listDeployments().then(setRows, (e) => setError(errorMessage(e)));
    listPipelines().then(setPipelines, (e) => setError(errorMessage(e)));
  }, []);
  useEffect(() => {
    if (!team && teams.length) setTeam(teams[0]);
  }, [team, teams]);

  const choices = pipelines.filter((p) => p.team === team);
  const submit = async (e: React.FormEvent) => {
    e.preventDefault();
    if (pipeline === "") return;
    setBusy(true);
    setError(null);
    try {
      const made = await createDeployment({ team, slug: slug.trim(), pipeline, replicas });
      navigate(`/deployments/${made.slug}`);
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <div className="page" data-testid="deployments-page">
      <h2>Deployments</h2>
      <p className="muted">
        An inference pipeline served by long-lived replica containers: POST rows to its score URL with a deployment token. Make an inference
        pipeline with <em>Create inference pipeline</em> on a training pipeline's canvas.
      </p>
      {error ? (
        <p className="field-error" role="alert" data-testid="deployments-error">
          {error}
        </p>
      ) : null}
      {rows === null ? (
        <p className="muted">Loading…</p>
      ) : rows.length === 0 ? (
        <p className="muted" data-testid="no-deployments">
          No deployments yet.
        </p>
      ) : (
        <table className="table" data-testid="deployments-table">
          <thead>
            <tr>
              <th>Deployment</th>
              <th>Default</th>
              <th>Canary</th>
              <th>Score URL</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((d) => (
              <tr key={d.slug}>
                <td>
                  <Link to={`/deployments/${d.slug}`} data-testid="deployment-link">
                    {d.team}/{d.slug}
                  </Link>
                </td>
                <td>{d.default_version ? `v${d.default_version}` : "—"}</td>
                <td>{d.canary_version ? `v${d.canary_version} (${d.canary_percent} %)` : "—"}</td>
                <td>
                  <code>{d.score_url}</code>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {teams.length ? (
        <form className="card" onSubmit={(e) => void submit(e)} data-testid="deploy-form">
          <h3>Deploy an inference pipeline</h3>
          <div className="field">
            <label htmlFor="deploy-team">Team</label>
            <select id="deploy-team" value={team} onChange={(e) => setTeam(e.target.value)} data-testid="deploy-team">
              {teams.map((t) => (
                <option key={t}>{t}</option>
              ))}
            </select>
          </div>
          <div className="field">
            <label htmlFor="deploy-slug">Slug</label>
            <input id="deploy-slug" value={slug} onChange={(e) => setSlug(e.target.value)} maxLength={63} placeholder="iris" data-testid="deploy-slug" />
          </div>
          <div className="field">
            <label htmlFor="deploy-pipeline">Inference pipeline (its latest version)</label>
            <select id="deploy-pipeline" value={pipeline} onChange={(e) => setPipeline(e.target.value ? Number(e.target.value) : "")} data-testid="deploy-pipeline">
              <option value="">Choose…</option>
              {choices.map((p) => (
                <option key={p.id} value={p.id}>
                  {p.name}
                </option>
              ))}
            </select>
          </div>
          <div className="field">
            <label htmlFor="deploy-replicas">Replicas</label>
            <input id="deploy-replicas" type="number" min={0} max={8} value={replicas} onChange={(e) => setReplicas(Number(e.target.value))} />
          </div>
          <button className="btn primary" disabled={busy || !slug.trim() || pipeline === ""} data-testid="deploy-submit">
            Deploy
          </button>
        </form>
      ) : null}
    </div>
  );
}

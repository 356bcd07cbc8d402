// Pipelines list: create (team picker), import, open a sample, rename, duplicate, delete; a row opens the canvas.
import { useCallback, useEffect, useMemo, useState } from "react";
import { useNavigate } from "react-router-dom";
import { errorMessage as message } from "../api/errors";
import { createPipeline, deletePipeline, duplicatePipeline, listPipelines, renamePipeline, type PipelineRow } from "../api/pipelines";
import { listSamples, openSample, type Sample } from "../api/samples";
import { importPipeline } from "../api/transfer";
import type { Problem } from "../api/pipelines";
import { emptyDoc } from "../graph/types";
import { useMe } from "../hooks/useMe";

function when(iso?: string) {
  if (!iso) return "";
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? "" : d.toLocaleString(undefined, { dateStyle: "medium", timeStyle: "short" });
}

export function PipelinesPage() {
  const navigate = useNavigate();
  const [pipelines, setPipelines] = useState<PipelineRow[] | null>(null);
  const me = useMe();
  const teams = useMemo(() => (me?.teams ?? []).filter((t) => t.role !== "viewer"), [me]);
  const [name, setName] = useState("");
  const [picked, setTeam] = useState("");
  const team = picked || teams[0]?.name || "";
  const [error, setError] = useState<string | null>(null);
  const [renaming, setRenaming] = useState<{ id: number; name: string } | null>(null);
  const [confirmDelete, setConfirmDelete] = useState<number | null>(null);
  const [q, setQ] = useState("");

  const refresh = useCallback(() => listPipelines().then(setPipelines, (e) => setError(message(e))), []);
  useEffect(() => {
    void refresh();
  }, [refresh]);

  const act = async (fn: () => Promise<unknown>) => {
    setError(null);
    try {
      await fn();
      await refresh();
    } catch (e) {
      setError(message(e));
    }
  };

  const create = async (e: React.FormEvent) => {
    e.preventDefault();
    setError(null);
    try {
      const p = await createPipeline(team, name.trim(), emptyDoc());
      navigate(`/pipelines/${p.id}`);
    } catch (err) {
      setError(message(err));
    }
  };

  // an imported pipeline with problems (modules missing in the team) is reported here first
  const [imported, setImported] = useState<{ id: number; name: string; errors: Problem[] } | null>(null);
  const onImport = async (file: File | undefined) => {
    if (!file || !team) return;
    setError(null);
    setImported(null);
    try {
      const p = await importPipeline(team, file);
      if (p.errors.length) {
        setImported({ id: p.id, name: p.name, errors: p.errors });
        await refresh();
      } else {
        navigate(`/pipelines/${p.id}`);
      }
    } catch (err) {
      setError(message(err));
    }
  };

  // the sample pipelines shipped with the library: "Open" imports one (and its data) into the chosen team
  const [samples, setSamples] = useState<Sample[]>([]);
  const [showSamples, setShowSamples] = useState(false);
  const [opening, setOpening] = useState<string | null>(null);
  useEffect(() => {
    listSamples().then(setSamples, () => setSamples([]));
  }, []);
  const onOpenSample = async (slug: string) => {
    if (!team) return;
    setError(null);
    setOpening(slug);
    try {
      const p = await openSample(slug, team);
      navigate(`/pipelines/${p.id}`);
    } catch (err) {
      setError(message(err));
    } finally {
      setOpening(null);
    }
  };

  const shown = (pipelines ?? []).filter((p) => !q || p.name.toLowerCase().includes(q.toLowerCase()));

  return (
    <div className="page">
      <div className="page-head">
        <div>
          <h1>Pipelines</h1>
          <p className="muted">Design, version and run ML pipelines on your team's modules.</p>
        </div>
        <form className="create-form" onSubmit={create} data-testid="create-pipeline">
          <input placeholder="New pipeline name" value={name} onChange={(e) => setName(e.target.value)} data-testid="new-pipeline-name" required />
          <select value={team} onChange={(e) => setTeam(e.target.value)} data-testid="new-pipeline-team" title="Team">
            {teams.map((t) => (
              <option key={t.name} value={t.name}>
                {t.name}
              </option>
            ))}
          </select>
          <button className="btn primary" disabled={!name.trim() || !team} data-testid="create">
            + Create
          </button>
          <label className="btn" title="Import a pipeline file (from Export on the canvas) into the chosen team" data-testid="import">
            Import…
            <input
              type="file"
              accept=".json,application/json"
              hidden
              data-testid="import-file"
              disabled={!team}
              onChange={(e) => {
                void onImport(e.target.files?.[0]);
                e.target.value = "";
              }}
            />
          </label>
          <button
            type="button"
            className="btn"
            onClick={() => setShowSamples((v) => !v)}
            disabled={!samples.length}
            title="Sample pipelines that come with the module library"
            data-testid="samples-toggle"
          >
            New from sample…
          </button>
        </form>
      </div>
      {error ? (
        <div className="alert error" data-testid="error">
          {error}
        </div>
      ) : null}
      {showSamples ? (
        <section className="samples" data-testid="samples">
          <h3>Samples</h3>
          <p className="muted small">
            Opening a sample makes a new pipeline in team <b>{team || "—"}</b> and adds the data it reads as that team's <code>sample-…</code> datasets (and the sub-pipelines it places, once).
          </p>
          <table className="table">
            <tbody>
              {samples.map((s) => (
                <tr key={s.slug} data-testid="sample-row">
                  <td className="name">
                    <b>{s.name}</b>
                    <div className="muted small">{s.description}</div>
                  </td>
                  <td>
                    <span className="team-pill">{s.task}</span>
                  </td>
                  <td className="muted small">
                    {s.nodes} nodes
                    {s.subpipelines.length ? <div data-testid="sample-subpipelines">also opens {s.subpipelines.join(", ")}</div> : null}
                  </td>
                  <td className="row-actions">
                    <button
                      className="btn small primary"
                      disabled={!team || opening !== null}
                      onClick={() => void onOpenSample(s.slug)}
                      data-testid={`open-sample-${s.slug}`}
                    >
                      {opening === s.slug ? "Opening…" : "Open"}
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </section>
      ) : null}
      {imported ? (
        <div className="alert error" data-testid="import-report">
          Imported <a href={`/pipelines/${imported.id}`} onClick={(e) => { e.preventDefault(); navigate(`/pipelines/${imported.id}`); }}>{imported.name}</a> as a draft with{" "}
          {imported.errors.length} problem(s):
          <ul>
            {imported.errors.map((p, i) => (
              <li key={i}>
                {p.node ? <b>{p.node}: </b> : null}
                {p.message}
              </li>
            ))}
          </ul>
        </div>
      ) : null}
      <div className="list-tools">
        <input className="search" placeholder="Filter pipelines…" value={q} onChange={(e) => setQ(e.target.value)} />
        <span className="muted small">{pipelines ? `${shown.length} of ${pipelines.length}` : ""}</span>
      </div>
      {pipelines === null ? (
        <div className="muted pad">Loading…</div>
      ) : pipelines.length === 0 ? (
        <div className="blank-slate">
          <div className="blank-icon">◇</div>
          <h3>No pipelines yet</h3>
          <p className="muted">Name one above and pick a team to start designing, or start from a sample (New from sample…).</p>
        </div>
      ) : (
        <table className="table" data-testid="pipelines">
          <thead>
            <tr>
              <th>Name</th>
              <th>Team</th>
              <th>Version</th>
              <th>Updated</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {shown.map((p) => (
              <tr key={p.id} data-testid="pipeline-row" onClick={() => renaming?.id !== p.id && navigate(`/pipelines/${p.id}`)}>
                <td className="name">
                  {renaming?.id === p.id ? (
                    <form
                      onClick={(e) => e.stopPropagation()}
                      onSubmit={(e) => {
                        e.preventDefault();
                        const r = renaming;
                        setRenaming(null);
                        void act(() => renamePipeline(r.id, r.name.trim()));
                      }}
                    >
                      <input autoFocus value={renaming.name} onChange={(e) => setRenaming({ id: p.id, name: e.target.value })} data-testid="rename-input" />
                      <button className="btn small">Save</button>
                      <button type="button" className="btn small ghost" onClick={() => setRenaming(null)}>
                        Cancel
                      </button>
                    </form>
                  ) : (
                    <a href={`/pipelines/${p.id}`} onClick={(e) => e.preventDefault()}>
                      {p.name}
                    </a>
                  )}
                </td>
                <td>
                  <span className="team-pill">{p.team}</span>
                </td>
                <td className="muted">{p.latest_version ? `v${p.latest_version}` : "draft"}</td>
                <td className="muted">{when(p.updated_at)}</td>
                <td className="row-actions" onClick={(e) => e.stopPropagation()}>
                  {confirmDelete === p.id ? (
                    <>
                      <span className="small">Delete “{p.name}”?</span>
                      <button className="btn small danger" onClick={() => void act(() => deletePipeline(p.id))} data-testid="confirm-delete">
                        Delete
                      </button>
                      <button className="btn small ghost" onClick={() => setConfirmDelete(null)}>
                        Cancel
                      </button>
                    </>
                  ) : (
                    <>
                      <button className="btn small ghost" onClick={() => setRenaming({ id: p.id, name: p.name })} data-testid="rename">
                        Rename
                      </button>
                      <button className="btn small ghost" onClick={() => void act(() => duplicatePipeline(p.id, `${p.name} (copy)`))} data-testid="duplicate">
                        Duplicate
                      </button>
                      <button className="btn small ghost danger-text" onClick={() => setConfirmDelete(p.id)} data-testid="delete">
                        Delete
                      </button>
                    </>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}

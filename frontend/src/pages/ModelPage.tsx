// One registered model: its versions with metrics, tags and where each came from; compare the
// selected versions' metrics; tag, archive; open a version's lineage.
import { useState } from "react";
import { Link, useParams } from "react-router-dom";
import { errorMessage } from "../api/errors";
import { compareVersions, getModel, listVersions, updateModel, updateVersion, type ModelCompare, type ModelVersion } from "../api/registry";
import { useAsync } from "../hooks/useAsync";
import { formatValue } from "../runs/format";

function TagEditor({ version, onSave }: { version: ModelVersion; onSave: (tags: string[]) => void }) {
  const [text, setText] = useState(version.tags.join(", "));
  return (
    <form
      className="inline-form"
      onSubmit={(e) => {
        e.preventDefault();
        onSave(text.split(",").map((t) => t.trim()).filter(Boolean));
      }}
    >
      <input value={text} onChange={(e) => setText(e.target.value)} placeholder="production, …" size={16} data-testid={`tags-input-${version.version}`} aria-label={`tags of version ${version.version}`} />
      <button className="btn small" data-testid={`tags-save-${version.version}`}>
        Save
      </button>
    </form>
  );
}

export function ModelPage() {
  const id = Number(useParams().id);
  const model = useAsync(() => getModel(id), [id]);
  const versions = useAsync(() => listVersions(id), [id]);
  const [selected, setSelected] = useState<number[]>([]);
  const [compared, setCompared] = useState<ModelCompare | null>(null);
  const [error, setError] = useState<string | null>(null);

  const act = async (fn: () => Promise<unknown>) => {
    setError(null);
    try {
      await fn();
      model.reload();
      versions.reload();
    } catch (e) {
      setError(errorMessage(e));
    }
  };
  const toggle = (n: number) => setSelected((s) => (s.includes(n) ? s.filter((x) => x !== n) : [...s, n].sort((a, b) => a - b)));
  const m = model.data;
  const rows = versions.data ?? [];
  const metricNames = [...new Set(rows.flatMap((v) => Object.keys(v.metrics)))].slice(0, 6);

  if (model.error) return <div className="page run-error">{errorMessage(model.error)}</div>;
  if (!m) return <div className="page muted">loading…</div>;
  return (
    <div className="page" data-testid="model-page">
      <div className="crumbs small">
        <Link to="/models">Models</Link> /
      </div>
      <h2 data-testid="model-title">
        {m.ref} {m.archived ? <span className="muted small">(archived)</span> : null}
      </h2>
      {m.description ? <p>{m.description}</p> : null}
      <div className="toolbar">
        <button className="btn" onClick={() => act(() => updateModel(id, { archived: !m.archived }))} data-testid="model-archive">
          {m.archived ? "Unarchive model" : "Archive model"}
        </button>
        <button
          className="btn"
          disabled={selected.length < 2}
          onClick={() => act(async () => setCompared(await compareVersions(id, selected)))}
          data-testid="compare-versions"
        >
          Compare selected ({selected.length})
        </button>
      </div>
      {error ? <div className="run-error" data-testid="model-error">{error}</div> : null}
      <table className="run-table" data-testid="versions-table">
        <thead>
          <tr>
            <th />
            <th>Version</th>
            <th>Tags</th>
            {metricNames.map((n) => (
              <th key={n}>{n}</th>
            ))}
            <th>From</th>
            <th>Datasets</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {rows.map((v) => (
            <tr key={v.id} data-testid="version-row" data-version={v.version} className={v.archived ? "muted" : ""}>
              <td>
                <input type="checkbox" checked={selected.includes(v.version)} onChange={() => toggle(v.version)} aria-label={`select version ${v.version}`} data-testid={`select-${v.version}`} />
              </td>
              <td>
                v{v.version} {v.archived ? <span className="small">(archived)</span> : null}
              </td>
              <td>
                <div>
                  {v.tags.map((t) => (
                    <span key={t} className="tag" data-testid="version-tag">
                      {t}
                    </span>
                  ))}
                </div>
                <TagEditor key={v.tags.join(",")} version={v} onSave={(tags) => act(() => updateVersion(id, v.version, { tags }))} />
              </td>
              {metricNames.map((n) => (
                <td key={n} className="num">
                  {n in v.metrics ? formatValue(v.metrics[n]) : ""}
                </td>
              ))}
              <td className="small">
                {v.run ? <Link to={`/runs/${v.run}`}>run {v.run}</Link> : "deleted run"} · {v.node}.{v.port}
                <div className="muted">{v.module_versions.map((mv) => `${mv.module}@${mv.version}`).join(", ")}</div>
              </td>
              <td className="small">{v.datasets.map((d) => `${d.dataset} v${d.version ?? "?"}`).join(", ")}</td>
              <td className="small">
                <Link to={`/lineage?model=${id}&version=${v.version}`} data-testid={`lineage-${v.version}`}>
                  lineage
                </Link>{" "}
                <button className="link" onClick={() => act(() => updateVersion(id, v.version, { archived: !v.archived }))} data-testid={`archive-${v.version}`}>
                  {v.archived ? "unarchive" : "archive"}
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {compared ? (
        <section data-testid="compare-table">
          <h3>Metrics side by side</h3>
          <table className="run-table">
            <thead>
              <tr>
                <th>Metric</th>
                {compared.versions.map((v) => (
                  <th key={v.version}>
                    v{v.version} {v.tags.join(" ")}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {compared.metrics.map((row) => (
                <tr key={row.metric}>
                  <th>{row.metric}</th>
                  {row.values.map((value, i) => (
                    <td key={i} className={`num ${row.best === compared.versions[i].version ? "best" : ""}`}>
                      {formatValue(value)}
                    </td>
                  ))}
                </tr>
              ))}
            </tbody>
          </table>
        </section>
      ) : null}
    </div>
  );
}

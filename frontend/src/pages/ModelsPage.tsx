// Models: the registered models of your teams, searchable, archived ones on request.
import { useState } from "react";
import { Link } from "react-router-dom";
import { errorMessage } from "../api/errors";
import { listModels, type ArchivedFilter } from "../api/registry";
import { useAsync } from "../hooks/useAsync";

export function ModelsPage() {
  const [q, setQ] = useState("");
  const [archived, setArchived] = useState<ArchivedFilter>("false");
  const models = useAsync(() => listModels(q.trim(), archived), [q, archived]);
  return (
    <div className="page" data-testid="models-page">
      <h2>Models</h2>
      <p className="muted small">
        Register a step's Model output from its run page (Outputs → Register model) or with a Register Model step in the
        pipeline. Every version keeps its metrics and where it came from.
      </p>
      <div className="toolbar">
        <input placeholder="Search models" value={q} onChange={(e) => setQ(e.target.value)} data-testid="models-search" />
        <label className="small">
          <input type="checkbox" checked={archived === "all"} onChange={(e) => setArchived(e.target.checked ? "all" : "false")} data-testid="models-archived" /> show archived
        </label>
      </div>
      {models.error ? <div className="run-error">{errorMessage(models.error)}</div> : null}
      {models.data && !models.data.length ? <div className="empty">No models yet.</div> : null}
      {models.data?.length ? (
        <table className="run-table" data-testid="models-table">
          <thead>
            <tr>
              <th>Model</th>
              <th>Latest</th>
              <th>Versions</th>
              <th>Tags</th>
              <th>Description</th>
            </tr>
          </thead>
          <tbody>
            {models.data.map((m) => (
              <tr key={m.id} data-testid="model-row" data-ref={m.ref}>
                <td>
                  <Link to={`/models/${m.id}`}>{m.ref}</Link> {m.archived ? <span className="muted small">(archived)</span> : null}
                </td>
                <td>{m.latest_version ? `v${m.latest_version}` : "—"}</td>
                <td>{m.version_count}</td>
                <td>
                  {Object.entries(m.tags).map(([tag, v]) => (
                    <span key={tag} className="tag">
                      {tag} → v{v}
                    </span>
                  ))}
                </td>
                <td className="muted small">{m.description}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
    </div>
  );
}

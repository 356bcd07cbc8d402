// Which of your teams' pipelines use this module, and which version each node pins.
import { Link } from "react-router-dom";
import { moduleUsage } from "../api/authoring";
import { useAsync } from "../hooks/useAsync";
import { ErrorNotice } from "./Bits";

export function UsageSection({ moduleRef }: { moduleRef: string }) {
  const usage = useAsync(() => moduleUsage(moduleRef), [moduleRef]);
  const rows = usage.data ?? [];
  return (
    <section className="cat-section" data-testid="usage-section">
      <h2>Used by</h2>
      <ErrorNotice error={usage.error} />
      {usage.data && rows.length === 0 && <div className="cat-muted">No pipeline of your teams uses this module.</div>}
      {rows.length > 0 && (
        <table className="cat-table">
          <thead>
            <tr>
              <th>Pipeline</th>
              <th>Team</th>
              <th>Pinned versions</th>
              <th>Nodes</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((p) => (
              <tr key={p.pipeline} data-testid="usage-row">
                <td>
                  <Link to={`/pipelines/${p.pipeline}`}>{p.name}</Link>
                </td>
                <td>{p.team}</td>
                <td>{p.versions.join(", ") || "default"}</td>
                <td className="cat-small">{p.nodes.map((n) => `${n.node}@${n.version ?? "default"}`).join(", ")}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

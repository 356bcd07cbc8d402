// Re-point an endpoint at another runnable version of its pipeline, showing what differs first.
import { useEffect, useState } from "react";
import { errorMessage } from "../api/errors";
import { pipelineVersions, updateEndpoint, versionDiff, type Endpoint, type VersionRow } from "../api/endpoints";
import { diffLines } from "./logic";

interface Props {
  endpoint: Endpoint;
  onDone: (endpoint: Endpoint) => void;
  onCancel: () => void;
}

export function RepointPanel({ endpoint, onDone, onCancel }: Props) {
  const [versions, setVersions] = useState<VersionRow[] | null>(null);
  const [target, setTarget] = useState<number | null>(null);
  const [lines, setLines] = useState<string[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    pipelineVersions(endpoint.pipeline).then(
      (rows) => setVersions([...rows].sort((a, b) => b.number - a.number)),
      (e) => setError(errorMessage(e)),
    );
  }, [endpoint.pipeline]);

  useEffect(() => {
    if (target === null || target === endpoint.version) {
      setLines(null);
      return;
    }
    let live = true;
    setLines(null);
    versionDiff(endpoint.pipeline, endpoint.version, target).then(
      (d) => live && setLines(diffLines(d)),
      (e) => live && setError(errorMessage(e)),
    );
    return () => {
      live = false;
    };
  }, [endpoint.pipeline, endpoint.version, target]);

  const submit = async (e: React.FormEvent) => {
    e.preventDefault();
    if (target === null) return;
    setBusy(true);
    setError(null);
    try {
      onDone(await updateEndpoint(endpoint.slug, { version: target }));
    } catch (err) {
      setError(errorMessage(err));
      setBusy(false);
    }
  };

  return (
    <form className="repoint" onSubmit={(e) => void submit(e)} onKeyDown={(e) => e.key === "Escape" && onCancel()} data-testid="repoint-panel">
      <label htmlFor={`repoint-${endpoint.slug}`}>Serve version</label>{" "}
      <select
        id={`repoint-${endpoint.slug}`}
        value={target ?? ""}
        onChange={(e) => setTarget(e.target.value ? Number(e.target.value) : null)}
        autoFocus
        data-testid="repoint-version"
      >
        <option value="">Choose a version…</option>
        {(versions ?? []).map((v) => (
          <option key={v.number} value={v.number} disabled={!v.runnable || v.number === endpoint.version}>
            v{v.number}
            {v.number === endpoint.version ? " (served now)" : ""}
            {!v.runnable ? ` (${v.error_count} error${v.error_count === 1 ? "" : "s"}, cannot run)` : ""}
          </option>
        ))}
      </select>
      {target !== null && target !== endpoint.version ? (
        <div className="diff" data-testid="repoint-diff">
          <div className="small">
            Changes from v{endpoint.version} to v{target}:
          </div>
          {lines === null ? (
            <div className="muted small">Comparing…</div>
          ) : lines.length ? (
            <ul>
              {lines.map((l) => (
                <li key={l}>{l}</li>
              ))}
            </ul>
          ) : (
            <div className="muted small">The two versions have the same graph.</div>
          )}
        </div>
      ) : null}
      {error ? (
        <div className="alert error" role="alert">
          {error}
        </div>
      ) : null}
      <div className="modal-actions">
        <button type="button" className="btn ghost" onClick={onCancel} disabled={busy}>
          Cancel
        </button>
        <button className="btn primary" disabled={busy || target === null || target === endpoint.version} data-testid="repoint-submit">
          {busy ? "Re-pointing…" : target ? `Serve v${target}` : "Serve"}
        </button>
      </div>
    </form>
  );
}

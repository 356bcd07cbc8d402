// Publish the saved pipeline as an endpoint and show the URL that runs it; or move one of the
// pipeline's endpoints to the latest version, after seeing what changes against what it serves now.
import { useEffect, useState } from "react";
import { errorMessage } from "../api/errors";
import { curlExample, listEndpoints, publishPipeline, updateEndpoint, versionDiff, type Endpoint } from "../api/endpoints";
import { diffLines } from "../endpoints/logic";
import { usePipelineStore } from "../store/pipeline";

interface Props {
  pipelineId: number;
  defaultName: string;
  onClose: () => void;
}

export function PublishDialog({ pipelineId, defaultName, onClose }: Props) {
  const [name, setName] = useState(defaultName);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [endpoint, setEndpoint] = useState<Endpoint | null>(null);
  const latest = usePipelineStore((s) => s.latestVersion);
  /** this pipeline's endpoints (null while loading) */
  const [existing, setExisting] = useState<Endpoint[] | null>(null);
  /** "" publishes a new endpoint; a slug re-points that endpoint */
  const [target, setTarget] = useState("");
  const [lines, setLines] = useState<string[] | null>(null);
  const current = existing?.find((e) => e.slug === target) ?? null;

  useEffect(() => {
    let live = true;
    listEndpoints().then(
      (all) => live && setExisting(all.filter((e) => e.pipeline === pipelineId)),
      () => live && setExisting([]),
    );
    return () => {
      live = false;
    };
  }, [pipelineId]);

  useEffect(() => {
    setLines(null);
    if (!current || latest === null || current.version === latest) return;
    let live = true;
    versionDiff(pipelineId, current.version, latest).then(
      (d) => live && setLines(diffLines(d)),
      (e) => live && setError(errorMessage(e)),
    );
    return () => {
      live = false;
    };
  }, [pipelineId, current, latest]);

  const submit = async (e: React.FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      setEndpoint(current && latest !== null ? await updateEndpoint(current.slug, { version: latest }) : await publishPipeline(pipelineId, name.trim()));
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <div className="modal-backdrop" role="dialog" aria-modal="true" aria-labelledby="publish-title" data-testid="publish-dialog">
      {endpoint ? (
        <div className="modal">
          <h3 id="publish-title">Published “{endpoint.name}”</h3>
          <p>
            Version {endpoint.version} now runs at this URL (POST with an API token from the <a href="/tokens">Tokens page</a>). Re-point,
            disable or schedule it on the{" "}
            <a href="/endpoints" data-testid="endpoints-link">
              Endpoints page
            </a>
            .
          </p>
          <input className="publish-url" readOnly value={endpoint.url} onFocus={(e) => e.currentTarget.select()} data-testid="endpoint-url" />
          <pre className="publish-example">{curlExample(endpoint)}</pre>
          <p className="small" data-testid="publish-token-help">
            <code>$PIPEWRIGHT_TOKEN</code> is one of your personal API tokens:{" "}
            <a href="/tokens" target="_blank" rel="noopener" data-testid="tokens-link">
              create one on the API tokens page
            </a>{" "}
            (opens in a new tab), then <code>export PIPEWRIGHT_TOKEN=&lt;key&gt;</code>.
          </p>
          <div className="modal-actions">
            <button className="btn ghost" onClick={() => void navigator.clipboard?.writeText(endpoint.url)}>
              Copy URL
            </button>
            <button className="btn primary" onClick={onClose}>
              Done
            </button>
          </div>
        </div>
      ) : (
        <form className="modal" onSubmit={(e) => void submit(e)}>
          <h3 id="publish-title">Publish as an endpoint</h3>
          <p>The latest saved version{latest !== null ? ` (v${latest})` : ""} gets a stable URL that API clients and schedules can run.</p>
          {existing?.length ? (
            <div className="field publish-field">
              <label htmlFor="publish-target">Publish to</label>
              <select id="publish-target" value={target} onChange={(e) => setTarget(e.target.value)} data-testid="publish-target">
                <option value="">A new endpoint</option>
                {existing.map((e) => (
                  <option key={e.slug} value={e.slug}>
                    {e.name} (serves v{e.version} now)
                  </option>
                ))}
              </select>
            </div>
          ) : null}
          {current ? (
            <div className="diff" data-testid="publish-diff">
              {latest === null || current.version === latest ? (
                <div className="small">“{current.name}” already serves v{current.version}, the latest version.</div>
              ) : (
                <>
                  <div className="small">
                    Changes from v{current.version} (served now) to v{latest}:
                  </div>
                  {lines === null ? (
                    <div className="muted small">Loading the diff…</div>
                  ) : lines.length ? (
                    <ul className="small" data-testid="publish-diff-lines">
                      {lines.map((l, i) => (
                        <li key={i}>{l}</li>
                      ))}
                    </ul>
                  ) : (
                    <div className="muted small">No differences in nodes, connections or parameters.</div>
                  )}
                </>
              )}
              {error ? (
                <span className="field-error" role="alert" data-testid="publish-error">
                  {error}
                </span>
              ) : null}
            </div>
          ) : (
            <div className="field publish-field">
              <label htmlFor="publish-name">Endpoint name</label>
              <input id="publish-name" value={name} onChange={(e) => setName(e.target.value)} maxLength={200} autoFocus data-testid="publish-name" />
              {error ? (
                <span className="field-error" role="alert" data-testid="publish-error">
                  {error}
                </span>
              ) : (
                <span className="field-help">The URL slug is made from the name and never changes.</span>
              )}
            </div>
          )}
          <div className="modal-actions">
            <button type="button" className="btn ghost" onClick={onClose} disabled={busy}>
              Cancel
            </button>
            <button
              type="submit"
              className="btn primary"
              disabled={busy || (current ? latest === null || current.version === latest : !name.trim())}
              data-testid="publish-submit"
            >
              {busy ? "Publishing…" : current ? `Serve v${latest ?? "?"}` : "Publish"}
            </button>
          </div>
        </form>
      )}
    </div>
  );
}

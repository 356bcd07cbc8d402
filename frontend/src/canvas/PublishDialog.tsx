// Publish the saved pipeline as an endpoint and show the URL that runs it.
import { useState } from "react";
import { errorMessage } from "../api/errors";
import { curlExample, publishPipeline, type Endpoint } from "../api/endpoints";

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

  const submit = async (e: React.FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      setEndpoint(await publishPipeline(pipelineId, name.trim()));
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
          <p>The latest saved version gets a stable URL that API clients and schedules can run.</p>
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
          <div className="modal-actions">
            <button type="button" className="btn ghost" onClick={onClose} disabled={busy}>
              Cancel
            </button>
            <button type="submit" className="btn primary" disabled={busy || !name.trim()} data-testid="publish-submit">
              {busy ? "Publishing…" : "Publish"}
            </button>
          </div>
        </form>
      )}
    </div>
  );
}

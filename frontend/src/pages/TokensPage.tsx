// Personal API tokens: create one (its key is shown once, with a copy button), see when each was
// last used, revoke with a confirmation.
import { useState } from "react";
import { errorMessage } from "../api/errors";
import { createToken, listTokens, revokeToken, type CreatedToken } from "../api/tokens";
import { useAsync } from "../hooks/useAsync";
import { ago } from "../teams/logic";
import "../teams/teams.css";

function when(iso: string) {
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? "" : d.toLocaleString(undefined, { dateStyle: "medium", timeStyle: "short" });
}

export function TokensPage() {
  const tokens = useAsync(() => listTokens(), []);
  const [name, setName] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [created, setCreated] = useState<CreatedToken | null>(null);
  const [copied, setCopied] = useState(false);
  const [confirming, setConfirming] = useState<number | null>(null);

  const create = async (e: React.FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      setCreated(await createToken(name.trim()));
      setCopied(false);
      setName("");
      tokens.reload();
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      setBusy(false);
    }
  };

  const revoke = async (id: number) => {
    setError(null);
    try {
      await revokeToken(id);
      if (created?.id === id) setCreated(null);
    } catch (err) {
      setError(errorMessage(err));
    }
    setConfirming(null);
    tokens.reload();
  };

  const copy = async (key: string) => {
    try {
      await navigator.clipboard.writeText(key);
      setCopied(true);
    } catch {
      setError("Copying was not allowed by the browser: select the key and copy it by hand.");
    }
  };

  const rows = tokens.data ?? [];
  return (
    <div className="page" data-testid="tokens-page">
      <div className="page-head">
        <div>
          <h1>API tokens</h1>
          <p className="muted">
            Scripts, CI jobs and the REST API sign in with a personal token, sent as <code>Authorization: Token &lt;key&gt;</code>{" "}
            (or <code>?token=&lt;key&gt;</code> on the run WebSocket). A token acts as you, in every team you belong to.
          </p>
        </div>
        <form className="create-form" onSubmit={(e) => void create(e)} data-testid="create-token">
          <label className="sr-only" htmlFor="token-name">
            Token name
          </label>
          <input
            id="token-name"
            placeholder="Name, e.g. laptop or ci"
            value={name}
            maxLength={100}
            onChange={(e) => setName(e.target.value)}
            data-testid="token-name"
            required
          />
          <button className="btn primary" disabled={busy || !name.trim()} data-testid="token-create">
            {busy ? "Creating…" : "Create token"}
          </button>
        </form>
      </div>
      {error ? (
        <div className="alert error" role="alert" data-testid="tokens-error">
          {error}
        </div>
      ) : null}
      {created ? (
        <section className="new-token" role="status" aria-live="polite" data-testid="new-token">
          <h2>Token “{created.name}” created</h2>
          <p>Copy the key now: it is shown only this once. If you lose it, revoke the token and create another.</p>
          <div className="new-token-key">
            <input
              readOnly
              value={created.token}
              aria-label="The new token's key"
              onFocus={(e) => e.currentTarget.select()}
              data-testid="new-token-key"
            />
            <button type="button" className="btn" onClick={() => void copy(created.token)} data-testid="copy-token">
              {copied ? "Copied" : "Copy"}
            </button>
            <button type="button" className="btn ghost" onClick={() => setCreated(null)}>
              Done
            </button>
          </div>
        </section>
      ) : null}
      {tokens.loading && !tokens.data ? (
        <div className="muted pad">Loading…</div>
      ) : tokens.error && !tokens.data ? (
        <div className="alert error" role="alert">
          {errorMessage(tokens.error)}
        </div>
      ) : rows.length === 0 ? (
        <div className="blank-slate" data-testid="tokens-empty">
          <div className="blank-icon">⚿</div>
          <h3>No API tokens yet</h3>
          <p className="muted">Name one above (say, after the machine or job that will use it) and press Create token.</p>
        </div>
      ) : (
        <table className="table static" data-testid="tokens">
          <thead>
            <tr>
              <th>Name</th>
              <th>Key starts with</th>
              <th>Created</th>
              <th>Last used</th>
              <th>
                <span className="sr-only">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {rows.map((t) => (
              <tr key={t.id} data-testid="token-row" data-name={t.name}>
                <td className="name">{t.name}</td>
                <td>
                  <code>{t.prefix}…</code>
                </td>
                <td>{when(t.created_at)}</td>
                <td title={t.last_used_at ? when(t.last_used_at) : undefined} data-testid="token-last-used">
                  {ago(t.last_used_at)}
                </td>
                <td className="row-actions">
                  {confirming === t.id ? (
                    <span className="confirm" role="group" aria-label={`Revoke ${t.name}?`}>
                      <span className="muted small">Scripts using it stop working at once.</span>
                      <button className="btn small danger" onClick={() => void revoke(t.id)} autoFocus data-testid="confirm-revoke">
                        Revoke
                      </button>
                      <button className="btn small" onClick={() => setConfirming(null)}>
                        Cancel
                      </button>
                    </span>
                  ) : (
                    <button className="btn small" onClick={() => setConfirming(t.id)} data-testid="revoke">
                      Revoke…
                    </button>
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

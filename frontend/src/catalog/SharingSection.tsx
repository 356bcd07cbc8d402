// The module page's "Sharing" section (maintainers of the owning team): visibility, the teams the
// module is granted to (each with Revoke) and a field to grant one more team by name.
import { useState } from "react";
import { grantModule, listGrants, revokeGrant, setVisibility, type Visibility } from "../api/modules";
import { useAsync } from "../hooks/useAsync";
import { ErrorNotice } from "./Bits";

export function SharingSection({
  moduleRef,
  visibility,
  onChanged,
}: {
  moduleRef: string;
  visibility: Visibility;
  onChanged: () => void;
}) {
  const grants = useAsync(() => listGrants(moduleRef), [moduleRef]);
  const [team, setTeam] = useState("");
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);

  const act = async (action: () => Promise<unknown>, after?: () => void) => {
    setBusy(true);
    setError(null);
    try {
      await action();
      after?.();
      grants.reload();
      onChanged();
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };

  return (
    <section className="cat-section" data-testid="sharing">
      <div className="cat-section-head">
        <h2>Sharing</h2>
        <span className="cat-muted cat-small">
          Teams it is shared with see it in their catalog and use it in their pipelines; they cannot change it.
        </span>
      </div>
      <ErrorNotice error={error ?? grants.error} onClose={() => setError(null)} />
      <label className="cat-sharing-row">
        Visible to
        <select
          aria-label="Visibility"
          value={visibility}
          disabled={busy}
          onChange={(e) => act(() => setVisibility(moduleRef, e.target.value as Visibility))}
        >
          <option value="private">this team and the teams below</option>
          <option value="public">every team</option>
        </select>
      </label>
      {grants.data && grants.data.length > 0 ? (
        <ul className="cat-sharing-list" data-testid="grants">
          {grants.data.map((g) => (
            <li key={g.team} data-testid="grant">
              <code>{g.team}</code>
              <button
                type="button"
                className="cat-btn cat-btn-sm"
                disabled={busy}
                onClick={() => act(() => revokeGrant(moduleRef, g.team))}
              >
                Revoke
              </button>
            </li>
          ))}
        </ul>
      ) : (
        grants.data && <div className="cat-muted cat-small">Not shared with any team.</div>
      )}
      <form
        className="cat-sharing-row"
        onSubmit={(e) => {
          e.preventDefault();
          if (team.trim()) act(() => grantModule(moduleRef, team.trim()), () => setTeam(""));
        }}
      >
        <input aria-label="Team to share with" placeholder="team name" value={team} onChange={(e) => setTeam(e.target.value)} />
        <button type="submit" className="cat-btn cat-btn-sm" disabled={busy || !team.trim()}>
          Share
        </button>
      </form>
    </section>
  );
}

// Teams: create one, see my teams and their members with roles; owners add members by username,
// change roles and remove members; anybody can leave. The server has the last word (e.g. it
// refuses to demote or remove a team's last owner); its message is shown as it comes.
import { useState } from "react";
import { NavLink, useNavigate, useParams } from "react-router-dom";
import { errorMessage } from "../api/errors";
import { addMember, changeRole, createTeam, listAudit, listMembers, removeMember, type Role } from "../api/teams";
import { useAsync } from "../hooks/useAsync";
import { reloadMe, useMe } from "../hooks/useMe";
import { ago, describeEvent, memberControls, ROLE_HELP, ROLES, sortMembers, withArticle } from "../teams/logic";
import "../teams/teams.css";

export function TeamsPage() {
  const me = useMe();
  const params = useParams();
  const navigate = useNavigate();
  const [name, setName] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const teams = me?.teams ?? [];
  const selected = teams.find((t) => t.name === params.team) ?? (params.team ? undefined : teams[0]);

  const create = async (e: React.FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const team = await createTeam(name.trim());
      setName("");
      await reloadMe();
      navigate(`/teams/${team.name}`);
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <div className="page" data-testid="teams-page">
      <div className="page-head">
        <div>
          <h1>Teams</h1>
          <p className="muted">Pipelines, modules and runs belong to teams; your role in a team decides what you may do there.</p>
        </div>
        <form className="create-form" onSubmit={(e) => void create(e)} data-testid="create-team">
          <label className="sr-only" htmlFor="team-name">
            New team name
          </label>
          <input
            id="team-name"
            placeholder="New team, e.g. data-science"
            value={name}
            maxLength={63}
            onChange={(e) => setName(e.target.value)}
            data-testid="team-name"
            required
          />
          <button className="btn primary" disabled={busy || !name.trim()} data-testid="team-create">
            Create team
          </button>
        </form>
      </div>
      {error ? (
        <div className="alert error" role="alert" data-testid="teams-error">
          {error}
        </div>
      ) : null}
      {me === null ? (
        <div className="muted pad">Loading…</div>
      ) : teams.length === 0 ? (
        <div className="blank-slate" data-testid="teams-empty">
          <div className="blank-icon">◎</div>
          <h3>You are not in a team yet</h3>
          <p className="muted">
            Create one above (you become its owner), or ask an owner of an existing team to add you by your username,{" "}
            <strong>{me.username}</strong>.
          </p>
        </div>
      ) : (
        <div className="teams-layout">
          <nav className="teams-nav" aria-label="My teams">
            {teams.map((t) => (
              <NavLink key={t.name} to={`/teams/${t.name}`} className={t === selected ? "active" : undefined} data-testid="team-link">
                <span>{t.name}</span>
                <span className="role-pill">{t.role}</span>
              </NavLink>
            ))}
          </nav>
          {selected ? (
            <TeamPanel key={selected.name} team={selected.name} myRole={(selected.role ?? null) as Role | null} me={me.username} />
          ) : (
            <div className="empty">You are not a member of team “{params.team}”.</div>
          )}
        </div>
      )}
    </div>
  );
}

function TeamPanel({ team, myRole, me }: { team: string; myRole: Role | null; me: string }) {
  const navigate = useNavigate();
  const members = useAsync(() => listMembers(team), [team]);
  const owner = myRole === "owner";
  const audit = useAsync(() => (owner ? listAudit(team) : null), [team, owner]);
  const [error, setError] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [confirming, setConfirming] = useState<string | null>(null);
  const [username, setUsername] = useState("");
  const [role, setRole] = useState<Role>("member");

  const act = async (fn: () => Promise<unknown>, done: string, after?: () => Promise<void> | void) => {
    setError(null);
    setNotice(null);
    try {
      await fn();
      setNotice(done);
      members.reload();
      audit.reload();
      await after?.();
    } catch (err) {
      setError(errorMessage(err));
    }
    setConfirming(null);
  };

  const add = (e: React.FormEvent) => {
    e.preventDefault();
    const who = username.trim();
    void act(() => addMember(team, who, role), `Added ${who} as ${role}.`, () => setUsername(""));
  };

  const rows = sortMembers(members.data ?? []);
  return (
    <section className="team-panel" aria-labelledby="team-title" data-testid="team-panel">
      <h2 id="team-title">
        {team} <span className="role-pill">you: {myRole}</span>
      </h2>
      {myRole ? (
        <p className="muted small">
          As {withArticle(myRole)}, you can {ROLE_HELP[myRole]}.
        </p>
      ) : null}
      {error ? (
        <div className="alert error" role="alert" data-testid="team-error">
          {error}
        </div>
      ) : null}
      {notice ? (
        <div className="alert ok" role="status" data-testid="team-notice">
          {notice}
        </div>
      ) : null}
      {members.error && !members.data ? (
        <div className="alert error" role="alert">
          {errorMessage(members.error)}
        </div>
      ) : null}
      <table className="table static" data-testid="members">
        <thead>
          <tr>
            <th>Member</th>
            <th>Role</th>
            <th>
              <span className="sr-only">Actions</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {rows.map((m) => {
            const can = memberControls(me, myRole, m, rows);
            const label = m.username === me ? `${m.username} (you)` : m.username;
            return (
              <tr key={m.username} data-testid="member-row" data-username={m.username}>
                <td className="name">{label}</td>
                <td>
                  {can.changeRole ? (
                    <select
                      aria-label={`Role of ${m.username}`}
                      value={m.role}
                      title={can.lastOwner ? "The last owner: make another member an owner first" : undefined}
                      onChange={(e) => {
                        const next = e.target.value as Role;
                        void act(
                          () => changeRole(team, m.username, next),
                          `${m.username} is now ${withArticle(next)}.`,
                          m.username === me ? reloadMe : undefined,
                        );
                      }}
                      data-testid="member-role"
                    >
                      {ROLES.map((r) => (
                        <option key={r} value={r}>
                          {r}
                        </option>
                      ))}
                    </select>
                  ) : (
                    <span data-testid="member-role-text">{m.role}</span>
                  )}
                  {can.lastOwner ? <span className="muted small"> · last owner</span> : null}
                </td>
                <td className="row-actions">
                  {confirming === m.username ? (
                    <span className="confirm" role="group" aria-label={can.leave ? "Leave the team?" : `Remove ${m.username}?`}>
                      <span className="muted small">{can.leave ? "You lose access to its pipelines and runs." : `${m.username} loses access.`}</span>
                      <button
                        className="btn small danger"
                        autoFocus
                        data-testid="confirm-remove"
                        onClick={() =>
                          can.leave
                            ? void act(
                                () => removeMember(team, m.username),
                                `You left ${team}.`,
                                async () => {
                                  await reloadMe();
                                  navigate("/teams");
                                },
                              )
                            : void act(() => removeMember(team, m.username), `Removed ${m.username}.`)
                        }
                      >
                        {can.leave ? "Leave" : "Remove"}
                      </button>
                      <button className="btn small" onClick={() => setConfirming(null)}>
                        Cancel
                      </button>
                    </span>
                  ) : can.leave ? (
                    <button className="btn small" onClick={() => setConfirming(m.username)} data-testid="leave">
                      Leave team…
                    </button>
                  ) : can.remove ? (
                    <button className="btn small" onClick={() => setConfirming(m.username)} data-testid="remove">
                      Remove…
                    </button>
                  ) : null}
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
      {owner ? (
        <form className="add-member" onSubmit={add} data-testid="add-member">
          <h3>Add a member</h3>
          <p className="muted small">They need an account here already; add them by their username.</p>
          <div className="add-member-row">
            <label className="sr-only" htmlFor="member-username">
              Username
            </label>
            <input
              id="member-username"
              placeholder="Username"
              value={username}
              maxLength={150}
              onChange={(e) => setUsername(e.target.value)}
              data-testid="member-username"
              required
            />
            <label className="sr-only" htmlFor="member-new-role">
              Role
            </label>
            <select id="member-new-role" value={role} onChange={(e) => setRole(e.target.value as Role)} data-testid="member-new-role">
              {ROLES.map((r) => (
                <option key={r} value={r}>
                  {r} — {ROLE_HELP[r]}
                </option>
              ))}
            </select>
            <button className="btn primary" disabled={!username.trim()} data-testid="member-add">
              Add member
            </button>
          </div>
        </form>
      ) : (
        <p className="muted small" data-testid="owner-only-note">
          Only owners add members, change roles and remove members; ask an owner of {team}.
        </p>
      )}
      {owner ? (
        <section className="audit" aria-labelledby="audit-title" data-testid="audit">
          <h3 id="audit-title">Recent changes</h3>
          {(audit.data ?? []).length === 0 ? (
            <p className="muted small">Nothing yet: member and module changes show up here, with who made them.</p>
          ) : (
            <ul>
              {(audit.data ?? []).slice(0, 50).map((e) => (
                <li key={e.id}>
                  <span>{describeEvent(e)}</span> <span className="muted small">{ago(e.created_at)}</span>
                </li>
              ))}
            </ul>
          )}
        </section>
      ) : null}
    </section>
  );
}

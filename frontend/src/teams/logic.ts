// Pure logic of the Teams and Tokens pages (no React, no fetch).
import type { AuditEvent, Member, Role } from "../api/teams";

export const ROLES: readonly Role[] = ["viewer", "member", "maintainer", "owner"];

/** What a role may do, completing "you can …" (each includes the roles below it). */
export const ROLE_HELP: Record<Role, string> = {
  viewer: "read pipelines, runs and modules",
  member: "also design, run and publish pipelines",
  maintainer: "also publish module versions and change their lifecycle",
  owner: "also manage members and read the audit trail",
};

/** "a viewer", "an owner". */
export const withArticle = (role: Role) => `${role === "owner" ? "an" : "a"} ${role}`;

/** What the signed-in user may do to one row of a team's member list. */
export interface MemberControls {
  /** the role can be changed here (owners, on anyone but a last owner's demotion, checked by the server) */
  changeRole: boolean;
  /** a Remove button (owners, on others) */
  remove: boolean;
  /** a Leave button (on the user's own row, any role) */
  leave: boolean;
  /** this member is the team's only owner: demoting or removing them is refused */
  lastOwner: boolean;
}

export function ownerCount(members: readonly Member[]): number {
  return members.filter((m) => m.role === "owner").length;
}

export function memberControls(me: string, myRole: Role | null, row: Member, members: readonly Member[]): MemberControls {
  const owner = myRole === "owner";
  const self = row.username === me;
  const lastOwner = row.role === "owner" && ownerCount(members) === 1;
  return { changeRole: owner, remove: owner && !self, leave: self, lastOwner };
}

/** Members sorted for display: owners first, then by name. */
export function sortMembers(members: readonly Member[]): Member[] {
  const rank = (r: Role) => ROLES.length - ROLES.indexOf(r);
  return [...members].sort((a, b) => rank(a.role) - rank(b.role) || a.username.localeCompare(b.username));
}

/** "just now", "5 min ago", "3 h ago", "2 days ago", else a date; "never" for null. */
export function ago(iso: string | null | undefined, now: number = Date.now()): string {
  if (!iso) return "never";
  const then = new Date(iso).getTime();
  if (Number.isNaN(then)) return "";
  const s = Math.max(0, Math.round((now - then) / 1000));
  if (s < 60) return "just now";
  if (s < 3600) return `${Math.floor(s / 60)} min ago`;
  if (s < 86400) return `${Math.floor(s / 3600)} h ago`;
  if (s < 30 * 86400) {
    const d = Math.floor(s / 86400);
    return `${d} day${d === 1 ? "" : "s"} ago`;
  }
  return new Date(then).toLocaleDateString(undefined, { dateStyle: "medium" });
}

/** One line of the audit trail, e.g. "alice changed bob's role from member to owner". */
export function describeEvent(e: AuditEvent): string {
  const who = e.actor ?? "the system";
  const d = (e.details ?? {}) as Record<string, unknown>;
  switch (e.action) {
    case "member.added":
      return `${who} added ${e.target} as ${String(d.role)}`;
    case "member.role_changed":
      return `${who} changed ${e.target}'s role from ${String(d.previous)} to ${String(d.role)}`;
    case "member.removed":
      return `${who} removed ${e.target} (${String(d.role)})`;
    case "member.left":
      return `${e.target} left the team`;
    case "module.version_published":
      return `${who} published ${e.target}${d.default ? " as the default" : ""}`;
    case "module.version_deprecated":
      return `${who} deprecated ${e.target}${d.successor ? ` (use ${String(d.successor)})` : ""}`;
    case "module.version_disabled":
      return `${who} disabled ${e.target}`;
    case "module.version_enabled":
      return `${who} enabled ${e.target}`;
    case "module.default_set":
      return `${who} made ${e.target} the default`;
    case "module.granted":
      return `${who} shared ${e.target} with ${String(d.grantee)}`;
    case "module.revoked":
      return `${who} stopped sharing ${e.target} with ${String(d.grantee)}`;
    case "module.visibility_set":
      return `${who} made ${e.target} ${d.visibility === "public" ? "visible to every team" : "private"}`;
    default:
      return `${who}: ${String(e.action)} ${e.target}`;
  }
}

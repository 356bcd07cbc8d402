import { describe, expect, it } from "vitest";
import type { AuditEvent, Member } from "../api/teams";
import { ago, describeEvent, memberControls, sortMembers } from "./logic";

const m = (username: string, role: Member["role"]): Member => ({ username, role });

describe("memberControls", () => {
  const members = [m("alice", "owner"), m("bob", "member"), m("carol", "viewer")];

  it("lets an owner change roles and remove others, and leave themselves", () => {
    expect(memberControls("alice", "owner", members[1], members)).toEqual({
      changeRole: true,
      remove: true,
      leave: false,
      lastOwner: false,
    });
    expect(memberControls("alice", "owner", members[0], members)).toEqual({
      changeRole: true,
      remove: false,
      leave: true,
      lastOwner: true,
    });
  });

  it("gives others only their own Leave", () => {
    expect(memberControls("bob", "member", members[1], members)).toEqual({ changeRole: false, remove: false, leave: true, lastOwner: false });
    expect(memberControls("bob", "member", members[2], members)).toEqual({ changeRole: false, remove: false, leave: false, lastOwner: false });
  });

  it("knows an owner is not the last when there are two", () => {
    const two = [...members, m("dave", "owner")];
    expect(memberControls("alice", "owner", two[0], two).lastOwner).toBe(false);
  });
});

describe("sortMembers", () => {
  it("puts owners first, then by name", () => {
    const sorted = sortMembers([m("zed", "viewer"), m("bob", "owner"), m("amy", "viewer"), m("al", "maintainer")]);
    expect(sorted.map((x) => x.username)).toEqual(["bob", "al", "amy", "zed"]);
  });
});

describe("ago", () => {
  const now = Date.parse("2026-11-30T12:00:00Z");
  it("says never, just now, minutes, hours and days", () => {
    expect(ago(null, now)).toBe("never");
    expect(ago("2026-11-30T11:59:30Z", now)).toBe("just now");
    expect(ago("2026-11-30T11:55:00Z", now)).toBe("5 min ago");
    expect(ago("2026-11-30T09:00:00Z", now)).toBe("3 h ago");
    expect(ago("2026-11-29T12:00:00Z", now)).toBe("1 day ago");
    expect(ago("2026-11-20T12:00:00Z", now)).toBe("10 days ago");
  });
});

describe("describeEvent", () => {
  const e = (action: AuditEvent["action"], target: string, details: Record<string, unknown>): AuditEvent => ({
    id: 1,
    action,
    actor: "alice",
    target,
    details,
    created_at: "2026-11-30T12:00:00Z",
  });
  it("reads like a sentence", () => {
    expect(describeEvent(e("member.role_changed", "bob", { role: "owner", previous: "member" }))).toBe(
      "alice changed bob's role from member to owner",
    );
    expect(describeEvent(e("member.left", "bob", { role: "viewer" }))).toBe("bob left the team");
    expect(describeEvent(e("module.version_deprecated", "acme/x@1.0.0", { successor: "2.0.0" }))).toBe(
      "alice deprecated acme/x@1.0.0 (use 2.0.0)",
    );
    expect(describeEvent(e("module.granted", "acme/x", { grantee: "other" }))).toBe("alice shared acme/x with other");
    expect(describeEvent(e("module.revoked", "acme/x", { grantee: "other" }))).toBe(
      "alice stopped sharing acme/x with other",
    );
    expect(describeEvent(e("module.visibility_set", "acme/x", { visibility: "public", previous: "private" }))).toBe(
      "alice made acme/x visible to every team",
    );
  });
});

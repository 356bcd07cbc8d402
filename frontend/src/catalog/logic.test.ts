import { describe, expect, it } from "vitest";
import type { ModuleListItem, VersionSummary } from "../api/modules";
import {
  actionsFor,
  canManage,
  compareSemver,
  errorsByField,
  groupByCategory,
  paramRows,
  portColor,
  preferredVersion,
  roleIn,
  shortDigest,
  sortVersions,
  specVersionOf,
  statusBadge,
  statusSummary,
} from "./logic";

const v = (version: string, status: VersionSummary["status"] = "active", is_default = false): VersionSummary => ({
  version,
  status,
  is_default,
  digest: "ab".repeat(32),
  deprecation_message: "",
  changelog: "",
  successor: null,
  created_at: "2026-01-01T00:00:00Z",
});

describe("canManage", () => {
  it("lets maintainers and owners manage their team's modules", () => {
    expect(canManage("owner", "acme")).toBe(true);
    expect(canManage("maintainer", "acme")).toBe(true);
  });
  it("refuses members, viewers and outsiders", () => {
    expect(canManage("member", "acme")).toBe(false);
    expect(canManage("viewer", "acme")).toBe(false);
    expect(canManage(null, "acme")).toBe(false);
    expect(canManage(undefined, "acme")).toBe(false);
  });
  it("never allows anyone to manage builtin modules", () => {
    expect(canManage("owner", "builtin")).toBe(false);
    expect(canManage("maintainer", "builtin")).toBe(false);
  });
  it("finds the role of the user in a team", () => {
    const teams = [
      { name: "acme", role: "member" as const },
      { name: "other", role: "owner" as const },
    ];
    expect(roleIn(teams, "other")).toBe("owner");
    expect(roleIn(teams, "nope")).toBeNull();
    expect(roleIn(undefined, "acme")).toBeNull();
  });
});

describe("statusBadge", () => {
  it("maps each status to its colour", () => {
    expect(statusBadge("active").tone).toBe("green");
    expect(statusBadge("deprecated").tone).toBe("amber");
    expect(statusBadge("disabled").tone).toBe("grey");
    expect(statusBadge("weird").label).toBe("weird");
  });
  it("colours port types like the canvas and falls back to Any", () => {
    expect(portColor("DataFrame")).not.toBe(portColor("Model"));
    expect(portColor("Nonsense")).toBe(portColor("Any"));
  });
});

describe("semver", () => {
  it("orders by numbers, not text", () => {
    expect(compareSemver("1.10.0", "1.9.0")).toBe(1);
    expect(compareSemver("2.0.0", "10.0.0")).toBe(-1);
    expect(compareSemver("1.0.0", "1.0.0")).toBe(0);
  });
  it("puts pre-releases before their release", () => {
    expect(compareSemver("1.0.0-rc.1", "1.0.0")).toBe(-1);
    expect(compareSemver("1.0.0-alpha", "1.0.0-alpha.1")).toBe(-1);
    expect(compareSemver("1.0.0-alpha.2", "1.0.0-alpha.10")).toBe(-1);
    expect(compareSemver("1.0.0-1", "1.0.0-alpha")).toBe(-1);
    expect(compareSemver("1.0.0+build.5", "1.0.0")).toBe(0);
  });
  it("sorts versions newest first without mutating the input", () => {
    const input = [v("1.2.0"), v("1.10.0"), v("0.9.1"), v("1.10.0-beta")];
    expect(sortVersions(input).map((x) => x.version)).toEqual(["1.10.0", "1.10.0-beta", "1.2.0", "0.9.1"]);
    expect(input[0].version).toBe("1.2.0");
  });
  it("prefers the default, then the newest active version", () => {
    const mod = (versions: VersionSummary[], preferred: string | null) => ({ versions, preferred_version: preferred });
    expect(preferredVersion(mod([v("1.0.0", "active", true), v("2.0.0")], "1.0.0"))?.version).toBe("1.0.0");
    expect(preferredVersion(mod([v("1.0.0"), v("2.0.0", "disabled"), v("1.5.0", "deprecated")], "1.0.0"))?.version).toBe("1.0.0");
    expect(preferredVersion(mod([v("3.0.0", "disabled")], null))?.version).toBe("3.0.0");
    expect(preferredVersion(mod([], null))).toBeNull();
  });
});

describe("lifecycle actions", () => {
  it("offers only what makes sense for the state", () => {
    expect(actionsFor(v("1.0.0", "active", true))).toEqual(["deprecate", "disable"]);
    expect(actionsFor(v("1.0.0", "active"))).toEqual(["default", "deprecate", "disable"]);
    expect(actionsFor(v("1.0.0", "deprecated"))).toEqual(["default", "disable", "enable"]);
    expect(actionsFor(v("1.0.0", "disabled"))).toEqual(["enable"]);
  });
});

describe("summaries", () => {
  it("counts versions by status", () => {
    expect(statusSummary([v("1.0.0")])).toBe("1 version");
    expect(statusSummary([v("1.0.0"), v("2.0.0", "deprecated"), v("3.0.0", "disabled")])).toBe(
      "3 versions · 1 deprecated · 1 disabled",
    );
  });
  it("shortens digests", () => {
    expect(shortDigest("sha256:" + "0123456789abcdef".repeat(4))).toBe("0123456789ab");
    expect(shortDigest("abc")).toBe("abc");
  });
  it("groups modules by category, uncategorized last", () => {
    const m = (ref: string, category: string): ModuleListItem => ({
      ref,
      team: ref.split("/")[0],
      name: ref.split("/")[1],
      display_name: ref.split("/")[1],
      category,
      description: "",
      default_version: null,
      visibility: "private",
      versions: [],
      preferred_version: null,
    });
    const groups = groupByCategory([m("a/z", "Train"), m("a/b", ""), m("a/a", "Train"), m("b/c", "Data")]);
    expect(groups.map(([k]) => k)).toEqual(["Data", "Train", "Uncategorized"]);
    expect(groups[1][1].map((x) => x.ref)).toEqual(["a/a", "a/z"]);
  });
});

describe("paramRows", () => {
  it("describes types, defaults and constraints", () => {
    const rows = paramRows({
      test_size: { type: "number", default: 0.2, minimum: 0, maximum: 1, description: "Share held out" },
      mode: { type: "string", enum: ["a", "b"], default: "a" },
      cols: { type: "array", items: { type: "string" }, minItems: 1 },
      seed: { type: "integer" },
    });
    expect(rows[0]).toEqual({
      name: "test_size",
      type: "number",
      default: "0.2",
      constraints: ["0 ≤ x ≤ 1"],
      title: "",
      description: "Share held out",
    });
    expect(rows[1].constraints).toEqual(['one of "a", "b"']);
    expect(rows[1].default).toBe('"a"');
    expect(rows[2].type).toBe("array<string>");
    expect(rows[2].constraints).toEqual(["at least 1 items"]);
    expect(rows[3].default).toBe("");
  });
  it("handles exclusive bounds", () => {
    expect(paramRows({ k: { type: "integer", exclusiveMinimum: 0 } })[0].constraints).toEqual(["0 < x"]);
  });
});

describe("errors and specs", () => {
  it("keys located errors by field", () => {
    const grouped = errorsByField([
      { field: "spec.version", message: "not semver" },
      { field: "spec.version", message: "taken" },
      { message: "general" },
    ]);
    expect(grouped["spec.version"]).toEqual(["not semver", "taken"]);
    expect(grouped[""]).toEqual(["general"]);
  });
  it("reads the version of a YAML or JSON spec", () => {
    expect(specVersionOf("name: x\nversion: 1.2.3\n")).toBe("1.2.3");
    expect(specVersionOf("name: x\nversion: '2.0.0'  # new\n")).toBe("2.0.0");
    expect(specVersionOf('{"name": "x", "version": "3.1.0"}')).toBe("3.1.0");
    expect(specVersionOf("name: x\n")).toBeNull();
  });
});

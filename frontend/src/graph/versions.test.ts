import { describe, expect, it } from "vitest";
import type { VersionSummary } from "../api/modules";
import { compareVersions, sortVersions, upgradeFor, behindPreferred } from "./versions";

const v = (version: string, status: VersionSummary["status"] = "active"): VersionSummary => ({
  version,
  status,
  is_default: false,
  digest: "",
  deprecation_message: "",
  changelog: "",
  successor: null,
  created_at: "2026-01-01T00:00:00Z",
});

describe("versions", () => {
  it("compares numerically", () => {
    expect(compareVersions("1.10.0", "1.9.0")).toBeGreaterThan(0);
    expect(compareVersions("1.0.0", "1.0.0")).toBe(0);
    expect(sortVersions([v("1.0.0"), v("2.0.0"), v("1.10.0")]).map((x) => x.version)).toEqual(["2.0.0", "1.10.0", "1.0.0"]);
  });
  it("offers the newest active version above the current one", () => {
    const all = [v("1.0.0"), v("1.1.0"), v("2.0.0", "disabled"), v("1.2.0", "deprecated")];
    expect(upgradeFor(all, "1.0.0")).toBe("1.1.0");
    expect(upgradeFor(all, "1.1.0")).toBeNull();
    expect(upgradeFor(all, null)).toBeNull();
  });
});

describe("behindPreferred", () => {
  it("counts pinned nodes below the preferred version only", () => {
    const preferred = (ref: string) => ({ "acme/train": "2.0.0", "acme/split": "1.0.0" })[ref] ?? null;
    const nodes = [
      { module: "acme/train", version: "1.0.0" },
      { module: "acme/train", version: "2.0.0" },
      { module: "acme/train", version: null },
      { module: "acme/split", version: "1.0.0" },
      { module: "acme/gone", version: "0.1.0" },
      {},
    ];
    expect(behindPreferred(nodes, preferred)).toBe(1);
  });
});

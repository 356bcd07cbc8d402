// Version ordering and upgrade hints for the version picker. Pure.
import type { VersionSummary } from "../api/modules";

export function compareVersions(a: string, b: string): number {
  const pa = a.split(/[.+-]/).map((x) => (/^\d+$/.test(x) ? Number(x) : x));
  const pb = b.split(/[.+-]/).map((x) => (/^\d+$/.test(x) ? Number(x) : x));
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const x = pa[i] ?? 0;
    const y = pb[i] ?? 0;
    if (x === y) continue;
    if (typeof x === "number" && typeof y === "number") return x - y;
    return String(x) < String(y) ? -1 : 1;
  }
  return 0;
}

/** The newest active version above `current`, or null when the node is up to date. */
export function upgradeFor(versions: readonly VersionSummary[], current: string | null): string | null {
  if (!current) return null;
  let best: string | null = null;
  for (const v of versions) {
    if (v.status !== "active") continue;
    if (compareVersions(v.version, current) > 0 && (best === null || compareVersions(v.version, best) > 0)) best = v.version;
  }
  return best;
}

export function sortVersions(versions: readonly VersionSummary[]): VersionSummary[] {
  return [...versions].sort((a, b) => compareVersions(b.version, a.version));
}

// Version ordering and upgrade hints for the version picker. Pure. The ordering is the catalog's
// semantic-version order (a pre-release ranks below its release), so the canvas and the catalog agree.
import type { VersionSummary } from "../api/modules";

/** The newest active version above `current`, or null when the node is up to date. */
export function upgradeFor(versions: readonly VersionSummary[], current: string | null): string | null {
  if (!current) return null;
  let best: string | null = null;
  for (const v of versions) {
    if (v.status !== "active") continue;
    if (compareSemver(v.version, current) > 0 && (best === null || compareSemver(v.version, best) > 0)) best = v.version;
  }
  return best;
}

interface SemVer {
  major: number;
  minor: number;
  patch: number;
  pre: string[];
}

export function parseSemver(version: string): SemVer | null {
  const m = /^v?(\d+)\.(\d+)\.(\d+)(?:-([0-9A-Za-z.-]+))?(?:\+[0-9A-Za-z.-]+)?$/.exec(version.trim());
  if (!m) return null;
  return { major: Number(m[1]), minor: Number(m[2]), patch: Number(m[3]), pre: m[4] ? m[4].split(".") : [] };
}

function comparePre(a: string[], b: string[]): number {
  if (!a.length || !b.length) return a.length ? -1 : b.length ? 1 : 0; // a release outranks its pre-releases
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    if (i >= a.length) return -1;
    if (i >= b.length) return 1;
    const x = a[i];
    const y = b[i];
    const xn = /^\d+$/.test(x);
    const yn = /^\d+$/.test(y);
    if (xn && yn) {
      if (Number(x) !== Number(y)) return Number(x) < Number(y) ? -1 : 1;
    } else if (xn !== yn) {
      return xn ? -1 : 1; // numeric identifiers sort before alphanumeric ones
    } else if (x !== y) {
      return x < y ? -1 : 1;
    }
  }
  return 0;
}

/** Semver order (ascending); strings that are not semver sort before all semver, among themselves by text. */
export function compareSemver(a: string, b: string): number {
  const x = parseSemver(a);
  const y = parseSemver(b);
  if (!x || !y) {
    if (x) return 1;
    if (y) return -1;
    return a < b ? -1 : a > b ? 1 : 0;
  }
  for (const key of ["major", "minor", "patch"] as const) {
    if (x[key] !== y[key]) return x[key] < y[key] ? -1 : 1;
  }
  return comparePre(x.pre, y.pre);
}

/** Newest version first. */
export function sortVersions<T extends { version: string }>(versions: readonly T[]): T[] {
  return [...versions].sort((a, b) => compareSemver(b.version, a.version));
}

export { compareSemver as compareVersions };

/** How many module nodes are pinned below their module's preferred version (the server's rule,
 *  `preferred_version`): what the upgrade assistant would list. */
export function behindPreferred(
  nodes: readonly { module?: unknown; version?: unknown }[],
  preferred: (ref: string) => string | null | undefined,
): number {
  let count = 0;
  for (const n of nodes) {
    if (typeof n.module !== "string" || typeof n.version !== "string") continue;
    const target = preferred(n.module);
    if (target && compareSemver(target, n.version) > 0) count += 1;
  }
  return count;
}

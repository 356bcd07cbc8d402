// Version ordering and upgrade hints for the version picker. Pure. The ordering is the catalog's
// semantic-version order (a pre-release ranks below its release), so the canvas and the catalog agree.
import type { VersionSummary } from "../api/modules";
import { compareSemver, sortVersions } from "../catalog/logic";

export { compareSemver as compareVersions, sortVersions };

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

// Two versions of a module side by side, with the interface diff between them.
import { useState } from "react";
import { compareVersions } from "../api/authoring";
import type { VersionSummary } from "../api/modules";
import { DiffList } from "../editor/PublishPanel";
import { useAsync } from "../hooks/useAsync";
import { ErrorNotice } from "./Bits";
import { InterfaceView } from "./InterfaceView";
import { sortVersions } from "./logic";

export function CompareSection({ moduleRef, versions }: { moduleRef: string; versions: readonly VersionSummary[] }) {
  const sorted = sortVersions(versions);
  const [head, setHead] = useState(sorted[0]?.version ?? "");
  const [base, setBase] = useState(sorted[1]?.version ?? sorted[0]?.version ?? "");
  const [open, setOpen] = useState(false);
  const answer = useAsync(
    () => (open && base && head ? compareVersions(moduleRef, base, head) : Promise.resolve(null)),
    [open, moduleRef, base, head],
  );
  const result = answer.data;
  const picker = (label: string, value: string, set: (v: string) => void) => (
    <label className="cat-field ed-inline">
      <span>{label}</span>
      <select aria-label={`compare ${label}`} value={value} onChange={(e) => set(e.target.value)}>
        {sorted.map((v) => (
          <option key={v.version}>{v.version}</option>
        ))}
      </select>
    </label>
  );
  return (
    <section className="cat-section" data-testid="compare-section">
      <h2>Compare versions</h2>
      {!open && (
        <button type="button" className="cat-btn" onClick={() => setOpen(true)} data-testid="open-compare">
          Compare two versions side by side…
        </button>
      )}
      {open && (
      <div className="ed-row">
        {picker("base", base, setBase)}
        {picker("head", head, setHead)}
        {result && (
          <span className="cat-small">
            Change: <strong data-testid="compare-bump">{result.diff.bump}</strong>
          </span>
        )}
      </div>
      )}
      <ErrorNotice error={answer.error} />
      {result && (
        <>
          <DiffList diff={result.diff} />
          <div className="cat-compare">
            {[result.base, result.head].map((v, i) => (
              <div key={i} data-testid={i ? "compare-head" : "compare-base"}>
                <h3>{v.version}</h3>
                {v.changelog && <p className="cat-changelog cat-small">{v.changelog}</p>}
                <InterfaceView spec={v.spec} />
              </div>
            ))}
          </div>
        </>
      )}
    </section>
  );
}

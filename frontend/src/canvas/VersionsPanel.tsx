// The Versions tab: every saved version (number, author, time, message), each viewable read-only;
// any two compared as a visual diff on the canvas.
import { memo, useState } from "react";
import type { PipelineVersionRow } from "../api/pipelines";
import { when, whenShort } from "../runs/format";

export const VersionsPanel = memo(function VersionsPanel({
  rows,
  error,
  latest,
  onView,
  onCompare,
}: {
  rows: PipelineVersionRow[] | null;
  error: string | null;
  latest: number | null;
  onView: (n: number) => void;
  onCompare: (a: number, b: number) => void;
}) {
  const numbers = rows?.map((r) => r.number) ?? [];
  const [a, setA] = useState<number | null>(null);
  const [b, setB] = useState<number | null>(null);
  const from = a ?? (numbers.length > 1 ? numbers[1] : null);
  const to = b ?? (numbers.length ? numbers[0] : null);
  if (error) return <div className="run-error pad" data-testid="versions-error">{error}</div>;
  if (!rows) return <div className="muted small pad">Loading versions…</div>;
  if (!rows.length) return <div className="muted small pad" data-testid="versions">No saved version yet: save to make version 1.</div>;
  return (
    <div className="versions-panel" data-testid="versions">
      <div className="versions-compare">
        <span className="muted small">Compare</span>
        <select aria-label="from version" value={from ?? ""} onChange={(e) => setA(Number(e.target.value))} data-testid="compare-from">
          {numbers.map((n) => (
            <option key={n} value={n}>
              v{n}
            </option>
          ))}
        </select>
        →
        <select aria-label="to version" value={to ?? ""} onChange={(e) => setB(Number(e.target.value))} data-testid="compare-to">
          {numbers.map((n) => (
            <option key={n} value={n}>
              v{n}
            </option>
          ))}
        </select>
        <button className="btn" disabled={from === null || to === null || from === to} onClick={() => from !== null && to !== null && onCompare(from, to)} data-testid="compare">
          Diff
        </button>
      </div>
      <ul className="version-rows">
        {rows.map((r) => (
          <li key={r.number} data-testid={`version-row-${r.number}`}>
            <div className="version-head">
              <b>v{r.number}</b>
              {r.number === latest ? <span className="version-latest">latest</span> : null}
              {!r.runnable ? <span className="sev error" title={`${r.error_count} error(s)`}>does not compile</span> : null}
              <span className="muted small" title={when(r.created_at)}>
                {r.created_by ?? "?"} · {whenShort(r.created_at)}
              </span>
              <span className="spacer" />
              <button className="btn ghost small" onClick={() => onView(r.number)} data-testid={`view-version-${r.number}`}>
                View
              </button>
            </div>
            {r.message ? <div className="version-message" data-testid="version-message">{r.message}</div> : null}
          </li>
        ))}
      </ul>
    </div>
  );
});

// Compact list of this pipeline's runs; clicking one shows it on the canvas, its ✎ opens the
// version it ran as the draft ("Open in editor"); "Load more" appends older pages.
import type { RunSummary } from "../api/runs";
import { duration, when, whenShort } from "./format";
import { StatusBadge } from "./StatusBadge";

export interface RunHistoryProps {
  runs: RunSummary[];
  current: number | null;
  onPick: (id: number) => void;
  /** open the run's pipeline version in the editor */
  onOpen?: (id: number) => void;
  /** loads older runs; absent when every run is shown */
  onMore?: () => void;
}

export function RunHistory({ runs, current, onPick, onOpen, onMore }: RunHistoryProps) {
  if (!runs.length) return <div className="muted small">No runs yet.</div>;
  return (
    <>
      <RunList runs={runs} current={current} onPick={onPick} onOpen={onOpen} />
      {onMore ? (
        <button className="run-history-more small" data-testid="history-more" onClick={onMore}>
          Load more
        </button>
      ) : null}
    </>
  );
}

function RunList({ runs, current, onPick, onOpen }: Omit<RunHistoryProps, "onMore">) {
  return (
    <ul className="run-history" data-testid="run-history">
      {runs.map((r) => (
        <li key={r.id} className={onOpen ? "with-open" : undefined}>
          <button
            className={r.id === current ? "current" : ""}
            data-testid={`history-run-${r.id}`}
            onClick={() => onPick(r.id)}
            title={r.parent ? `rerun of #${r.parent}` : undefined}
          >
            <span className="id">#{r.id}</span>
            <StatusBadge status={r.status} />
            <span className="muted small when" title={when(r.created_at ?? r.started_at)}>
              {whenShort(r.created_at ?? r.started_at)}
            </span>
            <span className="muted small right">{r.finished_at || !r.started_at ? duration(r.started_at, r.finished_at) : "…"}</span>
          </button>
          {onOpen ? (
            <button
              className="ghost open-in-editor"
              data-testid={`open-run-${r.id}`}
              title={`Open in editor: make version ${r.version ?? "?"} (as run #${r.id} ran it) the draft`}
              onClick={() => onOpen(r.id)}
            >
              ✎
            </button>
          ) : null}
        </li>
      ))}
    </ul>
  );
}

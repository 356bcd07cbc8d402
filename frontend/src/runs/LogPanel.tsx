// Tails one step's log: HTTP ?offset= catch-up (on open, while running, and when a live chunk
// arrives past what we hold) plus live "log" events from the feed, into a capped buffer.
import { useEffect, useLayoutEffect, useMemo, useRef, useState } from "react";
import { fetchLogs, logsUrl, type StepStatus } from "../api/runs";
import { useRunStore } from "../store/runs";
import { bytes } from "./format";
import { emptyLog, logText } from "../store/logBuffer";

const LIVE: StepStatus[] = ["queued", "running"];
/** how much of a log the panel first reads: its tail, so a huge finished log opens at once */
export const TAIL_BYTES = 256 * 1024;
const EMPTY = emptyLog(); // one object, so a step with no log yet does not re-render as new

export function LogPanel({ runId, node, status }: { runId: number; node: string; status: StepStatus | undefined }) {
  const buf = useRunStore((s) => s.logs[node]) ?? EMPTY;
  const live = status !== undefined && LIVE.includes(status);
  const behind = buf.behind;
  const pre = useRef<HTMLPreElement>(null);
  const stick = useRef(true);
  const key = `${runId}/${node}`;
  const [loaded, setLoaded] = useState<string | null>(null); // which log the first fetch answered for

  useEffect(() => {
    let busy = false;
    const tail = async () => {
      if (busy) return;
      busy = true;
      try {
        const state = useRunStore.getState();
        if (state.runId !== runId) return;
        const from = (state.logs[node] ?? emptyLog()).end;
        // the first read takes only the tail of a big log; later reads continue from its end
        const chunk = await fetchLogs(runId, node, from, from === 0 ? TAIL_BYTES : undefined);
        // a late answer is still this run's log: keep it unless the store follows another run
        if (useRunStore.getState().runId === runId) {
          if (from === 0) useRunStore.getState().startLogAt(node, chunk.text, chunk.offset);
          // when the server ignores ?offset= it returns everything: offset 0 dedupes that too
          else useRunStore.getState().appendLogChunk(node, chunk.text, from);
        }
      } catch {
        /* no log yet (step not started) — the next poll or live event brings it */
      } finally {
        busy = false;
        setLoaded(`${runId}/${node}`);
      }
    };
    void tail();
    if (!live && !behind) return;
    const t = setInterval(tail, live ? 1500 : 500);
    return () => clearInterval(t);
  }, [runId, node, live, behind, status]);

  useLayoutEffect(() => {
    const el = pre.current;
    if (el && stick.current) el.scrollTop = el.scrollHeight;
  }, [buf]);

  const text = useMemo(() => logText(buf), [buf]); // up to 5,000 lines: not on every clock tick
  return (
    <div className="run-logs" data-testid="log-panel">
      <div className="run-logs-head">
        <span>
          Log · <code>{node}</code>
          {live ? <span className="live-dot" title="live" /> : null}
        </span>
        <a href={logsUrl(runId, node)} target="_blank" rel="noreferrer">
          raw
        </a>
      </div>
      {buf.skipped || buf.dropped ? (
        <div className="run-logs-dropped" data-testid="log-skipped">
          … {buf.skipped ? `the first ${bytes(buf.skipped)}` : ""}
          {buf.skipped && buf.dropped ? " and " : ""}
          {buf.dropped ? `${buf.dropped.toLocaleString()} earlier lines` : ""} not shown (open raw for all)
        </div>
      ) : null}
      <pre
        ref={pre}
        data-testid="log-text"
        data-bytes={buf.end}
        onScroll={(e) => {
          const el = e.currentTarget;
          stick.current = el.scrollTop + el.clientHeight >= el.scrollHeight - 8;
        }}
      >
        {text || <span className="muted">{loaded !== key ? "loading…" : live ? "waiting for output…" : "no output"}</span>}
      </pre>
    </div>
  );
}

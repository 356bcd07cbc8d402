// Binds the run store to one run: loads it over HTTP for an instant picture, then follows the
// WebSocket feed (snapshot + seq'd events, reconnect + resume) until the component unmounts.
import { useEffect, useState } from "react";
import { errorMessage } from "../api/errors";
import { connectRunFeed, type RunEvent, type SocketStatus } from "../api/events";
import { FINAL_RUN_STATUSES, getRun, type Run } from "../api/runs";
import { useAsync } from "../hooks/useAsync";
import { useRunStore } from "../store/runs";

/** A run fetched over HTTP, unless the store has moved on to another run meanwhile. */
function adoptFetched(run: Run) {
  const store = useRunStore.getState();
  if (store.runId === run.id) store.loadRun(run);
}

export function useRunFeed(runId: number | null): { socket: SocketStatus; error: string | null; refused: string | null } {
  const [socket, setSocket] = useState<SocketStatus>("closed");
  const [refused, setRefused] = useState<{ runId: number; message: string } | null>(null);
  const fetched = useAsync(() => (runId === null ? null : getRun(runId)), [runId]);
  useEffect(() => {
    if (fetched.data) adoptFetched(fetched.data);
  }, [fetched.data]);

  useEffect(() => {
    if (runId === null) return;
    useRunStore.getState().setRun(runId);
    // A burst of events (a cached rerun of a big pipeline sends thousands in a second) is applied
    // in one store update per frame, so the canvas renders once per frame, not once per event.
    let queue: RunEvent[] = [];
    let cancelFlush: (() => void) | null = null;
    const flush = () => {
      cancelFlush = null;
      const batch = queue;
      queue = [];
      if (batch.length) useRunStore.getState().applyEvents(batch);
    };
    const schedule = () => {
      if (cancelFlush) return;
      if (typeof requestAnimationFrame === "function" && document.visibilityState === "visible") {
        const frame = requestAnimationFrame(flush);
        cancelFlush = () => cancelAnimationFrame(frame);
      } else {
        const timer = setTimeout(flush, 50);
        cancelFlush = () => clearTimeout(timer);
      }
    };
    const feed = connectRunFeed(runId, {
      onEvent: (event) => {
        queue.push(event);
        schedule();
      },
      lastSeq: () => useRunStore.getState().seq,
      onStatus: setSocket,
      onRefused: (_code, message) => setRefused({ runId, message }),
      done: () => {
        const run = useRunStore.getState().run;
        return run !== null && FINAL_RUN_STATUSES.includes(run.status);
      },
    });
    // a safety net for a silent socket: refresh over HTTP while the run is live
    const poll = setInterval(() => {
      const { run, seq } = useRunStore.getState();
      if (seq >= 0 || (run && FINAL_RUN_STATUSES.includes(run.status))) return;
      getRun(runId).then(adoptFetched, () => undefined);
    }, 3000);
    return () => {
      cancelFlush?.(); // events of a run no longer followed never reach the store
      clearInterval(poll);
      feed.close();
    };
  }, [runId]);

  // a failure shows until the next run is asked for
  return {
    socket,
    error: fetched.error && !fetched.loading ? errorMessage(fetched.error) : null,
    // why the live feed was refused for good (signed out, origin, not found): shown, not retried
    refused: refused && refused.runId === runId ? refused.message : null,
  };
}

/** Re-renders every `ms` while `active`, for live elapsed times. */
export function useNow(active: boolean, ms = 1000): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (!active) return;
    const t = setInterval(() => setNow(Date.now()), ms);
    return () => clearInterval(t);
  }, [active, ms]);
  return now;
}

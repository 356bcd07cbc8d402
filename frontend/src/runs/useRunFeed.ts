// Binds the run store to one run: loads it over HTTP for an instant picture, then follows the
// WebSocket feed (snapshot + seq'd events, reconnect + resume) until the component unmounts.
import { useEffect, useState } from "react";
import { connectRunFeed, type RunEvent, type SocketStatus } from "../api/events";
import { FINAL_RUN_STATUSES, getRun } from "../api/runs";
import { useRunStore } from "../store/runs";

export function useRunFeed(runId: number | null): { socket: SocketStatus; error: string | null } {
  const [socket, setSocket] = useState<SocketStatus>("closed");
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    if (runId === null) return;
    const store = useRunStore.getState();
    store.setRun(runId);
    setError(null);
    let alive = true;
    getRun(runId).then(
      (run) => alive && useRunStore.getState().loadRun(run),
      (e: Error) => alive && setError(e.message),
    );
    // A burst of events (a cached rerun of a big pipeline sends thousands in a second) is applied
    // in one store update per frame, so the canvas renders once per frame, not once per event.
    let queue: RunEvent[] = [];
    let scheduled = false;
    const flush = () => {
      scheduled = false;
      const batch = queue;
      queue = [];
      if (alive && batch.length) useRunStore.getState().applyEvents(batch);
    };
    const schedule = () => {
      if (scheduled) return;
      scheduled = true;
      if (typeof requestAnimationFrame === "function" && document.visibilityState === "visible") requestAnimationFrame(flush);
      else setTimeout(flush, 50);
    };
    const feed = connectRunFeed(runId, {
      onEvent: (event) => {
        queue.push(event);
        schedule();
      },
      lastSeq: () => useRunStore.getState().seq,
      onStatus: (s) => alive && setSocket(s),
      done: () => {
        const run = useRunStore.getState().run;
        return run !== null && FINAL_RUN_STATUSES.includes(run.status);
      },
    });
    // a safety net for a silent socket: refresh over HTTP while the run is live
    const poll = setInterval(() => {
      const { run, seq } = useRunStore.getState();
      if (seq >= 0 || (run && FINAL_RUN_STATUSES.includes(run.status))) return;
      getRun(runId).then((r) => alive && useRunStore.getState().loadRun(r), () => undefined);
    }, 3000);
    return () => {
      alive = false;
      clearInterval(poll);
      feed.close();
    };
  }, [runId]);

  return { socket, error };
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

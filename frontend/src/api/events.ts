// The live run feed: WebSocket /ws/runs/{id}/ with reconnect and resume from the last seq seen.
// Server -> client: {"type":"snapshot","seq","run"} first, then {"type":"step"|"run"|"log","seq",...}.
// Client -> server after a reconnect: {"type":"resume","after":lastSeq}.
import type { Run, StepRun } from "./runs";

export interface SnapshotEvent {
  type: "snapshot";
  seq: number;
  run: Run;
}
export interface StepEvent {
  type: "step";
  seq: number;
  step: Partial<StepRun> & { node: string };
}
export interface RunUpdateEvent {
  type: "run";
  seq: number;
  run: Partial<Run>;
}
export interface LogEvent {
  type: "log";
  seq: number;
  node: string;
  text: string;
  /** byte offset of `text` in the step's log, when the server sends it; without it the event
   *  only tells the log panel to fetch the tail over HTTP (exact, no duplicates) */
  offset?: number;
}
export type RunEvent = SnapshotEvent | StepEvent | RunUpdateEvent | LogEvent;

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === "object" && v !== null && !Array.isArray(v);

/** Turns one raw frame into a typed event, tolerating flat or nested payloads; null if unusable. */
export function parseEvent(raw: unknown): RunEvent | null {
  let msg: unknown = raw;
  if (typeof raw === "string") {
    try {
      msg = JSON.parse(raw);
    } catch {
      return null;
    }
  }
  if (!isObject(msg) || typeof msg.seq !== "number") return null;
  const seq = msg.seq;
  switch (msg.type) {
    case "snapshot":
      return isObject(msg.run) ? { type: "snapshot", seq, run: msg.run as unknown as Run } : null;
    case "step": {
      const step = (isObject(msg.step) ? msg.step : msg) as Json;
      if (typeof step.node !== "string") return null;
      const { type: _t, seq: _s, run: _r, run_id: _id, ...fields } = step;
      return { type: "step", seq, step: fields as StepEvent["step"] };
    }
    case "run": {
      const run = (isObject(msg.run) ? msg.run : msg) as Json;
      const { type: _t, seq: _s, run_id: _id, ...fields } = run;
      return { type: "run", seq, run: fields as Partial<Run> };
    }
    case "log": {
      const node = msg.node ?? (isObject(msg.step) ? msg.step.node : undefined);
      // the runner sends batched {"lines": [...]}; others may send a text chunk
      const text = Array.isArray(msg.lines) ? msg.lines.map(String).join("\n") + "\n" : (msg.text ?? msg.data ?? msg.line ?? msg.chunk);
      if (typeof node !== "string" || typeof text !== "string") return null;
      const offset = typeof msg.offset === "number" ? msg.offset : undefined;
      return { type: "log", seq, node, text, offset };
    }
    default:
      return null;
  }
}

export type SocketStatus = "connecting" | "open" | "reconnecting" | "closed";

export interface RunFeedOptions {
  onEvent: (event: RunEvent) => void;
  /** the last seq the store has applied; sent as `resume.after` on every reconnect */
  lastSeq: () => number;
  onStatus?: (status: SocketStatus) => void;
  /** stop reconnecting once this says so (e.g. the run has finished) */
  done?: () => boolean;
  /** for tests */
  createSocket?: (url: string) => WebSocket;
}

export interface RunFeed {
  close: () => void;
}

export function runFeedUrl(runId: number, loc: Pick<Location, "protocol" | "host"> = window.location): string {
  const scheme = loc.protocol === "https:" ? "wss:" : "ws:";
  return `${scheme}//${loc.host}/ws/runs/${runId}/`;
}

/** Close codes after which retrying cannot help (not found, forbidden, unauthenticated). */
const FATAL_CODES = new Set([4001, 4003, 4004, 4401, 4403, 4404]);

export function connectRunFeed(runId: number, options: RunFeedOptions): RunFeed {
  const create = options.createSocket ?? ((url: string) => new WebSocket(url));
  let socket: WebSocket | null = null;
  let closed = false;
  let attempts = 0;
  let timer: ReturnType<typeof setTimeout> | null = null;
  let everOpened = false;

  const open = () => {
    if (closed) return;
    options.onStatus?.(everOpened ? "reconnecting" : "connecting");
    const ws = create(runFeedUrl(runId));
    socket = ws;
    ws.onopen = () => {
      attempts = 0;
      options.onStatus?.("open");
      const after = options.lastSeq();
      if (everOpened && after >= 0) ws.send(JSON.stringify({ type: "resume", after }));
      everOpened = true;
    };
    ws.onmessage = (e: MessageEvent) => {
      if (closed || socket !== ws) return;
      const event = parseEvent(e.data);
      if (event) options.onEvent(event);
    };
    ws.onclose = (e: CloseEvent) => {
      if (socket !== ws) return;
      socket = null;
      if (closed || FATAL_CODES.has(e.code) || options.done?.()) {
        options.onStatus?.("closed");
        return;
      }
      const delay = Math.min(10000, 500 * 2 ** attempts) * (0.75 + Math.random() * 0.5);
      attempts += 1;
      options.onStatus?.("reconnecting");
      timer = setTimeout(open, delay);
    };
  };
  open();

  return {
    close() {
      closed = true;
      if (timer) clearTimeout(timer);
      const ws = socket;
      socket = null;
      if (ws && ws.readyState <= 1) ws.close(1000);
      options.onStatus?.("closed");
    },
  };
}

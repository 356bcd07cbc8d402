// The live run feed: WebSocket /ws/runs/{id}/ with reconnect and resume from the last seq seen.
// Server -> client: {"type":"snapshot","seq","run"} first, then {"type":"step"|"run"|"log","seq",...}.
// Client -> server after a reconnect: {"type":"resume","after":lastSeq}.
import type { Run, StepRun } from "./runs";

// --- what the server sends (runner/consumers.py, runner/events.py); Run and Step are the
// generated OpenAPI shapes, the frames around them are not in OpenAPI ------------------------------

/** Every numbered frame also carries `seq` and `run_id`. */
interface Numbered {
  seq: number;
  run_id: number;
}
export interface WireSnapshot {
  type: "snapshot";
  seq: number;
  run: Run;
}
/** A step changed: its whole row, with its node and status repeated on the frame. */
export interface WireStep extends Numbered {
  type: "step";
  node: string;
  status: StepRun["status"];
  step: StepRun;
}
/** The run's own fields changed (the first "run" frame of a rerun carries no error). */
export interface WireRun extends Numbered, Pick<Run, "status" | "started_at" | "finished_at"> {
  type: "run";
  error?: Run["error"];
}
/** New log lines of a step, starting at byte `offset` of its log. */
export interface WireLog extends Numbered {
  type: "log";
  node: string;
  lines: string[];
  offset: number;
}
/** An item of a for-each node changed (compact: there may be thousands; runner/events.py). */
export interface WireItem extends Numbered {
  type: "item";
  node: string;
  item: number;
  status: StepRun["status"];
  /** over a sub-pipeline: the inner step that moved (`status` is then the item's roll-up) and its own status */
  step?: string;
  step_status?: StepRun["status"];
}
/** A for-each node expanded into `items` items, or skipped (canceled) its pending ones. */
export interface WireForEach extends Numbered {
  type: "foreach";
  node: string;
  items?: number;
  skipped?: number;
  canceled?: number;
}
export type WireEvent = WireSnapshot | WireStep | WireRun | WireLog | WireItem | WireForEach;

// --- what the store applies -------------------------------------------------------------------

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
  /** the run's own fields that changed (never its steps: those come as step events) */
  run: Partial<Pick<Run, "status" | "started_at" | "finished_at" | "error">>;
}
export interface LogEvent {
  type: "log";
  seq: number;
  node: string;
  text: string;
  /** byte offset of `text` in the step's log; without it the event only tells the log panel to
   *  fetch the tail over HTTP (exact, no duplicates) */
  offset?: number;
}
export interface ItemEvent {
  type: "item";
  seq: number;
  node: string;
  item: number;
  status: StepRun["status"];
  /** over a sub-pipeline: the inner step that moved and its own status */
  step?: string;
  stepStatus?: StepRun["status"];
}
export interface ForEachEvent {
  type: "foreach";
  seq: number;
  node: string;
  items?: number;
  skipped?: number;
  canceled?: number;
}
export type RunEvent = SnapshotEvent | StepEvent | RunUpdateEvent | LogEvent | ItemEvent | ForEachEvent;

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === "object" && v !== null && !Array.isArray(v);

/** Turns one frame (WireEvent) into the event the store applies; null for anything else (the
 *  consumer's "error" and "pong" replies, or junk). */
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
      return isObject(msg.run) ? { type: "snapshot", seq, run: (msg as unknown as WireSnapshot).run } : null;
    case "step": {
      const frame = msg as unknown as WireStep;
      return isObject(frame.step) && typeof frame.step.node === "string" ? { type: "step", seq, step: frame.step } : null;
    }
    case "run": {
      const { type: _t, seq: _s, run_id: _id, ...fields } = msg as unknown as WireRun;
      return { type: "run", seq, run: fields };
    }
    case "item": {
      const frame = msg as unknown as WireItem;
      if (typeof frame.node !== "string" || typeof frame.item !== "number" || frame.item < 0 || typeof frame.status !== "string") return null;
      const inner = typeof frame.step === "string" && typeof frame.step_status === "string" ? { step: frame.step, stepStatus: frame.step_status } : {};
      return { type: "item", seq, node: frame.node, item: frame.item, status: frame.status, ...inner };
    }
    case "foreach": {
      const frame = msg as unknown as WireForEach;
      if (typeof frame.node !== "string") return null;
      const count = (v: unknown) => (typeof v === "number" && v >= 0 ? v : undefined);
      return { type: "foreach", seq, node: frame.node, items: count(frame.items), skipped: count(frame.skipped), canceled: count(frame.canceled) };
    }
    case "log": {
      const frame = msg as unknown as WireLog;
      if (typeof frame.node !== "string" || !Array.isArray(frame.lines)) return null;
      const text = frame.lines.join("\n") + "\n";
      const offset = typeof frame.offset === "number" ? frame.offset : undefined;
      return { type: "log", seq, node: frame.node, text, offset };
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
  /** the server closed the feed with a final code (see isFinalCode); it is not retried */
  onRefused?: (code: number, message: string) => void;
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

/** Close codes after which retrying cannot help: the server's 44xx (4401 unauthenticated, 4403
 *  forbidden origin, 4404 no such run or another team's; pipewright/ws_auth.py) and older 400x. */
export function isFinalCode(code: number): boolean {
  return (code >= 4400 && code < 4500) || code === 4001 || code === 4003 || code === 4004;
}

/** Why the feed was refused, for the person looking at the page. */
export function refusalMessage(code: number): string {
  switch (code) {
    case 4401:
    case 4001:
      return "Live updates stopped: you are signed out. Sign in again and reload the page.";
    case 4403:
    case 4003:
      return "Live updates refused: this page's address (origin) is not one the server accepts. Open Pipewright at its own address, or ask the operator to add this one to CSRF_TRUSTED_ORIGINS.";
    case 4404:
    case 4004:
      return "Live updates unavailable: this run does not exist or belongs to a team you are not in.";
    default:
      return `Live updates refused by the server (code ${code}); reloading will not help until that changes.`;
  }
}

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
      if (!closed && isFinalCode(e.code)) {
        closed = true;
        options.onRefused?.(e.code, refusalMessage(e.code));
        options.onStatus?.("closed");
        return;
      }
      if (closed || options.done?.()) {
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

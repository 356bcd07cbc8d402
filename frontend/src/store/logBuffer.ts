// An immutable, capped, offset-aware log buffer: HTTP tails (?offset=) and live "log" events can
// both feed it, overlap is dropped by byte offset, and only the last `cap` lines are kept so a huge
// log never freezes the page.

export interface LogBuffer {
  /** complete lines kept (the oldest are dropped beyond the cap) */
  lines: string[];
  /** text after the last newline, not yet a complete line */
  partial: string;
  /** number of complete lines dropped from the head */
  dropped: number;
  /** byte offset of the end of what we have: the next ?offset= to fetch */
  end: number;
  /** true when a live chunk arrived past `end`: fetch from `end` to fill the hole */
  behind: boolean;
  /** bytes at the head of the log never fetched (the buffer was started from its tail) */
  skipped: number;
}

export const DEFAULT_LOG_CAP = 5000;

export const emptyLog = (): LogBuffer => ({ lines: [], partial: "", dropped: 0, end: 0, behind: false, skipped: 0 });

/** An empty buffer that begins at byte `start` of the log (a tail read skipped what comes before). */
export const logFrom = (start: number): LogBuffer => ({ ...emptyLog(), end: start, skipped: start });

const encoder = new TextEncoder();
const decoder = new TextDecoder();
export const byteLength = (text: string) => encoder.encode(text).length;

/**
 * Appends `text`. With `offset` (byte position of `text` in the log) the part already held is
 * skipped and a chunk beyond the end is refused and flags `behind`; without it, text is appended.
 */
export function appendLog(buf: LogBuffer, text: string, offset?: number, cap = DEFAULT_LOG_CAP): LogBuffer {
  let chunk = text;
  let size = byteLength(text);
  if (offset !== undefined) {
    if (offset > buf.end) return buf.behind ? buf : { ...buf, behind: true };
    if (offset + size <= buf.end) return buf;
    if (offset < buf.end) {
      chunk = decoder.decode(encoder.encode(text).slice(buf.end - offset));
      size = offset + size - buf.end;
    }
  }
  if (chunk === "") return buf;
  const parts = (buf.partial + chunk).split("\n");
  const partial = parts.pop() ?? "";
  let lines = parts.length ? buf.lines.concat(parts) : buf.lines;
  let dropped = buf.dropped;
  if (lines.length > cap) {
    dropped += lines.length - cap;
    lines = lines.slice(lines.length - cap);
  }
  return { ...buf, lines, partial, dropped, end: buf.end + size, behind: false };
}

/** Marks a fetched tail as caught up even if it returned nothing new. */
export function caughtUp(buf: LogBuffer): LogBuffer {
  return buf.behind ? { ...buf, behind: false } : buf;
}

export function logText(buf: LogBuffer): string {
  return buf.lines.join("\n") + (buf.lines.length && buf.partial ? "\n" : "") + buf.partial;
}

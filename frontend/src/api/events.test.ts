import { afterEach, describe, expect, it, vi } from "vitest";
import { connectRunFeed, runFeedUrl, type RunEvent } from "./events";

class FakeSocket {
  static all: FakeSocket[] = [];
  readyState = 0;
  sent: string[] = [];
  onopen: (() => void) | null = null;
  onmessage: ((e: { data: string }) => void) | null = null;
  onclose: ((e: { code: number }) => void) | null = null;
  constructor(public url: string) {
    FakeSocket.all.push(this);
  }
  send(data: string) {
    this.sent.push(data);
  }
  close() {
    this.readyState = 3;
  }
  open() {
    this.readyState = 1;
    this.onopen?.();
  }
  message(obj: unknown) {
    this.onmessage?.({ data: JSON.stringify(obj) });
  }
  drop(code = 1006) {
    this.readyState = 3;
    this.onclose?.({ code });
  }
}

afterEach(() => {
  FakeSocket.all = [];
  vi.useRealTimers();
});

const feed = (events: RunEvent[], lastSeq: () => number) =>
  connectRunFeed(3, {
    onEvent: (e) => events.push(e),
    lastSeq,
    createSocket: (url) => new FakeSocket(url) as unknown as WebSocket,
  });

describe("connectRunFeed", () => {
  it("builds the ws url from the page location", () => {
    expect(runFeedUrl(5, { protocol: "https:", host: "x.test" })).toBe("wss://x.test/ws/runs/5/");
  });

  it("reconnects after a drop and asks to resume after the last applied seq", () => {
    vi.useFakeTimers();
    const events: RunEvent[] = [];
    let last = -1;
    const f = feed(events, () => last);
    const first = FakeSocket.all[0];
    first.open();
    expect(first.sent).toEqual([]); // the first connection gets a snapshot, no resume needed
    first.message({ type: "snapshot", seq: 4, run: { id: 3, steps: [] } });
    first.message({ type: "step", seq: 5, node: "a", status: "running", step: { node: "a", status: "running" } });
    expect(events.map((e) => e.seq)).toEqual([4, 5]);
    last = 5;
    first.drop();
    vi.advanceTimersByTime(1000);
    const second = FakeSocket.all[1];
    expect(second).toBeDefined();
    second.open();
    expect(JSON.parse(second.sent[0])).toEqual({ type: "resume", after: 5 });
    first.message({ type: "step", seq: 6, node: "a", status: "failed" }); // a late frame of the dead socket
    expect(events).toHaveLength(2);
    f.close();
  });

  it("gives up on a run that is not found or not ours", () => {
    vi.useFakeTimers();
    feed([], () => -1);
    FakeSocket.all[0].drop(4404);
    vi.advanceTimersByTime(20000);
    expect(FakeSocket.all).toHaveLength(1);
  });
});

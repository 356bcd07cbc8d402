import { afterEach, describe, expect, it, vi } from "vitest";
import { connectRunFeed, isFinalCode, refusalMessage, runFeedUrl, type RunEvent } from "./events";

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

  it.each([4401, 4403, 4404, 4499])("stops retrying on %i and says why", (code) => {
    vi.useFakeTimers();
    const refusals: [number, string][] = [];
    const statuses: string[] = [];
    connectRunFeed(3, {
      onEvent: () => undefined,
      lastSeq: () => -1,
      onStatus: (s) => statuses.push(s),
      onRefused: (c, m) => refusals.push([c, m]),
      createSocket: (url) => new FakeSocket(url) as unknown as WebSocket,
    });
    FakeSocket.all[0].open();
    FakeSocket.all[0].drop(code);
    vi.advanceTimersByTime(60000);
    expect(FakeSocket.all).toHaveLength(1);
    expect(statuses.at(-1)).toBe("closed");
    expect(refusals).toHaveLength(1);
    expect(refusals[0][0]).toBe(code);
    expect(refusals[0][1]).toMatch(/Live updates/);
  });

  it("keeps retrying after other closes (a restart, a network drop)", () => {
    vi.useFakeTimers();
    const refusals: number[] = [];
    connectRunFeed(3, {
      onEvent: () => undefined,
      lastSeq: () => -1,
      onRefused: (c) => refusals.push(c),
      createSocket: (url) => new FakeSocket(url) as unknown as WebSocket,
    });
    FakeSocket.all[0].drop(1006);
    vi.advanceTimersByTime(1000);
    FakeSocket.all[1].drop(1011);
    vi.advanceTimersByTime(2000);
    expect(FakeSocket.all).toHaveLength(3);
    expect(refusals).toEqual([]);
  });
});

describe("refusals", () => {
  it("treats 44xx as final and explains the known codes", () => {
    expect([4401, 4403, 4404, 4400, 4499].every(isFinalCode)).toBe(true);
    expect([1000, 1006, 1011, 4500, 4000].some(isFinalCode)).toBe(false);
    expect(refusalMessage(4401)).toMatch(/signed out/);
    expect(refusalMessage(4403)).toMatch(/origin/);
    expect(refusalMessage(4404)).toMatch(/does not exist/);
  });
});

import { describe, expect, it } from "vitest";
import { appendLog, caughtUp, emptyLog, logFrom, logText } from "./logBuffer";

describe("log buffer", () => {
  it("joins chunks that split lines", () => {
    let b = appendLog(emptyLog(), "hel");
    b = appendLog(b, "lo\nwor");
    b = appendLog(b, "ld\n");
    expect(b.lines).toEqual(["hello", "world"]);
    expect(b.partial).toBe("");
    expect(b.end).toBe(12);
  });

  it("drops overlap by byte offset, including multi-byte text", () => {
    let b = appendLog(emptyLog(), "héllo\n", 0); // é is two bytes
    expect(b.end).toBe(7);
    b = appendLog(b, "héllo\n", 0);
    expect(b.lines).toEqual(["héllo"]);
    b = appendLog(b, "llo\nnext\n", 3);
    expect(b.lines).toEqual(["héllo", "next"]);
    expect(b.end).toBe(12);
  });

  it("refuses a chunk beyond the end and asks for a fetch", () => {
    const a = appendLog(emptyLog(), "one\n", 0);
    const b = appendLog(a, "three\n", 10);
    expect(b.behind).toBe(true);
    expect(b.lines).toEqual(["one"]);
    const c = appendLog(b, "two\nthr", 4);
    expect(c.behind).toBe(false);
    expect(caughtUp(b).behind).toBe(false);
  });

  it("caps the lines kept so a huge log stays cheap", () => {
    let b = emptyLog();
    for (let i = 0; i < 100; i++) b = appendLog(b, Array.from({ length: 1000 }, (_, j) => `line ${i * 1000 + j}`).join("\n") + "\n", undefined, 5000);
    expect(b.lines.length).toBe(5000);
    expect(b.dropped).toBe(95000);
    expect(b.lines[0]).toBe("line 95000");
    expect(logText(b).split("\n").at(-1)).toBe("line 99999");
  });

  it("starts from a tail and continues from its end", () => {
    let b = appendLog(logFrom(1000), "x\ny\n", 1000);
    expect(b.skipped).toBe(1000);
    expect(b.end).toBe(1004);
    expect(b.lines).toEqual(["x", "y"]);
    b = appendLog(b, "y\nz\n", 1002); // overlap by offset is dropped
    expect(b.lines).toEqual(["x", "y", "z"]);
    expect(appendLog(b, "w\n", 2000).behind).toBe(true); // a hole is refused
  });
});

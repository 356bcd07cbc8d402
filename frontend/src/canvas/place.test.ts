import { describe, expect, it } from "vitest";
import { freeBox, freeSpot } from "./place";

describe("freeSpot", () => {
  it("keeps a free spot and moves below the nodes it would cover", () => {
    expect(freeSpot({ x: 0, y: 0 }, [{ position: { x: 400, y: 0 } }])).toEqual({ x: 0, y: 0 });
    expect(freeSpot({ x: 0, y: 0 }, [{ position: { x: 20, y: 10 } }, { position: { x: 0, y: 100 } }])).toEqual({ x: 0, y: 200 });
  });
});

describe("freeBox", () => {
  it("keeps a clear spot and otherwise finds the nearest one that covers nothing", () => {
    expect(freeBox({ x: 0, y: 0 }, 220, 120, [{ x: 500, y: 0, w: 200, h: 60 }])).toEqual({ x: 0, y: 0 });
    const taken = [
      { x: 0, y: 0, w: 200, h: 60 },
      { x: 0, y: 150, w: 200, h: 60 },
    ];
    const at = freeBox({ x: 10, y: 40 }, 220, 120, taken);
    const overlaps = taken.some((b) => at.x < b.x + b.w && b.x < at.x + 220 && at.y < b.y + b.h && b.y < at.y + 120);
    expect(overlaps).toBe(false);
    expect(Math.hypot(at.x - 10, at.y - 40)).toBeLessThan(400);
  });
});

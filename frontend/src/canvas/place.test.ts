import { describe, expect, it } from "vitest";
import { freeSpot } from "./place";

describe("freeSpot", () => {
  it("keeps a free spot and moves below the nodes it would cover", () => {
    expect(freeSpot({ x: 0, y: 0 }, [{ position: { x: 400, y: 0 } }])).toEqual({ x: 0, y: 0 });
    expect(freeSpot({ x: 0, y: 0 }, [{ position: { x: 20, y: 10 } }, { position: { x: 0, y: 100 } }])).toEqual({ x: 0, y: 200 });
  });
});

import { describe, expect, it } from "vitest";
import { rowsOf } from "./lists";

describe("rowsOf", () => {
  it("reads a plain array and a page of results alike", () => {
    expect(rowsOf([1, 2])).toEqual([1, 2]);
    expect(rowsOf({ next: "x", previous: null, results: [3] })).toEqual([3]);
    expect(rowsOf(null)).toEqual([]);
  });
});

import { describe, expect, it } from "vitest";
import { readCurves, shade } from "./curves";

describe("readCurves", () => {
  it("keeps sound points, sorts PR by recall, and checks the matrix's shape", () => {
    const c = readCurves({
      positive: "1",
      roc: [{ fpr: 0, tpr: 0, threshold: null }, { fpr: 0.5, tpr: 0.9, threshold: 0.4 }, { fpr: "x" }],
      auc: 0.91,
      pr: [{ recall: 1, precision: 0.5, threshold: 0.1 }, { recall: 0, precision: 1, threshold: null }],
      confusion: { labels: [0, 1], matrix: [[5, 1], [2, 7]] },
    });
    expect(c.roc).toHaveLength(2);
    expect(c.pr.map((p) => p.recall)).toEqual([0, 1]);
    expect(c.confusion).toEqual({ labels: ["0", "1"], matrix: [[5, 1], [2, 7]] });
    expect(shade(c.confusion!.matrix, 7)).toBe(1);
    expect(readCurves({ confusion: { labels: ["a"], matrix: [[1, 2]] } }).confusion).toBeNull();
  });
});

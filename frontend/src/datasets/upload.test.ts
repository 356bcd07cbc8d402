import { describe, expect, it } from "vitest";
import { csvFileOf, datasetNameFor, DATASET_NAME, formatBytes, uploadProblem } from "./upload";

describe("upload checks", () => {
  it("refuses a file over the server's limit before sending it", () => {
    expect(uploadProblem({ name: "big.csv", size: 2048 }, 1024)).toMatch(/2\.0 KiB.*at most 1\.0 KiB/);
    expect(uploadProblem({ name: "ok.csv", size: 1024 }, 1024)).toBeNull();
    expect(uploadProblem({ name: "ok.csv", size: 10 ** 12 }, null)).toBeNull();
  });

  it("refuses what is not a CSV", () => {
    expect(uploadProblem({ name: "model.pkl", size: 1 }, 100)).toMatch(/not a CSV/);
    expect(uploadProblem({ name: "DATA.TSV", size: 1 }, 100)).toBeNull();
  });

  it("makes a valid dataset name from a file name", () => {
    for (const [file, name] of [
      ["Iris Data.csv", "iris-data"],
      ["__sales 2024__.csv", "sales-2024__"],
      ["!!!.csv", "dataset"],
      ["a".repeat(100) + ".csv", "a".repeat(63)],
    ]) {
      expect(datasetNameFor(file)).toBe(name);
      expect(DATASET_NAME.test(datasetNameFor(file))).toBe(true);
    }
  });

  it("formats sizes", () => {
    expect(formatBytes(12)).toBe("12 bytes");
    expect(formatBytes(1536)).toBe("1.5 KiB");
    expect(formatBytes(512 * 1024 * 1024)).toBe("512 MiB");
  });

  it("picks the CSV of a drop", () => {
    const f = (name: string) => ({ name }) as File;
    expect(csvFileOf([f("a.png"), f("b.csv")])?.name).toBe("b.csv");
    expect(csvFileOf([f("a.png")])?.name).toBe("a.png");
    expect(csvFileOf([])).toBeNull();
  });
});

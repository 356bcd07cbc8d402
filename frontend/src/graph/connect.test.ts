import { describe, expect, it } from "vitest";
import { checkConnection, wouldCreateCycle, type PortLookup } from "./connect";
import { typesCompatible } from "./ports";
import type { EdgeDoc } from "./types";

const outputs: Record<string, Record<string, string>> = {
  d1: { data: "DataFrame" },
  split: { train: "DataFrame", test: "DataFrame" },
  train: { model: "Model" },
  any: { out: "Any" },
};
const inputs: Record<string, Record<string, string>> = {
  split: { data: "DataFrame" },
  train: { data: "DataFrame" },
  score: { model: "Model", data: "DataFrame" },
  any: { in: "Any" },
};
const ports: PortLookup = {
  outputType: (n, p) => outputs[n]?.[p],
  inputType: (n, p) => inputs[n]?.[p],
};
const e = (source: string, source_port: string, target: string, target_port: string): EdgeDoc => ({ source, source_port, target, target_port });

describe("type lattice", () => {
  it("connects equal types and Any to everything", () => {
    expect(typesCompatible("DataFrame", "DataFrame")).toBe(true);
    expect(typesCompatible("Model", "Any")).toBe(true);
    expect(typesCompatible("Any", "Metrics")).toBe(true);
  });
  it("refuses different concrete types", () => {
    expect(typesCompatible("DataFrame", "Model")).toBe(false);
    expect(typesCompatible("Image", "File")).toBe(false);
  });
});

describe("wouldCreateCycle", () => {
  it("sees a direct and an indirect cycle", () => {
    const edges = [e("a", "o", "b", "i"), e("b", "o", "c", "i")];
    expect(wouldCreateCycle(edges, "c", "a")).toBe(true);
    expect(wouldCreateCycle(edges, "b", "a")).toBe(true);
    expect(wouldCreateCycle(edges, "a", "a")).toBe(true);
  });
  it("allows diamonds", () => {
    const edges = [e("a", "o", "b", "i"), e("a", "o", "c", "i"), e("b", "o", "d", "i")];
    expect(wouldCreateCycle(edges, "c", "d")).toBe(false);
  });
  it("handles a long chain without recursion limits", () => {
    const edges = Array.from({ length: 5000 }, (_, i) => e(`n${i}`, "o", `n${i + 1}`, "i"));
    expect(wouldCreateCycle(edges, "n5000", "n0")).toBe(true);
    expect(wouldCreateCycle(edges, "n0", "n5000")).toBe(false);
  });
});

describe("checkConnection", () => {
  const attempt = (source: string, sourcePort: string, target: string, targetPort: string) => ({ source, sourcePort, target, targetPort });

  it("accepts matching types", () => {
    expect(checkConnection(attempt("d1", "data", "split", "data"), [], ports)).toEqual({ ok: true });
    expect(checkConnection(attempt("train", "model", "any", "in"), [], ports).ok).toBe(true);
  });
  it("refuses a type mismatch with a reason naming both types", () => {
    const v = checkConnection(attempt("split", "train", "score", "model"), [], ports);
    expect(v.ok).toBe(false);
    if (!v.ok) expect(v.reason).toMatch(/DataFrame.*Model/);
  });
  it("refuses a cycle", () => {
    const edges = [e("split", "train", "train", "data")];
    outputs.train.loop = "DataFrame";
    const v = checkConnection(attempt("train", "loop", "split", "data"), edges, ports);
    delete outputs.train.loop;
    expect(v).toEqual({ ok: false, reason: "That connection would create a cycle" });
  });
  it("refuses a second edge into one input and a self loop", () => {
    const edges = [e("d1", "data", "train", "data")];
    expect(checkConnection(attempt("split", "train", "train", "data"), edges, ports).ok).toBe(false);
    expect(checkConnection(attempt("split", "train", "split", "data"), [], ports).ok).toBe(false);
  });
  it("refuses unknown ports", () => {
    expect(checkConnection(attempt("d1", "nope", "split", "data"), [], ports).ok).toBe(false);
    expect(checkConnection(attempt("d1", "data", "split", "nope"), [], ports).ok).toBe(false);
  });
});

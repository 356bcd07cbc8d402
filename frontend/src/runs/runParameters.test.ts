import { describe, expect, it } from "vitest";
import type { PipelineParam } from "../graph/types";
import { PARAM_TYPES } from "../graph/types";
import { fitsType, parseDraft } from "./runParameters";

const param = (type: PipelineParam["type"], def?: unknown): PipelineParam => ({ name: "p", type, default: def });

describe("run parameter values of every type the compiler knows", () => {
  it("lists the six types", () => {
    expect([...PARAM_TYPES].sort()).toEqual(["array", "boolean", "integer", "number", "object", "string"]);
  });
  it("parses arrays and objects as JSON of that shape", () => {
    expect(parseDraft(param("array"), "[1, 2]")).toEqual({ ok: true, value: [1, 2] });
    expect(parseDraft(param("object"), '{"a": 1}')).toEqual({ ok: true, value: { a: 1 } });
    expect(parseDraft(param("array"), '{"a": 1}')).toEqual({ ok: false, error: "Must be an array." });
    expect(parseDraft(param("object"), "[1]")).toEqual({ ok: false, error: "Must be an object." });
    expect(parseDraft(param("object"), "{nope")).toEqual({ ok: false, error: "Must be JSON (an object)." });
    expect(parseDraft(param("array"), "")).toEqual({ ok: true, omit: true });
    expect(parseDraft(param("array", [1]), "")).toEqual({ ok: false, error: "Enter JSON (an array)." });
  });
  it("knows which remembered values still fit", () => {
    expect(fitsType("array", [1])).toBe(true);
    expect(fitsType("array", { a: 1 })).toBe(false);
    expect(fitsType("object", { a: 1 })).toBe(true);
    expect(fitsType("object", null)).toBe(false);
  });
});

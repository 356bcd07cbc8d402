import { describe, expect, it } from "vitest";
import { fieldFor, fieldsFor, parseInput, validateValue } from "./schemaForm";

describe("form generation from JSON Schema", () => {
  it("chooses a widget per schema", () => {
    expect(fieldFor("test_size", { type: "number", minimum: 0, maximum: 1 })).toMatchObject({ kind: "number", min: 0, max: 1, label: "Test size" });
    expect(fieldFor("seed", { type: "integer" }).kind).toBe("integer");
    expect(fieldFor("algo", { type: "string", enum: ["a", "b"] })).toMatchObject({ kind: "select", options: ["a", "b"] });
    expect(fieldFor("scale", { type: "boolean" }).kind).toBe("checkbox");
    expect(fieldFor("name", { type: "string" }).kind).toBe("text");
    expect(fieldFor("script", { type: "string", format: "code" }).kind).toBe("code");
    expect(fieldFor("cols", { type: "array" }).kind).toBe("json");
    expect(fieldFor("x", { type: "string", title: "Nice" }).label).toBe("Nice");
  });
  it("keeps parameter order", () => {
    expect(fieldsFor({ b: { type: "number" }, a: { type: "string" } }).map((f) => f.name)).toEqual(["b", "a"]);
    expect(fieldsFor(undefined)).toEqual([]);
  });
  it("parses input text into typed values", () => {
    const n = fieldFor("n", { type: "integer" });
    expect(parseInput(n, "42")).toEqual({ value: 42 });
    expect(parseInput(n, "")).toEqual({});
    expect(parseInput(n, "abc").error).toBeTruthy();
    expect(parseInput(fieldFor("e", { enum: [1, 2] }), "2")).toEqual({ value: 2 });
    expect(parseInput(fieldFor("j", { type: "array" }), "[1,2]")).toEqual({ value: [1, 2] });
    expect(parseInput(fieldFor("j", { type: "array" }), "[1,").error).toBe("Invalid JSON");
  });
  it("validates ranges, integers and enums", () => {
    const f = fieldFor("t", { type: "number", minimum: 0, maximum: 1 });
    expect(validateValue(f, 0.5)).toBeNull();
    expect(validateValue(f, 2)).toBe("Must be at most 1");
    expect(validateValue(f, -1)).toBe("Must be at least 0");
    expect(validateValue(fieldFor("i", { type: "integer" }), 1.5)).toBe("Must be a whole number");
    expect(validateValue(fieldFor("e", { enum: ["a"] }), "b")).toBeTruthy();
    expect(validateValue(fieldFor("r", { type: "string" }, true), undefined)).toBe("Required");
    const ex = fieldFor("x", { type: "number", exclusiveMinimum: 0, exclusiveMaximum: 1 });
    expect(validateValue(ex, 0)).toBe("Must be more than 0");
    expect(validateValue(ex, 1)).toBe("Must be less than 1");
    expect(validateValue(ex, 0.3)).toBeNull();
    expect(validateValue(fieldFor("s", { type: "string", minLength: 1 }), "")).toBe("Must not be empty");
    expect(validateValue(fieldFor("r", { type: "string", default: "x" }, true), undefined)).toBeNull();
  });
});

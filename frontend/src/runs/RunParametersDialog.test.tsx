import { cleanup, fireEvent, render, screen, within } from "@testing-library/react";
import { afterEach, describe, expect, it, vi } from "vitest";
import { ApiError } from "../api/client";
import { startRun } from "../api/runs";
import type { PipelineParam } from "../graph/types";
import { RunParametersDialog } from "./RunParametersDialog";
import { collectValues, initialDrafts, locateRunErrors, parseDraft, toDraft } from "./runParameters";

afterEach(() => {
  cleanup();
  vi.restoreAllMocks();
  vi.unstubAllGlobals();
});

const PARAMS: PipelineParam[] = [
  { name: "test_size", type: "number", default: 0.3 },
  { name: "trees", type: "integer", default: 100 },
  { name: "label", type: "string", default: "target" },
  { name: "shuffle", type: "boolean", default: true },
];

const num = (name = "x", dflt: unknown = 1): PipelineParam => ({ name, type: "number", default: dflt });
const int = (name = "n", dflt: unknown = 1): PipelineParam => ({ name, type: "integer", default: dflt });

describe("parseDraft", () => {
  it("reads numbers, integers, strings and booleans by the parameter's type", () => {
    expect(parseDraft(num(), "0.5")).toEqual({ ok: true, value: 0.5 });
    expect(parseDraft(num(), " -2e-3 ")).toEqual({ ok: true, value: -0.002 });
    expect(parseDraft(num(), ".25")).toEqual({ ok: true, value: 0.25 });
    expect(parseDraft(int(), "42")).toEqual({ ok: true, value: 42 });
    expect(parseDraft(int(), "3.0")).toEqual({ ok: true, value: 3 });
    expect(parseDraft({ name: "s", type: "string", default: "a" }, " padded ")).toEqual({ ok: true, value: " padded " });
    expect(parseDraft({ name: "s", type: "string", default: "a" }, "")).toEqual({ ok: true, value: "" });
    expect(parseDraft({ name: "b", type: "boolean", default: false }, true)).toEqual({ ok: true, value: true });
    expect(parseDraft({ name: "b", type: "boolean", default: true }, false)).toEqual({ ok: true, value: false });
  });

  it("refuses what is not of the type", () => {
    expect(parseDraft(num(), "abc")).toMatchObject({ ok: false });
    expect(parseDraft(num(), "0x10")).toMatchObject({ ok: false });
    expect(parseDraft(num(), "1e999")).toMatchObject({ ok: false });
    expect(parseDraft(num(), "1,5")).toMatchObject({ ok: false });
    expect(parseDraft(int(), "2.5")).toEqual({ ok: false, error: "Must be a whole number." });
    expect(parseDraft(int(), "9007199254740993")).toMatchObject({ ok: false });
  });

  it("asks for a number when a parameter with a default is cleared, and leaves out one without a default", () => {
    expect(parseDraft(num("x", 0.3), "  ")).toEqual({ ok: false, error: "Enter a number." });
    expect(parseDraft({ name: "x", type: "number" }, "")).toEqual({ ok: true, omit: true });
    expect(parseDraft(int("n", null), "")).toEqual({ ok: true, omit: true });
    expect(parseDraft({ name: "s", type: "string" }, "")).toEqual({ ok: true, omit: true });
  });
});

describe("drafts", () => {
  it("prefills the defaults, typed for their inputs", () => {
    expect(initialDrafts(PARAMS)).toEqual({ test_size: "0.3", trees: "100", label: "target", shuffle: true });
    expect(toDraft({ name: "b", type: "boolean" }, undefined)).toBe(false);
    expect(toDraft(num(), undefined)).toBe("");
  });

  it("prefers the remembered values that still fit the parameter's type", () => {
    const remembered = { test_size: 0.5, trees: 2.5, label: 7, shuffle: false, gone: 1 };
    expect(initialDrafts(PARAMS, remembered)).toEqual({ test_size: "0.5", trees: "100", label: "target", shuffle: false });
  });

  it("collects the request's parameters or the fields to fix", () => {
    expect(collectValues(PARAMS, { test_size: "0.5", trees: "200", label: "y", shuffle: false })).toEqual({
      values: { test_size: 0.5, trees: 200, label: "y", shuffle: false },
      errors: {},
    });
    expect(collectValues(PARAMS, { test_size: "half", trees: "1.5", label: "y", shuffle: true }).errors).toEqual({
      test_size: "Must be a number.",
      trees: "Must be a whole number.",
    });
  });

  it("places the API's located errors under their parameter", () => {
    const e = new ApiError(400, "Invalid parameters.", [
      { field: "parameters.test_size", message: "must be below 1" },
      { field: "parameters.other", message: "is not a parameter of this pipeline" },
    ]);
    expect(locateRunErrors(e, ["test_size"])).toEqual({
      fields: { test_size: "must be below 1" },
      general: ["Invalid parameters.", "other: is not a parameter of this pipeline"],
    });
  });
});

describe("RunParametersDialog", () => {
  const open = (props: Partial<Parameters<typeof RunParametersDialog>[0]> = {}) => {
    const onSubmit = vi.fn(async (_values: Record<string, unknown>, _cache: boolean) => {});
    const onClose = vi.fn();
    render(<RunParametersDialog pipelineName="Iris" parameters={PARAMS} noCache={false} onSubmit={onSubmit} onClose={onClose} {...props} />);
    return { onSubmit: (props.onSubmit as typeof onSubmit | undefined) ?? onSubmit, onClose };
  };
  const input = (name: string) => within(screen.getByTestId(`run-param-${name}`)).getByTestId("run-param-input") as HTMLInputElement;

  it("shows one typed input per parameter, prefilled with its default", () => {
    open();
    expect(input("test_size").type).toBe("number");
    expect(input("test_size").value).toBe("0.3");
    expect(input("trees").type).toBe("number");
    expect(input("trees").step).toBe("1");
    expect(input("label").type).toBe("text");
    expect(input("label").value).toBe("target");
    expect(input("shuffle").type).toBe("checkbox");
    expect(input("shuffle").checked).toBe(true);
    expect(screen.getByText("Run “Iris”")).toBeTruthy();
  });

  it("submits typed values and the cache switch", async () => {
    const { onSubmit } = open();
    fireEvent.change(input("test_size"), { target: { value: "0.5" } });
    fireEvent.change(input("trees"), { target: { value: "250" } });
    fireEvent.change(input("label"), { target: { value: "species" } });
    fireEvent.click(input("shuffle"));
    fireEvent.click(screen.getByTestId("run-params-no-cache"));
    fireEvent.click(screen.getByTestId("run-params-submit"));
    await vi.waitFor(() => expect(onSubmit).toHaveBeenCalledTimes(1));
    expect(onSubmit).toHaveBeenCalledWith({ test_size: 0.5, trees: 250, label: "species", shuffle: false }, false);
  });

  it("starts from the remembered values and resets to the defaults", () => {
    open({ remembered: { test_size: 0.5, shuffle: false } });
    expect(input("test_size").value).toBe("0.5");
    expect(input("shuffle").checked).toBe(false);
    fireEvent.click(screen.getByTestId("run-params-reset"));
    expect(input("test_size").value).toBe("0.3");
    expect(input("shuffle").checked).toBe(true);
  });

  it("does not submit a value that is not of the parameter's type", () => {
    const { onSubmit } = open();
    fireEvent.change(input("trees"), { target: { value: "2.5" } });
    fireEvent.click(screen.getByTestId("run-params-submit"));
    expect(onSubmit).not.toHaveBeenCalled();
    expect(within(screen.getByTestId("run-param-trees")).getByTestId("run-param-error").textContent).toBe("Must be a whole number.");
    fireEvent.change(input("trees"), { target: { value: "3" } });
    expect(screen.queryByTestId("run-param-error")).toBeNull();
  });

  it("shows the API's 400 under the parameter it names and stays open", async () => {
    const body = { detail: "Pipeline parameter 'test_size' is invalid.", errors: [{ field: "parameters.test_size", message: "must be below 1" }] };
    const fetch = vi.fn(async () => new Response(JSON.stringify(body), { status: 400 }));
    vi.stubGlobal("fetch", fetch);
    const onSubmit = async (values: Record<string, unknown>, cache: boolean) => void (await startRun(7, { parameters: values, cache }));
    const { onClose } = open({ onSubmit });
    fireEvent.change(input("test_size"), { target: { value: "1.5" } });
    fireEvent.click(screen.getByTestId("run-params-submit"));
    const error = await within(screen.getByTestId("run-param-test_size")).findByTestId("run-param-error");
    expect(error.textContent).toBe("must be below 1");
    expect(screen.getByTestId("run-params-error").textContent).toContain("'test_size' is invalid");
    expect((screen.getByTestId("run-params-submit") as HTMLButtonElement).disabled).toBe(false);
    expect(onClose).not.toHaveBeenCalled();
    const [path, init] = fetch.mock.calls[0] as unknown as [string, RequestInit];
    expect(path).toBe("/api/pipelines/7/runs/");
    expect(JSON.parse(init.body as string)).toEqual({ parameters: { test_size: 1.5, trees: 100, label: "target", shuffle: true }, cache: true });
  });

  it("closes on Escape and on Cancel", () => {
    const { onClose } = open();
    fireEvent.keyDown(input("test_size"), { key: "Escape" });
    expect(onClose).toHaveBeenCalled();
    onClose.mockClear();
    fireEvent.keyDown(window, { key: "Escape" });
    expect(onClose).toHaveBeenCalledTimes(1);
    fireEvent.click(screen.getByTestId("run-params-cancel"));
    expect(onClose).toHaveBeenCalledTimes(2);
  });
});

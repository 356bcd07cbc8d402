import { cleanup, render, screen } from "@testing-library/react";
import { afterEach, describe, expect, it, vi } from "vitest";
import { getModule, publishForm } from "../api/modules";
import type { VersionSummary } from "../api/modules";
import { VersionsTable } from "./VersionsTable";

afterEach(() => {
  cleanup();
  vi.restoreAllMocks();
  vi.unstubAllGlobals();
});

const fresh = { deprecation_message: "", changelog: "", successor: null, created_at: "2026-01-01T00:00:00Z" };
const versions: VersionSummary[] = [
  { version: "1.0.0", status: "deprecated", is_default: false, digest: "a".repeat(64), deprecation_message: "old", changelog: "", successor: "1.10.0", created_at: "2026-01-01T00:00:00Z" },
  { version: "1.10.0", status: "active", is_default: true, digest: "b".repeat(64), ...fresh },
  { version: "1.2.0", status: "disabled", is_default: false, digest: "c".repeat(64), ...fresh },
];

describe("VersionsTable", () => {
  it("lists versions newest first with status badges", () => {
    render(<VersionsTable versions={versions} selected="1.10.0" onSelect={() => {}} />);
    const rows = screen.getAllByRole("row").slice(1);
    expect(rows.map((r) => r.getAttribute("data-version"))).toEqual(["1.10.0", "1.2.0", "1.0.0"]);
    expect(screen.getAllByTestId("status-badge").map((b) => b.textContent)).toEqual(["active", "disabled", "deprecated"]);
    expect(screen.getByText("successor: 1.10.0")).toBeTruthy();
  });

  it("shows no lifecycle buttons without an action handler", () => {
    render(<VersionsTable versions={versions} selected={null} onSelect={() => {}} />);
    expect(screen.queryByRole("button", { name: "Deprecate" })).toBeNull();
    expect(screen.queryByRole("button", { name: "Enable" })).toBeNull();
  });

  it("shows the buttons that fit each state to a manager", () => {
    const onAction = vi.fn();
    render(<VersionsTable versions={versions} selected={null} onSelect={() => {}} onAction={onAction} />);
    expect(screen.getAllByRole("button", { name: "Deprecate" })).toHaveLength(1);
    expect(screen.getAllByRole("button", { name: "Enable" })).toHaveLength(2);
    screen.getByRole("button", { name: "Deprecate" }).click();
    expect(onAction).toHaveBeenCalledWith("deprecate", versions[1]);
  });
});

describe("modules api", () => {
  it("builds the multipart publish body", () => {
    const spec = new File(["name: x\nversion: 1.0.0\n"], "spec.yaml");
    const src = new File(["print(1)"], "main.py");
    const form = publishForm(spec, [src], true);
    expect((form.get("spec") as File).name).toBe("spec.yaml");
    expect((form.getAll("files") as File[]).map((f) => f.name)).toEqual(["main.py"]);
    expect(form.get("is_default")).toBe("true");
    expect(publishForm(spec, [], false).has("is_default")).toBe(false);
  });

  it("turns a 404 module into null", async () => {
    vi.stubGlobal("fetch", vi.fn(async () => new Response('{"detail": "Not found."}', { status: 404 })));
    expect(await getModule("acme", "missing")).toBeNull();
  });
});

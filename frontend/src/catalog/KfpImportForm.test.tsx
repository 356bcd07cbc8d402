import { cleanup, fireEvent, render, screen } from "@testing-library/react";
import { MemoryRouter } from "react-router-dom";
import { afterEach, describe, expect, it, vi } from "vitest";
import { KfpImportForm } from "./KfpImportForm";

afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

describe("KfpImportForm", () => {
  it("sends the pasted YAML and shows each refused field", async () => {
    const answer = {
      detail: "The component cannot be imported: implementation.graph: graph components are not supported",
      errors: [
        { field: "implementation.graph", message: "graph components are not supported" },
        { field: "version", message: "must be a semantic version" },
      ],
    };
    const spy = vi.fn(async () => new Response(JSON.stringify(answer), { status: 400 }));
    vi.stubGlobal("fetch", spy);
    render(
      <MemoryRouter>
        <KfpImportForm teams={["acme", "beta"]} onCancel={() => {}} />
      </MemoryRouter>,
    );
    const submit = screen.getByRole("button", { name: "Import" }) as HTMLButtonElement;
    expect(submit.disabled).toBe(true); // nothing pasted yet
    fireEvent.change(screen.getByPlaceholderText(/name: My component/), { target: { value: "name: x\n" } });
    fireEvent.change(screen.getByPlaceholderText("1.0.0"), { target: { value: "one" } });
    fireEvent.click(submit);
    const alert = await screen.findByRole("alert");
    expect(alert.textContent).toContain("implementation.graph");
    expect(screen.getByText("must be a semantic version").className).toBe("cat-field-error"); // next to Version
    const [url, init] = spy.mock.calls[0] as unknown as [string, RequestInit];
    expect(url).toBe("/api/modules/import/kfp");
    expect(JSON.parse(String(init.body))).toEqual({ team: "acme", name: "", version: "one", yaml: "name: x\n" });
  });
});

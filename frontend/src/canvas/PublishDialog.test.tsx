import { cleanup, fireEvent, render, screen } from "@testing-library/react";
import { afterEach, describe, expect, it, vi } from "vitest";
import { PublishDialog } from "./PublishDialog";

afterEach(() => {
  cleanup();
  vi.restoreAllMocks();
  vi.unstubAllGlobals();
});

const endpoint = {
  slug: "churn-score",
  name: "Churn Score",
  url: "http://testserver/api/endpoints/churn-score/runs",
  team: "acme",
  pipeline: 7,
  pipeline_name: "churn",
  version: 2,
  created_by: "alice",
  created_at: "2026-01-01T00:00:00Z",
  updated_at: "2026-01-01T00:00:00Z",
};

describe("PublishDialog", () => {
  it("posts the name and shows the endpoint URL", async () => {
    const fetch = vi.fn(async () => new Response(JSON.stringify(endpoint), { status: 201 }));
    vi.stubGlobal("fetch", fetch);
    render(<PublishDialog pipelineId={7} defaultName="churn" onClose={() => {}} />);
    fireEvent.change(screen.getByTestId("publish-name"), { target: { value: " Churn Score " } });
    fireEvent.click(screen.getByTestId("publish-submit"));
    const url = (await screen.findByTestId("endpoint-url")) as HTMLInputElement;
    expect(url.value).toBe(endpoint.url);
    const [path, init] = fetch.mock.calls[0] as unknown as [string, RequestInit];
    expect(path).toBe("/api/pipelines/7/publish");
    expect(init.method).toBe("POST");
    expect(JSON.parse(init.body as string)).toEqual({ name: "Churn Score" });
    expect(screen.getByText(/Version 2 now runs/)).toBeTruthy();
    // the example's token is explained, with the way to get one
    expect(screen.getByTestId("tokens-link").getAttribute("href")).toBe("/tokens");
    expect(screen.getByTestId("endpoints-link").getAttribute("href")).toBe("/endpoints");
    expect(screen.getByText(/Authorization: Token <your token>/)).toBeTruthy();
  });

  it("shows why publishing was refused and lets the user try another name", async () => {
    const body = { detail: "An endpoint with the URL slug 'churn' already exists; choose another name.", errors: [{ field: "name", message: "the slug 'churn' is taken" }] };
    vi.stubGlobal("fetch", vi.fn(async () => new Response(JSON.stringify(body), { status: 409 })));
    render(<PublishDialog pipelineId={7} defaultName="churn" onClose={() => {}} />);
    fireEvent.click(screen.getByTestId("publish-submit"));
    expect((await screen.findByTestId("publish-error")).textContent).toContain("already exists");
    expect(screen.queryByTestId("endpoint-url")).toBeNull();
    expect((screen.getByTestId("publish-submit") as HTMLButtonElement).disabled).toBe(false);
  });

  it("does not publish a blank name", () => {
    render(<PublishDialog pipelineId={7} defaultName="  " onClose={() => {}} />);
    expect((screen.getByTestId("publish-submit") as HTMLButtonElement).disabled).toBe(true);
  });
});

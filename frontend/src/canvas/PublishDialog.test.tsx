import { cleanup, fireEvent, render, screen } from "@testing-library/react";
import { afterEach, describe, expect, it, vi } from "vitest";
import { PublishDialog } from "./PublishDialog";
import { usePipelineStore } from "../store/pipeline";

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

/** A fetch that answers the endpoint list with `listed` and everything else with `answer`. */
const routed = (answer: () => Response, listed: unknown[] = []) =>
  vi.fn(async (path: string) =>
    String(path).startsWith("/api/endpoints/") && !String(path).includes("churn-score/")
      ? new Response(JSON.stringify({ next: null, previous: null, results: listed }), { status: 200 })
      : answer(),
  );
const publishCall = (fetch: ReturnType<typeof routed>) =>
  fetch.mock.calls.find(([p]) => !String(p).startsWith("/api/endpoints/")) as unknown as [string, RequestInit];

describe("PublishDialog", () => {
  it("posts the name and shows the endpoint URL", async () => {
    const fetch = routed(() => new Response(JSON.stringify(endpoint), { status: 201 }));
    vi.stubGlobal("fetch", fetch);
    render(<PublishDialog pipelineId={7} defaultName="churn" onClose={() => {}} />);
    fireEvent.change(screen.getByTestId("publish-name"), { target: { value: " Churn Score " } });
    fireEvent.click(screen.getByTestId("publish-submit"));
    const url = (await screen.findByTestId("endpoint-url")) as HTMLInputElement;
    expect(url.value).toBe(endpoint.url);
    const [path, init] = publishCall(fetch);
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
    vi.stubGlobal("fetch", routed(() => new Response(JSON.stringify(body), { status: 409 })));
    render(<PublishDialog pipelineId={7} defaultName="churn" onClose={() => {}} />);
    fireEvent.click(screen.getByTestId("publish-submit"));
    expect((await screen.findByTestId("publish-error")).textContent).toContain("already exists");
    expect(screen.queryByTestId("endpoint-url")).toBeNull();
    expect((screen.getByTestId("publish-submit") as HTMLButtonElement).disabled).toBe(false);
  });

  it("shows what changes against the version an endpoint serves, then re-points it", async () => {
    usePipelineStore.setState({ latestVersion: 3 });
    const diff = { from_version: 2, to_version: 3, nodes: { added: ["n4"], removed: [], changed: [] }, edges: { added: [], removed: [] }, parameters: {}, module_versions: [] };
    const fetch = vi.fn(async (path: string) => {
      const p = String(path);
      if (p === "/api/endpoints/" || p.startsWith("/api/endpoints/?")) return new Response(JSON.stringify({ next: null, previous: null, results: [endpoint] }), { status: 200 });
      if (p.includes("/diff/")) return new Response(JSON.stringify(diff), { status: 200 });
      return new Response(JSON.stringify({ ...endpoint, version: 3 }), { status: 200 });
    });
    vi.stubGlobal("fetch", fetch);
    render(<PublishDialog pipelineId={7} defaultName="churn" onClose={() => {}} />);
    fireEvent.change(await screen.findByTestId("publish-target"), { target: { value: "churn-score" } });
    expect((await screen.findByTestId("publish-diff-lines")).textContent).toContain("Nodes added: n4");
    expect(fetch.mock.calls.some(([p]) => String(p) === "/api/pipelines/7/versions/2/diff/3")).toBe(true);
    fireEvent.click(screen.getByTestId("publish-submit"));
    expect((await screen.findByText(/Version 3 now runs/))).toBeTruthy();
    const patch = fetch.mock.calls.find(([p]) => String(p) === "/api/endpoints/churn-score/") as unknown as [string, RequestInit];
    expect(patch[1].method).toBe("PATCH");
    expect(JSON.parse(patch[1].body as string)).toEqual({ version: 3 });
    usePipelineStore.setState({ latestVersion: null });
  });

  it("does not publish a blank name", () => {
    render(<PublishDialog pipelineId={7} defaultName="  " onClose={() => {}} />);
    expect((screen.getByTestId("publish-submit") as HTMLButtonElement).disabled).toBe(true);
  });
});

import { cleanup, render, screen, waitFor } from "@testing-library/react";
import { MemoryRouter } from "react-router-dom";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { StepRun } from "../api/runs";
import { useCatalogStore } from "../store/pipelineCatalog";
import { StepDetails } from "./StepDetails";

afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
  useCatalogStore.setState({ specs: {} }); // the specs a test's steps fetched
});

const step = {
  id: 1,
  node: "train",
  module: "acme/trainer",
  version: "1.0.0",
  status: "succeeded",
  cache_key: "k1",
  reused_from: null,
  force: false,
  attempt: 1,
  started_at: "2026-01-01T00:00:00Z",
  finished_at: "2026-01-01T00:00:01Z",
  exit_code: 0,
  outputs: {
    model: { sha256: "a".repeat(64), size: 10, media_type: "application/octet-stream" },
    table: { sha256: "b".repeat(64), size: 10, media_type: "text/csv" },
  },
  metrics: { accuracy: 0.53 },
  error: null,
  compute: "docker",
} as unknown as StepRun;

// the cache's answer arrives after the outputs are drawn, and is long: a reason, the closest earlier
// step, its differences
const cache = {
  node: "train",
  hit: false,
  reason: "no earlier step of team acme had the same ingredients",
  nearest: { cache_key: "k0", run: 7, node: "train", differences: [{ ingredient: "parameter", message: "depth: 7 → 3", was: 7, now: 3 }] },
};

const show = () =>
  render(
    <MemoryRouter>
      <StepDetails runId={3} step={step} />
    </MemoryRouter>,
  );

describe("StepDetails", () => {
  it("draws the outputs above the cache's answer, so its late arrival moves no output button", async () => {
    let answerCache: () => void = () => undefined;
    vi.stubGlobal(
      "fetch",
      vi.fn(async (url: string) => {
        if (url.includes("/cache")) {
          await new Promise<void>((resolve) => (answerCache = resolve));
          return new Response(JSON.stringify(cache), { status: 200 });
        }
        if (url.includes("/preview")) return new Response(JSON.stringify({ kind: "none" }), { status: 200 });
        if (url.startsWith("/api/modules/acme/trainer/versions/1.0.0/")) {
          const spec = { outputs: [{ name: "model", type: "Model" }, { name: "table", type: "DataFrame" }] };
          return new Response(JSON.stringify({ version: "1.0.0", spec }), { status: 200 });
        }
        return new Response("", { status: 200 });
      }),
    );
    show();
    const button = await screen.findByTestId("register-model-model");
    answerCache();
    await screen.findByTestId("cache-reason");
    const cacheInfo = screen.getByTestId("cache-info");
    // in document order, and so in a column's layout, the cache's answer follows the button
    expect(button.compareDocumentPosition(cacheInfo) & Node.DOCUMENT_POSITION_FOLLOWING).toBeTruthy();
    await waitFor(() => expect(screen.getByTestId("output-model").dataset.kind).toBe("none"));
  });

  it("offers to register a model only from a Model (or Any) output of the step's module", async () => {
    vi.stubGlobal(
      "fetch",
      vi.fn(async (url: string) => {
        if (url.startsWith("/api/modules/acme/trainer/versions/1.0.0/")) {
          const spec = { outputs: [{ name: "model", type: "Model" }, { name: "table", type: "DataFrame" }] };
          return new Response(JSON.stringify({ version: "1.0.0", spec }), { status: 200 });
        }
        return new Response(JSON.stringify(url.includes("/preview") ? { kind: "none" } : cache), { status: 200 });
      }),
    );
    show();
    await screen.findByTestId("register-model-model");
    expect(screen.queryByTestId("register-model-table")).toBeNull();
  });

  it("offers it from every output when the module's spec cannot be read (the server checks the port)", async () => {
    vi.stubGlobal(
      "fetch",
      vi.fn(async (url: string) =>
        url.includes("/api/modules/")
          ? new Response(JSON.stringify({ detail: "Not found." }), { status: 404 })
          : new Response(JSON.stringify(url.includes("/preview") ? { kind: "none" } : cache), { status: 200 }),
      ),
    );
    show();
    await screen.findByTestId("register-model-table");
    expect(screen.getByTestId("register-model-model")).toBeTruthy();
  });
});

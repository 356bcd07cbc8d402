import { cleanup, render, screen, waitFor } from "@testing-library/react";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { Run } from "../api/runs";
import { RunTimeline } from "./RunTimeline";

afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

const T0 = Date.parse("2026-01-01T00:00:00Z");
const at = (s: number) => new Date(T0 + s * 1000).toISOString();

function bigRun(n: number): Run {
  return {
    id: 9,
    pipeline: 1,
    pipeline_name: "p",
    version: 1,
    pipeline_version: 1,
    team: "acme",
    parent: null,
    rerun_mode: null,
    parameters: {},
    cache: true,
    status: "succeeded",
    error: null,
    created_by: "alice",
    trigger: null,
    created_at: at(0),
    started_at: at(0),
    finished_at: at(n),
    seq: 0,
    steps: Array.from({ length: n }, (_, i) => ({
      id: i + 1,
      node: `s${i}`,
      module: "acme/m",
      version: "1.0.0",
      status: "succeeded",
      cache_key: null,
      reused_from: null,
      force: false,
      attempt: 1,
      started_at: at(i),
      finished_at: at(i + 1),
      exit_code: 0,
      outputs: {},
      metrics: {},
      error: null,
      compute: "docker",
      // the fields a newer server adds to each step
      ...({ cpu_seconds: 0.5, peak_memory_bytes: i === 0 ? 95 : 10 } as object),
    })),
  } as Run;
}

describe("RunTimeline", () => {
  it("draws only the visible rows of a 1,000-step run, with the plan's edges and limits", async () => {
    const plan = { steps: Array.from({ length: 1000 }, (_, i) => ({ node: `s${i}`, inputs: i ? [{ source_node: `s${i - 1}` }] : [], runtime: { memory_bytes: 100 } })) };
    vi.stubGlobal("fetch", vi.fn(async () => new Response(JSON.stringify({ plan }), { status: 200 })));
    render(<RunTimeline run={bigRun(1000)} />);
    expect(screen.getByTestId("timeline-row-s0")).toBeTruthy();
    expect(screen.queryByTestId("timeline-row-s999")).toBeNull(); // virtualised: off screen
    expect(document.querySelectorAll("[data-testid^=timeline-row-]").length).toBeLessThan(50);
    expect(screen.getByTestId("timeline-compute").textContent).toBe("8m 20s");
    await waitFor(() => expect(screen.getByTestId("timeline-row-s0").dataset.memoryWarning).toBe("true"));
    expect(screen.getByTestId("timeline-memory-warnings").textContent).toContain("s0");
    expect(screen.getByTestId("timeline-row-s1").dataset.critical).toBe("true"); // the whole chain
  });

  it("breaks each step into the runner's points: a bar segment and a tooltip line for each", () => {
    vi.stubGlobal("fetch", vi.fn(async () => new Response(JSON.stringify({ plan: { steps: [] } }), { status: 200 })));
    const run = bigRun(1);
    const ms = (x: number) => new Date(T0 + x).toISOString();
    // queued 6 ms, claim and container start 27 ms, run 225 ms, outputs 5 ms, record 6 ms
    Object.assign(run.steps[0], {
      timings: { queued_at: ms(0), claimed_at: ms(6), container_started_at: ms(33), container_exited_at: ms(258), outputs_stored_at: ms(263), finished_at: ms(269) },
    });
    render(<RunTimeline run={run} />);
    const row = screen.getByTestId("timeline-row-s0");
    expect([...row.querySelectorAll(".seg")].map((e) => e.className)).toEqual([
      "seg seg-queue",
      "seg seg-start",
      "seg seg-run critical",
      "seg seg-store",
      "seg seg-record",
    ]);
    expect(row.title).toBe(
      "s0 · succeeded · queue wait 6ms · container start 27ms · execution 225ms · storing outputs 5ms · recording the outcome 6ms",
    );
  });
});

import { cleanup, fireEvent, render, screen } from "@testing-library/react";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { RunSummary } from "../api/runs";
import { RunHistory } from "./RunHistory";

afterEach(cleanup);

const run = (id: number): RunSummary => ({
  id,
  pipeline: 1,
  pipeline_name: "p",
  version: 1,
  pipeline_version: 1,
  team: "acme",
  parent: null,
  cloned_from: null,
  rerun_mode: null,
  parameters: {},
  cache: true,
  status: "succeeded",
  error: null,
  created_by: "alice",
  trigger: null,
  created_at: "2026-01-01T00:00:00+00:00",
  started_at: null,
  finished_at: null,
  seq: 0,
});

describe("RunHistory", () => {
  it("offers Load more while older runs exist", () => {
    const more = vi.fn();
    render(<RunHistory runs={[run(2), run(1)]} current={2} onPick={() => undefined} onMore={more} />);
    fireEvent.click(screen.getByTestId("history-more"));
    expect(more).toHaveBeenCalledTimes(1);
    expect(screen.getByTestId("history-run-1")).toBeTruthy();
  });

  it("shows no Load more when every run is shown", () => {
    render(<RunHistory runs={[run(1)]} current={null} onPick={() => undefined} />);
    expect(screen.queryByTestId("history-more")).toBeNull();
  });
});

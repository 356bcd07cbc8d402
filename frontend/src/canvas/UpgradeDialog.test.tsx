import { cleanup, fireEvent, render, screen } from "@testing-library/react";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { PipelineDoc } from "../graph/types";
import { UpgradeDialog } from "./UpgradeDialog";

afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

const doc: PipelineDoc = { schema: 1, nodes: [], edges: [], parameters: [] };
const none = { added: [], removed: [], renamed: [], retyped: [] };
const node = {
  node: "train",
  module: "acme/train",
  from_version: "1.0.0",
  to_version: "2.0.0",
  inputs: { ...none, renamed: [{ from: "train", to: "data" }] },
  outputs: { ...none, removed: ["scores"] },
  parameters: { ...none, added: ["seed"], retyped: [{ name: "label", from: "string", to: "array" }] },
  carried_params: ["depth"],
  dropped_params: [{ name: "label", reason: "2.0.0 refuses 'y'" }],
  dropped_edges: [],
};

describe("UpgradeDialog", () => {
  it("shows each node's interface diff and applies the chosen nodes' proposal", async () => {
    const answer = { graph: { ...doc, nodes: [] }, nodes: [node], diff: {} };
    const spy = vi.fn(async () => new Response(JSON.stringify(answer), { status: 200 }));
    vi.stubGlobal("fetch", spy);
    const onApply = vi.fn();
    render(<UpgradeDialog pipelineId={7} doc={doc} onApply={onApply} onClose={() => {}} />);
    const card = await screen.findByTestId("upgrade-node");
    expect(card.textContent).toContain("1.0.0 → 2.0.0");
    expect(card.textContent).toContain("train → data");
    expect(card.textContent).toContain("− scores");
    expect(card.textContent).toContain("label: string → array");
    expect(card.textContent).toContain("Value of label not kept");
    fireEvent.click(screen.getByTestId("upgrade-apply"));
    await vi.waitFor(() => expect(onApply).toHaveBeenCalledWith(answer.graph, 1));
    const [url, init] = spy.mock.calls[1] as unknown as [string, RequestInit];
    expect(url).toBe("/api/pipelines/7/upgrade-preview");
    expect(JSON.parse(String(init.body))).toEqual({ graph: doc, nodes: ["train"] });
  });
});

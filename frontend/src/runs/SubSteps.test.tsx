import { cleanup, render, screen } from "@testing-library/react";
import { afterEach, describe, expect, it } from "vitest";
import type { StepRun } from "../api/runs";
import { SubSteps } from "./SubSteps";

afterEach(cleanup);

const step = (node: string, status: StepRun["status"]) => ({ node, status }) as unknown as StepRun;

describe("SubSteps", () => {
  it("lists a sub-pipeline's inner steps with the rolled-up status", () => {
    render(<SubSteps runId={1} node="prep" steps={[step("prep.split", "succeeded"), step("prep.train", "failed"), step("other", "succeeded")]} />);
    expect(screen.getByTestId("sub-steps").dataset.status).toBe("failed");
    expect(screen.getAllByTestId("sub-step").map((b) => b.textContent)).toEqual(["split", "train"]);
  });
});

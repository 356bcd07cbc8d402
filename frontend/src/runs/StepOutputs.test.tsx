import { cleanup, render, screen } from "@testing-library/react";
import { afterEach, describe, expect, it } from "vitest";
import { SandboxedDocument } from "./StepOutputs";

afterEach(cleanup);

describe("SandboxedDocument", () => {
  it("shows a step's document only in a frame sandboxed with no allowance at all", () => {
    const doc = "<!doctype html><p>hi</p><script>parent.document.title = 'pwned'</script>";
    render(<SandboxedDocument kind="html" file="report.html" document={doc} />);
    const frame = screen.getByTestId("preview-frame");
    expect(frame.tagName).toBe("IFRAME");
    // present and empty: an opaque origin, no script, no forms, no popups, no top navigation
    expect(frame.getAttribute("sandbox")).toBe("");
    expect(frame.getAttribute("srcdoc")).toBe(doc);
    expect(frame.getAttribute("src")).toBeNull();
    expect(frame.getAttribute("referrerpolicy")).toBe("no-referrer");
  });
});

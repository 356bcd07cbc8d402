import { act, render } from "@testing-library/react";
import { useState } from "react";
import { beforeAll, describe, expect, it, vi } from "vitest";
import { CodeEditor } from "./CodeEditor";

beforeAll(() => {
  // jsdom lays nothing out: CodeMirror measures ranges, which need these to exist
  Range.prototype.getClientRects = () => [] as unknown as DOMRectList;
  Range.prototype.getBoundingClientRect = () => new DOMRect();
});

describe("CodeEditor", () => {
  it("shows the value with Python highlighting and follows a value changed from outside without reporting it", () => {
    const onChange = vi.fn();
    let set: (v: string) => void = () => {};
    function Host() {
      const [value, setValue] = useState("def main():\n    return 1\n");
      set = setValue;
      return <CodeEditor label="code" value={value} onChange={onChange} testId="ed" />;
    }
    const { getByTestId } = render(<Host />);
    const host = getByTestId("ed");
    expect(host.querySelector(".cm-content")?.textContent).toContain("def main():");
    expect(host.querySelector(".cm-content")?.getAttribute("aria-label")).toBe("code");
    act(() => set("x = 2\n"));
    expect(host.querySelector(".cm-content")?.textContent).toContain("x = 2");
    expect(onChange).not.toHaveBeenCalled();
  });
});

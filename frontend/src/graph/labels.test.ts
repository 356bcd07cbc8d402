import { describe, expect, it } from "vitest";
import { nodeName, stepTitle, uniqueLabel } from "./labels";

describe("labels", () => {
  it("unique-ifies a module's display name against the labels on the canvas", () => {
    expect(uniqueLabel("Split Data", [])).toBe("Split Data");
    expect(uniqueLabel("Split Data", ["Split Data"])).toBe("Split Data (2)");
    expect(uniqueLabel("Split Data", ["Split Data", "Split Data (2)"])).toBe("Split Data (3)");
    expect(uniqueLabel("  ", [])).toBe("Node");
  });
  it("names a node by label with its id secondary", () => {
    expect(nodeName("n3", "Split Data")).toBe("Split Data (n3)");
    expect(nodeName("n3", "")).toBe("n3");
    expect(stepTitle({ node: "n3", label: "", module: "builtin/split-data" })).toBe("split-data");
    expect(stepTitle({ node: "n3", label: "Hold out" })).toBe("Hold out");
  });
});

import { cleanup, fireEvent, render, screen } from "@testing-library/react";
import { afterEach, describe, expect, it, vi } from "vitest";
import { ComputeFields, parseCompute } from "./ComputeFields";

afterEach(cleanup);

describe("ComputeFields", () => {
  it("sends typed values, drops emptied ones and shows the server's error under its field", () => {
    const onChange = vi.fn();
    render(
      <ComputeFields
        value={{ memory: "12x", retries: 2 }}
        inherited={{ cpu: 4 }}
        problems={[{ code: "invalid_compute", message: "compute.memory of node 'n3': '12x' is not a size.", node: "n3", field: "compute.memory" }]}
        onChange={onChange}
        testId="node-compute"
      />,
    );
    expect(screen.getByText(/'12x' is not a size/)).toBeTruthy();
    expect((screen.getByTestId("node-compute-cpu") as HTMLInputElement).placeholder).toBe("4 (pipeline)");
    fireEvent.blur(screen.getByTestId("node-compute-cpu"), { target: { value: "2.5" } });
    expect(onChange).toHaveBeenLastCalledWith({ memory: "12x", retries: 2, cpu: 2.5 });
    fireEvent.blur(screen.getByTestId("node-compute-retries"), { target: { value: "" } });
    expect(onChange).toHaveBeenLastCalledWith({ memory: "12x" });
    fireEvent.change(screen.getByTestId("node-compute-cache"), { target: { value: "off" } });
    expect(onChange).toHaveBeenLastCalledWith({ memory: "12x", retries: 2, cache: "off" });
  });

  it("parses numbers, and leaves what is not one for the server to name", () => {
    expect(parseCompute("number", " 3 ")).toBe(3);
    expect(parseCompute("number", "lots")).toBe("lots");
    expect(parseCompute("text", "")).toBeUndefined();
  });
});

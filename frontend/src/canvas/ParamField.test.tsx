import { cleanup, fireEvent, render, screen } from "@testing-library/react";
import { afterEach, describe, expect, it, vi } from "vitest";
import { fieldFor } from "../graph/schemaForm";
import { ParamField } from "./ParamField";

afterEach(cleanup);

describe("ParamField for column parameters", () => {
  it("offers the known columns of a one-column parameter and flags one the dataset lacks", () => {
    const onChange = vi.fn();
    const field = fieldFor("label", { type: "string", format: "column", default: "target" });
    const { rerender } = render(<ParamField field={field} value={undefined} parameters={[]} onChange={onChange} columnKind="column" columns={["a", "species"]} />);
    const select = screen.getByTestId("param-label") as HTMLSelectElement;
    expect(select.tagName).toBe("SELECT");
    expect([...select.options].map((o) => o.value)).toEqual(["", "a", "species"]);
    fireEvent.change(select, { target: { value: "species" } });
    expect(onChange).toHaveBeenCalledWith("species");
    rerender(<ParamField field={field} value="gone" parameters={[]} onChange={onChange} columnKind="column" columns={["a", "species"]} />);
    expect(screen.getByText(/Not a column of the connected dataset: gone/)).toBeTruthy();
  });

  it("toggles names of a comma-separated parameter", () => {
    const onChange = vi.fn();
    const field = fieldFor("cols", { type: "string", format: "columns", default: "" });
    render(<ParamField field={field} value="a" parameters={[]} onChange={onChange} columnKind="columns" columns={["a", "b"]} />);
    fireEvent.click(screen.getByRole("button", { name: "b" }));
    expect(onChange).toHaveBeenCalledWith("a,b");
    fireEvent.click(screen.getByRole("button", { name: "a" }));
    expect(onChange).toHaveBeenLastCalledWith(undefined);
  });

  it("stays a text box when the columns are not known", () => {
    const field = fieldFor("label", { type: "string", format: "column" });
    render(<ParamField field={field} value="x" parameters={[]} onChange={() => {}} columnKind="column" columns={null} />);
    expect((screen.getByTestId("param-label") as HTMLElement).tagName).toBe("INPUT");
  });
});

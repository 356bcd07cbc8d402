import { describe, expect, it } from "vitest";
import { ApiError } from "./client";
import { errorMessage, errorWithLocations } from "./errors";

describe("errorMessage", () => {
  it("reads the API's detail, an error's message, or anything else as text", () => {
    expect(errorMessage(new ApiError(400, "Bad graph"))).toBe("Bad graph");
    expect(errorMessage(new TypeError("Failed to fetch"))).toBe("Failed to fetch");
    expect(errorMessage("boom")).toBe("boom");
  });

  it("lists located errors after the detail", () => {
    const e = new ApiError(400, "Invalid", [{ node: "n1", message: "missing input" }, { message: "no name" }]);
    expect(errorWithLocations(e)).toBe("Invalid — n1: missing input — no name");
  });
});

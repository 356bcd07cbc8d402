import { cleanup, renderHook, waitFor } from "@testing-library/react";
import { afterEach, describe, expect, it, vi } from "vitest";
import * as api from "../api/me";
import { resetMe, useMe } from "./useMe";

afterEach(() => {
  cleanup();
  resetMe();
  vi.restoreAllMocks();
});

describe("useMe", () => {
  it("asks /api/me/ once for every component that wants the user", async () => {
    const fetchMe = vi.spyOn(api, "fetchMe").mockResolvedValue({ username: "alice", teams: [] });
    const a = renderHook(() => useMe());
    const b = renderHook(() => useMe());
    await waitFor(() => expect(a.result.current?.username).toBe("alice"));
    expect(b.result.current?.username).toBe("alice");
    expect(renderHook(() => useMe()).result.current?.username).toBe("alice"); // cached: at once
    expect(fetchMe).toHaveBeenCalledTimes(1);
  });

  it("tries again after a failure", async () => {
    const fetchMe = vi.spyOn(api, "fetchMe").mockRejectedValueOnce(new Error("offline")).mockResolvedValue({ username: "bob", teams: [] });
    const first = renderHook(() => useMe());
    await waitFor(() => expect(fetchMe).toHaveBeenCalledTimes(1));
    await new Promise((r) => setTimeout(r, 0));
    expect(first.result.current).toBeNull();
    const second = renderHook(() => useMe());
    await waitFor(() => expect(second.result.current?.username).toBe("bob"));
  });
});

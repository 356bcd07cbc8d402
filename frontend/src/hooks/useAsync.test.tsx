import { act, cleanup, renderHook, waitFor } from "@testing-library/react";
import { afterEach, describe, expect, it, vi } from "vitest";
import { useAsync } from "./useAsync";

function deferred<T>() {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

afterEach(cleanup);

describe("useAsync", () => {
  it("loads, then holds the answer", async () => {
    const { result } = renderHook(() => useAsync(() => Promise.resolve(42), []));
    expect(result.current.loading).toBe(true);
    await waitFor(() => expect(result.current.loading).toBe(false));
    expect(result.current.data).toBe(42);
    expect(result.current.error).toBeNull();
  });

  it("drops an answer that arrives after the deps changed", async () => {
    const first = deferred<string>();
    const second = deferred<string>();
    const fn = vi.fn((k: number) => (k === 1 ? first.promise : second.promise));
    const { result, rerender } = renderHook(({ k }) => useAsync(() => fn(k), [k]), { initialProps: { k: 1 } });
    rerender({ k: 2 });
    await act(async () => second.resolve("two"));
    await act(async () => first.resolve("one"));
    expect(result.current.data).toBe("two");
  });

  it("keeps the last answer on a failed reload, and reload runs again", async () => {
    let n = 0;
    const { result } = renderHook(() => useAsync(() => (++n === 1 ? Promise.resolve("ok") : Promise.reject(new Error("down"))), []));
    await waitFor(() => expect(result.current.data).toBe("ok"));
    act(() => result.current.reload());
    await waitFor(() => expect(result.current.error).toBeInstanceOf(Error));
    expect(result.current.data).toBe("ok");
    expect(n).toBe(2);
  });

  it("does nothing when fn returns null", async () => {
    const { result } = renderHook(() => useAsync<number>(() => null, []));
    await waitFor(() => expect(result.current.loading).toBe(false));
    expect(result.current.data).toBeUndefined();
  });
});

import { afterEach, describe, expect, it, vi } from "vitest";
import { ApiError, request } from "./client";

afterEach(() => vi.restoreAllMocks());

describe("request", () => {
  it("turns a 4xx body into an ApiError with located errors", async () => {
    const body = JSON.stringify({ detail: "name: bad", errors: [{ field: "name", message: "bad" }] });
    vi.stubGlobal("fetch", vi.fn(async () => new Response(body, { status: 400 })));
    const error = await request("/api/x", { method: "POST", body: {} }).catch((e) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect(error.status).toBe(400);
    expect(error.errors[0].field).toBe("name");
  });

  it("sends JSON with the CSRF token on writes", async () => {
    document.cookie = "csrftoken=abc";
    const spy = vi.fn(async () => new Response("{}", { status: 200 }));
    vi.stubGlobal("fetch", spy);
    await request("/api/x", { method: "POST", body: { a: 1 } });
    const init = (spy.mock.calls[0] as unknown as [string, RequestInit])[1];
    expect((init.headers as Record<string, string>)["X-CSRFToken"]).toBe("abc");
    expect(init.body).toBe('{"a":1}');
  });
});

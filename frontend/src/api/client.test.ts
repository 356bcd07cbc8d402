import { afterEach, describe, expect, it, vi } from "vitest";
import { ApiError, listAll, listPage, mergePages, request, withQuery } from "./client";

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

describe("lists", () => {
  it("listAll follows next links to the end, asking for pages of 200", async () => {
    const pages: Record<string, unknown> = {
      "/api/x/?q=a&page_size=200": { next: "http://testserver/api/x/?q=a&page_size=200&cursor=c1", previous: null, results: [1, 2] },
      "http://testserver/api/x/?q=a&page_size=200&cursor=c1": { next: null, previous: "p", results: [3] },
    };
    const spy = vi.fn(async (url: string) => new Response(JSON.stringify(pages[url]), { status: pages[url] ? 200 : 404 }));
    vi.stubGlobal("fetch", spy);
    expect(await listAll<number>("/api/x/?q=a")).toEqual([1, 2, 3]);
    expect(spy).toHaveBeenCalledTimes(2);
  });

  it("listPage returns one page as given", async () => {
    vi.stubGlobal("fetch", vi.fn(async () => new Response(JSON.stringify({ next: "n", previous: null, results: [{ id: 1 }] }))));
    expect(await listPage<{ id: number }>("/api/runs/")).toEqual({ next: "n", previous: null, results: [{ id: 1 }] });
  });

  it("withQuery adds only the values that are set", () => {
    expect(withQuery("/api/runs/", { pipeline: 3, status: "", trigger: undefined })).toBe("/api/runs/?pipeline=3");
    expect(withQuery("/api/runs/?a=1", { page_size: 200 })).toBe("/api/runs/?a=1&page_size=200");
    expect(withQuery("/api/runs/", {})).toBe("/api/runs/");
  });

  it("mergePages keeps the refreshed first page and the older rows once", () => {
    expect(mergePages([{ id: 5 }, { id: 4 }], [{ id: 4 }, { id: 3 }])).toEqual([{ id: 5 }, { id: 4 }, { id: 3 }]);
  });
});

import { cleanup, fireEvent, render, screen, waitFor } from "@testing-library/react";
import { afterEach, describe, expect, it, vi } from "vitest";
import { TokensPage } from "./TokensPage";

afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

const row = { id: 4, name: "laptop", prefix: "pwt_12345678", created_at: "2026-11-30T10:00:00Z", last_used_at: null };

/** A tiny fake of the tokens API: a page of rows, create, delete. */
function fakeApi() {
  let rows: (typeof row)[] = [];
  const calls: [string, string][] = [];
  const fetch = vi.fn(async (path: string, init: RequestInit) => {
    const method = init.method ?? "GET";
    calls.push([method, path]);
    if (method === "POST") {
      rows = [row];
      return new Response(JSON.stringify({ ...row, token: "pwt_12345678secretsecret" }), { status: 201 });
    }
    if (method === "DELETE") {
      rows = [];
      return new Response(null, { status: 204 });
    }
    // the list as a page, as the API answers once lists are paginated
    return new Response(JSON.stringify({ next: null, previous: null, results: rows }), { status: 200 });
  });
  vi.stubGlobal("fetch", fetch);
  return calls;
}

describe("TokensPage", () => {
  it("shows a new key once, lists the token without it, and revokes only after a confirmation", async () => {
    const calls = fakeApi();
    render(<TokensPage />);
    await screen.findByTestId("tokens-empty");
    fireEvent.change(screen.getByTestId("token-name"), { target: { value: " laptop " } });
    fireEvent.submit(screen.getByTestId("create-token"));
    const key = (await screen.findByTestId("new-token-key")) as HTMLInputElement;
    expect(key.value).toBe("pwt_12345678secretsecret");
    await screen.findByTestId("tokens");
    expect(screen.getByTestId("tokens").textContent).not.toContain("secret");
    expect(screen.getByTestId("token-last-used").textContent).toBe("never");

    fireEvent.click(screen.getByTestId("revoke"));
    expect(calls.filter(([m]) => m === "DELETE")).toHaveLength(0); // not yet: a confirmation first
    fireEvent.click(screen.getByTestId("confirm-revoke"));
    await screen.findByTestId("tokens-empty");
    expect(calls).toContainEqual(["DELETE", "/api/tokens/4/"]);
    await waitFor(() => expect(screen.queryByTestId("new-token")).toBeNull()); // its key is gone too
  });
});

// The one HTTP client: session cookie + CSRF header, JSON in and out, a typed error.

export interface LocatedError {
  field?: string | null;
  node?: string | null;
  port?: string | null;
  message: string;
}

export class ApiError extends Error {
  constructor(
    public status: number,
    public detail: string,
    public errors: LocatedError[] = [],
    public body: unknown = null,
  ) {
    super(detail);
  }
}

function csrfToken(): string {
  const match = document.cookie.match(/(?:^|; )csrftoken=([^;]+)/);
  return match ? decodeURIComponent(match[1]) : "";
}

export interface RequestOptions {
  method?: string;
  body?: unknown;
  headers?: Record<string, string>;
  raw?: boolean;
}

export async function request<T>(path: string, options: RequestOptions = {}): Promise<{ data: T; response: Response }> {
  const method = options.method ?? "GET";
  const headers: Record<string, string> = { Accept: "application/json", ...options.headers };
  let body: BodyInit | undefined;
  if (options.body instanceof FormData) {
    body = options.body;
  } else if (options.body !== undefined) {
    headers["Content-Type"] = "application/json";
    body = JSON.stringify(options.body);
  }
  if (method !== "GET") headers["X-CSRFToken"] = csrfToken();
  const response = await fetch(path, { method, headers, body, credentials: "same-origin" });
  if (response.status === 401 || response.status === 403) {
    if (response.redirected || response.status === 401) {
      window.location.href = "/login/?next=" + encodeURIComponent(window.location.pathname);
    }
  }
  const text = await response.text();
  let data: unknown = null;
  if (text) {
    try {
      data = JSON.parse(text);
    } catch {
      data = text;
    }
  }
  if (!response.ok) {
    const obj = (data ?? {}) as { detail?: string; errors?: LocatedError[] };
    throw new ApiError(response.status, obj.detail ?? `HTTP ${response.status}`, obj.errors ?? [], data);
  }
  return { data: data as T, response };
}

export async function get<T>(path: string): Promise<T> {
  return (await request<T>(path)).data;
}

export async function post<T>(path: string, body?: unknown): Promise<T> {
  return (await request<T>(path, { method: "POST", body })).data;
}

// --- lists ---------------------------------------------------------------------------------------
// Every list endpoint pages: {next, previous, results} in a stable order (see docs/architecture.md
// "Lists"). Pages that show the latest N load one page (`listPage`) and follow `next` on "Load
// more"; those that need everything (palette, catalog) follow `next` to the end (`listAll`).

/** One page of a list endpoint. */
export interface Page<T> {
  next: string | null;
  previous: string | null;
  results: T[];
}

/** The largest page the server gives. */
export const MAX_PAGE_SIZE = 200;

/** `path` with the non-empty `params` added to its query string. */
export function withQuery(path: string, params: { [key: string]: string | number | null | undefined }): string {
  const [base, query = ""] = path.split("?", 2);
  const search = new URLSearchParams(query);
  for (const [key, value] of Object.entries(params)) {
    if (value !== undefined && value !== null && value !== "") search.set(key, String(value));
  }
  const qs = search.toString();
  return qs ? `${base}?${qs}` : base;
}

/** One page of `url` (a list path, or a `next`/`previous` link as the server gave it). */
export const listPage = <T>(url: string) => get<Page<T>>(url);

/** Every row of a list, following `next` until the last page (pages of 200). */
export async function listAll<T>(path: string): Promise<T[]> {
  const rows: T[] = [];
  let url: string | null = withQuery(path, { page_size: MAX_PAGE_SIZE });
  while (url) {
    const page: Page<T> = await listPage<T>(url);
    rows.push(...page.results);
    url = page.next;
  }
  return rows;
}

/** A refreshed first page followed by the older rows already loaded ("Load more"), each row once. */
export function mergePages<T extends { id: number }>(first: readonly T[], older: readonly T[]): T[] {
  const seen = new Set(first.map((r) => r.id));
  return [...first, ...older.filter((r) => !seen.has(r.id))];
}

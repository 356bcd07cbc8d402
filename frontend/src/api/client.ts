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

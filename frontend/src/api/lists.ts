// Lists answer either a plain array or a page {"next", "previous", "results"}; read both.

export interface Page<T> {
  next?: string | null;
  previous?: string | null;
  results: T[];
}

/** The rows of a list answer, whether it is an array or a page of results. */
export function rowsOf<T>(body: T[] | Page<T> | null | undefined): T[] {
  if (Array.isArray(body)) return body;
  if (body && Array.isArray((body as Page<T>).results)) return (body as Page<T>).results;
  return [];
}

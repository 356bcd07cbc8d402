// A list answer, as an array or as a page ({"results": [...], "next", "previous"}): its rows.
// Every list read goes through here, so the UI works before and after the API pages its lists.

export type ListAnswer<T> = T[] | { results: T[] };

export function listRows<T>(answer: ListAnswer<T> | null | undefined): T[] {
  if (Array.isArray(answer)) return answer;
  if (answer && Array.isArray(answer.results)) return answer.results;
  return [];
}

// Data loaded by an effect, without the hand-rolled "still mounted" flag in every page.
import { useCallback, useEffect, useState, type DependencyList } from "react";

export interface Async<T> {
  /** the last successful answer; kept while reloading and after a failed reload */
  data: T | undefined;
  /** the last failure; cleared by the next success */
  error: unknown;
  loading: boolean;
  /** run `fn` again with the same deps */
  reload: () => void;
}

/**
 * Runs `fn` when `deps` change (and on `reload()`); an answer that arrives after the deps changed or
 * the component unmounted is dropped. `fn` may return null for "nothing to load": the state stays.
 */
export function useAsync<T>(fn: () => Promise<T> | null, deps: DependencyList): Async<T> {
  const [state, update] = useState<Omit<Async<T>, "reload">>({ data: undefined, error: null, loading: true });
  const [revision, setRevision] = useState(0);

  useEffect(() => {
    const promise = fn();
    if (promise === null) {
      update((s) => (s.loading ? { ...s, loading: false } : s));
      return;
    }
    let current = true;
    update((s) => (s.loading ? s : { ...s, loading: true }));
    promise.then(
      (data) => current && update({ data, error: null, loading: false }),
      (error: unknown) => current && update((s) => ({ data: s.data, error, loading: false })),
    );
    return () => {
      current = false;
    };
    // the caller's deps stand for fn (checked at the call site: exhaustive-deps knows useAsync)
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [...deps, revision]);

  const reload = useCallback(() => setRevision((r) => r + 1), []);
  return { ...state, reload };
}

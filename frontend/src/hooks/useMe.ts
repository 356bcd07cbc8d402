// The signed-in user: fetched once per page load and shared by every component that asks.
import { useEffect, useSyncExternalStore } from "react";
import { fetchMe, type Me } from "../api/me";

let me: Me | null = null;
let loading: Promise<void> | null = null;
const listeners = new Set<() => void>();

function load() {
  if (me || loading) return;
  loading = fetchMe().then(
    (m) => {
      me = m;
    },
    () => undefined, // signed out or offline: the next component that asks tries again
  );
  void loading.finally(() => {
    loading = null;
    listeners.forEach((l) => l());
  });
}

const subscribe = (listener: () => void) => {
  listeners.add(listener);
  return () => void listeners.delete(listener);
};
const snapshot = () => me;

/** The current user, or null until /api/me/ has answered. */
export function useMe(): Me | null {
  useEffect(load, []);
  return useSyncExternalStore(subscribe, snapshot);
}

/** Fetch the user again (after joining, creating or leaving a team) and tell every component. */
export async function reloadMe(): Promise<void> {
  try {
    me = await fetchMe();
  } catch {
    return;
  }
  listeners.forEach((l) => l());
}

/** Tests only: forget the cached user. */
export function resetMe() {
  me = null;
  loading = null;
}

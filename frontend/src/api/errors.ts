// How a failure reads in the UI: the API's detail, else the error's message.
import { ApiError, type LocatedError } from "./client";

export function errorMessage(e: unknown): string {
  if (e instanceof ApiError) return e.detail;
  return e instanceof Error ? e.message : String(e);
}

/** The detail followed by every located error ("node: message"), for one-line banners. */
export function errorWithLocations(e: unknown): string {
  if (!(e instanceof ApiError)) return errorMessage(e);
  const located = e.errors.map((x) => [x.node ?? x.port ?? x.field, x.message].filter(Boolean).join(": "));
  return [e.detail, ...located].filter(Boolean).join(" — ");
}

/** The errors an API failure locates (on a field, node or port); none for any other failure. */
export function locatedErrors(e: unknown): LocatedError[] {
  return e instanceof ApiError ? e.errors : [];
}

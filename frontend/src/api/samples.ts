// Sample pipelines shipped with the built-in library: list them, open one into a team.
import { listAll, post } from "./client";
import type { components } from "./schema";
import type { SavedPipeline } from "./pipelines";

/** A sample: slug, name, description, task, the datasets and modules it uses. */
export type Sample = components["schemas"]["Sample"];

export const listSamples = () => listAll<Sample>("/api/samples/");

/** A new pipeline of `team` from the sample (its data files become the team's `sample-*` datasets). */
export const openSample = (slug: string, team: string, name?: string) =>
  post<SavedPipeline>(`/api/samples/${encodeURIComponent(slug)}/open`, name ? { team, name } : { team });

import { get } from "./client";
import type { components } from "./schema";

/** One of the user's teams and their role in it. */
export type TeamRef = components["schemas"]["Team"];
export type Me = components["schemas"]["Me"];

export const fetchMe = () => get<Me>("/api/me/");

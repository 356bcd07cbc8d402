// Personal API tokens (API.md v1.1): the key is in the create answer only.
import { listAll, post, request } from "./client";
import type { components } from "./schema";

export type ApiToken = components["schemas"]["ApiToken"];
export type CreatedToken = components["schemas"]["ApiTokenCreated"];

export const listTokens = () => listAll<ApiToken>("/api/tokens/");
export const createToken = (name: string) => post<CreatedToken>("/api/tokens/", { name });
export const revokeToken = async (id: number) => {
  await request<null>(`/api/tokens/${id}/`, { method: "DELETE" });
};

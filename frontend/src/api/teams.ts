// Teams, their members and audit trail (API.md "Teams" and v1.1 membership).
import { listAll, listPage, post, request } from "./client";
import type { components } from "./schema";

export type Team = components["schemas"]["Team"];
export type Member = components["schemas"]["MemberRow"];
export type AuditEvent = components["schemas"]["AuditEvent"];
export type Role = components["schemas"]["RoleEnum"];

const team = (name: string) => `/api/teams/${encodeURIComponent(name)}`;
const member = (name: string, username: string) => `${team(name)}/members/${encodeURIComponent(username)}/`;

export const createTeam = (name: string) => post<Team>("/api/teams/", { name });
export const listMembers = (name: string) => listAll<Member>(`${team(name)}/members/`);
export const addMember = (name: string, username: string, role: Role) =>
  post<Member>(`${team(name)}/members/`, { username, role });
export const changeRole = async (name: string, username: string, role: Role) =>
  (await request<Member>(member(name, username), { method: "PATCH", body: { role } })).data;
export const removeMember = async (name: string, username: string) => {
  await request<null>(member(name, username), { method: "DELETE" });
};
export const listAudit = async (name: string) => (await listPage<AuditEvent>(`${team(name)}/audit/`)).results;

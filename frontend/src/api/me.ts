import { get } from "./client";

export interface TeamRef {
  name: string;
  role: "owner" | "maintainer" | "member" | "viewer" | null;
}

export interface Me {
  username: string;
  teams: TeamRef[];
}

export const fetchMe = () => get<Me>("/api/me/");

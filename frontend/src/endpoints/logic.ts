// Pure helpers of the Endpoints page: what a version diff says in words, the user's zone, times.

export interface DiffLike {
  from_version: number;
  to_version: number;
  nodes?: unknown;
  edges?: unknown;
  parameters?: unknown;
  module_versions?: unknown;
}

const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
const part = (v: unknown, key: string): unknown[] => (v && typeof v === "object" ? list((v as Record<string, unknown>)[key]) : []);
const name = (x: unknown, key: string) => (x && typeof x === "object" ? String((x as Record<string, unknown>)[key] ?? "") : String(x));

/** One line per kind of change between two pipeline versions (compiler/diff.py's shape); [] when none. */
export function diffLines(diff: DiffLike): string[] {
  const lines: string[] = [];
  const added = part(diff.nodes, "added").map(String);
  const removed = part(diff.nodes, "removed").map(String);
  const changed = part(diff.nodes, "changed").map((c) => {
    const fields = part(c, "fields").map(String);
    return `${name(c, "id")}${fields.length ? ` (${fields.join(", ")})` : ""}`;
  });
  if (added.length) lines.push(`Nodes added: ${added.join(", ")}`);
  if (removed.length) lines.push(`Nodes removed: ${removed.join(", ")}`);
  if (changed.length) lines.push(`Nodes changed: ${changed.join(", ")}`);
  const ea = part(diff.edges, "added").length;
  const er = part(diff.edges, "removed").length;
  if (ea || er) lines.push(`Connections: ${ea} added, ${er} removed`);
  const pa = part(diff.parameters, "added").map((p) => name(p, "name"));
  const pr = part(diff.parameters, "removed").map((p) => name(p, "name"));
  const pc = part(diff.parameters, "changed").map((p) => name(p, "name"));
  if (pa.length) lines.push(`Parameters added: ${pa.join(", ")}`);
  if (pr.length) lines.push(`Parameters removed: ${pr.join(", ")}`);
  if (pc.length) lines.push(`Parameters changed: ${pc.join(", ")}`);
  for (const m of list(diff.module_versions)) {
    const r = (m ?? {}) as Record<string, unknown>;
    lines.push(`${String(r.node)}: ${String(r.module)} ${String(r.from ?? "—")} → ${String(r.to ?? "—")}`);
  }
  return lines;
}

/** The browser's IANA time zone (UTC when it does not say). */
export function localZone(): string {
  try {
    return Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC";
  } catch {
    return "UTC";
  }
}

/** "Mon 1 Dec, 07:30" in `zone` for an ISO time with an offset. */
export function fireTime(iso: string, zone: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return d.toLocaleString(undefined, { timeZone: zone, weekday: "short", day: "numeric", month: "short", year: "numeric", hour: "2-digit", minute: "2-digit" });
}

/** "schedule:12" -> 12, for a run's trigger; null for anything else. */
export function scheduleOfTrigger(trigger: string | null | undefined): number | null {
  const m = /^schedule:(\d+)$/.exec(trigger ?? "");
  return m ? Number(m[1]) : null;
}

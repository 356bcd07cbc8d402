// Compile errors and warnings of the draft on the canvas (validated as it is edited, not only on
// save); clicking one selects and centers its node.
import { memo } from "react";
import type { Problem } from "../api/pipelines";
import { usePipelineStore } from "../store/pipeline";
import { nodeName } from "../graph/labels";

/** node id -> label of the labelled module nodes, as one stable string (a selector value) */
const labelLines = (s: { nodes: { id: string; type?: string; data: Record<string, unknown> }[] }) =>
  s.nodes
    .filter((n) => n.type === "module" && typeof n.data.label === "string" && n.data.label)
    .map((n) => `${n.id}\t${String(n.data.label)}`)
    .join("\n");

export const ProblemsPanel = memo(function ProblemsPanel({ onFocusNode }: { onFocusNode: (id: string) => void }) {
  const errors = usePipelineStore((s) => s.errors);
  const warnings = usePipelineStore((s) => s.warnings);
  const dirty = usePipelineStore((s) => s.dirty);
  const lines = usePipelineStore(labelLines);
  const labels = new Map(lines ? lines.split("\n").map((l) => l.split("\t") as [string, string]) : []);
  const named = (id: string) => nodeName(id, labels.get(id));
  const note = dirty ? <div className="muted small pad" data-testid="problems-draft">Checked as you edit: these describe your unsaved draft.</div> : null;
  const rows: [Problem, "error" | "warning"][] = [...errors.map((p) => [p, "error"] as [Problem, "error"]), ...warnings.map((p) => [p, "warning"] as [Problem, "warning"])];
  if (!rows.length)
    return (
      <>
        <div className="muted small pad" data-testid="problems">
          No problems. The pipeline compiles.
        </div>
        {note}
      </>
    );
  return (
    <>
    {note}
    <ul className="problems" data-testid="problems">
      {rows.map(([p, level], i) => (
        <li key={i} className={level} onClick={() => {
            const target = p.node ?? p.nodes?.[0];
            if (target) onFocusNode(target);
          }} data-testid="problem">
          <span className={`sev ${level}`}>{level === "error" ? "Error" : "Warning"}</span>
          <span className="msg">{p.message}</span>
          <span className="where">
            {[p.node ? named(p.node) : p.nodes?.map(named).join(", "), p.port ?? p.field].filter(Boolean).join(" · ")}
            {p.code ? <em> {p.code}</em> : null}
          </span>
        </li>
      ))}
    </ul>
    </>
  );
});

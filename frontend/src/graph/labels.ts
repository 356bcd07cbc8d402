// Names people read: a node's label (defaults to its module's display name, unique on the canvas);
// ids stay secondary. Pure helpers shared by the canvas, the Problems list and the run pages.

export const LABEL_MAX = 200;

/** `base`, or `base (2)`, `base (3)`, ... : the first one no other node has. */
export function uniqueLabel(base: string, taken: Iterable<string>): string {
  const used = new Set(taken);
  const root = base.trim().slice(0, LABEL_MAX - 6) || "Node";
  if (!used.has(root)) return root;
  for (let i = 2; ; i++) {
    const candidate = `${root} (${i})`;
    if (!used.has(candidate)) return candidate;
  }
}

/** "Split Data (n3)" for a node whose label differs from its id, else the id. */
export function nodeName(id: string, label: string | null | undefined): string {
  const l = (label ?? "").trim();
  return l && l !== id ? `${l} (${id})` : id;
}

/** What a step is called on the run pages: its label, else its module's name. */
export function stepTitle(step: { node: string; label?: string | null; module?: string }): string {
  const l = (step.label ?? "").trim();
  if (l) return l;
  return step.module ? (step.module.split("/").pop() ?? step.node) : step.node;
}

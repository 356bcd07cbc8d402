// Evaluate Model's curves.json, read defensively (it is a step's output): ROC and precision-recall
// points with thresholds, and the confusion matrix. Pure.

export interface RocPoint {
  fpr: number;
  tpr: number;
  threshold: number | null;
}
export interface PrPoint {
  recall: number;
  precision: number;
  threshold: number | null;
}
export interface Curves {
  positive: string | null;
  roc: RocPoint[];
  auc: number | null;
  pr: PrPoint[];
  averagePrecision: number | null;
  confusion: { labels: string[]; matrix: number[][] } | null;
}

const num = (v: unknown): number | null => (typeof v === "number" && Number.isFinite(v) ? v : null);
const rows = (v: unknown): Record<string, unknown>[] =>
  Array.isArray(v) ? v.filter((x): x is Record<string, unknown> => !!x && typeof x === "object").slice(0, 1000) : [];

export function readCurves(raw: Record<string, unknown>): Curves {
  const roc = rows(raw.roc)
    .map((p) => ({ fpr: num(p.fpr), tpr: num(p.tpr), threshold: num(p.threshold) }))
    .filter((p): p is RocPoint => p.fpr !== null && p.tpr !== null);
  const pr = rows(raw.pr)
    .map((p) => ({ recall: num(p.recall), precision: num(p.precision), threshold: num(p.threshold) }))
    .filter((p): p is PrPoint => p.recall !== null && p.precision !== null)
    .sort((a, b) => a.recall - b.recall);
  const c = raw.confusion as { labels?: unknown; matrix?: unknown } | undefined;
  let confusion: Curves["confusion"] = null;
  if (c && Array.isArray(c.labels) && Array.isArray(c.matrix) && c.labels.length <= 50) {
    const labels = c.labels.map(String);
    const matrix = c.matrix.map((r) => (Array.isArray(r) ? r.map((v) => num(v) ?? 0) : []));
    if (matrix.length === labels.length && matrix.every((r) => r.length === labels.length)) confusion = { labels, matrix };
  }
  return {
    positive: typeof raw.positive === "string" ? raw.positive : null,
    roc,
    auc: num(raw.auc),
    pr,
    averagePrecision: num(raw.average_precision),
    confusion,
  };
}

/** The share of the largest cell, for shading a confusion-matrix cell (0..1). */
export function shade(matrix: number[][], value: number): number {
  const top = Math.max(1, ...matrix.flat());
  return value / top;
}

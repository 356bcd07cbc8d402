// What the client checks before an upload (the server checks again), and the name a file suggests.

export const CSV_SUFFIXES = [".csv", ".tsv", ".txt"];

/** A human size: 1536 -> "1.5 KiB". */
export function formatBytes(n: number): string {
  if (!Number.isFinite(n) || n < 0) return "";
  const units = ["bytes", "KiB", "MiB", "GiB", "TiB"];
  let value = n;
  let i = 0;
  while (value >= 1024 && i < units.length - 1) {
    value /= 1024;
    i += 1;
  }
  return i === 0 ? `${value} bytes` : `${value.toFixed(value < 10 ? 1 : 0)} ${units[i]}`;
}

/** Why `file` cannot be uploaded, or null. `maxBytes` is the server's limit (null while unknown). */
export function uploadProblem(file: { name: string; size: number }, maxBytes: number | null): string | null {
  if (maxBytes !== null && file.size > maxBytes) {
    return `“${file.name}” is ${formatBytes(file.size)}; the server accepts at most ${formatBytes(maxBytes)} per dataset.`;
  }
  if (!CSV_SUFFIXES.some((s) => file.name.toLowerCase().endsWith(s))) {
    return `“${file.name}” is not a CSV file (.csv, .tsv or .txt).`;
  }
  return null;
}

/** A dataset name (the server's rule: ^[a-z0-9][a-z0-9._-]{0,62}$) made from a file name. */
export function datasetNameFor(filename: string): string {
  const stem = filename.replace(/\.[^.]*$/, "");
  const slug = stem
    .toLowerCase()
    .replace(/[^a-z0-9._-]+/g, "-")
    .replace(/^[^a-z0-9]+/, "")
    .replace(/-+$/, "")
    .slice(0, 63);
  return slug || "dataset";
}

export const DATASET_NAME = /^[a-z0-9][a-z0-9._-]{0,62}$/;

/** The first CSV-like file of a drop, if any (a drop can carry several files or none). */
export function csvFileOf(files: ArrayLike<File> | null | undefined): File | null {
  if (!files) return null;
  for (let i = 0; i < files.length; i += 1) {
    const f = files[i];
    if (CSV_SUFFIXES.some((s) => f.name.toLowerCase().endsWith(s))) return f;
  }
  return files.length ? files[0] : null;
}

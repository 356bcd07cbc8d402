// A CSV dropped on the canvas: checked against the server's limit, uploaded as a dataset of the
// pipeline's team (named after the file; an existing name gets a new version), then placed.
import { datasetLimits, uploadDataset, type DatasetItem } from "../api/datasets";
import { datasetNameFor, uploadProblem } from "../datasets/upload";

export async function uploadDroppedCsv(file: File, team: string, onProgress?: (fraction: number) => void): Promise<DatasetItem> {
  const limits = await datasetLimits().catch(() => null);
  const problem = uploadProblem(file, limits?.max_bytes ?? null);
  if (problem) throw new Error(problem);
  return uploadDataset(team, datasetNameFor(file.name), file, onProgress);
}

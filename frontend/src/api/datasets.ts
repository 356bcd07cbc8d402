// Datasets (API.md "Datasets"): upload with progress, list, archive, column profile.
import { ApiError, get, listAll, post, withQuery, type LocatedError } from "./client";
import type { components } from "./schema";

type Schemas = components["schemas"];

export type DatasetItem = Schemas["Dataset"];
export type DatasetVersion = Schemas["DatasetVersion"];
export type DatasetProfile = Schemas["DatasetProfile"];
export type ColumnProfile = Schemas["ColumnProfile"];

export type ArchivedFilter = "false" | "true" | "all";

export const listDatasets = (archived: ArchivedFilter = "false") =>
  listAll<DatasetItem>(withQuery("/api/datasets/", { archived }));

export const datasetLimits = () => get<Schemas["DatasetLimits"]>("/api/datasets/limits/");

const path = (ref: string) => {
  const [team, name] = ref.split("/");
  return `/api/datasets/${encodeURIComponent(team)}/${encodeURIComponent(name)}`;
};

export const archiveDataset = (ref: string) => post<DatasetItem>(`${path(ref)}/archive`);
export const unarchiveDataset = (ref: string) => post<DatasetItem>(`${path(ref)}/unarchive`);
export const datasetProfile = (ref: string, version: number) => get<DatasetProfile>(`${path(ref)}/versions/${version}/profile`);

function csrfToken(): string {
  const match = document.cookie.match(/(?:^|; )csrftoken=([^;]+)/);
  return match ? decodeURIComponent(match[1]) : "";
}

/**
 * Upload `file` as the next version of `team/name` through XMLHttpRequest, whose upload events
 * report progress (fetch has none). `onProgress` gets a fraction 0..1. Rejects with an ApiError.
 */
export function uploadDataset(team: string, name: string, file: File, onProgress?: (fraction: number) => void): Promise<DatasetItem> {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open("POST", "/api/datasets/");
    xhr.setRequestHeader("X-CSRFToken", csrfToken());
    xhr.setRequestHeader("Accept", "application/json");
    xhr.upload.onprogress = (e) => {
      if (e.lengthComputable && onProgress) onProgress(e.loaded / e.total);
    };
    xhr.onload = () => {
      let body: unknown;
      try {
        body = xhr.responseText ? JSON.parse(xhr.responseText) : null;
      } catch {
        body = xhr.responseText;
      }
      if (xhr.status >= 200 && xhr.status < 300) {
        onProgress?.(1);
        resolve(body as DatasetItem);
        return;
      }
      const obj = (body ?? {}) as { detail?: string; errors?: LocatedError[] };
      reject(new ApiError(xhr.status, obj.detail ?? `Upload failed (HTTP ${xhr.status})`, obj.errors ?? [], body));
    };
    xhr.onerror = () => reject(new ApiError(0, "The upload did not reach the server (network error)."));
    xhr.onabort = () => reject(new ApiError(0, "The upload was canceled."));
    const form = new FormData();
    form.append("team", team);
    form.append("name", name);
    form.append("file", file, file.name);
    xhr.send(form);
  });
}

// Loads the interface of a sub-pipeline placed on the canvas, once per (pipeline, version).
import { getPipelineVersion, listPipelineVersions, loadPipeline } from "../api/pipelines";
import { interfaceOf } from "../graph/subpipelines";
import type { PipelineDoc } from "../graph/types";
import { interfaceKey, useSubPipelines } from "../store/subPipelines";

const loading = new Set<string>();

export function loadInterface(id: number, version: number | null): void {
  const key = interfaceKey(id, version);
  if (loading.has(key) || key in useSubPipelines.getState().interfaces) return;
  loading.add(key);
  const number = version !== null ? Promise.resolve(version) : listPipelineVersions(id).then((rows) => Math.max(...rows.map((r) => r.number)));
  Promise.all([loadPipeline(id), number.then((n) => getPipelineVersion(id, n))])
    .then(([{ pipeline }, v]) => interfaceOf(pipeline.name, v.graph as PipelineDoc))
    .catch(() => null)
    .then((found) => useSubPipelines.setState((s) => ({ interfaces: { ...s.interfaces, [key]: found } })))
    .finally(() => loading.delete(key));
}

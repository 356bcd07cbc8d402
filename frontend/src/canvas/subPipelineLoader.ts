// Loads the interface of a sub-pipeline placed on the canvas, once per (pipeline, version), and the
// team's saved pipelines for the palette.
import { errorMessage } from "../api/errors";
import { getPipelineVersion, listPipelines, listPipelineVersions, loadPipeline } from "../api/pipelines";
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

const listing = new Set<string>();

/** The team's saved pipelines into the store (once; `again` reloads them, keeping the old list
 * on show meanwhile). */
export function loadTeamPipelines(team: string, again = false): void {
  if (!team || listing.has(team)) return;
  const had = useSubPipelines.getState().teamPipelines[team];
  if (had !== undefined && !again) return;
  const put = (value: SubPipelinesValue) => useSubPipelines.setState((s) => ({ teamPipelines: { ...s.teamPipelines, [team]: value } }));
  listing.add(team);
  if (!Array.isArray(had)) put("loading");
  listPipelines({ team })
    .then((rows) => put([...rows].sort((a, b) => a.name.localeCompare(b.name))))
    .catch((e: unknown) => put({ error: errorMessage(e) }))
    .finally(() => listing.delete(team));
}

type SubPipelinesValue = ReturnType<typeof useSubPipelines.getState>["teamPipelines"][string];

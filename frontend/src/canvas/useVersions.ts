// The Versions panel's data: the saved versions of a pipeline, and the one shown read-only (or the
// two diffed) over the canvas.
import { useCallback, useEffect, useRef, useState } from "react";
import { errorMessage } from "../api/errors";
import { diffVersions, getPipelineVersion, listPipelineVersions, type PipelineVersionRow } from "../api/pipelines";
import { upgradeDoc, type PipelineDoc } from "../graph/types";
import type { ServerDiff } from "../graph/versionDiff";

export interface ShownVersion {
  number: number;
  graph: PipelineDoc;
  message: string;
}

export interface VersionShown {
  to: ShownVersion;
  /** the older side of a diff; null for a plain read-only view */
  from: ShownVersion | null;
  diff: ServerDiff | null;
}

async function fetchVersion(id: number, number: number): Promise<ShownVersion> {
  const v = await getPipelineVersion(id, number);
  return { number: v.number, graph: upgradeDoc(v.graph), message: v.message ?? "" };
}

export function useVersions(id: number, active: boolean, latestVersion: number | null) {
  const [rows, setRows] = useState<PipelineVersionRow[] | null>(null);
  const [shown, setShown] = useState<VersionShown | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [loading, setLoading] = useState(false);
  const seq = useRef(0);

  // the list, whenever the panel opens or a save makes a new version
  useEffect(() => {
    if (!active) return;
    let live = true;
    listPipelineVersions(id).then(
      (r) => live && setRows(r),
      (e: unknown) => live && setError(errorMessage(e)),
    );
    return () => {
      live = false;
    };
  }, [id, active, latestVersion]);

  const show = useCallback(async (load: () => Promise<VersionShown>) => {
    const mine = ++seq.current;
    setLoading(true);
    setError(null);
    try {
      const next = await load();
      if (mine === seq.current) setShown(next);
    } catch (e) {
      if (mine === seq.current) setError(errorMessage(e));
    } finally {
      if (mine === seq.current) setLoading(false);
    }
  }, []);

  const view = useCallback((n: number) => show(async () => ({ to: await fetchVersion(id, n), from: null, diff: null })), [id, show]);

  /** the diff from version `a` to version `b` (the older one first reads best) */
  const compare = useCallback(
    (a: number, b: number) =>
      show(async () => {
        const [from, to, diff] = await Promise.all([fetchVersion(id, a), fetchVersion(id, b), diffVersions(id, a, b)]);
        return { from, to, diff: diff as unknown as ServerDiff };
      }),
    [id, show],
  );

  const close = useCallback(() => {
    seq.current++;
    setShown(null);
  }, []);

  return { rows, shown, error, loading, view, compare, close, fetchVersion: (n: number) => fetchVersion(id, n) };
}

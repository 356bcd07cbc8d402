// The designer's editing logic: open a pipeline, save it with its ETag (and meet a conflict),
// publish, auto-layout, focus a node, keyboard shortcuts, live validation of the draft and the
// unsaved-work guard (closing the tab and in-app navigation both ask first).
// It talks to the API and hands the answers to the stores' actions; the page only renders.
import { useReactFlow } from "@xyflow/react";
import { useCallback, useEffect, useRef, useState } from "react";
import { useBlocker, useSearchParams } from "react-router-dom";
import { errorMessage } from "../api/errors";
import { getVersion, listModules } from "../api/modules";
import { getPipelineVersion, isPreconditionFailed, listDatasets, loadPipeline, savePipeline, validatePipeline, type Pipeline } from "../api/pipelines";
import { getRun } from "../api/runs";
import { edgeToDoc } from "../graph/convert";
import { layeredLayout } from "../graph/layout";
import { upgradeDoc, type PipelineDoc } from "../graph/types";
import { useAsync } from "../hooks/useAsync";
import { resetPipelineStore, usePipelineStore, type PipelineState } from "../store/pipeline";
import { specFor, specKey, useCatalogStore } from "../store/pipelineCatalog";
import { edgeColor, withLayoutHints } from "./ports";

export type Tab = "properties" | "parameters" | "problems" | "versions";

const isEditable = (t: EventTarget | null) =>
  t instanceof HTMLElement && (t.isContentEditable || ["INPUT", "TEXTAREA", "SELECT"].includes(t.tagName));
/** Keys belong to a field being edited or to an open dialog, not to the graph behind it. */
const keysTakenElsewhere = (t: EventTarget | null) => isEditable(t) || document.querySelector('[aria-modal="true"]') !== null;

/** "team/name@version" of every pinned module version on the canvas, for loading missing specs. */
export const pinnedKeys = (s: Pick<PipelineState, "nodes">) => {
  const keys = new Set<string>();
  for (const n of s.nodes) if (n.type === "module" && n.data.version) keys.add(specKey(n.data.module as string, n.data.version as string));
  return [...keys].sort().join("|");
};

/** How long the draft must rest before it is validated. */
export const VALIDATE_DELAY_MS = 400;

/** What validation depends on: the document without node positions, notes and groups (layout needs no check). */
export const validationKey = (doc: PipelineDoc) =>
  JSON.stringify({ ...doc, nodes: doc.nodes.map((n) => ({ ...n, position: undefined })), notes: undefined, groups: undefined });

const metaOf = (p: Pipeline, etag: string) => ({ id: p.id, name: p.name, team: p.team, etag });

/** The server's copy replaces what the canvas holds. */
function applyServer(p: Pipeline, etag: string) {
  const s = usePipelineStore.getState();
  s.load(metaOf(p, etag), upgradeDoc(p.graph), edgeColor, withLayoutHints);
  s.setProblems(p.errors, p.warnings);
  s.setLatestVersion(p.latest_version);
}

export function useDesigner(id: number) {
  const [ready, setReady] = useState(false);
  const [fitOnLoad, setFitOnLoad] = useState(false);
  const [saving, setSaving] = useState(false);
  const [conflict, setConflict] = useState(false);
  const [publishing, setPublishing] = useState(false);
  const [upgrading, setUpgrading] = useState<PipelineDoc | null>(null);
  const [tab, setTab] = useState<Tab>("properties");
  /** a note for the version the next save makes */
  const [note, setNote] = useState("");
  const noteRef = useRef(note);
  noteRef.current = note;
  const pinned = usePipelineStore(pinnedKeys);
  const flow = useReactFlow();
  const saveRef = useRef<(message?: string) => Promise<boolean>>(async () => false);
  /** the validation key of the document whose problems the store shows */
  const checkedKey = useRef<string | null>(null);
  /** bumped by every validation and save: an answer that is not the latest is dropped */
  const checkSeq = useRef(0);

  // Open: the pipeline, the catalog and the datasets, then (for an old server) its problems.
  useEffect(() => resetPipelineStore(), [id]);
  const opened = useAsync(() => Promise.all([loadPipeline(id), listModules(), listDatasets().catch(() => [])]), [id]);
  useEffect(() => {
    if (!opened.data) return;
    const [{ pipeline, etag }, modules, datasets] = opened.data;
    useCatalogStore.getState().setModules(modules);
    useCatalogStore.getState().setDatasets(datasets);
    performance.mark("pw:pipeline-loaded");
    applyServer(pipeline, etag);
    checkedKey.current = pipeline.errors === undefined ? null : validationKey(usePipelineStore.getState().doc());
    setFitOnLoad((pipeline.graph?.nodes?.length ?? 0) > 0);
    setReady(true);
  }, [opened.data]);
  const unchecked = opened.data && opened.data[0].pipeline.errors === undefined ? opened.data[0].pipeline : null;
  const checked = useAsync(
    () => (unchecked ? validatePipeline(id, upgradeDoc(unchecked.graph)).catch(() => null) : null),
    [id, unchecked],
  ).data;
  useEffect(() => {
    if (checked) usePipelineStore.getState().setProblems(checked.errors, checked.warnings);
  }, [checked]);
  const loadError = opened.error ? errorMessage(opened.error) : null;

  // Live feedback: the draft is validated VALIDATE_DELAY_MS after the last change, so the problems,
  // the node badges and the Run button describe what is on the canvas, not the last save.
  useEffect(() => {
    if (!ready) return;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const check = () => {
      const s = usePipelineStore.getState();
      if (s.id === null) return;
      const doc = s.doc();
      const key = validationKey(doc);
      if (key === checkedKey.current) return;
      checkedKey.current = key;
      const seq = ++checkSeq.current;
      validatePipeline(s.id, doc).then(
        (r) => {
          if (seq === checkSeq.current) usePipelineStore.getState().setProblems(r.errors, r.warnings);
        },
        () => {
          // the next change tries again
          if (seq === checkSeq.current) checkedKey.current = null;
        },
      );
    };
    const unsubscribe = usePipelineStore.subscribe((s, prev) => {
      if (s.nodes === prev.nodes && s.edges === prev.edges && s.parameters === prev.parameters) return;
      clearTimeout(timer);
      timer = setTimeout(check, VALIDATE_DELAY_MS);
    });
    return () => {
      unsubscribe();
      clearTimeout(timer);
    };
  }, [ready]);

  // "Open in editor" on a run (`?from_run=<id>`): that run's pipeline version becomes the draft,
  // and the next run records the run it was cloned from.
  const [search, setSearch] = useSearchParams();
  const fromRun = Number(search.get("from_run") ?? "") || null;
  useEffect(() => {
    if (!ready || fromRun === null) return;
    let live = true;
    (async () => {
      try {
        const run = await getRun(fromRun);
        if (run.pipeline !== id || run.version === null) throw new Error(`run #${fromRun} is not a run of this pipeline`);
        const version = await getPipelineVersion(id, run.version);
        if (!live) return;
        const s = usePipelineStore.getState();
        const doc = upgradeDoc(version.graph);
        const same = validationKey(doc) === validationKey(s.doc()) && !s.dirty;
        s.openDraft(doc, run.id, edgeColor, withLayoutHints);
        if (same) usePipelineStore.setState({ dirty: false }); // the saved graph already is that version
        s.showToast(`Opened version ${run.version} of run #${run.id} as the draft${same ? "" : ": save to make it the latest version"}.`, "info");
        setTimeout(() => void flow.fitView({ padding: 0.2, duration: 300, maxZoom: 1.1, minZoom: 0.3 }), 60);
      } catch (e) {
        if (live) usePipelineStore.getState().showToast(`Could not open run #${fromRun}: ${errorMessage(e)}`);
      } finally {
        if (live) setSearch((p) => (p.delete("from_run"), p), { replace: true });
      }
    })();
    return () => {
      live = false;
    };
  }, [ready, fromRun, id, flow, setSearch]);

  // Fit again once the docked panels have taken their room.
  useEffect(() => {
    if (!ready || !fitOnLoad) return;
    const t = setTimeout(() => void flow.fitView({ padding: 0.2, maxZoom: 1.1, minZoom: 0.3 }), 120);
    return () => clearTimeout(t);
  }, [ready, fitOnLoad, flow]);

  // Specs of pinned non-default versions are fetched on demand.
  useEffect(() => {
    if (!pinned) return;
    const cat = useCatalogStore.getState();
    for (const key of pinned.split("|")) {
      if (cat.specs[key]) continue;
      const at = key.lastIndexOf("@");
      const ref = key.slice(0, at);
      const version = key.slice(at + 1);
      if (!cat.modules[ref]) continue;
      getVersion(ref, version).then(
        (d) => useCatalogStore.getState().addSpec(ref, version, d.spec),
        () => undefined,
      );
    }
  }, [pinned, ready]);

  const save = useCallback(async (message?: string): Promise<boolean> => {
    const s = usePipelineStore.getState();
    if (s.id === null) return false;
    const typed = noteRef.current.trim();
    const sentMessage = message ?? typed;
    const sent = { nodes: s.nodes, edges: s.edges, parameters: s.parameters };
    const sentKey = validationKey(s.doc());
    setSaving(true);
    try {
      const { pipeline, etag } = await savePipeline(s.id, s.etag, {
        name: s.name,
        graph: s.doc(),
        ...(sentMessage ? { message: sentMessage } : {}),
      });
      if (pipeline.version_created && message === undefined && typed) setNote((n) => (n.trim() === typed ? "" : n));
      const now = usePipelineStore.getState();
      const unchanged = now.nodes === sent.nodes && now.edges === sent.edges && now.parameters === sent.parameters;
      // Unchanged since sent: adopt the server's copy (versions pinned at save) without touching the history.
      if (unchanged) now.adoptSaved(metaOf(pipeline, etag), upgradeDoc(pipeline.graph), edgeColor, withLayoutHints);
      else now.setEtag(etag);
      // the save's problems describe what was sent; a validation still in flight is older
      checkSeq.current++;
      checkedKey.current = sentKey;
      now.setProblems(pipeline.errors, pipeline.warnings);
      now.setLatestVersion(pipeline.version ?? pipeline.latest_version);
      const errors = pipeline.errors;
      if (errors.length) setTab("problems");
      return errors.length === 0;
    } catch (e) {
      if (isPreconditionFailed(e)) setConflict(true);
      else usePipelineStore.getState().showToast(`Save failed: ${errorMessage(e)}`);
      return false;
    } finally {
      setSaving(false);
    }
  }, []);
  saveRef.current = save;

  /** Save when there is anything to save; false when the graph does not compile. */
  const ensureSaved = useCallback(async () => {
    const s = usePipelineStore.getState();
    if (s.dirty) return saveRef.current();
    return s.errors.length === 0;
  }, []);

  const openPublish = async () => {
    if (await ensureSaved()) {
      setPublishing(true);
      return;
    }
    setTab("problems");
    usePipelineStore.getState().showToast("Fix the problems before publishing: only a pipeline that compiles can be published.");
  };
  const closePublish = () => setPublishing(false);

  // The upgrade assistant previews the document on the canvas (saved or not).
  const openUpgrade = () => setUpgrading(usePipelineStore.getState().doc());
  const closeUpgrade = () => setUpgrading(null);
  const applyUpgrade = (graph: PipelineDoc, upgraded: number) => {
    const s = usePipelineStore.getState();
    s.replaceDoc(upgradeDoc(graph), edgeColor, withLayoutHints);
    setUpgrading(null);
    s.showToast(
      upgraded ? `Upgraded ${upgraded} node${upgraded === 1 ? "" : "s"}: review and save (Undo restores them).` : "Nothing to upgrade.",
      "success",
    );
  };

  // A conflict (412): take their copy, or overwrite it with ours.
  const reloadTheirs = async () => {
    setSaving(true);
    try {
      const { pipeline, etag } = await loadPipeline(id);
      applyServer(pipeline, etag);
      setConflict(false);
    } finally {
      setSaving(false);
    }
  };
  const overwrite = async () => {
    setSaving(true);
    try {
      const { etag } = await loadPipeline(id);
      usePipelineStore.getState().setEtag(etag);
      setConflict(false);
    } finally {
      setSaving(false);
    }
    await save();
  };
  const cancelConflict = () => setConflict(false);

  /** A saved version's graph becomes the draft and is saved again: the latest version, restored. */
  const restoreVersion = useCallback(async (number: number) => {
    const s = usePipelineStore.getState();
    if (s.dirty && !window.confirm(`Replace your unsaved edits with version ${number}?`)) return false;
    setSaving(true);
    try {
      const v = await getPipelineVersion(id, number);
      usePipelineStore.getState().openDraft(upgradeDoc(v.graph), null, edgeColor, withLayoutHints);
    } catch (e) {
      usePipelineStore.getState().showToast(`Could not restore version ${number}: ${errorMessage(e)}`);
      return false;
    } finally {
      setSaving(false);
    }
    await saveRef.current(`Restored version ${number}`);
    const done = !usePipelineStore.getState().dirty;
    if (done) usePipelineStore.getState().showToast(`Version ${number} restored as the latest version.`, "success");
    return done;
  }, [id]);

  const autoLayout = useCallback(async () => {
    const s = usePipelineStore.getState();
    const cat = useCatalogStore.getState();
    const positions = await layeredLayout(
      s.nodes.map((n) => {
        const spec = n.type === "module" ? specFor(cat, n.data.module as string, n.data.version as string | null) : undefined;
        return {
          id: n.id,
          width: n.measured?.width ?? 230,
          height: n.measured?.height ?? 70,
          inputs: spec?.inputs.map((p) => p.name) ?? [],
          outputs: n.type === "dataset" ? ["data"] : (spec?.outputs.map((p) => p.name) ?? []),
        };
      }),
      s.edges.map(edgeToDoc),
    );
    usePipelineStore.getState().applyPositions(positions);
    setTimeout(() => void flow.fitView({ padding: 0.2, duration: 300, maxZoom: 1.1, minZoom: 0.3 }), 60);
  }, [flow]);

  const fitView = () => void flow.fitView({ padding: 0.2, duration: 300, maxZoom: 1.1 });

  const focusNode = useCallback(
    (nodeId: string) => {
      const s = usePipelineStore.getState();
      const node = s.nodes.find((n) => n.id === nodeId);
      if (!node) return;
      s.selectOnly(nodeId);
      setTab("properties");
      const w = node.measured?.width ?? 230;
      const h = node.measured?.height ?? 90;
      flow.setCenter(node.position.x + w / 2, node.position.y + h / 2, { zoom: Math.max(flow.getZoom(), 1), duration: 300 });
    },
    [flow],
  );

  // Keyboard: save, undo/redo, copy/paste, select all, delete.
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      const mod = e.ctrlKey || e.metaKey;
      const key = e.key.toLowerCase();
      if (mod && key === "s") {
        e.preventDefault();
        void saveRef.current();
        return;
      }
      if (keysTakenElsewhere(e.target)) return;
      const s = usePipelineStore.getState();
      if (mod && key === "z") {
        e.preventDefault();
        if (e.shiftKey) s.redo();
        else s.undo();
      } else if (mod && key === "y") {
        e.preventDefault();
        s.redo();
      } else if (mod && key === "c") {
        if (s.copySelection()) e.preventDefault();
      } else if (mod && key === "v") {
        if (s.paste(edgeColor)) e.preventDefault();
      } else if (mod && key === "a") {
        e.preventDefault();
        s.selectAll();
      } else if (key === "delete" || key === "backspace") {
        e.preventDefault();
        s.deleteSelection();
      }
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, []);

  // Never lose work by closing the tab...
  const dirty = usePipelineStore((s) => s.dirty);
  useEffect(() => {
    if (!dirty) return;
    const warn = (e: BeforeUnloadEvent) => {
      e.preventDefault();
      // older browsers show the prompt only when returnValue is set
      e.returnValue = "";
    };
    window.addEventListener("beforeunload", warn);
    return () => window.removeEventListener("beforeunload", warn);
  }, [dirty]);

  // ...or by following a link inside the app: the page asks (stay, leave, or save and leave).
  const blocker = useBlocker(
    useCallback(
      ({ currentLocation, nextLocation }: { currentLocation: { pathname: string }; nextLocation: { pathname: string } }) =>
        usePipelineStore.getState().dirty && currentLocation.pathname !== nextLocation.pathname,
      [],
    ),
  );
  const leaving = blocker.state === "blocked";
  const stay = useCallback(() => blocker.reset?.(), [blocker]);
  const leave = useCallback(() => blocker.proceed?.(), [blocker]);
  const saveAndLeave = useCallback(async () => {
    await saveRef.current();
    // saved (even with problems, which the saved version keeps): go; a failed save stays
    if (usePipelineStore.getState().dirty) blocker.reset?.();
    else blocker.proceed?.();
  }, [blocker]);

  return {
    loadError,
    ready,
    fitOnLoad,
    saving,
    conflict,
    publishing,
    tab,
    setTab,
    save,
    ensureSaved,
    openPublish,
    closePublish,
    upgrading,
    openUpgrade,
    closeUpgrade,
    applyUpgrade,
    reloadTheirs,
    overwrite,
    cancelConflict,
    autoLayout,
    fitView,
    focusNode,
    note,
    setNote,
    restoreVersion,
    leaving,
    stay,
    leave,
    saveAndLeave,
  };
}

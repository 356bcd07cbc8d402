// The pipeline designer: palette, canvas, properties/parameters/problems, save with ETag, run dock.
import { ReactFlowProvider, useReactFlow } from "@xyflow/react";
import { useCallback, useEffect, useRef, useState } from "react";
import { Link, useParams } from "react-router-dom";
import { ApiError } from "../api/client";
import { getVersion, listModules } from "../api/modules";
import { isPreconditionFailed, listDatasets, loadPipeline, savePipeline, validatePipeline, type Pipeline } from "../api/pipelines";
import { Canvas } from "../canvas/Canvas";
import { ConflictDialog } from "../canvas/ConflictDialog";
import { Palette } from "../canvas/Palette";
import { ParametersPanel } from "../canvas/ParametersPanel";
import { ProblemsPanel } from "../canvas/ProblemsPanel";
import { PropertiesPanel } from "../canvas/PropertiesPanel";
import { PublishDialog } from "../canvas/PublishDialog";
import { edgeColor, withLayoutHints } from "../canvas/ports";
import { Toast } from "../canvas/Toast";
import { edgeToDoc } from "../graph/convert";
import { layeredLayout } from "../graph/layout";
import { upgradeDoc } from "../graph/types";
import { RunDock } from "../runs/RunDock";
import { resetPipelineStore, selectedNodeId, usePipelineStore } from "../store/pipeline";
import { specFor, specKey, useCatalogStore } from "../store/pipelineCatalog";

type Tab = "properties" | "parameters" | "problems";

const isEditable = (t: EventTarget | null) =>
  t instanceof HTMLElement && (t.isContentEditable || ["INPUT", "TEXTAREA", "SELECT"].includes(t.tagName));
/** Keys belong to a field being edited or to an open dialog, not to the graph behind it. */
const keysTakenElsewhere = (t: EventTarget | null) => isEditable(t) || document.querySelector('[aria-modal="true"]') !== null;

/** "team/name@version" of every pinned module version on the canvas, for loading missing specs. */
const pinnedKeys = (s: ReturnType<typeof usePipelineStore.getState>) => {
  const keys = new Set<string>();
  for (const n of s.nodes) if (n.type === "module" && n.data.version) keys.add(specKey(n.data.module as string, n.data.version as string));
  return [...keys].sort().join("|");
};

function applyServer(p: Pipeline, etag: string) {
  const s = usePipelineStore.getState();
  s.load({ id: p.id, name: p.name, team: p.team, etag }, upgradeDoc(p.graph), edgeColor);
  usePipelineStore.setState((x) => ({ nodes: x.nodes.map(withLayoutHints) }));
  s.setProblems(p.errors ?? [], p.warnings ?? []);
}

function Designer({ id }: { id: number }) {
  const [loadError, setLoadError] = useState<string | null>(null);
  const [ready, setReady] = useState(false);
  const [fitOnLoad, setFitOnLoad] = useState(false);
  const [saving, setSaving] = useState(false);
  const [conflict, setConflict] = useState(false);
  const [publishing, setPublishing] = useState(false);
  const [tab, setTab] = useState<Tab>("properties");
  const name = usePipelineStore((s) => s.name);
  const dirty = usePipelineStore((s) => s.dirty);
  const canUndo = usePipelineStore((s) => s.past.length > 0);
  const canRedo = usePipelineStore((s) => s.future.length > 0);
  const errorCount = usePipelineStore((s) => s.errors.length);
  const warningCount = usePipelineStore((s) => s.warnings.length);
  const selected = usePipelineStore(selectedNodeId);
  const pinned = usePipelineStore(pinnedKeys);
  const flow = useReactFlow();
  const saveRef = useRef<() => Promise<boolean>>(async () => false);

  useEffect(() => {
    let live = true;
    resetPipelineStore();
    Promise.all([loadPipeline(id), listModules(), listDatasets().catch(() => [])])
      .then(async ([{ pipeline, etag }, modules, datasets]) => {
        if (!live) return;
        useCatalogStore.getState().setModules(modules);
        useCatalogStore.getState().setDatasets(datasets);
        performance.mark("pw:pipeline-loaded");
        applyServer(pipeline, etag);
        setFitOnLoad((pipeline.graph?.nodes?.length ?? 0) > 0);
        setReady(true);
        if (pipeline.errors === undefined) {
          const r = await validatePipeline(id, upgradeDoc(pipeline.graph)).catch(() => null);
          if (r && live) usePipelineStore.getState().setProblems(r.errors ?? [], r.warnings ?? []);
        }
      })
      .catch((e: unknown) => live && setLoadError(e instanceof ApiError ? e.detail : String(e)));
    return () => {
      live = false;
    };
  }, [id]);

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

  const save = useCallback(async (): Promise<boolean> => {
    const s = usePipelineStore.getState();
    if (s.id === null) return false;
    const sent = { nodes: s.nodes, edges: s.edges, parameters: s.parameters };
    setSaving(true);
    try {
      const { pipeline, etag } = await savePipeline(s.id, s.etag, { name: s.name, graph: s.doc() });
      const now = usePipelineStore.getState();
      const unchanged = now.nodes === sent.nodes && now.edges === sent.edges && now.parameters === sent.parameters;
      if (unchanged) {
        // Adopt the server's copy (versions pinned at save) without touching the history.
        const history = { past: now.past, future: now.future };
        const selectedIds = new Set(now.nodes.filter((n) => n.selected).map((n) => n.id));
        applyServer(pipeline, etag);
        usePipelineStore.setState((x) => ({ ...history, nodes: x.nodes.map((n) => (selectedIds.has(n.id) ? { ...n, selected: true } : n)) }));
      } else {
        usePipelineStore.setState({ etag });
        usePipelineStore.getState().setProblems(pipeline.errors ?? [], pipeline.warnings ?? []);
      }
      const errors = pipeline.errors ?? [];
      if (errors.length) setTab("problems");
      return errors.length === 0;
    } catch (e) {
      if (isPreconditionFailed(e)) setConflict(true);
      else usePipelineStore.getState().showToast(`Save failed: ${e instanceof ApiError ? e.detail : String(e)}`);
      return false;
    } finally {
      setSaving(false);
    }
  }, []);
  saveRef.current = save;

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
      usePipelineStore.setState({ etag });
      setConflict(false);
    } finally {
      setSaving(false);
    }
    await save();
  };

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

  // Keyboard: save, undo/redo, copy/paste, delete.
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
        usePipelineStore.setState({ nodes: s.nodes.map((n) => (n.selected ? n : { ...n, selected: true })) });
      } else if (key === "delete" || key === "backspace") {
        e.preventDefault();
        s.deleteSelection();
      }
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, []);

  // Never lose work by closing the tab.
  useEffect(() => {
    if (!dirty) return;
    const warn = (e: BeforeUnloadEvent) => {
      e.preventDefault();
    };
    window.addEventListener("beforeunload", warn);
    return () => window.removeEventListener("beforeunload", warn);
  }, [dirty]);

  if (loadError) return <div className="empty">Could not open this pipeline: {loadError}</div>;

  return (
    <div className="designer">
      <div className="toolbar">
        <Link to="/" className="crumb">
          Pipelines
        </Link>
        <span className="crumb-sep">/</span>
        <span className="pipeline-name" data-testid="pipeline-name">
          {name || "…"}
        </span>
        <span className={`save-state ${dirty ? "dirty" : "clean"}`} data-testid="save-state">
          {saving ? "Saving…" : dirty ? "Unsaved changes" : "Saved"}
        </span>
        <div className="spacer" />
        <div className="btn-group">
          <button className="btn ghost" onClick={() => usePipelineStore.getState().undo()} disabled={!canUndo} title="Undo (Ctrl+Z)" data-testid="undo">
            ↶
          </button>
          <button className="btn ghost" onClick={() => usePipelineStore.getState().redo()} disabled={!canRedo} title="Redo (Ctrl+Shift+Z)" data-testid="redo">
            ↷
          </button>
        </div>
        <button className="btn ghost" onClick={() => void autoLayout()} title="Auto-layout (top-down)" data-testid="auto-layout">
          ⊞ Layout
        </button>
        <button className="btn ghost" onClick={() => flow.fitView({ padding: 0.2, duration: 300, maxZoom: 1.1 })} title="Fit view">
          ⤢ Fit
        </button>
        <button className="btn" onClick={() => void openPublish()} disabled={saving} title="Publish as an endpoint with a stable URL" data-testid="publish">
          Publish
        </button>
        <button className="btn primary" onClick={() => void save()} disabled={saving} title="Save (Ctrl+S)" data-testid="save">
          Save
        </button>
      </div>
      <div className="designer-body">
        <Palette />
        <div className="canvas-column">
          <div className="canvas-wrap" data-testid="canvas">
            {ready ? <Canvas fitOnLoad={fitOnLoad} /> : <div className="empty">Loading pipeline…</div>}
            <Toast />
          </div>
          <div className="dock-slot">
            <RunDock pipelineId={id} selectedNode={selected} ensureSaved={ensureSaved} />
          </div>
        </div>
        <aside className="sidepanel">
          <div className="tabs">
            <button className={tab === "properties" ? "active" : ""} onClick={() => setTab("properties")} data-testid="tab-properties">
              Properties
            </button>
            <button className={tab === "parameters" ? "active" : ""} onClick={() => setTab("parameters")} data-testid="tab-parameters">
              Parameters
            </button>
            <button className={tab === "problems" ? "active" : ""} onClick={() => setTab("problems")} data-testid="tab-problems">
              Problems
              {errorCount ? <span className="count error">{errorCount}</span> : null}
              {warningCount ? <span className="count warning">{warningCount}</span> : null}
            </button>
          </div>
          <div className="tab-body">
            {tab === "properties" ? <PropertiesPanel /> : null}
            {tab === "parameters" ? <ParametersPanel /> : null}
            {tab === "problems" ? <ProblemsPanel onFocusNode={focusNode} /> : null}
          </div>
        </aside>
      </div>
      {publishing ? <PublishDialog pipelineId={id} defaultName={name} onClose={() => setPublishing(false)} /> : null}
      {conflict ? <ConflictDialog busy={saving} onReload={() => void reloadTheirs()} onOverwrite={() => void overwrite()} onCancel={() => setConflict(false)} /> : null}
    </div>
  );
}

export function CanvasPage() {
  const { id } = useParams();
  const pid = Number(id);
  if (!Number.isInteger(pid)) return <div className="empty">No such pipeline.</div>;
  return (
    <ReactFlowProvider>
      <Designer key={pid} id={pid} />
    </ReactFlowProvider>
  );
}

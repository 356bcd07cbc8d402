// The pipeline designer: palette, canvas, properties/parameters/problems, save with ETag, run dock.
// The editing logic lives in canvas/useDesigner.ts; this page lays it out.
import { SubPipelineActions } from "../canvas/SubPipelineActions";
import { ReactFlowProvider } from "@xyflow/react";
import { useState } from "react";
import { Link, useParams, useSearchParams } from "react-router-dom";
import { Canvas } from "../canvas/Canvas";
import { CanvasTools } from "../canvas/CanvasTools";
import { ConflictDialog } from "../canvas/ConflictDialog";
import { LeaveDialog } from "../canvas/LeaveDialog";
import { Palette } from "../canvas/Palette";
import { ParametersPanel } from "../canvas/ParametersPanel";
import { ProblemsPanel } from "../canvas/ProblemsPanel";
import { PropertiesPanel } from "../canvas/PropertiesPanel";
import { PublishDialog } from "../canvas/PublishDialog";
import { InferenceDialog } from "../canvas/InferenceDialog";
import { exportUrl } from "../api/transfer";
import { Toast } from "../canvas/Toast";
import { UpgradeDialog } from "../canvas/UpgradeDialog";
import { useDesigner } from "../canvas/useDesigner";
import { VersionsPanel } from "../canvas/VersionsPanel";
import { VersionView } from "../canvas/VersionView";
import { useVersions } from "../canvas/useVersions";
import { RunDock } from "../runs/RunDock";
import { behindPreferred } from "../graph/versions";
import { selectedNodeId, usePipelineStore } from "../store/pipeline";
import { useCatalogStore } from "../store/pipelineCatalog";

function Designer({ id }: { id: number }) {
  const {
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
  } = useDesigner(id);
  const name = usePipelineStore((s) => s.name);
  const dirty = usePipelineStore((s) => s.dirty);
  const canUndo = usePipelineStore((s) => s.past.length > 0);
  const canRedo = usePipelineStore((s) => s.future.length > 0);
  const undo = usePipelineStore((s) => s.undo);
  const redo = usePipelineStore((s) => s.redo);
  const errorCount = usePipelineStore((s) => s.errors.length);
  const warningCount = usePipelineStore((s) => s.warnings.length);
  const selected = usePipelineStore(selectedNodeId);
  const modules = useCatalogStore((s) => s.modules);
  const nodes = usePipelineStore((s) => s.nodes);
  const behind = behindPreferred(
    nodes.filter((n) => n.type === "module").map((n) => n.data),
    (ref) => modules[ref]?.preferred_version,
  );
  const latestVersion = usePipelineStore((s) => s.latestVersion);
  const [inference, setInference] = useState(false);
  const trains = nodes.some((n) => "module" in n.data && n.data.module === "builtin/train-model");
  const versions = useVersions(id, tab === "versions", latestVersion);
  const restore = async (n: number) => {
    if (await restoreVersion(n)) versions.close();
  };

  if (loadError) return <div className="empty">Could not open this pipeline: {loadError}</div>;

  return (
    <div className="designer">
      <div className="toolbar">
        <Link to="/" className="crumb">
          Pipelines
        </Link>
        <span className="crumb-sep">/</span>
        <OuterCrumb />
        <span className="pipeline-name" data-testid="pipeline-name">
          {name || "…"}
        </span>
        <span className={`save-state ${dirty ? "dirty" : "clean"}`} data-testid="save-state">
          {saving ? "Saving…" : dirty ? "Unsaved changes" : "Saved"}
        </span>
        <div className="spacer" />
        <div className="btn-group">
          <button className="btn ghost" onClick={undo} disabled={!canUndo} title="Undo (Ctrl+Z)" data-testid="undo">
            ↶
          </button>
          <button className="btn ghost" onClick={redo} disabled={!canRedo} title="Redo (Ctrl+Shift+Z)" data-testid="redo">
            ↷
          </button>
        </div>
        <SubPipelineActions />
        <button className="btn ghost" onClick={() => void autoLayout()} title="Auto-layout (top-down)" data-testid="auto-layout">
          ⊞ Layout
        </button>
        <button className="btn ghost" onClick={fitView} title="Fit view">
          ⤢ Fit
        </button>
        <CanvasTools />
        <button className="btn ghost" onClick={openUpgrade} title="Move nodes pinned to older module versions to the preferred version" data-testid="upgrade">
          ⇡ Upgrade{behind ? <span className="count warning" data-testid="upgrade-count">{behind}</span> : null}
        </button>
        <a className="btn ghost" style={{ textDecoration: "none" }} href={exportUrl(id)} download title="Download the saved pipeline as a file (import it on the Pipelines page)" data-testid="export">
          Export
        </a>
        <button className="btn" onClick={() => void openPublish()} disabled={saving} title="Publish as an endpoint with a stable URL" data-testid="publish">
          Publish
        </button>
        {trains ? (
          <button className="btn" onClick={() => setInference(true)} title="Derive a scoring pipeline from a trained run, to deploy" data-testid="create-inference">
            Create inference pipeline
          </button>
        ) : null}
        <input
          className="save-note"
          value={note}
          onChange={(e) => setNote(e.target.value)}
          maxLength={500}
          placeholder="Version note (optional)"
          aria-label="note for the version the next save makes"
          data-testid="save-message"
        />
        <button className="btn primary" onClick={() => void save()} disabled={saving} title="Save (Ctrl+S)" data-testid="save">
          Save
        </button>
      </div>
      <div className="designer-body">
        <Palette />
        <div className="canvas-column">
          <div className="canvas-wrap" data-testid="canvas">
            {ready ? <Canvas fitOnLoad={fitOnLoad} /> : <div className="empty">Loading pipeline…</div>}
            {versions.shown ? <VersionView shown={versions.shown} busy={saving} onClose={versions.close} onRestore={(n) => void restore(n)} /> : null}
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
            <button className={tab === "versions" ? "active" : ""} onClick={() => setTab("versions")} data-testid="tab-versions">
              Versions
            </button>
          </div>
          <div className="tab-body">
            {tab === "properties" ? <PropertiesPanel /> : null}
            {tab === "parameters" ? <ParametersPanel /> : null}
            {tab === "problems" ? <ProblemsPanel onFocusNode={focusNode} /> : null}
            {tab === "versions" ? (
              <VersionsPanel rows={versions.rows} error={versions.error} latest={latestVersion} onView={(n) => void versions.view(n)} onCompare={(a, b) => void versions.compare(a, b)} />
            ) : null}
          </div>
        </aside>
      </div>
      {publishing ? <PublishDialog pipelineId={id} defaultName={name} onClose={closePublish} /> : null}
      {inference ? <InferenceDialog pipelineId={id} defaultName={name} onClose={() => setInference(false)} /> : null}
      {upgrading ? <UpgradeDialog pipelineId={id} doc={upgrading} onApply={applyUpgrade} onClose={closeUpgrade} /> : null}
      {leaving ? <LeaveDialog busy={saving} onStay={stay} onLeave={leave} onSaveAndLeave={() => void saveAndLeave()} /> : null}
      {conflict ? <ConflictDialog busy={saving} onReload={() => void reloadTheirs()} onOverwrite={() => void overwrite()} onCancel={cancelConflict} /> : null}
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

/** Opened from a sub-pipeline node (double-click): the way back to the pipeline holding it. */
function OuterCrumb() {
  const [search] = useSearchParams();
  const from = Number(search.get("from"));
  if (!Number.isInteger(from) || from <= 0) return null;
  return (
    <>
      <Link to={`/pipelines/${from}`} className="crumb" data-testid="outer-crumb">
        ‹ pipeline {from}
      </Link>
      <span className="crumb-sep">/</span>
    </>
  );
}

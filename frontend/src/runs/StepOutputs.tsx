// Output previews of one step, per output port: the head of a table, an image, a metrics table, or
// an HTML, SVG or Markdown document. Those come from the step (untrusted): they are shown only in a
// sandboxed frame, never in the application's own document (see SandboxedDocument).
import { useState } from "react";
import { Link } from "react-router-dom";
import { errorMessage } from "../api/errors";
import { getVersion } from "../api/modules";
import { specKey, useCatalogStore } from "../store/pipelineCatalog";
import { registerModel, type ModelVersion } from "../api/registry";
import { artifactUrl, getPreview, type ArtifactRef, type Preview, type StepRun } from "../api/runs";
import { useAsync } from "../hooks/useAsync";
import { bytes, formatValue } from "./format";
import { lazy, Suspense } from "react";
import { ProfileTable } from "../datasets/ProfileView";

// the charting library loads only when a step has curves to draw
const CurvesView = lazy(() => import("./CurvesView"));

export function MetricsTable({ metrics, testId }: { metrics: Record<string, unknown>; testId?: string }) {
  const entries = Object.entries(metrics);
  if (!entries.length) return null;
  return (
    <table className="run-table metrics" data-testid={testId}>
      <tbody>
        {entries.map(([k, v]) => (
          <tr key={k}>
            <th>{k}</th>
            <td className="num">{formatValue(v)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/**
 * A document written by a step (its HTML, its SVG, its Markdown rendered by the server), in a frame
 * with `sandbox=""`: an opaque origin with no script, so nothing in it can read the session, call
 * the API or touch this page. The server's document opens with a policy of its own that allows no
 * request (only inline styles and data: images). Never add allow-scripts or allow-same-origin here.
 */
export function SandboxedDocument({ kind, file, document }: { kind: string; file: string; document: string }) {
  return (
    <iframe
      className="preview-frame"
      data-testid="preview-frame"
      data-kind={kind}
      title={`${kind} preview of ${file}`}
      sandbox=""
      referrerPolicy="no-referrer"
      srcDoc={document}
    />
  );
}

export function PreviewView({ preview }: { preview: Preview }) {
  switch (preview.kind) {
    case "table":
      return (
        <div className="preview-table-wrap">
          <table className="run-table preview" data-testid="preview-table">
            <thead>
              <tr>
                {preview.columns.map((c) => (
                  <th key={c}>{c}</th>
                ))}
              </tr>
            </thead>
            <tbody>
              {preview.rows.map((row, i) => (
                <tr key={i}>
                  {row.map((cell, j) => (
                    <td key={j}>{formatValue(cell)}</td>
                  ))}
                </tr>
              ))}
            </tbody>
          </table>
          {preview.profile ? (
            <details className="preview-profile" data-testid="preview-profile">
              <summary className="small">
                Column profile · {preview.profile.rows} rows
                {preview.profile.profiled_rows < preview.profile.rows ? ` (statistics of the first ${preview.profile.profiled_rows})` : ""}
              </summary>
              <ProfileTable columns={preview.profile.columns} />
            </details>
          ) : null}
        </div>
      );
    case "curves":
      return (
        <Suspense fallback={<div className="muted small">loading charts…</div>}>
          <CurvesView curves={preview.curves} />
        </Suspense>
      );
    case "image":
      return <img className="preview-image" data-testid="preview-image" src={preview.url} alt="step output" />;
    case "metrics":
      return <MetricsTable metrics={preview.metrics} testId="preview-metrics" />;
    case "html":
    case "svg":
    case "markdown":
      return <SandboxedDocument kind={preview.kind} file={preview.file} document={preview.document} />;
    default:
      return <div className="muted small">No preview for this output.</div>;
  }
}

/** Register this output (a Model port) as the next version of a model of the run's team. */
function RegisterModel({ runId, node, port }: { runId: number; node: string; port: string }) {
  const [open, setOpen] = useState(false);
  const [name, setName] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [done, setDone] = useState<ModelVersion | null>(null);
  if (done)
    return (
      <Link to={`/models/${done.model}`} className="small" data-testid="registered-model">
        registered {done.ref}
      </Link>
    );
  if (!open)
    return (
      <button className="link small" onClick={() => setOpen(true)} data-testid={`register-model-${port}`}>
        Register model
      </button>
    );
  return (
    <form
      className="inline-form"
      onSubmit={async (e) => {
        e.preventDefault();
        setBusy(true);
        setError(null);
        try {
          setDone(await registerModel({ name: name.trim(), run: runId, node, port }));
        } catch (err) {
          setError(errorMessage(err));
        } finally {
          setBusy(false);
        }
      }}
    >
      <input value={name} onChange={(e) => setName(e.target.value)} placeholder="model name" aria-label="model name" data-testid="register-model-name" autoFocus />
      <button className="btn small" disabled={busy || !name.trim()} data-testid="register-model-submit">
        Register
      </button>
      {error ? <span className="run-error small" data-testid="register-model-error">{error}</span> : null}
    </form>
  );
}

// the output types a model registers from (as registry.services.MODEL_PORT_TYPES)
const MODEL_PORT_TYPES = ["Model", "Any"];

/**
 * Whether each output port may register as a model, from the step's module version's spec (the
 * catalog store's, as the canvas keeps them; fetched into it once when missing): false while the
 * spec loads (the link appears once known, moving nothing below it); true for a port the spec
 * does not name or a spec that cannot be read (the server checks the plan's port then).
 */
function useRegistrable(step: StepRun, enabled: boolean): (port: string) => boolean {
  const { module: ref, version } = step;
  const known = useCatalogStore((s) => (ref && version ? s.specs[specKey(ref, version)] : undefined));
  const answer = useAsync(
    () =>
      enabled && !known && ref && version
        ? getVersion(ref, version).then((d) => useCatalogStore.getState().addSpec(ref, version, d.spec))
        : null,
    [enabled, known, ref, version],
  );
  return (port) => {
    if (!enabled) return false;
    if (answer.error || !ref || !version) return true;
    if (!known) return false;
    const spec = known.outputs.find((p) => p.name === port);
    return !spec || MODEL_PORT_TYPES.includes(spec.type);
  };
}

function OutputPort({
  port,
  artifact,
  runId,
  node,
  registrable,
}: {
  port: string;
  artifact: ArtifactRef;
  runId?: number;
  node?: string;
  registrable: boolean;
}) {
  const answer = useAsync(() => getPreview(artifact.sha256), [artifact.sha256]);
  // another artifact's preview is never shown while this one loads
  const preview = answer.loading ? null : (answer.data ?? null);
  const error = answer.loading || !answer.error ? null : errorMessage(answer.error);
  return (
    <div className="run-output" data-testid={`output-${port}`} data-kind={preview?.kind ?? ""}>
      <div className="run-output-head">
        <strong>{port}</strong>
        <span className="muted small">
          {artifact.media_type} · {bytes(artifact.size)}
        </span>
        <a href={artifactUrl(artifact.sha256)} download title={artifact.sha256}>
          download
        </a>
        <Link to={`/lineage?artifact=${artifact.sha256}`} className="small" data-testid={`lineage-${port}`}>
          lineage
        </Link>
        {registrable && runId !== undefined && node ? <RegisterModel runId={runId} node={node} port={port} /> : null}
      </div>
      {error ? <div className="run-error small">{error}</div> : preview ? <PreviewView preview={preview} /> : <div className="muted small">loading…</div>}
    </div>
  );
}

export function StepOutputs({ step, runId }: { step: StepRun; runId?: number }) {
  const outputs = Object.entries(step.outputs).filter(([port]) => port !== "metrics.json");
  const registrable = useRegistrable(step, runId !== undefined && outputs.length > 0);
  // a Metrics output port previews the same numbers: show the step's metrics only without one
  const metricsPort = outputs.some(([, a]) => a.media_type.includes("metrics"));
  const metrics = metricsPort ? {} : step.metrics;
  if (!outputs.length && !Object.keys(metrics).length) {
    if (step.status === "cached" || step.status === "succeeded") return <div className="muted small">This step has no outputs.</div>;
    return <div className="muted small">No outputs yet.</div>;
  }
  return (
    <div className="run-outputs" data-testid="output-preview">
      {Object.keys(metrics).length ? (
        <div className="run-output">
          <div className="run-output-head">
            <strong>metrics</strong>
          </div>
          <MetricsTable metrics={metrics} testId="step-metrics" />
        </div>
      ) : null}
      {outputs.map(([port, artifact]) => (
        <OutputPort key={port} port={port} artifact={artifact} runId={runId} node={step.node} registrable={registrable(port)} />
      ))}
    </div>
  );
}

// "Create inference pipeline": pick a finished run of this training pipeline; the server derives
// the scoring graph (web input typed by the training data, fitted preprocessing, Score Model bound
// to the run's model, web output) as a new pipeline, which opens on the canvas.
import { useEffect, useState } from "react";
import { useNavigate } from "react-router-dom";
import { createInference } from "../api/deployments";
import { errorMessage } from "../api/errors";
import { listRuns, type RunSummary } from "../api/runs";

interface Props {
  pipelineId: number;
  defaultName: string;
  onClose: () => void;
}

export function InferenceDialog({ pipelineId, defaultName, onClose }: Props) {
  const navigate = useNavigate();
  const [runs, setRuns] = useState<RunSummary[] | null>(null);
  const [run, setRun] = useState<number | null>(null);
  const [name, setName] = useState(`${defaultName} (inference)`);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    listRuns({ pipeline: pipelineId, status: "succeeded", page_size: 20 }).then(
      (page) => {
        setRuns(page.results);
        if (page.results.length) setRun(page.results[0].id);
      },
      (e) => setError(errorMessage(e)),
    );
  }, [pipelineId]);

  const submit = async (e: React.FormEvent) => {
    e.preventDefault();
    if (run === null) return;
    setBusy(true);
    setError(null);
    try {
      const created = await createInference(pipelineId, run, name.trim());
      onClose();
      navigate(`/pipelines/${created.id}`);
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <div className="modal-backdrop" role="dialog" aria-modal="true" aria-labelledby="inference-title" data-testid="inference-dialog">
      <form className="modal" onSubmit={(e) => void submit(e)}>
        <h3 id="inference-title">Create inference pipeline</h3>
        <p>
          A new pipeline that scores rows with the model a run trained: the same preprocessing with the state fitted in that run, Score Model
          bound to its model, between a Web Service Input and Output. Edit it, then deploy it from the Deployments page.
        </p>
        <div className="field">
          <label htmlFor="inference-run">Trained run</label>
          {runs === null ? (
            <span className="muted small">Loading runs…</span>
          ) : runs.length === 0 ? (
            <span className="field-error" data-testid="inference-no-runs">
              This pipeline has no succeeded run yet: run it first.
            </span>
          ) : (
            <select id="inference-run" value={run ?? ""} onChange={(e) => setRun(Number(e.target.value))} data-testid="inference-run">
              {runs.map((r) => (
                <option key={r.id} value={r.id}>
                  Run #{r.id} (version {r.version})
                </option>
              ))}
            </select>
          )}
        </div>
        <div className="field">
          <label htmlFor="inference-name">Name</label>
          <input id="inference-name" value={name} onChange={(e) => setName(e.target.value)} maxLength={200} data-testid="inference-name" />
        </div>
        {error ? (
          <p className="field-error" role="alert" data-testid="inference-error">
            {error}
          </p>
        ) : null}
        <div className="modal-actions">
          <button type="button" className="btn ghost" onClick={onClose} disabled={busy}>
            Cancel
          </button>
          <button className="btn primary" disabled={busy || run === null} data-testid="inference-create">
            Create
          </button>
        </div>
      </form>
    </div>
  );
}

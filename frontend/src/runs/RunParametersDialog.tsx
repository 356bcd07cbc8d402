// Submit a run with pipeline parameter values: one typed input per parameter, prefilled with the
// values of this pipeline's last run (or the defaults), plus the "no cache" switch.
import { useEffect, useState } from "react";
import { createPortal } from "react-dom";
import { ApiError } from "../api/client";
import { errorMessage } from "../api/errors";
import type { PipelineParam } from "../graph/types";
import { ParameterFields } from "./ParameterFields";
import { collectValues, initialDrafts, locateRunErrors, toDraft, type Draft, type Drafts } from "./runParameters";

interface Props {
  pipelineName: string;
  parameters: readonly PipelineParam[];
  /** values of the last run started from this dialog, used where they still fit */
  remembered?: Record<string, unknown>;
  noCache: boolean;
  /** start the run; a rejection (ApiError or Error) is shown in the dialog */
  onSubmit: (values: Record<string, unknown>, cache: boolean) => Promise<void>;
  onClose: () => void;
}

export function RunParametersDialog({ pipelineName, parameters, remembered, noCache, onSubmit, onClose }: Props) {
  const [drafts, setDrafts] = useState<Drafts>(() => initialDrafts(parameters, remembered));
  const [skipCache, setSkipCache] = useState(noCache);
  const [fieldErrors, setFieldErrors] = useState<Record<string, string>>({});
  const [general, setGeneral] = useState<string[]>([]);
  const [busy, setBusy] = useState(false);

  // Escape closes even when the focus has left the dialog
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => e.key === "Escape" && onClose();
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, [onClose]);

  const change = (name: string, value: Draft) => {
    setDrafts((d) => ({ ...d, [name]: value }));
    setFieldErrors(({ [name]: _gone, ...rest }) => rest);
  };

  const resetDefaults = () => {
    setDrafts(Object.fromEntries(parameters.map((p) => [p.name, toDraft(p, p.default)])));
    setFieldErrors({});
    setGeneral([]);
  };

  const submit = async (e: React.FormEvent) => {
    e.preventDefault();
    const { values, errors } = collectValues(parameters, drafts);
    setFieldErrors(errors);
    setGeneral([]);
    if (Object.keys(errors).length) return;
    setBusy(true);
    try {
      await onSubmit(values, !skipCache);
    } catch (err) {
      if (err instanceof ApiError) {
        const located = locateRunErrors(err, parameters.map((p) => p.name));
        setFieldErrors(located.fields);
        setGeneral(located.general);
      } else {
        setGeneral([errorMessage(err)]);
      }
      setBusy(false);
    }
  };

  return createPortal(
    <div
      className="modal-backdrop"
      role="dialog"
      aria-modal="true"
      aria-labelledby="run-params-title"
      data-testid="run-params-dialog"
      // keep the canvas's shortcuts (Delete, Ctrl+Z, ...) away from the graph behind the dialog
      onKeyDown={(e) => {
        e.stopPropagation();
        if (e.key === "Escape") onClose();
      }}
    >
      <form className="modal run-params" onSubmit={(e) => void submit(e)} noValidate>
        <h3 id="run-params-title">Run “{pipelineName}”</h3>
        <p>Set the pipeline parameters for this run. The saved defaults stay as they are.</p>
        <ParameterFields parameters={parameters} drafts={drafts} errors={fieldErrors} onChange={change} />
        <label className="run-params-cache" title="ignore cached outputs and execute every step">
          <input type="checkbox" checked={skipCache} onChange={(e) => setSkipCache(e.target.checked)} data-testid="run-params-no-cache" />
          No cache — ignore cached outputs and execute every step
        </label>
        {general.length ? (
          <div className="run-params-error" role="alert" data-testid="run-params-error">
            {general.map((m) => (
              <div key={m}>{m}</div>
            ))}
          </div>
        ) : null}
        <div className="modal-actions">
          <button type="button" className="btn ghost run-params-reset" onClick={resetDefaults} disabled={busy} data-testid="run-params-reset">
            Reset to defaults
          </button>
          <button type="button" className="btn ghost" onClick={onClose} disabled={busy} data-testid="run-params-cancel">
            Cancel
          </button>
          <button type="submit" className="btn primary" disabled={busy} data-testid="run-params-submit">
            {busy ? "Starting…" : "▶ Submit"}
          </button>
        </div>
      </form>
    </div>,
    document.body,
  );
}

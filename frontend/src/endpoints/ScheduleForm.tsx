// Create a schedule for an endpoint: a cron field that explains itself (the next five fire times
// in your zone, computed by the server's rules) and the pipeline's parameters as the Run dialog types them.
import { useEffect, useState } from "react";
import { ApiError } from "../api/client";
import { errorMessage } from "../api/errors";
import { createSchedule, cronPreview, versionDetail, type CronPreview, type Endpoint, type Schedule } from "../api/endpoints";
import type { PipelineParam } from "../graph/types";
import { ParameterFields } from "../runs/ParameterFields";
import { collectValues, initialDrafts, locateRunErrors, type Draft, type Drafts } from "../runs/runParameters";
import { fireTime, localZone } from "./logic";

interface Props {
  endpoint: Endpoint;
  onCreated: (schedule: Schedule) => void;
  onCancel: () => void;
}

export function ScheduleForm({ endpoint, onCreated, onCancel }: Props) {
  const zone = localZone();
  const [cron, setCron] = useState("0 6 * * 1-5");
  const [preview, setPreview] = useState<CronPreview | null>(null);
  const [cronError, setCronError] = useState<string | null>(null);
  const [parameters, setParameters] = useState<PipelineParam[] | null>(null);
  const [drafts, setDrafts] = useState<Drafts>({});
  const [fieldErrors, setFieldErrors] = useState<Record<string, string>>({});
  const [general, setGeneral] = useState<string[]>([]);
  const [enabled, setEnabled] = useState(true);
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    let live = true;
    versionDetail(endpoint.pipeline, endpoint.version).then(
      (v) => {
        if (!live) return;
        const graph = v.graph as { parameters?: PipelineParam[] } | null;
        const params = graph?.parameters ?? [];
        setParameters(params);
        setDrafts(initialDrafts(params));
      },
      (e) => live && setGeneral([errorMessage(e)]),
    );
    return () => {
      live = false;
    };
  }, [endpoint.pipeline, endpoint.version]);

  // the preview follows the typing, a moment after it stops
  useEffect(() => {
    let live = true;
    const timer = window.setTimeout(() => {
      cronPreview(cron, zone).then(
        (p) => {
          if (!live) return;
          setPreview(p);
          setCronError(null);
        },
        (e) => {
          if (!live) return;
          setPreview(null);
          setCronError(e instanceof ApiError ? (e.errors.find((x) => x.field === "cron" || x.field === "tz")?.message ?? e.detail) : errorMessage(e));
        },
      );
    }, 250);
    return () => {
      live = false;
      window.clearTimeout(timer);
    };
  }, [cron, zone]);

  const change = (name: string, value: Draft) => {
    setDrafts((d) => ({ ...d, [name]: value }));
    setFieldErrors(({ [name]: _gone, ...rest }) => rest);
  };

  const submit = async (e: React.FormEvent) => {
    e.preventDefault();
    const params = parameters ?? [];
    const { values, errors } = collectValues(params, drafts);
    setFieldErrors(errors);
    setGeneral([]);
    if (Object.keys(errors).length) return;
    setBusy(true);
    try {
      onCreated(await createSchedule({ endpoint: endpoint.slug, cron: cron.trim(), parameters: values, enabled }));
    } catch (err) {
      if (err instanceof ApiError) {
        const cronMessage = err.errors.find((x) => x.field === "cron")?.message;
        if (cronMessage) setCronError(cronMessage);
        const located = locateRunErrors(err, params.map((p) => p.name));
        setFieldErrors(located.fields);
        setGeneral(cronMessage ? [] : located.general);
      } else {
        setGeneral([errorMessage(err)]);
      }
    } finally {
      setBusy(false);
    }
  };

  return (
    <form
      className="schedule-form"
      onSubmit={(e) => void submit(e)}
      onKeyDown={(e) => e.key === "Escape" && onCancel()}
      noValidate
      data-testid="schedule-form"
      aria-label={`New schedule for ${endpoint.name}`}
    >
      <h4>New schedule for “{endpoint.name}”</h4>
      <div className={`field${cronError ? " invalid" : ""}`}>
        <div className="field-head">
          <label htmlFor="schedule-cron">Cron (minute hour day-of-month month day-of-week, in UTC)</label>
        </div>
        <input
          id="schedule-cron"
          value={cron}
          onChange={(e) => setCron(e.target.value)}
          spellCheck={false}
          autoFocus
          aria-invalid={cronError ? true : undefined}
          aria-describedby="schedule-cron-note"
          data-testid="schedule-cron"
        />
        <div id="schedule-cron-note" aria-live="polite">
          {cronError ? (
            <span className="field-error" role="alert" data-testid="cron-error">
              cron: {cronError}
            </span>
          ) : preview ? (
            <div className="cron-preview" data-testid="cron-preview">
              <span className="field-help">
                Next {preview.next.length} fire times in {preview.timezone}:
                {preview.next.length === 0 ? " none in the next eight years." : null}
              </span>
              <ol>
                {preview.next.map((t) => (
                  <li key={t} data-testid="fire-time">
                    {fireTime(t, zone)}
                  </li>
                ))}
              </ol>
            </div>
          ) : (
            <span className="field-help">e.g. “0 6 * * 1-5” is 06:00 UTC on weekdays; “*/15 * * * *” every quarter hour.</span>
          )}
        </div>
      </div>
      {parameters === null ? (
        <div className="muted small">Loading the pipeline's parameters…</div>
      ) : parameters.length ? (
        <>
          <div className="section-title">Parameters of each run</div>
          <ParameterFields parameters={parameters} drafts={drafts} errors={fieldErrors} onChange={change} autoFocus={false} idPrefix="schedule-param" />
        </>
      ) : (
        <div className="muted small">This pipeline has no parameters; every run uses the same graph.</div>
      )}
      <label className="small">
        <input type="checkbox" checked={enabled} onChange={(e) => setEnabled(e.target.checked)} data-testid="schedule-enabled" /> Enabled
      </label>
      {general.length ? (
        <div className="alert error" role="alert" data-testid="schedule-error">
          {general.map((m) => (
            <div key={m}>{m}</div>
          ))}
        </div>
      ) : null}
      <div className="modal-actions">
        <button type="button" className="btn ghost" onClick={onCancel} disabled={busy}>
          Cancel
        </button>
        <button type="submit" className="btn primary" disabled={busy} data-testid="schedule-submit">
          {busy ? "Creating…" : "Create schedule"}
        </button>
      </div>
    </form>
  );
}

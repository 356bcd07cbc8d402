// "Try it": run the draft once in a real container on a dataset version or a sample table per
// input, follow its log and show its outputs with the run page's previews.
import { useEffect, useRef, useState } from "react";
import { getTrial, startTrial, type Trial, type TrialInput } from "../api/authoring";
import { listDatasets, type DatasetItem } from "../api/datasets";
import type { ModuleSpec } from "../api/modules";
import { getPreview } from "../api/runs";
import { ErrorNotice } from "../catalog/Bits";
import { useAsync } from "../hooks/useAsync";
import { MetricsTable, PreviewView } from "../runs/StepOutputs";
import { trialParams } from "./draft";

interface Props {
  moduleRef: string;
  spec: ModuleSpec;
  files: Record<string, string>;
}

const SAMPLE = "__sample__";
const DONE = new Set(["succeeded", "failed"]);

function TrialOutput({ port, sha }: { port: string; sha: string }) {
  const answer = useAsync(() => getPreview(sha), [sha]);
  return (
    <div className="run-output" data-testid={`trial-output-${port}`}>
      <div className="run-output-head">
        <strong>{port}</strong>
      </div>
      {answer.data ? <PreviewView preview={answer.data} /> : <ErrorNotice error={answer.error} />}
    </div>
  );
}

export function TryItPanel({ moduleRef, spec, files }: Props) {
  const datasets = useAsync(() => listDatasets(), []);
  const [choice, setChoice] = useState<Record<string, string>>({});
  const [samples, setSamples] = useState<Record<string, string>>({});
  const [typed, setTyped] = useState<Record<string, string>>({});
  const [trial, setTrial] = useState<Trial | null>(null);
  const [log, setLog] = useState("");
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const poll = useRef<number | null>(null);

  useEffect(() => () => {
    if (poll.current) window.clearTimeout(poll.current);
  }, []);

  const follow = (id: number, offset: number, text: string) => {
    poll.current = window.setTimeout(async () => {
      try {
        const t = await getTrial(id, offset);
        const next = text + t.log;
        setLog(next);
        setTrial(t);
        if (!DONE.has(t.status)) follow(id, t.log_offset, next);
        else setBusy(false);
      } catch (e) {
        setError(e);
        setBusy(false);
      }
    }, 700);
  };

  const run = async () => {
    setError(null);
    setBusy(true);
    setLog("");
    setTrial(null);
    const inputs: Record<string, TrialInput> = {};
    for (const port of spec.inputs) {
      const picked = choice[port.name] ?? "";
      if (picked === SAMPLE) inputs[port.name] = { csv: samples[port.name] ?? "" };
      else if (picked) {
        const [ref, version] = picked.split("@");
        inputs[port.name] = { dataset: ref, version: Number(version) };
      }
    }
    try {
      const t = await startTrial({ module: moduleRef, spec, files, parameters: trialParams(spec, typed), inputs });
      setTrial(t);
      follow(t.id, 0, "");
    } catch (e) {
      setError(e);
      setBusy(false);
    }
  };

  const options = (datasets.data ?? []).flatMap((d: DatasetItem) =>
    d.versions.map((v) => ({ value: `${d.ref}@${v.version}`, label: `${d.ref} · version ${v.version}` })),
  );

  return (
    <section className="cat-section" data-testid="try-it">
      <h2>Try it</h2>
      <p className="cat-muted cat-small">
        Runs this draft once in a container, as a step would run it, without publishing anything.
      </p>
      {spec.inputs.map((port) => (
        <div key={port.name} className="ed-row">
          <label className="cat-field">
            <span>
              Input <code>{port.name}</code> ({port.type}
              {port.optional ? ", optional" : ""})
            </span>
            <select
              aria-label={`input ${port.name}`}
              value={choice[port.name] ?? ""}
              onChange={(e) => setChoice({ ...choice, [port.name]: e.target.value })}
            >
              <option value="">{port.optional ? "not connected" : "choose…"}</option>
              <option value={SAMPLE}>a sample table (CSV)…</option>
              {options.map((o) => (
                <option key={o.value} value={o.value}>
                  {o.label}
                </option>
              ))}
            </select>
          </label>
          {choice[port.name] === SAMPLE && (
            <textarea
              aria-label={`sample ${port.name}`}
              rows={4}
              className="code"
              placeholder={"a,b\n1,2"}
              value={samples[port.name] ?? ""}
              onChange={(e) => setSamples({ ...samples, [port.name]: e.target.value })}
            />
          )}
        </div>
      ))}
      {Object.entries(spec.parameters).map(([name, schema]) => (
        <label key={name} className="cat-field ed-inline">
          <span>
            <code>{name}</code> ({String(schema.type ?? "any")})
          </span>
          <input
            aria-label={`value ${name}`}
            placeholder={schema.default === undefined ? "" : String(schema.default)}
            value={typed[name] ?? ""}
            onChange={(e) => setTyped({ ...typed, [name]: e.target.value })}
          />
        </label>
      ))}
      <ErrorNotice error={error} onClose={() => setError(null)} />
      <div className="cat-dialog-actions">
        <button type="button" className="cat-btn cat-btn-primary" disabled={busy} onClick={run} data-testid="try-run">
          {busy ? "Running…" : "▶ Run the draft"}
        </button>
      </div>
      {trial && (
        <div className="ed-trial" data-testid="trial" data-status={trial.status}>
          <div>
            Status: <strong data-testid="trial-status">{trial.status}</strong>
            {trial.error && <span className="run-error"> — {trial.error}</span>}
          </div>
          <pre className="ed-log" data-testid="trial-log">
            {log || "(no output yet)"}
          </pre>
          {Object.keys(trial.metrics as Record<string, unknown>).length > 0 && (
            <MetricsTable metrics={trial.metrics as Record<string, unknown>} />
          )}
          {Object.entries(trial.outputs).map(([port, sha]) => (
            <TrialOutput key={port} port={port} sha={sha} />
          ))}
        </div>
      )}
    </section>
  );
}

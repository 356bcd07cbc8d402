// Upload a CSV as a new dataset version: file picker or drag-and-drop, a progress bar, and the
// server's limit checked before sending.
import { useRef, useState } from "react";
import { ApiError } from "../api/client";
import { errorMessage } from "../api/errors";
import { uploadDataset, type DatasetItem } from "../api/datasets";
import { datasetNameFor, DATASET_NAME, formatBytes, uploadProblem } from "./upload";

interface Props {
  teams: string[];
  maxBytes: number | null;
  onUploaded: (dataset: DatasetItem) => void;
}

export function UploadPanel({ teams, maxBytes, onUploaded }: Props) {
  const [picked, setTeam] = useState("");
  const team = picked || teams[0] || "";
  const [name, setName] = useState("");
  const [file, setFile] = useState<File | null>(null);
  const [progress, setProgress] = useState<number | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [over, setOver] = useState(false);
  const input = useRef<HTMLInputElement>(null);

  const choose = (f: File | null) => {
    setError(null);
    setFile(f);
    if (!f) return;
    const problem = uploadProblem(f, maxBytes);
    if (problem) setError(problem);
    if (!name) setName(datasetNameFor(f.name));
  };

  const submit = async (e: React.FormEvent) => {
    e.preventDefault();
    if (!file) return;
    const problem = uploadProblem(file, maxBytes);
    if (problem) {
      setError(problem);
      return;
    }
    setError(null);
    setProgress(0);
    try {
      const dataset = await uploadDataset(team, name.trim(), file, setProgress);
      setFile(null);
      setName("");
      if (input.current) input.current.value = "";
      onUploaded(dataset);
    } catch (err) {
      const located = err instanceof ApiError ? err.errors.map((x) => x.message).filter(Boolean) : [];
      setError(located.length ? `${err instanceof ApiError && err.status === 413 ? "Too large: " : ""}${located.join("; ")}` : errorMessage(err));
    } finally {
      setProgress(null);
    }
  };

  const nameOk = DATASET_NAME.test(name.trim());
  const busy = progress !== null;
  return (
    <form
      className={`upload-panel${over ? " over" : ""}`}
      onSubmit={(e) => void submit(e)}
      onDragOver={(e) => {
        if (e.dataTransfer.types.includes("Files")) {
          e.preventDefault();
          setOver(true);
        }
      }}
      onDragLeave={() => setOver(false)}
      onDrop={(e) => {
        e.preventDefault();
        setOver(false);
        choose(e.dataTransfer.files[0] ?? null);
      }}
      data-testid="upload-panel"
    >
      <div className="upload-drop">
        <strong>Drop a CSV here</strong> or{" "}
        <button type="button" className="btn small" onClick={() => input.current?.click()} data-testid="choose-file">
          choose a file…
        </button>
        <input
          id="dataset-file"
          ref={input}
          tabIndex={-1}
          aria-label="CSV file"
          className="visually-hidden"
          type="file"
          accept=".csv,.tsv,.txt,text/csv"
          onChange={(e) => choose(e.target.files?.[0] ?? null)}
          data-testid="dataset-file"
        />
        <div className="muted small">
          {file ? `${file.name} · ${formatBytes(file.size)}` : `CSV with a header line${maxBytes !== null ? `, up to ${formatBytes(maxBytes)}` : ""}.`}
        </div>
      </div>
      <div className="upload-fields">
        <label>
          Team{" "}
          <select value={team} onChange={(e) => setTeam(e.target.value)} data-testid="dataset-team">
            {teams.map((t) => (
              <option key={t} value={t}>
                {t}
              </option>
            ))}
          </select>
        </label>
        <label>
          Name{" "}
          <input value={name} onChange={(e) => setName(e.target.value)} placeholder="iris" maxLength={63} aria-invalid={name !== "" && !nameOk} data-testid="dataset-name" />
        </label>
        <button className="btn primary" disabled={!file || !team || !nameOk || busy || Boolean(error && file && uploadProblem(file, maxBytes))} data-testid="dataset-upload">
          {busy ? "Uploading…" : "Upload"}
        </button>
      </div>
      {name !== "" && !nameOk ? <div className="field-help">Lower-case letters, digits, “.”, “_” and “-”; starting with a letter or digit.</div> : null}
      {busy ? <progress className="upload-progress" max={1} value={progress ?? 0} aria-label="Upload progress" data-testid="upload-progress" /> : null}
      {error ? (
        <div className="alert error" role="alert" data-testid="upload-error">
          {error}
        </div>
      ) : null}
    </form>
  );
}

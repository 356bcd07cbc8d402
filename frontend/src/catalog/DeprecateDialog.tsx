import { useEffect, useRef, useState } from "react";
import type { VersionSummary } from "../api/modules";
import { ErrorNotice } from "./Bits";
import { errorsByField, sortVersions } from "./logic";
import { locatedErrors } from "../api/errors";

interface Props {
  version: string;
  versions: readonly VersionSummary[];
  onSubmit: (message: string, successor: string | null) => Promise<void>;
  onClose: () => void;
}

/** Asks why a version is deprecated and which version replaces it. */
export function DeprecateDialog({ version, versions, onSubmit, onClose }: Props) {
  const [message, setMessage] = useState("");
  const [successor, setSuccessor] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const textRef = useRef<HTMLTextAreaElement>(null);
  const candidates = sortVersions(versions.filter((v) => v.version !== version && v.status !== "disabled"));
  const fieldErrors = errorsByField(locatedErrors(error));

  useEffect(() => {
    textRef.current?.focus();
    const onKey = (e: KeyboardEvent) => e.key === "Escape" && onClose();
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, [onClose]);

  const submit = async (e: React.FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await onSubmit(message.trim(), successor || null);
    } catch (err) {
      setError(err);
      setBusy(false);
    }
  };

  return (
    <div className="cat-overlay" onMouseDown={(e) => e.target === e.currentTarget && onClose()}>
      <form className="cat-dialog" role="dialog" aria-modal="true" aria-labelledby="deprecate-title" onSubmit={submit}>
        <h2 id="deprecate-title">Deprecate version {version}</h2>
        <p className="cat-muted">
          Pipelines using it keep running but show your message as a warning. You can enable it again later.
        </p>
        <label className="cat-field">
          <span>Message</span>
          <textarea
            ref={textRef}
            name="message"
            rows={3}
            value={message}
            placeholder="e.g. Leaks the test set into training; use 2.0.0."
            onChange={(e) => setMessage(e.target.value)}
            required
          />
          {fieldErrors.message?.map((m) => <small className="cat-field-error" key={m}>{m}</small>)}
        </label>
        <label className="cat-field">
          <span>Successor (optional)</span>
          <select name="successor" value={successor} onChange={(e) => setSuccessor(e.target.value)}>
            <option value="">— none —</option>
            {candidates.map((v) => (
              <option key={v.version} value={v.version}>
                {v.version}
                {v.is_default ? " (default)" : ""}
              </option>
            ))}
          </select>
          {fieldErrors.successor?.map((m) => <small className="cat-field-error" key={m}>{m}</small>)}
        </label>
        <ErrorNotice error={error} />
        <div className="cat-dialog-actions">
          <button type="button" className="cat-btn" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" className="cat-btn cat-btn-warn" disabled={busy || !message.trim()}>
            {busy ? "Deprecating…" : "Deprecate"}
          </button>
        </div>
      </form>
    </div>
  );
}

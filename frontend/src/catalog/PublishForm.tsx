import { useRef, useState } from "react";
import { locatedErrors } from "../api/errors";
import { publishForm, publishVersion, type ModuleVersionDetail } from "../api/modules";
import { ErrorNotice } from "./Bits";
import { errorsByField, specVersionOf } from "./logic";

const isSpecField = (k: string) => k === "spec" || k.startsWith("spec.") || k.startsWith("spec[");
const isFilesField = (k: string) => k === "files" || k.startsWith("files.") || k.startsWith("files[");

interface Props {
  moduleRef: string;
  onPublished: (version: ModuleVersionDetail) => void;
}

/** Upload a spec YAML plus source files as a new version (multipart). */
export function PublishForm({ moduleRef, onPublished }: Props) {
  const [spec, setSpec] = useState<File | null>(null);
  const [specVersion, setSpecVersion] = useState<string | null>(null);
  const [sources, setSources] = useState<File[]>([]);
  const [isDefault, setIsDefault] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [done, setDone] = useState<string | null>(null);
  const formRef = useRef<HTMLFormElement>(null);
  const fieldErrors = errorsByField(locatedErrors(error));
  const specErrors = Object.entries(fieldErrors).filter(([k]) => isSpecField(k));
  const fileErrors = Object.entries(fieldErrors).filter(([k]) => isFilesField(k));

  const chooseSpec = async (file: File | null) => {
    setSpec(file);
    setSpecVersion(file ? specVersionOf(await file.text()) : null);
  };

  const submit = async (e: React.FormEvent) => {
    e.preventDefault();
    if (!spec) return;
    setBusy(true);
    setError(null);
    setDone(null);
    try {
      const published = await publishVersion(moduleRef, publishForm(spec, sources, isDefault));
      setDone(published.version);
      setSpec(null);
      setSpecVersion(null);
      setSources([]);
      setIsDefault(false);
      formRef.current?.reset();
      onPublished(published);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  return (
    <form ref={formRef} className="cat-card cat-publish" onSubmit={submit} data-testid="publish-form">
      <h3>Publish a new version</h3>
      <p className="cat-muted cat-small">
        A published version is immutable. The spec's <code>version</code> must be new semver.
      </p>
      <div className="cat-publish-grid">
        <label className="cat-field">
          <span>Spec (YAML)</span>
          <input
            type="file"
            name="spec"
            accept=".yaml,.yml,.json,application/yaml,text/yaml"
            onChange={(e) => chooseSpec(e.target.files?.[0] ?? null)}
            required
          />
          {specErrors.flatMap(([k, msgs]) =>
            msgs.map((m) => (
              <small className="cat-field-error" key={k + m}>
                <code>{k}</code> {m}
              </small>
            )),
          )}
        </label>
        <label className="cat-field">
          <span>Source files</span>
          <input type="file" name="files" multiple onChange={(e) => setSources([...(e.target.files ?? [])])} />
          {sources.length > 0 && (
            <small className="cat-muted">{sources.map((f) => f.name).join(", ")}</small>
          )}
          {fileErrors.flatMap(([k, msgs]) =>
            msgs.map((m) => (
              <small className="cat-field-error" key={k + m}>
                <code>{k}</code> {m}
              </small>
            )),
          )}
        </label>
      </div>
      <label className="cat-check">
        <input type="checkbox" name="is_default" checked={isDefault} onChange={(e) => setIsDefault(e.target.checked)} />
        Make it the default version
      </label>
      <ErrorNotice
        error={error}
        onClose={() => setError(null)}
        shownElsewhere={(k) => isSpecField(k) || isFilesField(k)}
      />
      {done && (
        <div className="cat-ok" role="status">
          Published {done}.
        </div>
      )}
      <div className="cat-form-actions">
        <button type="submit" className="cat-btn cat-btn-primary" disabled={!spec || busy}>
          {busy ? "Publishing…" : specVersion ? `Publish ${specVersion}` : "Publish"}
        </button>
      </div>
    </form>
  );
}

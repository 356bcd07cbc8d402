import { useState } from "react";
import { useNavigate } from "react-router-dom";
import { locatedErrors } from "../api/errors";
import { importKfpComponent } from "../api/modules";
import { ErrorNotice } from "./Bits";
import { errorsByField } from "./logic";

interface Props {
  teams: string[];
  onCancel: () => void;
}

const FIELDS = ["team", "name", "version"];

/** Import a Kubeflow Pipelines component.yaml (pasted or uploaded) as a module version, then open
 *  the module. Errors about the component name their field in the file (implementation.graph, ...). */
export function KfpImportForm({ teams, onCancel }: Props) {
  const navigate = useNavigate();
  const [team, setTeam] = useState(teams[0] ?? "");
  const [name, setName] = useState("");
  const [version, setVersion] = useState("");
  const [yaml, setYaml] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const fieldErrors = errorsByField(locatedErrors(error));
  const hint = (field: string) =>
    fieldErrors[field]?.map((m) => (
      <small className="cat-field-error" key={m}>
        {m}
      </small>
    ));

  const upload = async (file: File | undefined) => {
    if (file) setYaml(await file.text());
  };

  const submit = async (e: React.FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const created = await importKfpComponent({ team, name, version, yaml });
      navigate(`/catalog/${created.ref}?version=${encodeURIComponent(created.version)}`);
    } catch (err) {
      setError(err);
      setBusy(false);
    }
  };

  return (
    <form className="cat-section cat-new-module" onSubmit={submit} data-testid="kfp-import-form">
      <h3>Import Kubeflow component</h3>
      <p className="cat-muted cat-small">
        A KFP <code>component.yaml</code>: v1 (<code>implementation.container</code>) or the compiled v2 IR of one container
        component. Its placeholders are adapted to <code>/in</code> and <code>/out</code>; the image needs{" "}
        <code>python3</code>.
      </p>
      <div className="cat-new-grid">
        <label className="cat-field">
          <span>Team</span>
          <select name="team" value={team} onChange={(e) => setTeam(e.target.value)}>
            {teams.map((t) => (
              <option key={t}>{t}</option>
            ))}
          </select>
          {hint("team")}
        </label>
        <label className="cat-field">
          <span>Name (optional)</span>
          <input
            name="name"
            value={name}
            placeholder="from the component's name"
            pattern="[a-z0-9][a-z0-9\-]{0,62}"
            title="lower-case letters, digits and dashes"
            onChange={(e) => setName(e.target.value)}
          />
          {hint("name")}
        </label>
        <label className="cat-field">
          <span>Version (optional)</span>
          <input name="version" value={version} placeholder="1.0.0" onChange={(e) => setVersion(e.target.value)} />
          {hint("version")}
        </label>
        <label className="cat-field">
          <span>Upload</span>
          <input
            type="file"
            name="file"
            accept=".yaml,.yml,.json,text/yaml"
            aria-label="Upload component.yaml"
            onChange={(e) => void upload(e.target.files?.[0])}
          />
        </label>
      </div>
      <label className="cat-field">
        <span>component.yaml</span>
        <textarea
          name="yaml"
          rows={12}
          spellCheck={false}
          className="cat-code"
          value={yaml}
          placeholder={"name: My component\ninputs:\n- {name: Data, type: Dataset}\nimplementation:\n  container:\n    image: …"}
          onChange={(e) => setYaml(e.target.value)}
        />
        {hint("yaml")}
      </label>
      <ErrorNotice error={error} shownElsewhere={(k) => FIELDS.includes(k) || k === "yaml"} />
      <div className="cat-dialog-actions">
        <button type="button" className="cat-btn" onClick={onCancel}>
          Cancel
        </button>
        <button type="submit" className="cat-btn cat-btn-primary" disabled={busy || !team || !yaml.trim()}>
          {busy ? "Importing…" : "Import"}
        </button>
      </div>
    </form>
  );
}

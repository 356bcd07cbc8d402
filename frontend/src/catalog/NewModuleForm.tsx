import { useState } from "react";
import { useNavigate } from "react-router-dom";
import { locatedErrors } from "../api/errors";
import { createModule } from "../api/modules";
import { ErrorNotice } from "./Bits";
import { errorsByField } from "./logic";

interface Props {
  teams: string[];
  categories: string[];
  onCancel: () => void;
}

const FIELDS = ["team", "name", "display_name", "category", "description"];

/** Create an empty module in one of the teams the user maintains, then open it in the module editor (templates, Try it, publish). */
export function NewModuleForm({ teams, categories, onCancel }: Props) {
  const navigate = useNavigate();
  const [team, setTeam] = useState(teams[0] ?? "");
  const [name, setName] = useState("");
  const [displayName, setDisplayName] = useState("");
  const [category, setCategory] = useState("");
  const [description, setDescription] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const fieldErrors = errorsByField(locatedErrors(error));
  const hint = (field: string) =>
    fieldErrors[field]?.map((m) => (
      <small className="cat-field-error" key={m}>
        {m}
      </small>
    ));

  const submit = async (e: React.FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const created = await createModule({ team, name, display_name: displayName, category, description });
      navigate(`/catalog/${created.team}/${created.name}/edit`);
    } catch (err) {
      setError(err);
      setBusy(false);
    }
  };

  return (
    <form className="cat-section cat-new-module" onSubmit={submit} data-testid="new-module-form">
      <h3>New module</h3>
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
          <span>Name</span>
          <input
            name="name"
            value={name}
            required
            placeholder="scale-features"
            pattern="[a-z0-9][a-z0-9\-]{0,62}"
            title="lower-case letters, digits and dashes"
            onChange={(e) => setName(e.target.value)}
          />
          {hint("name")}
        </label>
        <label className="cat-field">
          <span>Display name</span>
          <input name="display_name" value={displayName} placeholder="Scale Features" onChange={(e) => setDisplayName(e.target.value)} />
          {hint("display_name")}
        </label>
        <label className="cat-field">
          <span>Category</span>
          <input name="category" list="cat-categories" value={category} onChange={(e) => setCategory(e.target.value)} />
          <datalist id="cat-categories">
            {categories.map((c) => (
              <option key={c} value={c} />
            ))}
          </datalist>
          {hint("category")}
        </label>
      </div>
      <label className="cat-field">
        <span>Description</span>
        <textarea name="description" rows={2} value={description} onChange={(e) => setDescription(e.target.value)} />
        {hint("description")}
      </label>
      <ErrorNotice error={error} shownElsewhere={(k) => FIELDS.includes(k)} />
      <div className="cat-dialog-actions">
        <button type="button" className="cat-btn" onClick={onCancel}>
          Cancel
        </button>
        <button type="submit" className="cat-btn cat-btn-primary" disabled={busy || !name || !team}>
          {busy ? "Creating…" : "Create module"}
        </button>
      </div>
    </form>
  );
}

// The module editor: start from a template (a script, or a function whose signature becomes the
// interface), edit the code and the interface (form and YAML kept in sync), try the draft on a
// dataset or a sample, publish it as a new version. The draft lives in this browser until then.
import { useEffect, useMemo, useState } from "react";
import { Link, useNavigate, useParams } from "react-router-dom";
import { fromTemplate, versionSources, type Template } from "../api/authoring";
import { getModule, getVersion, moduleRef, type ModuleSpec } from "../api/modules";
import { ErrorNotice } from "../catalog/Bits";
import { canManage, preferredVersion, roleIn } from "../catalog/logic";
import { CodeEditor } from "../editor/CodeEditor";
import { InterfaceForm } from "../editor/InterfaceForm";
import { PublishPanel } from "../editor/PublishPanel";
import { TryItPanel } from "../editor/TryItPanel";
import { isFunctionDraft, loadDraft, saveDraft, specToYaml, yamlToSpec, type EditorDraft } from "../editor/draft";
import { useAsync } from "../hooks/useAsync";
import { useMe } from "../hooks/useMe";
import "../catalog/catalog.css";
import "../editor/editor.css";

const HIDDEN_FILES = new Set(["pw.py"]);

function TemplateChooser({ name, onDraft }: { name: string; onDraft: (d: EditorDraft) => void }) {
  const [template, setTemplate] = useState<Template>("function");
  const [error, setError] = useState<unknown>(null);
  const start = async () => {
    try {
      onDraft(await fromTemplate({ template, name }));
    } catch (e) {
      setError(e);
    }
  };
  return (
    <section className="cat-section" data-testid="template-chooser">
      <h2>Start from a template</h2>
      <label className="ed-check">
        <input type="radio" name="template" checked={template === "function"} onChange={() => setTemplate("function")} />
        <span>
          <strong>Python function</strong> — write <code>def main(data: pd.DataFrame, k: int = 3) -&gt; pd.DataFrame</code>;
          its signature and type hints become the ports and parameters.
        </span>
      </label>
      <label className="ed-check">
        <input type="radio" name="template" checked={template === "script"} onChange={() => setTemplate("script")} />
        <span>
          <strong>Python script</strong> — <code>main.py</code> reads <code>/in</code> and writes <code>/out</code> itself.
        </span>
      </label>
      <ErrorNotice error={error} />
      <button type="button" className="cat-btn cat-btn-primary" onClick={start} data-testid="use-template">
        Use this template
      </button>
    </section>
  );
}

export function ModuleEditorPage() {
  const { team = "", name = "" } = useParams();
  const ref = moduleRef(team, name);
  const navigate = useNavigate();
  const me = useMe();
  const found = useAsync(() => getModule(team, name), [team, name]);
  const module = found.data;
  const [draft, setDraftState] = useState<EditorDraft | null>(() => loadDraft(ref));
  const [file, setFile] = useState("main.py");
  const [view, setView] = useState<"form" | "yaml">("form");
  const [yamlText, setYamlText] = useState("");
  const [yamlError, setYamlError] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [regenerating, setRegenerating] = useState(false);

  const setDraft = (next: EditorDraft | null) => {
    setDraftState(next);
    saveDraft(ref, next);
  };

  // no draft in this browser: open the preferred version, if there is one
  useEffect(() => {
    if (draft || !module) return;
    const v = preferredVersion(module)?.version;
    if (!v) return;
    let live = true;
    Promise.all([getVersion(ref, v), versionSources(ref, v)])
      .then(([detail, files]) => live && setDraftState({ spec: detail.spec, files }))
      .catch((e) => live && setError(e));
    return () => {
      live = false;
    };
  }, [draft, module, ref]);

  // the YAML view follows the spec, unless the user is typing an invalid one
  useEffect(() => {
    if (draft && !yamlError) setYamlText(specToYaml(draft.spec));
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [draft?.spec]);

  const files = useMemo(() => Object.keys(draft?.files ?? {}).filter((f) => !HIDDEN_FILES.has(f)).sort(), [draft]);

  if (found.loading && module === undefined) return <div className="cat-page cat-muted">Loading {ref}…</div>;
  if (!module) {
    return (
      <div className="cat-page">
        <Link to="/catalog">← Catalog</Link>
        <ErrorNotice error={found.error} />
        {!found.error && <div className="cat-empty">No module {ref}.</div>}
      </div>
    );
  }
  if (me && !canManage(roleIn(me.teams, team), team)) {
    return (
      <div className="cat-page">
        <Link to={`/catalog/${ref}`}>← {ref}</Link>
        <div className="cat-empty">Only maintainers and owners of {team} edit this module.</div>
      </div>
    );
  }

  const setSpec = (spec: ModuleSpec) => draft && setDraft({ ...draft, spec });
  const setCode = (text: string) => draft && setDraft({ ...draft, files: { ...draft.files, [file]: text } });
  const onYaml = (text: string) => {
    setYamlText(text);
    const parsed = yamlToSpec(text);
    if ("error" in parsed) setYamlError(parsed.error);
    else {
      setYamlError(null);
      setSpec(parsed.spec);
    }
  };

  const regenerate = async () => {
    if (!draft) return;
    setRegenerating(true);
    setError(null);
    try {
      const made = await fromTemplate({
        template: "function",
        name,
        code: draft.files["main.py"] ?? "",
        display_name: draft.spec.display_name,
        category: draft.spec.category,
        description: draft.spec.description,
      });
      setDraft({
        spec: { ...draft.spec, inputs: made.spec.inputs, outputs: made.spec.outputs, parameters: made.spec.parameters },
        files: { ...draft.files, "run.py": made.files["run.py"] },
      });
    } catch (e) {
      setError(e);
    } finally {
      setRegenerating(false);
    }
  };

  return (
    <div className="cat-page ed-page" data-testid="module-editor">
      <Link to={`/catalog/${ref}`} className="cat-back">
        ← {ref}
      </Link>
      <header className="cat-header">
        <div>
          <h1>Edit {module.display_name || module.name}</h1>
          <p className="cat-muted cat-small">
            The draft is kept in this browser until you publish it.{" "}
            {draft && (
              <button
                type="button"
                className="cat-version-link"
                onClick={() => {
                  setDraft(null);
                  setYamlError(null);
                }}
              >
                Discard the draft
              </button>
            )}
          </p>
        </div>
      </header>
      <ErrorNotice error={error} onClose={() => setError(null)} />
      {!draft ? (
        module.versions.length === 0 ? (
          <TemplateChooser name={name} onDraft={(d) => setDraft(d)} />
        ) : (
          <div className="cat-muted">Opening the latest version…</div>
        )
      ) : (
        <>
          <div className="ed-columns">
            <section className="cat-section ed-code">
              <div className="ed-tabs" role="tablist">
                {files.map((f) => (
                  <button key={f} type="button" role="tab" aria-selected={f === file} className={f === file ? "ed-tab ed-tab-on" : "ed-tab"} onClick={() => setFile(f)}>
                    {f}
                  </button>
                ))}
              </div>
              <CodeEditor
                key={file}
                label={`code of ${file}`}
                value={draft.files[file] ?? ""}
                onChange={file === "run.py" && isFunctionDraft(draft.files) ? undefined : setCode}
                readOnly={file === "run.py" && isFunctionDraft(draft.files)}
                testId="code-editor"
                minHeight="22em"
              />
              {isFunctionDraft(draft.files) && (
                <div className="ed-row">
                  <button type="button" className="cat-btn" onClick={regenerate} disabled={regenerating} data-testid="regenerate">
                    {regenerating ? "Reading main()…" : "Update the interface from main()"}
                  </button>
                  <span className="cat-muted cat-small">run.py is generated from the signature of main() in main.py.</span>
                </div>
              )}
            </section>
            <section className="cat-section ed-interface">
              <div className="ed-tabs" role="tablist">
                <button type="button" role="tab" aria-selected={view === "form"} className={view === "form" ? "ed-tab ed-tab-on" : "ed-tab"} onClick={() => setView("form")}>
                  Interface
                </button>
                <button type="button" role="tab" aria-selected={view === "yaml"} className={view === "yaml" ? "ed-tab ed-tab-on" : "ed-tab"} onClick={() => setView("yaml")}>
                  spec.yaml
                </button>
              </div>
              {view === "form" ? (
                <InterfaceForm spec={draft.spec} onChange={setSpec} />
              ) : (
                <>
                  <CodeEditor label="spec.yaml" language="yaml" value={yamlText} onChange={onYaml} testId="yaml-editor" minHeight="22em" />
                  {yamlError && (
                    <div className="cat-field-error" role="alert">
                      Not applied: {yamlError}
                    </div>
                  )}
                </>
              )}
            </section>
          </div>
          <TryItPanel moduleRef={ref} spec={draft.spec} files={draft.files} />
          <PublishPanel
            moduleRef={ref}
            spec={draft.spec}
            files={draft.files}
            onPublished={(v) => {
              setDraft(null);
              navigate(`/catalog/${ref}?version=${encodeURIComponent(v.version)}`);
            }}
          />
        </>
      )}
    </div>
  );
}

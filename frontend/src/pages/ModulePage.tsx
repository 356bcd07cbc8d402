import { useEffect, useState } from "react";
import { Link, useParams, useSearchParams } from "react-router-dom";
import {
  deprecateVersion,
  disableVersion,
  enableVersion,
  getModule,
  getVersion,
  moduleRef,
  setDefaultVersion,
  componentYamlUrl,
  specYamlUrl,
  type VersionSummary,
} from "../api/modules";
import { DefaultMarker, Digest, ErrorNotice, StatusBadge } from "../catalog/Bits";
import { CompareSection } from "../catalog/CompareSection";
import { DeprecateDialog } from "../catalog/DeprecateDialog";
import { InterfaceView } from "../catalog/InterfaceView";
import { PublishForm } from "../catalog/PublishForm";
import { SharingSection } from "../catalog/SharingSection";
import { UsageSection } from "../catalog/UsageSection";
import { VersionsTable } from "../catalog/VersionsTable";
import { BUILTIN_TEAM, canManage, preferredVersion, roleIn, type LifecycleAction } from "../catalog/logic";
import { useAsync } from "../hooks/useAsync";
import { useMe } from "../hooks/useMe";
import "../catalog/catalog.css";
import "../editor/editor.css";

export function ModulePage() {
  const { team = "", name = "" } = useParams();
  const ref = moduleRef(team, name);
  const [search, setSearch] = useSearchParams();
  const me = useMe();
  const [actionError, setActionError] = useState<unknown>(null);
  const [busy, setBusy] = useState<string | null>(null);
  const [deprecating, setDeprecating] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);

  useEffect(() => {
    if (!notice) return;
    const t = window.setTimeout(() => setNotice(null), 4000);
    return () => window.clearTimeout(t);
  }, [notice]);

  // undefined while the first answer loads, null for no such module (or a failure: loadError)
  const { data: found, error: loadError, reload } = useAsync(() => getModule(team, name), [team, name]);
  const module = loadError ? null : found;

  const versions: VersionSummary[] = module?.versions ?? [];
  const selected = search.get("version") ?? (module ? preferredVersion(module)?.version : null) ?? null;

  const version = useAsync(() => (selected && module ? getVersion(ref, selected) : Promise.resolve(null)), [ref, selected, module]);
  const detailError = version.error;
  const detail = detailError ? null : (version.data ?? null);

  const role = roleIn(me?.teams, team);
  const manage = canManage(role, team);

  const select = (version: string) => setSearch({ version }, { replace: true });

  const run = async (version: string, action: () => Promise<unknown>, done: string) => {
    setBusy(version);
    setActionError(null);
    setNotice(null);
    try {
      await action();
      setNotice(done);
      reload();
    } catch (e) {
      setActionError(e);
    } finally {
      setBusy(null);
    }
  };

  const onAction = (action: LifecycleAction, v: VersionSummary) => {
    if (action === "deprecate") {
      setActionError(null);
      setDeprecating(v.version);
    } else if (action === "disable") run(v.version, () => disableVersion(ref, v.version), `${v.version} is disabled.`);
    else if (action === "enable") run(v.version, () => enableVersion(ref, v.version), `${v.version} is active again.`);
    else run(v.version, () => setDefaultVersion(ref, v.version), `${v.version} is now the default version.`);
  };

  if (module === undefined) return <div className="cat-page cat-muted">Loading {ref}…</div>;
  if (module === null) {
    return (
      <div className="cat-page">
        <Link to="/catalog" className="cat-back">
          ← Catalog
        </Link>
        {loadError ? <ErrorNotice error={loadError} /> : <div className="cat-empty">No module {ref}.</div>}
      </div>
    );
  }

  const current = versions.find((v) => v.version === selected) ?? null;
  const spec = detail?.version === selected ? detail.spec : null;

  return (
    <div className="cat-page" data-testid="module-page">
      <Link to="/catalog" className="cat-back">
        ← Catalog
      </Link>
      <header className="cat-header">
        <div>
          <div className="cat-eyebrow">{module.category || "Uncategorized"}</div>
          <h1>{module.display_name || module.name}</h1>
          <div className="cat-ref">
            <code>{ref}</code>
            {team === BUILTIN_TEAM && <span className="cat-pill">builtin · read-only</span>}
            {role && team !== BUILTIN_TEAM && <span className="cat-pill">your role: {role}</span>}
            {!role && team !== BUILTIN_TEAM && me && (
              <span className="cat-pill cat-pill-shared" data-testid="shared-badge">
                shared by {team} · read-only
              </span>
            )}
          </div>
          {(module.description || module.spec?.description) && (
            <p className="cat-description">{module.description || module.spec?.description}</p>
          )}
        </div>
        <div className="cat-header-side">
          <div className="cat-muted cat-small">Default version</div>
          <div className="cat-big">{module.default_version ?? "—"}</div>
          {manage && (
            <Link className="cat-btn cat-btn-primary" to={`/catalog/${ref}/edit`} data-testid="open-editor">
              Open in the editor
            </Link>
          )}
        </div>
      </header>

      <section className="cat-section">
        <div className="cat-section-head">
          <h2>Versions</h2>
          {!manage && team !== BUILTIN_TEAM && (
            <span className="cat-muted cat-small">Maintainers and owners of {team} can change the lifecycle.</span>
          )}
        </div>
        <ErrorNotice error={actionError} onClose={() => setActionError(null)} />
        {notice && (
          <div className="cat-ok" role="status">
            {notice}
          </div>
        )}
        {versions.length === 0 ? (
          <div className="cat-empty">No versions published yet.</div>
        ) : (
          <VersionsTable
            versions={versions}
            selected={selected}
            onSelect={select}
            onAction={manage ? onAction : undefined}
            busy={busy}
          />
        )}
      </section>

      {selected && (
        <section className="cat-section" data-testid="version-detail">
          <div className="cat-section-head">
            <h2>
              Version {selected} {current && <StatusBadge status={current.status} />}{" "}
              {current?.is_default && <DefaultMarker />}
            </h2>
            <span className="cat-header-actions">
              <a className="cat-btn cat-btn-sm" href={specYamlUrl(ref, selected)} download data-testid="spec-yaml">
                ↓ spec.yaml
              </a>
              <a
                className="cat-btn cat-btn-sm"
                href={componentYamlUrl(ref, selected)}
                download
                data-testid="component-yaml"
                title="Export this version as a Kubeflow Pipelines component"
              >
                ↓ Export component.yaml
              </a>
            </span>
          </div>
          {current?.status === "deprecated" && (
            <div className="cat-warning" role="note">
              <strong>Deprecated.</strong> {current.deprecation_message}
              {current.successor && (
                <>
                  {" "}
                  Use{" "}
                  <button type="button" className="cat-version-link" onClick={() => select(current.successor!)}>
                    {current.successor}
                  </button>
                  .
                </>
              )}
            </div>
          )}
          {current?.status === "disabled" && (
            <div className="cat-warning cat-warning-grey" role="note">
              <strong>Disabled.</strong> Pipelines using this version cannot run.
            </div>
          )}
          <ErrorNotice error={detailError} />
          {spec ? (
            <>
              {spec.description && spec.description !== (module.description || module.spec?.description) && (
                <p className="cat-description cat-spec-description">{spec.description}</p>
              )}
              <InterfaceView spec={spec} />
              {detail && detail.files.length > 0 && (
                <div className="cat-files">
                  <h4>Files</h4>
                  <ul>
                    {detail.files.map((f) => (
                      <li key={f}>
                        <code>{f}</code>
                      </li>
                    ))}
                  </ul>
                </div>
              )}
              {detail && (
                <div className="cat-muted cat-small">
                  Digest <Digest digest={detail.digest} />
                </div>
              )}
            </>
          ) : (
            !detailError && <div className="cat-muted">Loading interface…</div>
          )}
        </section>
      )}

      {versions.length > 1 && <CompareSection moduleRef={ref} versions={versions} />}

      <UsageSection moduleRef={ref} />

      {manage && <SharingSection moduleRef={ref} visibility={module.visibility} onChanged={reload} />}

      {manage && (
        <section className="cat-section">
          <PublishForm
            moduleRef={ref}
            onPublished={(v) => {
              setSearch({ version: v.version }, { replace: true });
              reload();
            }}
          />
        </section>
      )}

      {deprecating && (
        <DeprecateDialog
          version={deprecating}
          versions={versions}
          onClose={() => setDeprecating(null)}
          onSubmit={async (message, successor) => {
            await deprecateVersion(ref, deprecating, message, successor ?? undefined);
            setNotice(`${deprecating} is deprecated.`);
            setDeprecating(null);
            reload();
          }}
        />
      )}
    </div>
  );
}

// Publish the draft as a new version: the server proposes patch/minor/major from the interface
// diff against the highest published version; the user chooses, writes the changelog, publishes.
import { useEffect, useState } from "react";
import { proposeVersion, publishDraft, type Bump, type Proposal, type SpecDiff } from "../api/authoring";
import type { ModuleSpec, ModuleVersionDetail } from "../api/modules";
import { ErrorNotice } from "../catalog/Bits";

interface Props {
  moduleRef: string;
  spec: ModuleSpec;
  files: Record<string, string>;
  onPublished: (v: ModuleVersionDetail) => void;
}

const BUMPS: Bump[] = ["patch", "minor", "major"];

export function DiffList({ diff }: { diff: SpecDiff }) {
  const rows: string[] = [];
  for (const kind of ["inputs", "outputs", "parameters"] as const) {
    const d = diff[kind];
    rows.push(...d.added.map((n) => `+ ${kind}: ${n}`));
    rows.push(...d.removed.map((n) => `- ${kind}: ${n}`));
    rows.push(...d.renamed.map((r) => `~ ${kind}: ${r.from} → ${r.to}`));
    rows.push(...d.retyped.map((r) => `~ ${kind}: ${r.name} ${r.from} → ${r.to}`));
  }
  if (!rows.length) return <div className="cat-muted cat-small">The interface is unchanged.</div>;
  return (
    <ul className="ed-diff" data-testid="interface-diff">
      {rows.map((r) => (
        <li key={r} className={r.startsWith("-") ? "ed-del" : r.startsWith("+") ? "ed-add" : "ed-mod"}>
          {r}
        </li>
      ))}
    </ul>
  );
}

export function PublishPanel({ moduleRef, spec, files, onPublished }: Props) {
  const [proposal, setProposal] = useState<Proposal | null>(null);
  const [bump, setBump] = useState<Bump>("minor");
  const [changelog, setChangelog] = useState("");
  const [isDefault, setIsDefault] = useState(true);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    let live = true;
    const t = window.setTimeout(async () => {
      try {
        const p = await proposeVersion(moduleRef, spec);
        if (!live) return;
        setProposal(p);
        setBump(p.proposed);
        setError(null);
      } catch (e) {
        if (live) setError(e);
      }
    }, 300);
    return () => {
      live = false;
      window.clearTimeout(t);
    };
  }, [moduleRef, spec]);

  const version = proposal?.versions[bump] ?? "";
  const publish = async () => {
    setBusy(true);
    setError(null);
    try {
      onPublished(await publishDraft(moduleRef, { spec: { ...spec, version }, files, changelog, is_default: isDefault }));
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };

  return (
    <section className="cat-section" data-testid="publish-panel">
      <h2>Publish</h2>
      {proposal && (
        <>
          <div className="cat-small">
            {proposal.latest ? (
              <>
                Compared with <strong>{proposal.latest}</strong>: a <strong data-testid="proposed-bump">{proposal.proposed}</strong>{" "}
                version is proposed.
              </>
            ) : (
              <>The first version of this module.</>
            )}
          </div>
          {proposal.diff && <DiffList diff={proposal.diff} />}
          {proposal.diff?.reasons.length ? (
            <ul className="cat-small cat-muted">
              {proposal.diff.reasons.map((r) => (
                <li key={r}>{r}</li>
              ))}
            </ul>
          ) : null}
          <div className="ed-row" role="radiogroup" aria-label="Version bump">
            {BUMPS.map((b) => (
              <label key={b} className="ed-check">
                <input type="radio" name="bump" value={b} checked={bump === b} onChange={() => setBump(b)} />
                {b} ({proposal.versions[b]}){b === proposal.proposed ? " · proposed" : ""}
              </label>
            ))}
          </div>
        </>
      )}
      <label className="cat-field">
        <span>Changelog</span>
        <textarea
          aria-label="Changelog"
          rows={3}
          maxLength={5000}
          value={changelog}
          placeholder="What changed in this version"
          onChange={(e) => setChangelog(e.target.value)}
        />
      </label>
      <label className="ed-check">
        <input type="checkbox" checked={isDefault} onChange={(e) => setIsDefault(e.target.checked)} /> make it the default version
      </label>
      <ErrorNotice error={error} onClose={() => setError(null)} />
      <div className="cat-dialog-actions">
        <button type="button" className="cat-btn cat-btn-primary" disabled={busy || !version} onClick={publish} data-testid="publish-draft">
          {busy ? "Publishing…" : `Publish ${version}`}
        </button>
      </div>
    </section>
  );
}

// Datasets: upload CSVs (picker, drag-and-drop, progress), every version with its size, uploader
// and time, a column profile per version, archive and restore.
import { useCallback, useEffect, useMemo, useState } from "react";
import { Link } from "react-router-dom";
import { errorMessage } from "../api/errors";
import {
  archiveDataset,
  datasetLimits,
  datasetProfile,
  listDatasets,
  unarchiveDataset,
  type DatasetItem,
  type DatasetProfile,
} from "../api/datasets";
import { formatBytes } from "../datasets/upload";
import { ProfileView } from "../datasets/ProfileView";
import { UploadPanel } from "../datasets/UploadPanel";
import { useMe } from "../hooks/useMe";

function when(iso?: string) {
  if (!iso) return "";
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? "" : d.toLocaleString(undefined, { dateStyle: "medium", timeStyle: "short" });
}

export function DatasetsPage() {
  const me = useMe();
  const writable = useMemo(() => (me?.teams ?? []).filter((t) => t.role !== "viewer").map((t) => t.name), [me]);
  const [datasets, setDatasets] = useState<DatasetItem[] | null>(null);
  const [showArchived, setShowArchived] = useState(false);
  const [maxBytes, setMaxBytes] = useState<number | null>(null);
  const [open, setOpen] = useState<{ ref: string; version: number } | null>(null);
  const [profile, setProfile] = useState<DatasetProfile | null>(null);
  const [profileError, setProfileError] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);

  const refresh = useCallback(
    () => listDatasets(showArchived ? "all" : "false").then(setDatasets, (e) => setError(errorMessage(e))),
    [showArchived],
  );
  useEffect(() => {
    void refresh();
  }, [refresh]);
  useEffect(() => {
    datasetLimits().then(
      (l) => setMaxBytes(l.max_bytes),
      () => setMaxBytes(null),
    );
  }, []);

  useEffect(() => {
    if (!open) return;
    let live = true;
    setProfile(null);
    setProfileError(null);
    datasetProfile(open.ref, open.version).then(
      (p) => live && setProfile(p),
      (e) => live && setProfileError(errorMessage(e)),
    );
    return () => {
      live = false;
    };
  }, [open]);

  const act = async (fn: () => Promise<unknown>, done: string) => {
    setError(null);
    try {
      await fn();
      setNotice(done);
      await refresh();
    } catch (e) {
      setError(errorMessage(e));
    }
  };

  const toggle = (d: DatasetItem) =>
    setOpen((o) => (o?.ref === d.ref ? null : d.latest_version ? { ref: d.ref, version: d.latest_version } : null));

  return (
    <div className="page">
      <div className="page-head">
        <div>
          <h1>Datasets</h1>
          <p className="muted">CSV files your pipelines read. Each upload of a name is a new, immutable version.</p>
        </div>
      </div>
      {writable.length ? (
        <UploadPanel
          teams={writable}
          maxBytes={maxBytes}
          onUploaded={(d) => {
            setNotice(`Uploaded ${d.ref} v${d.latest_version}.`);
            setOpen(d.latest_version ? { ref: d.ref, version: d.latest_version } : null);
            void refresh();
          }}
        />
      ) : me ? (
        <div className="muted pad">You are a viewer in all your teams: ask a maintainer to make you a member to upload datasets.</div>
      ) : null}
      {error ? (
        <div className="alert error" role="alert" data-testid="error">
          {error}
        </div>
      ) : null}
      {notice ? (
        <div className="alert ok" role="status" data-testid="notice">
          {notice}
        </div>
      ) : null}
      <div className="list-tools">
        <label className="small">
          <input type="checkbox" checked={showArchived} onChange={(e) => setShowArchived(e.target.checked)} data-testid="show-archived" /> Show archived
        </label>
        <span className="muted small">{datasets ? `${datasets.length} dataset${datasets.length === 1 ? "" : "s"}` : ""}</span>
      </div>
      {datasets === null ? (
        <div className="muted pad">Loading…</div>
      ) : datasets.length === 0 ? (
        <div className="blank-slate" data-testid="datasets-empty">
          <div className="blank-icon">⛁</div>
          <h3>{showArchived ? "No datasets" : "No datasets yet"}</h3>
          <p className="muted">
            Upload a CSV above (or drop one onto a pipeline's canvas); it then appears in the canvas palette under “Datasets”.
          </p>
        </div>
      ) : (
        <table className="table" data-testid="datasets">
          <thead>
            <tr>
              <th>Dataset</th>
              <th>Latest</th>
              <th>Size</th>
              <th>Uploaded by</th>
              <th>When</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {datasets.map((d) => {
              const latest = d.versions.find((v) => v.version === d.latest_version);
              const expanded = open?.ref === d.ref;
              return [
                <tr key={d.ref} data-testid="dataset-row" data-ref={d.ref} className={d.archived ? "archived" : ""}>
                  <td className="name">
                    <button className="link" aria-expanded={expanded} onClick={() => toggle(d)} data-testid="dataset-open">
                      {expanded ? "▾" : "▸"} {d.ref}
                    </button>
                    {d.archived ? <span className="pill deprecated">archived</span> : null}
                  </td>
                  <td className="muted">{d.latest_version ? `v${d.latest_version}` : "—"}</td>
                  <td className="muted">{latest ? formatBytes(latest.size ?? 0) : ""}</td>
                  <td className="muted">{latest?.created_by ?? ""}</td>
                  <td className="muted">{when(latest?.created_at)}</td>
                  <td className="row-actions">
                    {writable.includes(d.team) ? (
                      d.archived ? (
                        <button className="btn small ghost" onClick={() => void act(() => unarchiveDataset(d.ref), `Restored ${d.ref}.`)} data-testid="unarchive">
                          Unarchive
                        </button>
                      ) : (
                        <button
                          className="btn small ghost"
                          title="Hide from the list and the palette; pipelines that read it keep running"
                          onClick={() => void act(() => archiveDataset(d.ref), `Archived ${d.ref}: hidden from the palette; pipelines that read it still run.`)}
                          data-testid="archive"
                        >
                          Archive
                        </button>
                      )
                    ) : null}
                  </td>
                </tr>,
                expanded ? (
                  <tr key={`${d.ref}/detail`} className="detail-row">
                    <td colSpan={6}>
                      <div className="versions" role="group" aria-label={`Versions of ${d.ref}`}>
                        {[...d.versions].reverse().map((v) => (
                          <button
                            key={v.version}
                            className={`version-chip${open?.version === v.version ? " on" : ""}`}
                            aria-pressed={open?.version === v.version}
                            onClick={() => setOpen({ ref: d.ref, version: v.version })}
                            data-testid="version-chip"
                          >
                            v{v.version} · {v.filename} · {formatBytes(v.size ?? 0)} · {v.created_by ?? "unknown"} · {when(v.created_at)}
                          </button>
                        ))}
                        {open?.ref === d.ref ? (
                          <Link to={`/lineage?dataset=${encodeURIComponent(d.ref)}&version=${open.version}`} className="small" data-testid="dataset-lineage">
                            lineage of v{open.version}
                          </Link>
                        ) : null}
                      </div>
                      {profileError ? (
                        <div className="muted small pad" data-testid="profile-error">
                          {profileError}
                        </div>
                      ) : profile && profile.ref === d.ref ? (
                        <ProfileView profile={profile} />
                      ) : (
                        <div className="muted small pad">Profiling…</div>
                      )}
                    </td>
                  </tr>
                ) : null,
              ];
            })}
          </tbody>
        </table>
      )}
    </div>
  );
}

import type { VersionSummary } from "../api/modules";
import { DefaultMarker, Digest, StatusBadge, formatDate } from "./Bits";
import { actionsFor, sortVersions, type LifecycleAction } from "./logic";

interface Props {
  versions: readonly VersionSummary[];
  selected: string | null;
  onSelect: (version: string) => void;
  /** Present only for users who may change the lifecycle. */
  onAction?: (action: LifecycleAction, version: VersionSummary) => void;
  busy?: string | null;
}

const LABELS: Record<LifecycleAction, string> = {
  default: "Set default",
  deprecate: "Deprecate",
  disable: "Disable",
  enable: "Enable",
};

export function VersionsTable({ versions, selected, onSelect, onAction, busy }: Props) {
  return (
    <table className="cat-table cat-versions" data-testid="versions-table">
      <thead>
        <tr>
          <th>Version</th>
          <th>Status</th>
          <th>Digest</th>
          <th>Created</th>
          <th>Changelog</th>
          {onAction && <th className="cat-actions-col">Lifecycle</th>}
        </tr>
      </thead>
      <tbody>
        {sortVersions(versions).map((v) => (
          <tr
            key={v.version}
            data-version={v.version}
            className={v.version === selected ? "cat-selected" : undefined}
            onClick={() => onSelect(v.version)}
          >
            <td>
              <button type="button" className="cat-version-link" onClick={() => onSelect(v.version)}>
                {v.version}
              </button>{" "}
              {v.is_default && <DefaultMarker />}
            </td>
            <td>
              <StatusBadge status={v.status} />
              {v.status === "deprecated" && (v.deprecation_message || v.successor) && (
                <div className="cat-deprecation">
                  {v.deprecation_message}
                  {v.successor && <span className="cat-successor">successor: {v.successor}</span>}
                </div>
              )}
            </td>
            <td onClick={(e) => e.stopPropagation()}>
              <Digest digest={v.digest} />
            </td>
            <td className="cat-muted">{formatDate(v.created_at)}</td>
            <td className="cat-changelog cat-small" data-testid="changelog">
              {v.changelog}
            </td>
            {onAction && (
              <td className="cat-actions-col" onClick={(e) => e.stopPropagation()}>
                <div className="cat-actions">
                  {actionsFor(v).map((a) => (
                    <button
                      key={a}
                      type="button"
                      className={`cat-btn cat-btn-sm${a === "disable" ? " cat-btn-danger" : a === "deprecate" ? " cat-btn-warn" : ""}`}
                      disabled={busy === v.version}
                      onClick={() => onAction(a, v)}
                    >
                      {LABELS[a]}
                    </button>
                  ))}
                </div>
              </td>
            )}
          </tr>
        ))}
      </tbody>
    </table>
  );
}

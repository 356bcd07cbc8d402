// Small presentational pieces of the catalog pages.
import { useState } from "react";
import { errorMessage, locatedErrors } from "../api/errors";
import type { VersionStatus } from "../api/modules";
import { portColor, shortDigest, statusBadge } from "./logic";

export function StatusBadge({ status }: { status: VersionStatus | string }) {
  const badge = statusBadge(status);
  return (
    <span className={`cat-badge cat-badge-${badge.tone}`} title={badge.title} data-testid="status-badge">
      {badge.label}
    </span>
  );
}

export function DefaultMarker() {
  return (
    <span className="cat-default" data-testid="default-marker" title="The default version: new nodes and unpinned references use it">
      ★ default
    </span>
  );
}

export function TypeChip({ type }: { type: string }) {
  const color = portColor(type);
  return (
    <span className="cat-type" style={{ color, borderColor: color, background: color + "14" }}>
      <span className="cat-type-dot" style={{ background: color }} />
      {type}
    </span>
  );
}

export function Digest({ digest }: { digest: string }) {
  const [copied, setCopied] = useState(false);
  if (!digest) return <span className="cat-muted">—</span>;
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(digest);
      setCopied(true);
      window.setTimeout(() => setCopied(false), 1200);
    } catch {
      window.prompt("Copy the digest", digest);
    }
  };
  return (
    <span className="cat-digest">
      <code title={digest}>{shortDigest(digest)}</code>
      <button type="button" className="cat-icon-btn" onClick={copy} aria-label="Copy digest" title="Copy full digest">
        {copied ? <CheckIcon /> : <CopyIcon />}
      </button>
    </span>
  );
}

function CopyIcon() {
  return (
    <svg width="13" height="13" viewBox="0 0 16 16" fill="none" stroke="currentColor" strokeWidth="1.5" aria-hidden>
      <rect x="5.5" y="5.5" width="8" height="8" rx="1.5" />
      <path d="M10.5 5.5V3.5a1.5 1.5 0 0 0-1.5-1.5H3.5A1.5 1.5 0 0 0 2 3.5V9a1.5 1.5 0 0 0 1.5 1.5h2" />
    </svg>
  );
}

function CheckIcon() {
  return (
    <svg width="13" height="13" viewBox="0 0 16 16" fill="none" stroke="#059669" strokeWidth="2" aria-hidden>
      <path d="M3 8.5l3.2 3L13 4.5" />
    </svg>
  );
}

/** An API failure shown inline: the detail, then every located error. */
export function ErrorNotice({
  error,
  onClose,
  shownElsewhere,
}: {
  error: unknown;
  onClose?: () => void;
  /** Fields whose errors the form already shows next to their control. */
  shownElsewhere?: (field: string) => boolean;
}) {
  if (!error) return null;
  const detail = errorMessage(error);
  const all = locatedErrors(error);
  const errors = shownElsewhere ? all.filter((e) => !shownElsewhere(e.field ?? e.port ?? e.node ?? "")) : all;
  return (
    <div className="cat-error" role="alert">
      <div className="cat-error-text">
        <strong>{detail}</strong>
        {errors.length > 0 && (
          <ul>
            {errors.map((e, i) => (
              <li key={i}>
                {e.field || e.port || e.node ? <code>{e.field ?? e.port ?? e.node}</code> : null} {e.message}
              </li>
            ))}
          </ul>
        )}
      </div>
      {onClose && (
        <button type="button" className="cat-icon-btn" onClick={onClose} aria-label="Dismiss">
          ×
        </button>
      )}
    </div>
  );
}

export function formatDate(iso: string | undefined): string {
  if (!iso) return "";
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return d.toLocaleString(undefined, { year: "numeric", month: "short", day: "numeric", hour: "2-digit", minute: "2-digit" });
}

// Shown when a save hits 412: someone else saved first. Never drops the user's work silently.
export function ConflictDialog({ onReload, onOverwrite, onCancel, busy }: { onReload: () => void; onOverwrite: () => void; onCancel: () => void; busy: boolean }) {
  return (
    <div className="modal-backdrop" role="dialog" aria-modal="true" data-testid="conflict-dialog">
      <div className="modal">
        <h3>This pipeline changed on the server</h3>
        <p>
          Someone saved a newer version while you were editing. Reload theirs and discard your unsaved changes, or overwrite it
          with yours.
        </p>
        <div className="modal-actions">
          <button className="btn ghost" onClick={onCancel} disabled={busy}>
            Keep editing
          </button>
          <button className="btn" onClick={onReload} disabled={busy} data-testid="conflict-reload">
            Reload their version
          </button>
          <button className="btn danger" onClick={onOverwrite} disabled={busy} data-testid="conflict-overwrite">
            Overwrite with mine
          </button>
        </div>
      </div>
    </div>
  );
}

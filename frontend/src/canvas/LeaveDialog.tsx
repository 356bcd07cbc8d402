// Asked when a link inside the app would leave the designer with unsaved edits.
export function LeaveDialog({ onStay, onLeave, onSaveAndLeave, busy }: { onStay: () => void; onLeave: () => void; onSaveAndLeave: () => void; busy: boolean }) {
  return (
    <div className="modal-backdrop" role="dialog" aria-modal="true" data-testid="leave-dialog">
      <div className="modal">
        <h3>Leave with unsaved changes?</h3>
        <p>This pipeline has edits that are not saved. Save them first, or leave and lose them.</p>
        <div className="modal-actions">
          <button className="btn ghost" onClick={onStay} disabled={busy} data-testid="leave-stay">
            Stay
          </button>
          <button className="btn danger" onClick={onLeave} disabled={busy} data-testid="leave-discard">
            Leave without saving
          </button>
          <button className="btn primary" onClick={onSaveAndLeave} disabled={busy} data-testid="leave-save">
            Save and leave
          </button>
        </div>
      </div>
    </div>
  );
}

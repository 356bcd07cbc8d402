// Placeholder: replaced by the page's owner.
export function ModulePage() {
  return <div className="empty">ModulePage</div>;
}

// Placeholder: replaced by the page's owner.
export function RunsPage() {
  return <div className="empty">RunsPage</div>;
}

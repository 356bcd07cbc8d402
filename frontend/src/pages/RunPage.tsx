// Placeholder: replaced by the page's owner.
export function RunPage() {
  return <div className="empty">RunPage</div>;
}

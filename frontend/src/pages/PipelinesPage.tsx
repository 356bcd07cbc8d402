// Placeholder: replaced by the page's owner.
export function PipelinesPage() {
  return <div className="empty">PipelinesPage</div>;
}

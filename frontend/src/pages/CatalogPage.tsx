// Placeholder: replaced by the page's owner.
export function CatalogPage() {
  return <div className="empty">CatalogPage</div>;
}

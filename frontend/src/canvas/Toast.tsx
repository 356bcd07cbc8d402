import { useEffect } from "react";
import { usePipelineStore } from "../store/pipeline";

export function Toast() {
  const toast = usePipelineStore((s) => s.toast);
  const clear = usePipelineStore((s) => s.clearToast);
  useEffect(() => {
    if (!toast) return;
    const t = setTimeout(() => clear(toast.id), 4500);
    return () => clearTimeout(t);
  }, [toast, clear]);
  if (!toast) return null;
  return (
    <div className={`toast ${toast.kind}`} role="status" data-testid="toast" onClick={() => clear(toast.id)}>
      {toast.message}
    </div>
  );
}

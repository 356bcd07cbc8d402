// When a node runs (PropertiesPanel): a condition on an upstream metric or a pipeline parameter
// ("evaluate.accuracy >= 0.9", "params.mode == 'full'"; otherwise the step is skipped with the
// reason), and "always run" for an exit step (cleanup, notification) that runs once the rest of
// the run has finished, whatever its outcome. The compiler types the condition; its errors show here.
import { useMemo } from "react";
import { usePipelineStore } from "../store/pipeline";

const CODES = new Set(["invalid_condition", "exit_feeds_step"]);

export function RunWhen({ nodeId, condition, exit }: { nodeId: string; condition: string | undefined; exit: boolean | undefined }) {
  const errors = usePipelineStore((s) => s.errors);
  const setRunWhen = usePipelineStore((s) => s.setNodeRunWhen);
  const mine = useMemo(() => errors.filter((p) => p.node === nodeId && CODES.has(p.code)), [errors, nodeId]);
  return (
    <div data-testid="run-when">
      <div className="field">
        <label htmlFor="node-condition">Run only when</label>
        <input
          id="node-condition"
          data-testid="node-condition"
          key={`${nodeId}/${condition ?? ""}`}
          defaultValue={condition ?? ""}
          placeholder="always (e.g. evaluate.accuracy >= 0.9)"
          onBlur={(e) => {
            const next = e.target.value.trim();
            if (next !== (condition ?? "")) setRunWhen(nodeId, { condition: next });
          }}
        />
        <div className="muted small">
          <code>node.metric</code> or <code>params.name</code>, then <code>== != &gt;= &lt;= &gt; &lt;</code> and a value
        </div>
      </div>
      <div className="field">
        <label className="check">
          <input type="checkbox" checked={!!exit} onChange={(e) => setRunWhen(nodeId, { exit: e.target.checked })} data-testid="node-exit" />{" "}
          Always run at the end (exit step)
        </label>
      </div>
      {mine.map((p) => (
        <div className="field-error" key={p.message} data-testid="run-when-error">
          {p.message}
        </div>
      ))}
    </div>
  );
}

// The upgrade assistant: nodes pinned to older module versions, the interface diff of each, and
// the proposed document applied in one undoable step (nothing is saved until the user saves).
import { useEffect, useState } from "react";
import { errorMessage } from "../api/errors";
import { upgradePreview, type NodeUpgrade, type UpgradePreview } from "../api/pipelines";
import type { PipelineDoc } from "../graph/types";

interface Props {
  pipelineId: number;
  doc: PipelineDoc;
  onApply: (graph: PipelineDoc, upgraded: number) => void;
  onClose: () => void;
}

type Diff = NodeUpgrade["inputs"];

function DiffLines({ title, diff }: { title: string; diff: Diff }) {
  const lines: [string, string][] = [
    ...diff.added.map((n): [string, string] => ["added", `+ ${n}`]),
    ...diff.removed.map((n): [string, string] => ["removed", `− ${n}`]),
    ...diff.renamed.map((r): [string, string] => ["renamed", `${r.from} → ${r.to}`]),
    ...diff.retyped.map((r): [string, string] => ["retyped", `${r.name}: ${r.from} → ${r.to}`]),
  ];
  if (!lines.length) return null;
  return (
    <div className="upgrade-diff">
      <strong>{title}</strong>
      <ul>
        {lines.map(([kind, text]) => (
          <li key={kind + text} className={`upgrade-${kind}`}>
            <span className="upgrade-kind">{kind}</span> {text}
          </li>
        ))}
      </ul>
    </div>
  );
}

export function NodeUpgradeCard({ node, checked, onToggle }: { node: NodeUpgrade; checked: boolean; onToggle: () => void }) {
  const same = ["inputs", "outputs", "parameters"].every((k) => {
    const d = node[k as "inputs"];
    return !d.added.length && !d.removed.length && !d.renamed.length && !d.retyped.length;
  });
  return (
    <li className="upgrade-node" data-testid="upgrade-node" data-node={node.node}>
      <label className="upgrade-head">
        <input type="checkbox" checked={checked} onChange={onToggle} aria-label={`Upgrade ${node.node}`} />
        <code>{node.node}</code> {node.module} <span className="upgrade-versions">{node.from_version} → {node.to_version}</span>
      </label>
      {checked && (
        <div className="upgrade-body">
          {same ? <div className="small">Same interface.</div> : null}
          <DiffLines title="Inputs" diff={node.inputs} />
          <DiffLines title="Outputs" diff={node.outputs} />
          <DiffLines title="Parameters" diff={node.parameters} />
          {node.carried_params.length ? <div className="small">Values kept: {node.carried_params.join(", ")}</div> : null}
          {node.dropped_params.map((d) => (
            <div key={d.name} className="small upgrade-dropped">
              Value of {d.name} not kept: {d.reason}
            </div>
          ))}
          {node.dropped_edges.map((e) => (
            <div key={`${e.source}.${e.source_port}>${e.target}.${e.target_port}`} className="small upgrade-dropped">
              Edge {e.source}.{e.source_port} → {e.target}.{e.target_port} removed: {e.reason}
            </div>
          ))}
        </div>
      )}
    </li>
  );
}

export function UpgradeDialog({ pipelineId, doc, onApply, onClose }: Props) {
  const [all, setAll] = useState<NodeUpgrade[] | null>(null);
  const [chosen, setChosen] = useState<Set<string>>(new Set());
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    let live = true;
    upgradePreview(pipelineId, doc).then(
      (p) => {
        if (!live) return;
        setAll(p.nodes);
        setChosen(new Set(p.nodes.map((n) => n.node)));
      },
      (e) => live && setError(errorMessage(e)),
    );
    return () => {
      live = false;
    };
  }, [pipelineId, doc]);

  const toggle = (id: string) =>
    setChosen((c) => {
      const next = new Set(c);
      if (next.has(id)) next.delete(id);
      else next.add(id);
      return next;
    });

  const apply = async () => {
    setBusy(true);
    setError(null);
    try {
      const proposal: UpgradePreview = await upgradePreview(pipelineId, doc, [...chosen]);
      onApply(proposal.graph, proposal.nodes.length);
    } catch (e) {
      setError(errorMessage(e));
      setBusy(false);
    }
  };

  return (
    <div className="modal-backdrop" role="dialog" aria-modal="true" aria-labelledby="upgrade-title" data-testid="upgrade-dialog">
      <div className="modal upgrade-modal">
        <h3 id="upgrade-title">Upgrade module versions</h3>
        {all === null && !error ? <p>Looking for newer versions…</p> : null}
        {all !== null && all.length === 0 ? (
          <p data-testid="upgrade-none">Every pinned node is on its module's preferred version.</p>
        ) : null}
        {all !== null && all.length > 0 ? (
          <>
            <p>
              These nodes are pinned to older versions. Values and edges are kept where the names (or declared renames) and
              types still match. Applying changes the canvas only: review, then save; Undo restores it in one step.
            </p>
            <ul className="upgrade-list">
              {all.map((n) => (
                <NodeUpgradeCard key={n.node} node={n} checked={chosen.has(n.node)} onToggle={() => toggle(n.node)} />
              ))}
            </ul>
          </>
        ) : null}
        {error ? (
          <p className="field-error" role="alert">
            {error}
          </p>
        ) : null}
        <div className="modal-actions">
          <button type="button" className="btn ghost" onClick={onClose} disabled={busy}>
            {all && all.length ? "Cancel" : "Close"}
          </button>
          {all && all.length ? (
            <button type="button" className="btn primary" onClick={() => void apply()} disabled={busy || chosen.size === 0} data-testid="upgrade-apply">
              {busy ? "Applying…" : `Upgrade ${chosen.size} node${chosen.size === 1 ? "" : "s"}`}
            </button>
          ) : null}
        </div>
      </div>
    </div>
  );
}

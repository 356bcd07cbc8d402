// Toolbar actions: "Make sub-pipeline" saves the selected nodes as a new pipeline (inputs and
// outputs where edges cross the selection) and puts one node in their place; "Ungroup
// sub-pipeline" puts the nodes of the selected sub-pipeline's version back. Both are one undo step.
import { useState } from "react";
import { createPipeline, getPipelineVersion, listPipelineVersions } from "../api/pipelines";
import { errorMessage } from "../api/errors";
import { extract, inline, place } from "../graph/group";
import { nextId } from "../graph/convert";
import type { PipelineDoc } from "../graph/types";
import { usePipelineStore } from "../store/pipeline";
import { edgeColor, livePorts } from "./ports";

const selection = (s: ReturnType<typeof usePipelineStore.getState>) => s.nodes.filter((n) => n.selected);

async function makeSubPipeline(name: string) {
  const s = usePipelineStore.getState();
  const ids = new Set(selection(s).map((n) => n.id));
  const doc = s.doc();
  const ex = extract(doc, ids, (node, port, side) => (side === "in" ? livePorts.inputType(node, port) : livePorts.outputType(node, port)) ?? "Any");
  const saved = await createPipeline(s.team, name, ex.inner);
  const subId = nextId(doc.nodes.map((n) => n.id), "sub");
  s.replaceDoc(place(doc, ids, subId, saved.id, null, ex), edgeColor);
  s.showToast(`Made sub-pipeline "${name}" from ${ids.size} node(s); save to keep the change.`, "info");
}

async function ungroup(subId: string, pipeline: number, version: number | null) {
  const number = version ?? Math.max(...(await listPipelineVersions(pipeline)).map((r) => r.number));
  const inner = (await getPipelineVersion(pipeline, number)).graph as PipelineDoc;
  const s = usePipelineStore.getState();
  s.replaceDoc(inline(s.doc(), subId, inner), edgeColor);
}

export function SubPipelineActions() {
  const selected = usePipelineStore((s) => s.nodes.filter((n) => n.selected).map((n) => `${n.id}|${n.type}`).join(","));
  const [busy, setBusy] = useState(false);
  const items = selected ? selected.split(",").map((x) => x.split("|")) : [];
  const groupable = items.length > 0 && items.every(([, type]) => type === "module" || type === "dataset" || type === "subpipeline");
  const sub = items.length === 1 && items[0][1] === "subpipeline" ? items[0][0] : null;
  const run = (work: () => Promise<void>) => {
    setBusy(true);
    work()
      .catch((e: unknown) => usePipelineStore.getState().showToast(errorMessage(e), "error"))
      .finally(() => setBusy(false));
  };
  return (
    <>
      <button
        className="btn ghost"
        disabled={!groupable || busy}
        data-testid="make-subpipeline"
        title="Save the selected nodes as a new pipeline and place it here as one node"
        onClick={() => {
          const name = window.prompt("Name of the new sub-pipeline", "Sub-pipeline");
          if (name?.trim()) run(() => makeSubPipeline(name.trim()));
        }}
      >
        ▣ Make sub-pipeline
      </button>
      {sub ? (
        <button
          className="btn ghost"
          disabled={busy}
          data-testid="ungroup-subpipeline"
          title="Put the sub-pipeline's nodes back in its place"
          onClick={() => {
            const node = usePipelineStore.getState().nodes.find((n) => n.id === sub);
            if (node?.type === "subpipeline") run(() => ungroup(sub, node.data.pipeline, node.data.version));
          }}
        >
          Ungroup sub-pipeline
        </button>
      ) : null}
    </>
  );
}


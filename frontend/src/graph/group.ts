// "Make sub-pipeline" and "Ungroup sub-pipeline" (compiler/nesting.py), pure document edits.
//
// extract(doc, ids) cuts the selected nodes out as a new pipeline document: every edge that enters
// the selection becomes an input node (one per outside source port), every edge that leaves it an
// output node (one per inside source port); parameters the selection binds are carried over and
// bound back from the outer pipeline. place(doc, ids, sub) replaces the selection by one node.
// inline(doc, subId, inner) does the reverse: the inner nodes come back, named `<sub>_<inner>`.
import type { BoundaryNodeDoc, EdgeDoc, NodeDoc, PipelineDoc, PipelineParam, SubPipelineNodeDoc } from "./types";
import { isBoundaryNode, isDatasetNode, isParamRef, isSubPipelineNode } from "./types";

const key = (node: string, port: string) => `${node}:${port}`;

function unique(name: string, taken: Set<string>): string {
  let out = name.replace(/[^A-Za-z0-9_]/g, "_") || "port";
  for (let i = 2; taken.has(out); i++) out = `${name}_${i}`;
  taken.add(out);
  return out;
}

function boundParams(nodes: NodeDoc[]): Set<string> {
  const found = new Set<string>();
  for (const n of nodes)
    if ("params" in n && n.params) for (const v of Object.values(n.params)) if (isParamRef(v)) found.add(v.$param);
  return found;
}

export interface Extracted {
  inner: PipelineDoc;
  /** the outer edges to and from the new node, with `SUB` as its id */
  inputs: { name: string; from: EdgeDoc }[];
  outputs: { name: string; to: EdgeDoc[] }[];
  params: Record<string, { $param: string }>;
}

export function extract(doc: PipelineDoc, ids: ReadonlySet<string>, portType: (node: string, port: string, side: "in" | "out") => string): Extracted {
  const inside = doc.nodes.filter((n) => ids.has(n.id));
  const names = new Set<string>();
  const inNodes: BoundaryNodeDoc[] = [];
  const outNodes: BoundaryNodeDoc[] = [];
  const edges: EdgeDoc[] = [];
  const inputs: Extracted["inputs"] = [];
  const outputs: Extracted["outputs"] = [];
  const inputOf = new Map<string, string>(); // outside source -> input name
  const outputOf = new Map<string, string>(); // inside source -> output name
  const ys = inside.map((n) => n.position.y);
  const top = Math.min(...ys) - 150;
  const bottom = Math.max(...ys) + 150;
  for (const e of doc.edges) {
    const srcIn = ids.has(e.source);
    const tgtIn = ids.has(e.target);
    if (srcIn && tgtIn) edges.push({ ...e });
    else if (tgtIn) {
      let name = inputOf.get(key(e.source, e.source_port));
      if (!name) {
        name = unique(e.target_port, names);
        inputOf.set(key(e.source, e.source_port), name);
        inNodes.push({ id: `in_${name}`, input: name, type: portType(e.target, e.target_port, "in"), position: { x: inNodes.length * 250, y: top } });
        inputs.push({ name, from: { ...e } });
      }
      edges.push({ source: `in_${name}`, source_port: name, target: e.target, target_port: e.target_port });
    } else if (srcIn) {
      let name = outputOf.get(key(e.source, e.source_port));
      if (!name) {
        name = unique(e.source_port, names);
        outputOf.set(key(e.source, e.source_port), name);
        outNodes.push({ id: `out_${name}`, output: name, type: portType(e.source, e.source_port, "out"), position: { x: outNodes.length * 250, y: bottom } });
        edges.push({ source: e.source, source_port: e.source_port, target: `out_${name}`, target_port: name });
        outputs.push({ name, to: [] });
      }
      outputs.find((o) => o.name === name)!.to.push({ ...e });
    }
  }
  const used = boundParams(inside);
  const parameters: PipelineParam[] = doc.parameters.filter((p) => used.has(p.name)).map((p) => ({ ...p }));
  const params = Object.fromEntries(parameters.map((p) => [p.name, { $param: p.name }]));
  return {
    inner: { schema: 1, nodes: [...inNodes, ...inside.map((n) => ({ ...n })), ...outNodes], edges, parameters },
    inputs,
    outputs,
    params,
  };
}

/** `doc` with the selection replaced by a sub-pipeline node `subId` of pipeline `pipeline`. */
export function place(doc: PipelineDoc, ids: ReadonlySet<string>, subId: string, pipeline: number, version: number | null, ex: Extracted): PipelineDoc {
  const inside = doc.nodes.filter((n) => ids.has(n.id));
  const x = inside.reduce((a, n) => a + n.position.x, 0) / Math.max(inside.length, 1);
  const y = inside.reduce((a, n) => a + n.position.y, 0) / Math.max(inside.length, 1);
  const sub: SubPipelineNodeDoc = { id: subId, pipeline, version, params: { ...ex.params }, position: { x: Math.round(x), y: Math.round(y) } };
  const kept = doc.edges.filter((e) => !ids.has(e.source) && !ids.has(e.target));
  const edges = [
    ...kept,
    ...ex.inputs.map((i) => ({ source: i.from.source, source_port: i.from.source_port, target: subId, target_port: i.name })),
    ...ex.outputs.flatMap((o) => o.to.map((e) => ({ source: subId, source_port: o.name, target: e.target, target_port: e.target_port }))),
  ];
  return { ...doc, nodes: [...doc.nodes.filter((n) => !ids.has(n.id)), sub], edges };
}

/** `doc` with sub-pipeline node `subId` replaced by the nodes of `inner` (its version's document). */
export function inline(doc: PipelineDoc, subId: string, inner: PipelineDoc): PipelineDoc {
  const sub = doc.nodes.find((n) => n.id === subId);
  if (!sub || !isSubPipelineNode(sub)) return doc;
  const taken = new Set(doc.nodes.map((n) => n.id));
  const rename = new Map<string, string>();
  for (const n of inner.nodes) if (!isBoundaryNode(n)) rename.set(n.id, unique(`${subId}_${n.id}`, taken));
  const boundary = new Map(inner.nodes.filter(isBoundaryNode).map((n) => [n.id, n]));
  const subParams = sub.params ?? {};
  const defaults = new Map(inner.parameters.map((p) => [p.name, p.default]));
  const value = (v: unknown) => (isParamRef(v) ? (v.$param in subParams ? subParams[v.$param] : defaults.get(v.$param)) : v);
  const nodes: NodeDoc[] = inner.nodes
    .filter((n) => !isBoundaryNode(n))
    .map((n) => {
      const moved = { ...n, id: rename.get(n.id)!, position: { x: n.position.x + sub.position.x, y: n.position.y + sub.position.y } } as NodeDoc;
      if (!isDatasetNode(moved) && "params" in moved && moved.params) moved.params = Object.fromEntries(Object.entries(moved.params).map(([k, v]) => [k, value(v)]));
      return moved;
    });
  const edges: EdgeDoc[] = doc.edges.filter((e) => e.source !== subId && e.target !== subId);
  for (const e of inner.edges) {
    const s = boundary.get(e.source);
    const t = boundary.get(e.target);
    if (!s && !t) edges.push({ ...e, source: rename.get(e.source)!, target: rename.get(e.target)! });
    else if (s?.input !== undefined && !t)
      for (const outer of doc.edges.filter((o) => o.target === subId && o.target_port === s.input))
        edges.push({ source: outer.source, source_port: outer.source_port, target: rename.get(e.target)!, target_port: e.target_port });
    else if (t?.output !== undefined && !s)
      for (const outer of doc.edges.filter((o) => o.source === subId && o.source_port === t.output))
        edges.push({ source: rename.get(e.source)!, source_port: e.source_port, target: outer.target, target_port: outer.target_port });
  }
  return { ...doc, nodes: [...doc.nodes.filter((n) => n.id !== subId), ...nodes], edges };
}

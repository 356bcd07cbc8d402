// Connection rules used while dragging: type lattice, no self loops, no cycles, one edge per input.
import type { EdgeDoc } from "./types";
import { typesCompatible } from "./ports";

export interface PortLookup {
  /** type of an output port of a node, undefined when the node or port is unknown */
  outputType(node: string, port: string): string | undefined;
  inputType(node: string, port: string): string | undefined;
}

export interface ConnectionAttempt {
  source: string;
  sourcePort: string;
  target: string;
  targetPort: string;
}

export type Verdict = { ok: true } | { ok: false; reason: string };

/** Would adding source->target close a cycle?  True when target already reaches source. */
export function wouldCreateCycle(edges: readonly Pick<EdgeDoc, "source" | "target">[], source: string, target: string): boolean {
  if (source === target) return true;
  const out = new Map<string, string[]>();
  for (const e of edges) {
    const list = out.get(e.source);
    if (list) list.push(e.target);
    else out.set(e.source, [e.target]);
  }
  const seen = new Set<string>([target]);
  const stack = [target];
  while (stack.length) {
    const n = stack.pop()!;
    for (const next of out.get(n) ?? []) {
      if (next === source) return true;
      if (!seen.has(next)) {
        seen.add(next);
        stack.push(next);
      }
    }
  }
  return false;
}

export function checkConnection(c: ConnectionAttempt, edges: readonly EdgeDoc[], ports: PortLookup): Verdict {
  if (c.source === c.target) return { ok: false, reason: "A node cannot connect to itself" };
  const from = ports.outputType(c.source, c.sourcePort);
  const to = ports.inputType(c.target, c.targetPort);
  if (from === undefined) return { ok: false, reason: `Unknown output port "${c.sourcePort}"` };
  if (to === undefined) return { ok: false, reason: `Unknown input port "${c.targetPort}"` };
  if (!typesCompatible(from, to)) {
    return { ok: false, reason: `Type mismatch: ${from} output cannot feed ${to} input "${c.targetPort}"` };
  }
  if (edges.some((e) => e.target === c.target && e.target_port === c.targetPort && !(e.source === c.source && e.source_port === c.sourcePort))) {
    return { ok: false, reason: `Input "${c.targetPort}" is already connected` };
  }
  if (edges.some((e) => e.source === c.source && e.source_port === c.sourcePort && e.target === c.target && e.target_port === c.targetPort)) {
    return { ok: false, reason: "These ports are already connected" };
  }
  if (wouldCreateCycle(edges, c.source, c.target)) return { ok: false, reason: "That connection would create a cycle" };
  return { ok: true };
}

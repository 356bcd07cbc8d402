"""For each over a sub-pipeline: a sub-pipeline node with a `foreach` field runs the whole inner
pipeline once per item.

compiler.nesting keeps such a node as one node of the flat document (not inlined): the
sub-pipeline's interface under `$subpipeline` and its inner nodes, flattened and named
`<node>.<inner>`, under `$body`. The compiler types the node like a module whose inputs, outputs
and parameters are the sub-pipeline's (`module_info`), compiles the body as a pipeline of its own
(`body_document`: the outer pipeline's parameters, plus one `$item.<name>` per parameter each item
sets) and keeps the result as the step's `body` (`body_steps`): inner steps named relative to the
item, which inner input reads which of the node's inputs, and which inner output each output is.
The runner (runner.foreach) makes one row per item and inner step, `<node>[<i>].<inner>`.

The body runs as it is: no conditions, exit steps or for-each nodes inside it (refused here).
Pure: no Django.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from compiler.catalog import ModuleInfo, PortSpec
from compiler.document import SCHEMA_VERSION
from compiler.foreach import ITEM_PARAM
from compiler.nesting import BODY, SUB
from compiler.plan import Plan, Runtime, Step

__all__ = ["BODY", "SUB", "body_document", "body_steps", "module_info", "refused"]

NO_RUNTIME = Runtime(image="", command=())  # the node runs nothing itself: its items' steps do


def module_info(sub: Mapping[str, Any]) -> ModuleInfo:
    """The sub-pipeline's interface as a module's: its inputs, outputs and parameters (a JSON
    Schema of the declared type, with the default)."""
    parameters: dict[str, dict[str, Any]] = {}
    for p in sub.get("parameters", []):
        schema: dict[str, Any] = {"type": p.get("type", "string")}
        if p.get("default") is not None:
            schema["default"] = p["default"]
        parameters[p["name"]] = schema
    return ModuleInfo(
        ref=f"pipeline {sub.get('name')!r}",
        version=str(sub.get("version")),
        # negative, one per sub-pipeline version: the compiler caches ports and schema checks by it
        module_version_id=-((int(sub.get("pipeline", 0)) << 20) + int(sub.get("version", 0))) - 1,
        status="active",
        digest="",
        inputs=tuple(PortSpec(str(n), str(t)) for n, t in sub.get("inputs", [])),
        outputs=tuple(PortSpec(str(n), str(t)) for n, t in sub.get("outputs", [])),
        parameters=parameters,
        runtime=NO_RUNTIME,
        display_name=str(sub.get("name", "")),
    )


def refused(body: Mapping[str, Any]) -> list[str]:
    """Why the body cannot run once per item as it is: one sentence per inner node that holds a
    condition, is an exit step or is a for-each itself."""
    prefix = f"{body['prefix']}."
    out: list[str] = []
    for n in body["nodes"]:
        if not isinstance(n, dict):
            continue
        name = str(n.get("id", ""))[len(prefix) :]
        if n.get("condition") is not None:
            out.append(f"inner node '{name}' has a condition")
        if n.get("exit"):
            out.append(f"inner node '{name}' is an exit step")
        if "foreach" in n:
            out.append(f"inner node '{name}' is a for-each")
    return out


def body_document(
    body: Mapping[str, Any],
    parameters: list[dict[str, Any]],
    itemized: Mapping[str, str],
    compute: Any,
) -> dict[str, Any]:
    """The body as a pipeline document: its nodes and edges, the outer pipeline's parameters
    (`parameters`, as read) and one `$item.<name>` per parameter each item sets (`itemized`:
    name -> type), the outer pipeline's default compute settings."""
    declared = [{"name": p["name"], "type": p["type"], "default": p["default"]} for p in parameters]
    declared += [{"name": f"{ITEM_PARAM}{name}", "type": ptype} for name, ptype in itemized.items()]
    doc: dict[str, Any] = {
        "schema": SCHEMA_VERSION,
        "nodes": list(body["nodes"]),
        "edges": list(body["edges"]),
        "parameters": declared,
    }
    if compute is not None:
        doc["compute"] = compute
    return doc


def body_steps(
    plan: Plan, body: Mapping[str, Any]
) -> tuple[tuple[Step, ...], tuple[tuple[str, str, str], ...], tuple[tuple[str, str, str], ...], list[str]]:
    """The compiled body with its node names made relative to the item, the inner inputs the
    node's inputs feed, the inner outputs that are the node's, and what is wrong (an output read
    from a port the inner step does not have)."""
    prefix = f"{body['prefix']}."

    def rel(node: str) -> str:
        return node[len(prefix) :] if node.startswith(prefix) else node

    steps = tuple(
        replace(
            s,
            node=rel(s.node),
            inputs=tuple(replace(b, source_node=rel(b.source_node)) if b.source_node else b for b in s.inputs),
            after=tuple(rel(a) for a in s.after),
        )
        for s in plan.steps
    )
    by_node = {s.node: s for s in steps}
    inputs = tuple((rel(n), p, i) for n, p, i in body["inputs"] if rel(n) in by_node)
    outputs: list[tuple[str, str, str]] = []
    problems: list[str] = []
    for name, node, port in body["outputs"]:
        inner = by_node.get(rel(node))
        if inner is None or port not in dict(inner.outputs):
            problems.append(f"output '{name}' reads '{rel(node)}.{port}', which is not an output of an inner step")
            continue
        outputs.append((name, rel(node), port))
    return steps, inputs, tuple(outputs), problems

"""Sub-pipelines: a saved pipeline version placed as one node, flattened before compiling.

A pipeline declares its interface with boundary nodes: `{"id": "in_data", "input": "data", "type":
"DataFrame"}` (an output port named `data` inside the pipeline) and `{"id": "out_model", "output":
"model", "type": "Model"}` (an input port named `model`). Another pipeline places it as
`{"id": "prep", "pipeline": 42, "version": 3, "params": {"test_size": 0.3}}`, whose input and output
ports are those declared names and types, and whose `params` set the inner pipeline's parameters
(a literal, or `{"$param": outer}`; unset ones take the inner default).

`flatten(doc, pipelines)` replaces every sub-pipeline node, recursively, by its inner nodes named
`<outer>.<inner>` (so a run has one step per inner module, each cached on its own: an unchanged
sub-pipeline is reused whole) and rewires the edges through the boundary nodes; a sub-pipeline
node with a `foreach` field stays one node whose body is the inner pipeline (`_foreach_node`,
compiled by compiler.subforeach). `locate(issue)`
turns an issue of the flat document back into one located through the nesting
(`prep \u203a split \u203a data`). Pure: no Django.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any, Protocol

from compiler import foreach as fe
from compiler import issues as codes
from compiler.conditions import parse
from compiler.document import upgrade
from compiler.issues import Issue
from compiler.parameters import PARAMETER_TYPES
from compiler.plan import is_binding

MAX_DEPTH = 5
SUB = "$subpipeline"  # a for-each sub node in the flat document: the sub-pipeline's interface
BODY = "$body"  # ... and its body (compiler.subforeach)
SEP = "."
PATH_SEP = " \u203a "  # outer \u203a inner \u203a port


@dataclass(frozen=True)
class PipelineInfo:
    """One saved version of a pipeline, as a sub-pipeline node sees it."""

    id: int
    name: str
    version: int
    graph: Mapping[str, Any]
    latest: int  # the newest version number (the upgrade hint)


class Pipelines(Protocol):
    def pipeline(self, pipeline_id: int, version: int | None) -> PipelineInfo | None:
        """A version (the newest when `version` is None), or None when unknown or not visible."""


def is_sub(node: Any) -> bool:
    return isinstance(node, dict) and "pipeline" in node


def is_boundary(node: Any) -> bool:
    return isinstance(node, dict) and ("input" in node or "output" in node) and "module" not in node


def interface(graph: Mapping[str, Any]) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """(inputs, outputs) of a pipeline document: (name, type) of its boundary nodes, in order."""
    ins: list[tuple[str, str]] = []
    outs: list[tuple[str, str]] = []
    for n in graph.get("nodes", []) if isinstance(graph.get("nodes"), list) else []:
        if is_boundary(n):
            kind = "input" if "input" in n else "output"
            name, ptype = n.get(kind), n.get("type", "Any")
            if isinstance(name, str) and isinstance(ptype, str):
                (ins if kind == "input" else outs).append((name, ptype))
    return ins, outs


@dataclass
class Flat:
    doc: dict[str, Any]
    errors: list[Issue] = field(default_factory=list)
    warnings: list[Issue] = field(default_factory=list)
    origins: dict[str, tuple[str, ...]] = field(default_factory=dict)  # flat node id -> nesting path
    pinned: dict[str, int] = field(default_factory=dict)  # top-level sub node -> resolved version
    fed_by_input: set[tuple[str, str]] = field(default_factory=set)  # (node, port) a top-level input feeds
    index: dict[str, int] = field(default_factory=dict)  # flat node id -> its index in the flat document
    nested: bool = False  # the document had sub-pipeline or boundary nodes (else `doc` is the input)


def _err(code: str, message: str, node: str | None, place: str | None = None) -> Issue:
    return Issue(code, message, node=node, field=place)


def flatten(doc: Any, pipelines: Pipelines | None) -> Flat:
    """The document with every sub-pipeline node expanded (and the top level's own boundary nodes
    dropped: an input there is fed only when the pipeline is nested)."""
    doc = upgrade(doc)
    if (
        not isinstance(doc, dict)
        or not isinstance(doc.get("nodes"), list)
        or not isinstance(doc.get("edges", []), list)
    ):
        return Flat(doc)
    if not any(is_sub(n) or is_boundary(n) for n in doc["nodes"]):
        return Flat(doc)
    flat = Flat(doc, nested=True)
    body = _expand(doc, pipelines, flat, (), ())
    nodes, edges = body["nodes"], body["edges"]
    boundary = {n["id"]: n for n in nodes if is_boundary(n) and isinstance(n.get("id"), str)}
    for i, n in enumerate(doc["nodes"]):
        if not is_boundary(n):
            continue
        nid = n.get("id")
        kind = "input" if "input" in n else "output"
        if not isinstance(n.get(kind), str) or not n[kind] or not isinstance(n.get("type", "Any"), str):
            flat.errors.append(
                _err(codes.MALFORMED, f"Pipeline {kind} node '{nid}' needs a name and a type.", nid, f"nodes[{i}]")
            )
        elif kind == "input" and any(e.get("source") == nid for e in edges if isinstance(e, dict)):
            flat.errors.append(
                _err(
                    codes.PIPELINE_INPUT,
                    f"Pipeline input '{n['input']}' (node '{nid}') is fed only when this pipeline is placed as a"
                    " sub-pipeline; it cannot run on its own.",
                    nid,
                    f"nodes[{i}]",
                )
            )
    body["nodes"] = [n for n in nodes if not (isinstance(n, dict) and n.get("id") in boundary)]
    flat.fed_by_input = {
        (str(e.get("target")), str(e.get("target_port")))
        for e in edges
        if isinstance(e, dict) and e.get("source") in boundary and "input" in boundary[e["source"]]
    }
    body["edges"] = [
        e for e in edges if not (isinstance(e, dict) and (e.get("source") in boundary or e.get("target") in boundary))
    ]
    flat.doc = body
    flat.index = {
        n["id"]: i for i, n in enumerate(body["nodes"]) if isinstance(n, dict) and isinstance(n.get("id"), str)
    }
    return flat


def _prefixed(prefix: str, node_id: str) -> str:
    return f"{prefix}{SEP}{node_id}"


def _expand(
    doc: dict[str, Any], pipelines: Pipelines | None, flat: Flat, path: tuple[str, ...], stack: tuple[int, ...]
) -> dict[str, Any]:
    """`doc` with its sub-pipeline nodes replaced (recursively); its own boundary nodes kept."""
    out = dict(doc)
    nodes: list[Any] = []
    inner_of: dict[str, dict[str, Any]] = {}  # sub node id -> its expanded inner document
    broken: set[str] = set()  # sub nodes reported already: their edges are dropped, not reported again
    top = not path
    for i, node in enumerate(doc["nodes"]):
        if not is_sub(node):
            nodes.append(node)
            continue
        nid = node.get("id")
        if isinstance(nid, str):
            broken.add(nid)
        where = f"nodes[{i}]"
        here = (*path, str(nid))
        loc = here[0]
        ref, requested = node.get("pipeline"), node.get("version")
        if not isinstance(nid, str) or not nid or SEP in nid:
            flat.errors.append(
                _err(codes.MALFORMED, f"A sub-pipeline node needs an id without '{SEP}'.", loc, f"{where}.id")
            )
            continue
        if not (isinstance(ref, int) and not isinstance(ref, bool)) or (
            requested is not None and (not isinstance(requested, int) or isinstance(requested, bool) or requested < 1)
        ):
            flat.errors.append(
                _err(
                    codes.MALFORMED,
                    f"Node {PATH_SEP.join(here)}: 'pipeline' must be a pipeline id and 'version' a positive"
                    " integer or null.",
                    loc,
                    where,
                )
            )
            continue
        info = pipelines.pipeline(ref, requested) if pipelines is not None else None
        if info is None:
            what = f"version {requested} of pipeline {ref}" if requested is not None else f"pipeline {ref}"
            flat.errors.append(
                _err(
                    codes.UNKNOWN_PIPELINE,
                    f"Node {PATH_SEP.join(here)} uses {what}, which does not exist or is not visible to you.",
                    loc,
                    f"{where}.pipeline",
                )
            )
            continue
        if ref in stack or len(stack) >= MAX_DEPTH:
            why = "contains itself" if ref in stack else f"nests deeper than {MAX_DEPTH} levels"
            flat.errors.append(
                _err(codes.NESTING_LOOP, f"Node {PATH_SEP.join(here)}: pipeline '{info.name}' {why}.", loc, where)
            )
            continue
        if top:
            flat.pinned[nid] = info.version
            if info.latest > info.version:
                flat.warnings.append(
                    Issue(
                        codes.NEWER_VERSION,
                        f"Node '{nid}' uses pipeline '{info.name}' v{info.version}; v{info.latest} is the newest.",
                        node=nid,
                        field=f"{where}.version",
                    )
                )
        inner = upgrade(copy.deepcopy(dict(info.graph)))
        if not isinstance(inner, dict) or not isinstance(inner.get("nodes"), list):
            flat.errors.append(_err(codes.MALFORMED, f"Pipeline '{info.name}' has no nodes.", loc, where))
            continue
        inner.setdefault("edges", [])
        inner = _expand(inner, pipelines, flat, here, (*stack, ref))
        if "foreach" in node:
            # a for-each over the sub-pipeline: one node whose body is the inner pipeline, run once
            # per item (compiler.subforeach); its edges stay as they are
            nodes.append(_foreach_node(node, info, inner, flat, here, where))
            broken.discard(nid)
            continue
        values = _bind_parameters(node, inner, flat, here, where)
        if values is None:
            continue
        inner_of[nid] = inner
        broken.discard(nid)
        for n in inner["nodes"]:
            if not isinstance(n, dict) or is_boundary(n) or not isinstance(n.get("id"), str):
                continue
            nodes.append(_inner_node(nid, n, values, flat, here))
    out["nodes"] = nodes
    edges = [
        e for e in doc.get("edges", []) if not (isinstance(e, dict) and ({e.get("source"), e.get("target")} & broken))
    ]
    out["edges"] = _rewire(edges, inner_of, flat, path)
    return out


def _bind_parameters(
    node: dict[str, Any], inner: dict[str, Any], flat: Flat, here: tuple[str, ...], where: str
) -> dict[str, Any] | None:
    """The inner pipeline's parameter values as the sub node sets them: a literal, an outer binding,
    or the inner default. None when one is wrong (reported)."""
    given = node.get("params", {})
    if not isinstance(given, dict):
        flat.errors.append(_err(codes.MALFORMED, "'params' must be an object.", here[0], f"{where}.params"))
        return None
    declared = {
        p["name"]: p for p in inner.get("parameters", []) if isinstance(p, dict) and isinstance(p.get("name"), str)
    }
    ok = True
    for name in sorted(set(given) - set(declared)):
        flat.errors.append(
            _err(
                codes.UNKNOWN_PARAMETER,
                f"Node {PATH_SEP.join(here)}: the pipeline has no parameter '{name}'.",
                here[0],
                f"{where}.params.{name}",
            )
        )
        ok = False
    values: dict[str, Any] = {}
    for name, param in declared.items():
        value = given.get(name, param.get("default"))
        allowed = PARAMETER_TYPES.get(param.get("type", "string"))
        if value is None and name not in given:
            values[name] = None  # no default: a module bound to it reports the missing value
            continue
        if not is_binding(value) and allowed is not None and type(value) not in allowed:
            flat.errors.append(
                _err(
                    codes.INVALID_PARAMETER,
                    f"Node {PATH_SEP.join(here)}: parameter '{name}' must be {_article(str(param.get('type')))}"
                    f" {param.get('type')}, not {value!r}.",
                    here[0],
                    f"{where}.params.{name}",
                )
            )
            ok = False
        values[name] = value
    return values if ok else None


def _article(word: str) -> str:
    return "an" if word[:1] in "aeiou" else "a"


def _substitute(params: dict[str, Any], values: dict[str, Any]) -> dict[str, Any]:
    """Module parameters with their bindings to this pipeline's parameters replaced by `values`."""
    return {
        k: (values.get(v["$param"], v) if is_binding(v) and v["$param"] in values else v) for k, v in params.items()
    }


def _foreach_node(
    node: dict[str, Any], info: PipelineInfo, inner: dict[str, Any], flat: Flat, here: tuple[str, ...], where: str
) -> dict[str, Any]:
    """A for-each sub node kept as one node: the sub-pipeline's interface and parameters (its ports
    and parameters as the compiler types them), and its body: the inner nodes named
    `<node>.<inner>` with the node's parameter values applied (a parameter each item sets stays
    bound to `$item.<name>`), the edges among them, and where its inputs and outputs lead."""
    nid = node["id"]
    given = node.get("params", {})
    given = given if isinstance(given, dict) else {}
    declared = [p for p in inner.get("parameters", []) if isinstance(p, dict) and isinstance(p.get("name"), str)]
    parsed = fe.read(node.get("foreach"))
    itemized = set(fe.bound_params(parsed.spec)) if parsed.spec is not None else set()
    values: dict[str, Any] = {}
    for p in declared:
        name = p["name"]
        values[name] = {"$param": f"{fe.ITEM_PARAM}{name}"} if name in itemized else given.get(name, p.get("default"))
    ins, outs = interface(inner)
    boundary = {n["id"]: n for n in inner["nodes"] if is_boundary(n) and isinstance(n.get("id"), str)}
    body_nodes = [
        _inner_node(nid, n, values, flat, here)
        for n in inner["nodes"]
        if isinstance(n, dict) and not is_boundary(n) and isinstance(n.get("id"), str)
    ]
    body_edges: list[Any] = []
    body_inputs: list[list[str]] = []
    body_outputs: list[list[str]] = []
    for e in inner["edges"]:
        if not isinstance(e, dict):
            continue
        s, t = boundary.get(e.get("source")), boundary.get(e.get("target"))
        if s is not None and "input" in s:
            if t is not None:
                flat.errors.append(
                    _err(
                        codes.INVALID_FOREACH,
                        f"Node {PATH_SEP.join(here)}: pipeline '{info.name}' passes input '{s['input']}' straight"
                        " to an output; a for-each body must compute each output.",
                        here[0],
                        f"{where}.foreach",
                    )
                )
                continue
            body_inputs.append([_prefixed(nid, str(e.get("target"))), str(e.get("target_port", "")), s["input"]])
        elif t is not None and "output" in t:
            body_outputs.append([t["output"], _prefixed(nid, str(e.get("source"))), str(e.get("source_port", ""))])
        elif s is None and t is None:
            body_edges.append(
                {**e, "source": _prefixed(nid, str(e.get("source"))), "target": _prefixed(nid, str(e.get("target")))}
            )
    fed = {o[0] for o in body_outputs}
    for name, _ptype in outs:
        if name not in fed:
            flat.errors.append(
                _err(
                    codes.INVALID_FOREACH,
                    f"Node {PATH_SEP.join(here)}: nothing inside pipeline '{info.name}' feeds its output '{name}'.",
                    here[0],
                    f"{where}.foreach",
                )
            )
    kept = {k: v for k, v in node.items() if k not in ("pipeline", "version")}
    return {
        **kept,
        SUB: {
            "pipeline": info.id,
            "version": info.version,
            "name": info.name,
            "inputs": [list(p) for p in ins],
            "outputs": [list(p) for p in outs],
            "parameters": [
                {
                    "name": p["name"],
                    "type": p.get("type", "string"),
                    **({"default": p["default"]} if "default" in p else {}),
                }
                for p in declared
            ],
        },
        BODY: {"prefix": nid, "nodes": body_nodes, "edges": body_edges, "inputs": body_inputs, "outputs": body_outputs},
    }


def _inner_node(
    prefix: str, n: dict[str, Any], values: dict[str, Any], flat: Flat, here: tuple[str, ...]
) -> dict[str, Any]:
    new = dict(n)
    new_id = _prefixed(prefix, n["id"])
    new["id"] = new_id
    # an inner node that came from a deeper sub-pipeline already has its whole path
    origin = flat.origins.pop(n["id"], None)
    flat.origins[new_id] = origin if origin is not None else (*here, n["id"])
    params = n.get("params")
    if isinstance(params, dict):
        new["params"] = _substitute(params, values)
    body = n.get(BODY)
    if isinstance(body, dict):
        # a for-each over a sub-pipeline placed inside this one: its inner steps read these values too
        new[BODY] = {
            **body,
            "nodes": [
                {**b, "params": _substitute(b["params"], values)} if isinstance(b.get("params"), dict) else b
                for b in body["nodes"]
            ],
        }
    loop = n.get("foreach")
    if isinstance(loop, dict) and is_binding(loop.get("values")) and loop["values"]["$param"] in values:
        # a for-each over an inner list parameter: over what the sub node sets it to
        new["foreach"] = {**loop, "values": values[loop["values"]["$param"]]}
    cond_text = n.get("condition")
    if isinstance(cond_text, str):
        cond, _ = parse(cond_text)
        if cond is not None and cond.node is not None:
            new["condition"] = f"{_prefixed(prefix, cond.node)}.{cond.metric}" + (
                f" {cond.op} {json.dumps(cond.value)}" if cond.op else ""
            )
        elif cond is not None and cond.param is not None:
            bound = values.get(cond.param)
            if isinstance(bound, dict) and is_binding(bound):
                new["condition"] = cond_text.replace(f"params.{cond.param}", f"params.{bound['$param']}", 1)
            else:
                flat.errors.append(
                    _err(
                        codes.INVALID_CONDITION,
                        f"{PATH_SEP.join((*here, n['id']))}: its condition reads parameter '{cond.param}'; inside a"
                        f" sub-pipeline bind '{cond.param}' to a parameter of the outer pipeline.",
                        here[0],
                    )
                )
    return new


def _rewire(edges: list[Any], inner_of: dict[str, dict[str, Any]], flat: Flat, path: tuple[str, ...]) -> list[Any]:
    """Edges of this level with every edge into or out of a sub node replaced by the inner ones."""
    if not inner_of:
        return list(edges)
    feeds: dict[tuple[str, str], list[tuple[str, str]]] = {}  # (sub, input name) -> inner targets
    sources: dict[tuple[str, str], tuple[str, str, bool]] = {}  # (sub, output) -> (node, port, from input?)
    out: list[Any] = []
    for sub, inner in inner_of.items():
        kinds = {n["id"]: n for n in inner["nodes"] if is_boundary(n) and isinstance(n.get("id"), str)}
        for e in inner["edges"]:
            if not isinstance(e, dict):
                continue
            s, t = kinds.get(e.get("source")), kinds.get(e.get("target"))
            if s is not None and "input" in s:
                if t is not None and "output" in t:
                    sources[(sub, t["output"])] = (sub, s["input"], True)
                else:
                    feeds.setdefault((sub, s["input"]), []).append(
                        (_prefixed(sub, e["target"]), e.get("target_port", ""))
                    )
            elif t is not None and "output" in t:
                sources[(sub, t["output"])] = (_prefixed(sub, e["source"]), e.get("source_port", ""), False)
            elif s is None and t is None:
                out.append({**e, "source": _prefixed(sub, e["source"]), "target": _prefixed(sub, e["target"])})
    into: dict[tuple[str, str], tuple[str, str]] = {}  # (sub, input name) -> outer source

    def resolve(node: str, port: str, seen: int = 0) -> tuple[str, str] | None:
        if node not in inner_of:
            return node, port
        found = sources.get((node, port))
        if found is None or seen > 50:
            return None
        src, sport, passthrough = found
        if passthrough:
            outer = into.get((src, sport))
            return resolve(*outer, seen + 1) if outer is not None else None
        return src, sport

    for e in edges:
        if isinstance(e, dict) and e.get("target") in inner_of:
            into[(e["target"], e.get("target_port", ""))] = (e.get("source", ""), e.get("source_port", ""))
    for i, e in enumerate(edges):
        if not isinstance(e, dict):
            out.append(e)
            continue
        src, tgt = e.get("source"), e.get("target")
        if src in inner_of:
            resolved = resolve(src, e.get("source_port", ""))
            if resolved is None:
                flat.errors.append(
                    _err(
                        codes.UNKNOWN_PORT,
                        f"Node {PATH_SEP.join((*path, src))} has no output '{e.get('source_port')}'"
                        " (or nothing inside feeds it).",
                        (*path, src)[0],
                        f"edges[{i}].source_port",
                    )
                )
                continue
            e = {**e, "source": resolved[0], "source_port": resolved[1]}
        if tgt in inner_of:
            targets = feeds.get((tgt, e.get("target_port", "")))
            declared = {n.get("input") for n in inner_of[tgt]["nodes"] if is_boundary(n)}
            if e.get("target_port") not in declared:
                flat.errors.append(
                    _err(
                        codes.UNKNOWN_PORT,
                        f"Node {PATH_SEP.join((*path, tgt))} has no input '{e.get('target_port')}'.",
                        (*path, tgt)[0],
                        f"edges[{i}].target_port",
                    )
                )
                continue
            out += [{**e, "target": t, "target_port": tp} for t, tp in targets or []]
            continue
        out.append(e)
    return out


def _top_field(issue: Issue, flat: Flat, top_index: Mapping[str, int]) -> str | None:
    """A top-level node's field renumbered from the flat document to the one the user wrote; an
    edge's index in the flat document means nothing to the user, so it is dropped."""
    place = issue.field
    if place is None or issue.node is None:
        return place
    if place.startswith("edges["):
        return None
    flat_index = flat.index.get(issue.node)
    index = top_index.get(issue.node)
    if flat_index is not None and index is not None and place.startswith(f"nodes[{flat_index}]"):
        return f"nodes[{index}]" + place[len(f"nodes[{flat_index}]") :]
    return place


def locate(issue: Issue, flat: Flat, top_index: Mapping[str, int]) -> Issue:
    """An issue of the flat document, located through the nesting: the top-level node, and the
    message led by the path `outer \u203a inner \u203a port`."""
    if issue.node is None or issue.node not in flat.origins:
        return replace(issue, field=_top_field(issue, flat, top_index))
    path = flat.origins[issue.node]
    where = PATH_SEP.join((*path, issue.port) if issue.port else path)
    index = top_index.get(path[0])
    return Issue(
        issue.code,
        f"{where}: {issue.message.replace(repr(issue.node), repr(path[-1]))}",
        node=path[0],
        port=issue.port,
        field=f"nodes[{index}]" if index is not None else issue.field,
        nodes=tuple(dict.fromkeys(flat.origins.get(n, (n,))[0] for n in issue.nodes)),
        path=path,
    )

"""compile(graph, catalog, datasets) -> CompileResult: the canvas document to an executable Plan.

Every problem is reported at once, each naming its place. Work is linear in the size of the
graph (plus a log factor for the deterministic topological order): lookups are cached per call
and JSON Schema validators are built once per (module version, parameter).
"""

from __future__ import annotations

import copy
import dataclasses
import heapq
import re
from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import best_match

from compiler import foreach as fe
from compiler import issues as codes
from compiler import subforeach
from compiler.catalog import (
    Catalog,
    DatasetInfo,
    Datasets,
    ExplainsUnknown,
    ModuleInfo,
    ModuleVersions,
    PortSpec,
    resolve_version,
)
from compiler.compute import ComputeLimits, apply, read_compute
from compiler.conditions import Condition, check_param, parse
from compiler.document import SCHEMA_VERSION, upgrade
from compiler.fastschema import Check, fast_check
from compiler.issues import Issue
from compiler.labels import labels_of, name_issues
from compiler.nesting import Pipelines, flatten, locate
from compiler.parameters import PARAMETER_TYPES
from compiler.plan import ForEach, InputBinding, PipelineParameter, Plan, Step, is_binding
from compiler.versions import version_key

DATASET_PORT = "data"
NODE_ID_MAX = 100  # a step run's node column; ids also name things in URLs and files
NODE_ID = re.compile(rf"[A-Za-z0-9][A-Za-z0-9_.-]{{0,{NODE_ID_MAX - 1}}}")
DATASET_TYPE = "DataFrame"
DATASET_ACCEPTED_BY = frozenset({"DataFrame", "File", "Any"})
NUMBERS = frozenset({int, float})
SCALARS = frozenset({str, int, float, bool, type(None)})


@dataclass(frozen=True)
class CompileResult:
    plan: Plan | None
    errors: tuple[Issue, ...]
    warnings: tuple[Issue, ...]
    pinned: dict[str, Any] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.errors

    def errors_json(self) -> list[dict[str, Any]]:
        return [e.to_json() for e in self.errors]

    def warnings_json(self) -> list[dict[str, Any]]:
        return [w.to_json() for w in self.warnings]


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _describe(value: Any) -> str:
    return type(value).__name__ if value is not None else "null"


@dataclass
class _ModuleNode:
    id: str
    index: int
    ref: str
    requested: str | None
    params: dict[str, Any]
    label: str
    info: ModuleInfo | None = None
    compute: dict[str, Any] = field(default_factory=dict)
    condition: Condition | None = None
    exit: bool = False
    foreach: ForEach | None = None  # a for-each node: the module is the body (compiler.foreach)
    foreach_given: bool = False  # it has a `foreach` field (maybe a wrong one, then `foreach` is None)
    # a for-each over a sub-pipeline (compiler.subforeach): its interface, its body, the body compiled
    sub: dict[str, Any] | None = None
    body: dict[str, Any] | None = None
    compiled: tuple[Any, ...] | None = None  # (steps, inputs, outputs) of Step.body

    def outputs(self) -> tuple[tuple[str, str], ...]:
        """The node's output ports (name, type): the module's, or a for-each's gathered ones."""
        assert self.info is not None
        body = tuple((p.name, p.type) for p in self.info.outputs)
        return fe.outputs(body) if self.foreach is not None else body


@dataclass
class _DatasetNode:
    id: str
    index: int
    ref: str
    requested: int | None
    info: DatasetInfo | None = None


@dataclass(frozen=True)
class _Resolution:
    info: ModuleInfo | None
    code: str | None = None
    text: str | None = None
    place: str | None = None
    deprecated: str | None = None
    newer: str | None = None


@dataclass
class _Edge:
    index: int
    source: str
    source_port: str
    target: str
    target_port: str


class _Compiler:
    def __init__(self, catalog: Catalog, datasets: Datasets, limits: ComputeLimits | None = None) -> None:
        self.catalog = catalog
        self.datasets = datasets
        self.limits = limits or ComputeLimits()
        self.compute: dict[str, Any] = {}  # the pipeline's default compute settings
        self.errors: list[Issue] = []
        self.fed_outside: set[tuple[str, str]] = set()  # (node, input) a for-each body's own input feeds
        self.warnings: list[Issue] = []
        self._modules: dict[str, ModuleVersions | None] = {}
        self._datasets: dict[tuple[str, int | None], DatasetInfo | None] = {}
        self._validators: dict[tuple[int, str], Draft202012Validator] = {}
        self._fast: dict[tuple[int, str], Check | None] = {}
        self._verdicts: dict[tuple[tuple[int, str], type, Any], str | None] = {}
        self._ports: dict[int, tuple[dict[str, PortSpec], dict[str, PortSpec]]] = {}
        self._resolved: dict[tuple[str, str | None], _Resolution] = {}

    # -- helpers -------------------------------------------------------------------------------
    def error(
        self,
        code: str,
        message: str,
        *,
        node: str | None = None,
        port: str | None = None,
        field: str | None = None,
        nodes: tuple[str, ...] = (),
    ) -> None:
        self.errors.append(Issue(code, message, node=node, port=port, field=field, nodes=nodes))

    def warn(self, code: str, message: str, *, node: str | None = None, field: str | None = None) -> None:
        self.warnings.append(Issue(code, message, node=node, field=field))

    def module(self, ref: str) -> ModuleVersions | None:
        if ref not in self._modules:
            self._modules[ref] = self.catalog.module(ref)
        return self._modules[ref]

    def dataset(self, ref: str, version: int | None) -> DatasetInfo | None:
        key = (ref, version)
        if key not in self._datasets:
            self._datasets[key] = self.datasets.dataset(ref, version)
        return self._datasets[key]

    def validator(self, info: ModuleInfo, name: str) -> Draft202012Validator:
        key = (info.module_version_id, name)
        found = self._validators.get(key)
        if found is None:
            found = Draft202012Validator(dict(info.parameters[name]))
            self._validators[key] = found
        return found

    def schema_problem(self, info: ModuleInfo, name: str, value: Any) -> str | None:
        key = (info.module_version_id, name)
        if type(value) in SCALARS:
            memo = (key, type(value), value)
            if memo not in self._verdicts:
                self._verdicts[memo] = self._schema_problem(key, info, name, value)
            return self._verdicts[memo]
        return self._schema_problem(key, info, name, value)

    def _schema_problem(self, key: tuple[int, str], info: ModuleInfo, name: str, value: Any) -> str | None:
        if key not in self._fast:
            self._fast[key] = fast_check(info.parameters[name])
        fast = self._fast[key]
        if fast is not None and fast(value):
            return None
        validator = self.validator(info, name)
        if validator.is_valid(value):
            return None
        problem = best_match(validator.iter_errors(value))
        return problem.message if problem is not None else "invalid value"

    def ports(self, info: ModuleInfo) -> tuple[dict[str, PortSpec], dict[str, PortSpec]]:
        found = self._ports.get(info.module_version_id)
        if found is None:
            found = ({p.name: p for p in info.inputs}, {p.name: p for p in info.outputs})
            self._ports[info.module_version_id] = found
        return found

    # -- document structure --------------------------------------------------------------------
    def read_document(
        self, doc: Any
    ) -> tuple[list[_ModuleNode | _DatasetNode], list[_Edge], list[dict[str, Any]], dict[str, Any]]:
        if not isinstance(doc, dict):
            self.error(codes.MALFORMED, f"The graph must be an object, not {_describe(doc)}.", field="graph")
            return [], [], [], {}
        schema = doc.get("schema")
        if not _is_int(schema) or schema != SCHEMA_VERSION:
            self.error(
                codes.UNSUPPORTED_SCHEMA,
                f"Unsupported document schema {schema!r}; this server reads schema {SCHEMA_VERSION}.",
                field="schema",
            )
        nodes = self.read_nodes(doc.get("nodes", []))
        edges = self.read_edges(doc.get("edges", []))
        parameters = self.read_parameters(doc.get("parameters", []))
        self.compute = self.read_compute(doc.get("compute"), None)
        return nodes, edges, parameters, doc

    def read_compute(self, raw: Any, node: str | None) -> dict[str, Any]:
        settings, problems = read_compute(raw, self.limits)
        for place, message in problems:
            where = f"node '{node}'" if node is not None else "the pipeline's default"
            self.error(codes.INVALID_COMPUTE, f"{place} of {where}: {message}.", node=node, field=place)
        return settings

    def read_nodes(self, raw: Any) -> list[_ModuleNode | _DatasetNode]:
        if not isinstance(raw, list):
            self.error(codes.MALFORMED, f"'nodes' must be a list, not {_describe(raw)}.", field="nodes")
            return []
        nodes: list[_ModuleNode | _DatasetNode] = []
        seen: set[str] = set()
        for i, node in enumerate(raw):
            where = f"nodes[{i}]"
            if not isinstance(node, dict):
                self.error(codes.MALFORMED, f"Each node must be an object, not {_describe(node)}.", field=where)
                continue
            node_id = node.get("id")
            if not isinstance(node_id, str) or not node_id:
                self.error(codes.MALFORMED, "A node needs a non-empty string 'id'.", field=f"{where}.id")
                continue
            if not NODE_ID.fullmatch(node_id):
                self.error(
                    codes.MALFORMED,
                    f"Node id {node_id[:120]!r} must be 1 to {NODE_ID_MAX} letters, digits, '_', '-' or '.',"
                    " starting with a letter or digit.",
                    field=f"{where}.id",
                )
                continue
            if node_id in seen:
                self.error(
                    codes.DUPLICATE_NODE, f"Node id '{node_id}' is used more than once.", node=node_id, field=where
                )
                continue
            seen.add(node_id)
            position = node.get("position")
            if position is not None and not (
                type(position) is dict and type(position.get("x")) in NUMBERS and type(position.get("y")) in NUMBERS
            ):
                self.error(
                    codes.MALFORMED,
                    "'position' must be an object with numeric 'x' and 'y'.",
                    node=node_id,
                    field=f"{where}.position",
                )
            has_module, has_dataset = "module" in node or subforeach.SUB in node, "dataset" in node
            if has_module == has_dataset:
                self.error(
                    codes.MALFORMED,
                    f"Node '{node_id}' must have exactly one of 'module' or 'dataset'.",
                    node=node_id,
                    field=where,
                )
                continue
            version = node.get("version")
            if has_dataset:
                ref = node["dataset"]
                ok = True
                if not isinstance(ref, str) or not ref:
                    self.error(
                        codes.MALFORMED,
                        "'dataset' must be a 'team/name' string.",
                        node=node_id,
                        field=f"{where}.dataset",
                    )
                    ok = False
                if version is not None and (not _is_int(version) or version < 1):
                    self.error(
                        codes.MALFORMED,
                        "A dataset node's 'version' must be a positive integer or null.",
                        node=node_id,
                        field=f"{where}.version",
                    )
                    ok = False
                if ok:
                    nodes.append(_DatasetNode(node_id, i, ref, version))
                continue
            sub = node.get(subforeach.SUB)
            ref = node["module"] if sub is None else f"pipeline {sub['name']!r}"
            params = node.get("params", {})
            label = node.get("label", "")
            ok = True
            if not isinstance(ref, str) or not ref:
                self.error(
                    codes.MALFORMED, "'module' must be a 'team/name' string.", node=node_id, field=f"{where}.module"
                )
                ok = False
            if version is not None and (not isinstance(version, str) or not version):
                self.error(
                    codes.MALFORMED,
                    "A module node's 'version' must be a version string or null.",
                    node=node_id,
                    field=f"{where}.version",
                )
                ok = False
            if not isinstance(params, dict):
                self.error(codes.MALFORMED, "'params' must be an object.", node=node_id, field=f"{where}.params")
                ok = False
            if not isinstance(label, str):
                self.error(codes.MALFORMED, "'label' must be a string.", node=node_id, field=f"{where}.label")
                label = ""
            compute = self.read_compute(node.get("compute"), node_id)
            condition: Condition | None = None
            if node.get("condition") is not None:
                condition, problem = parse(node["condition"])
                if problem is not None:
                    self.error(
                        codes.INVALID_CONDITION,
                        f"Condition of node '{node_id}' {problem}.",
                        node=node_id,
                        field=f"{where}.condition",
                    )
            is_exit = node.get("exit", False)
            if not isinstance(is_exit, bool):
                self.error(codes.MALFORMED, "'exit' must be true or false.", node=node_id, field=f"{where}.exit")
                is_exit = False
            spec: ForEach | None = None
            if "foreach" in node:
                parsed = fe.read(node["foreach"])
                for place, message in parsed.problems:
                    self.error(
                        codes.INVALID_FOREACH,
                        f"Node '{node_id}': {place} {message}.",
                        node=node_id,
                        field=f"{where}.{place}",
                    )
                spec = parsed.spec  # None when wrong (reported): then the node is checked as a plain module
                if is_exit:
                    self.error(
                        codes.INVALID_FOREACH,
                        f"Node '{node_id}': a for-each node cannot be an exit step.",
                        node=node_id,
                        field=f"{where}.exit",
                    )
                    ok = False
            if ok:
                nodes.append(
                    _ModuleNode(
                        node_id,
                        i,
                        ref,
                        version,
                        params,
                        label,
                        compute=compute,
                        condition=condition,
                        exit=is_exit,
                        foreach=spec,
                        foreach_given="foreach" in node,
                        sub=sub,
                        body=node.get(subforeach.BODY),
                        info=subforeach.module_info(sub) if sub is not None else None,
                    )
                )
        return nodes

    def read_edges(self, raw: Any) -> list[_Edge]:
        if not isinstance(raw, list):
            self.error(codes.MALFORMED, f"'edges' must be a list, not {_describe(raw)}.", field="edges")
            return []
        edges: list[_Edge] = []
        for i, edge in enumerate(raw):
            where = f"edges[{i}]"
            if not isinstance(edge, dict):
                self.error(codes.MALFORMED, f"Each edge must be an object, not {_describe(edge)}.", field=where)
                continue
            bad = [k for k in ("source", "source_port", "target", "target_port") if not isinstance(edge.get(k), str)]
            if bad:
                for k in bad:
                    self.error(codes.MALFORMED, f"An edge needs a string '{k}'.", field=f"{where}.{k}")
                continue
            edges.append(_Edge(i, edge["source"], edge["source_port"], edge["target"], edge["target_port"]))
        return edges

    def read_parameters(self, raw: Any) -> list[dict[str, Any]]:
        if not isinstance(raw, list):
            self.error(codes.MALFORMED, f"'parameters' must be a list, not {_describe(raw)}.", field="parameters")
            return []
        out: list[dict[str, Any]] = []
        seen: set[str] = set()
        for i, param in enumerate(raw):
            where = f"parameters[{i}]"
            if not isinstance(param, dict):
                self.error(codes.MALFORMED, "Each pipeline parameter must be an object.", field=where)
                continue
            name = param.get("name")
            if not isinstance(name, str) or not name:
                self.error(codes.MALFORMED, "A pipeline parameter needs a non-empty 'name'.", field=f"{where}.name")
                continue
            if name in seen:
                self.error(
                    codes.DUPLICATE_PIPELINE_PARAMETER,
                    f"Pipeline parameter '{name}' is defined more than once.",
                    field=f"{where}.name",
                )
                continue
            seen.add(name)
            ptype = param.get("type", "string")
            if ptype not in PARAMETER_TYPES:
                self.error(
                    codes.MALFORMED,
                    f"Pipeline parameter '{name}' has type {ptype!r}; use one of {', '.join(PARAMETER_TYPES)}.",
                    field=f"{where}.type",
                )
                continue
            out.append({"name": name, "type": ptype, "default": param.get("default"), "index": i})
        return out

    # -- resolution ----------------------------------------------------------------------------
    def resolution(self, ref: str, requested: str | None) -> _Resolution:
        """How (ref, requested) resolves; computed once per distinct pair."""
        key = (ref, requested)
        found = self._resolved.get(key)
        if found is not None:
            return found
        found = self._resolve(ref, requested)
        self._resolved[key] = found
        return found

    def _resolve(self, ref: str, requested: str | None) -> _Resolution:
        mod = self.module(ref)
        if mod is None:
            text = f"uses module '{ref}', which does not exist or is not visible to you"
            if isinstance(self.catalog, ExplainsUnknown):
                text = self.catalog.unknown_module(ref)
            return _Resolution(None, codes.UNKNOWN_MODULE, text, "module")
        if requested is not None:
            match = next((v for v in mod.versions if v.version == requested), None)
            if match is None:
                return _Resolution(None, codes.UNKNOWN_VERSION, f"{ref} has no version {requested}", "version")
            if match.status == "disabled":
                return _Resolution(
                    None, codes.DISABLED_VERSION, f"{ref}@{requested} is disabled; pick another version", "version"
                )
        info, problem = resolve_version(mod, requested)
        if info is None:
            return _Resolution(None, codes.NO_USABLE_VERSION, problem or f"{ref} has no usable version", "version")
        deprecated = newer = None
        if info.status == "deprecated":
            deprecated = f"{ref}@{info.version} is deprecated"
            if info.deprecation_message:
                deprecated += f": {info.deprecation_message}"
            if info.successor:
                deprecated += f"; use {info.successor} instead"
        if requested is not None:
            default, _ = resolve_version(mod, None)
            if default is not None and version_key(default.version) > version_key(info.version):
                newer = f"is pinned to {ref}@{info.version}; {default.version} is now the default"
        return _Resolution(info, None, None, None, deprecated, newer)

    def resolve_module(self, node: _ModuleNode) -> None:
        if node.sub is not None:
            return  # its interface is the sub-pipeline's (compiler.subforeach)
        res = self.resolution(node.ref, node.requested)
        where = f"nodes[{node.index}]"
        if res.info is None:
            assert res.code is not None
            sep = " " if res.code == codes.UNKNOWN_MODULE else ": "
            self.error(res.code, f"Node '{node.id}'{sep}{res.text}.", node=node.id, field=f"{where}.{res.place}")
            return
        node.info = res.info
        if res.deprecated is not None:
            self.warn(
                codes.DEPRECATED_VERSION, f"Node '{node.id}': {res.deprecated}.", node=node.id, field=f"{where}.version"
            )
        if res.newer is not None:
            self.warn(codes.NEWER_VERSION, f"Node '{node.id}' {res.newer}.", node=node.id, field=f"{where}.version")

    def resolve_dataset(self, node: _DatasetNode) -> None:
        where = f"nodes[{node.index}]"
        info = self.dataset(node.ref, node.requested)
        if info is not None:
            node.info = info
            return
        if node.requested is not None and self.dataset(node.ref, None) is not None:
            self.error(
                codes.UNKNOWN_DATASET_VERSION,
                f"Node '{node.id}': dataset '{node.ref}' has no version {node.requested}.",
                node=node.id,
                field=f"{where}.version",
            )
            return
        self.error(
            codes.UNKNOWN_DATASET,
            f"Node '{node.id}' reads dataset '{node.ref}', which does not exist or is not visible to you.",
            node=node.id,
            field=f"{where}.dataset",
        )

    def check_params(self, node: _ModuleNode, pipeline_params: dict[str, dict[str, Any]]) -> dict[str, Any]:
        info = node.info
        assert info is not None
        where = f"nodes[{node.index}].params"
        declared = info.parameters
        values: dict[str, Any] = {}
        for name in sorted(set(node.params) - set(declared)):
            self.error(
                codes.UNKNOWN_PARAMETER,
                f"Node '{node.id}': {info.ref}@{info.version} has no parameter '{name}'.",
                node=node.id,
                field=f"{where}.{name}",
            )
        itemized = fe.bound_params(node.foreach) if node.foreach is not None else ()
        for name, schema in declared.items():
            place = f"{where}.{name}"
            if (name in itemized or (node.foreach_given and node.foreach is None)) and name not in node.params:
                continue  # each item sets it (a wrong `foreach` is reported; a missing value would be noise)
            if name in node.params:
                value = node.params[name]
                if is_binding(value):
                    target = value["$param"]
                    if not isinstance(target, str) or target not in pipeline_params:
                        self.error(
                            codes.UNDEFINED_PIPELINE_PARAMETER,
                            f"Node '{node.id}': parameter '{name}' is bound to pipeline parameter {target!r}, "
                            "which is not defined.",
                            node=node.id,
                            field=place,
                        )
                    else:
                        default = pipeline_params[target]["default"]
                        if default is not None:
                            problem = self.schema_problem(info, name, default)
                            if problem is not None:
                                self.error(
                                    codes.INVALID_PIPELINE_PARAMETER_DEFAULT,
                                    f"Pipeline parameter '{target}' default {default!r} does not fit parameter "
                                    f"'{name}' of node '{node.id}': {problem}",
                                    node=node.id,
                                    field=f"parameters[{pipeline_params[target]['index']}].default",
                                )
                    values[name] = {"$param": target}
                    continue
                problem = self.schema_problem(info, name, value)
                if problem is not None:
                    self.error(
                        codes.INVALID_PARAMETER,
                        f"Node '{node.id}': parameter '{name}' = {value!r} is invalid: {problem}",
                        node=node.id,
                        field=place,
                    )
                values[name] = value
            elif isinstance(schema, Mapping) and "default" in schema:
                default_value = schema["default"]
                values[name] = (
                    copy.deepcopy(default_value) if isinstance(default_value, (dict, list)) else default_value
                )
            else:
                self.error(
                    codes.MISSING_PARAMETER,
                    f"Node '{node.id}': parameter '{name}' has no default; set a value.",
                    node=node.id,
                    field=place,
                )
        return values

    def check_foreach(self, node: _ModuleNode, pipeline_params: dict[str, dict[str, Any]]) -> None:
        info, spec = node.info, node.foreach
        assert info is not None and spec is not None
        sub = node.sub["name"] if node.sub is not None else None
        problem_of = lambda n, v: self.schema_problem(info, n, v)  # noqa: E731
        for place, message in fe.check(spec, info, pipeline_params, problem_of, sub=sub):
            self.error(
                codes.INVALID_FOREACH,
                f"Node '{node.id}': {place} {message}.",
                node=node.id,
                port=spec.port or None if place == "foreach.port" else None,
                field=f"nodes[{node.index}].{place}",
            )

    def compile_body(self, node: _ModuleNode, raw_params: list[dict[str, Any]], doc: dict[str, Any]) -> None:
        """A for-each over a sub-pipeline: its body compiled as a pipeline of its own (errors inside
        keep their inner node, which compiler.nesting locates through the nesting)."""
        body, sub = node.body, node.sub
        assert body is not None and sub is not None
        where = f"nodes[{node.index}].foreach"
        refused = subforeach.refused(body)
        if refused:
            self.error(
                codes.INVALID_FOREACH,
                f"Node '{node.id}': a for-each runs sub-pipeline '{sub['name']}' as it is, without conditions,"
                f" exit steps or for-each nodes inside; {'; '.join(refused)}.",
                node=node.id,
                field=where,
            )
            return
        types = {p["name"]: p.get("type", "string") for p in sub.get("parameters", [])}
        itemized = {n: types[n] for n in (fe.bound_params(node.foreach) if node.foreach else ()) if n in types}
        compiler = _Compiler(self.catalog, self.datasets, self.limits)
        compiler.fed_outside = {(str(n), str(p)) for n, p, _i in body["inputs"]}
        inner = compiler.run(subforeach.body_document(body, raw_params, itemized, doc.get("compute")))
        self.errors += inner.errors
        self.warnings += inner.warnings
        if inner.plan is None or inner.errors:
            return
        steps, inputs, outputs, problems = subforeach.body_steps(inner.plan, body)
        longest = max((s.node for s in steps), key=len, default="")
        if len(node.id) + len(f"[{fe.ITEMS_MAX - 1}].") + len(longest) > NODE_ID_MAX:
            # each item's inner step is a step of the run named `<node>[<i>].<inner>`
            problems.append(
                f"its inner step '{longest}' would be named '{node.id}[{fe.ITEMS_MAX - 1}].{longest}', longer than"
                f" {NODE_ID_MAX} characters; shorten the node id or the inner node ids"
            )
        for problem in problems:
            self.error(codes.INVALID_FOREACH, f"Node '{node.id}': {problem}.", node=node.id, field=where)
        node.compiled = (steps, inputs, outputs)

    # -- edges ---------------------------------------------------------------------------------
    def check_edges(
        self, edges: list[_Edge], by_id: dict[str, _ModuleNode | _DatasetNode]
    ) -> tuple[dict[tuple[str, str], _Edge], dict[str, list[str]]]:
        """Validate edges; returns the one edge feeding each (node, input) and step adjacency."""
        feeding: dict[tuple[str, str], _Edge] = {}
        connected: set[tuple[str, str]] = set()
        successors: dict[str, list[str]] = {}
        for edge in edges:
            where = f"edges[{edge.index}]"
            source = by_id.get(edge.source)
            target = by_id.get(edge.target)
            if source is None:
                self.error(
                    codes.UNKNOWN_NODE,
                    f"Edge from unknown node '{edge.source}'.",
                    node=edge.source,
                    port=edge.source_port,
                    field=f"{where}.source",
                )
            if target is None:
                self.error(
                    codes.UNKNOWN_NODE,
                    f"Edge to unknown node '{edge.target}'.",
                    node=edge.target,
                    port=edge.target_port,
                    field=f"{where}.target",
                )
            if source is None or target is None:
                continue
            if isinstance(target, _DatasetNode):
                self.error(
                    codes.UNKNOWN_PORT,
                    f"Dataset node '{target.id}' has no inputs.",
                    node=target.id,
                    port=edge.target_port,
                    field=f"{where}.target_port",
                )
                continue
            if isinstance(source, _ModuleNode):
                successors.setdefault(source.id, []).append(target.id)
            # source port
            source_type: str | None = None
            if isinstance(source, _DatasetNode):
                if edge.source_port != DATASET_PORT:
                    self.error(
                        codes.UNKNOWN_PORT,
                        f"Dataset node '{source.id}' has one output, '{DATASET_PORT}', not '{edge.source_port}'.",
                        node=source.id,
                        port=edge.source_port,
                        field=f"{where}.source_port",
                    )
                else:
                    source_type = DATASET_TYPE
            elif source.info is not None:
                out_type = dict(source.outputs()).get(edge.source_port)
                if out_type is None:
                    self.error(
                        codes.UNKNOWN_PORT,
                        f"Node '{source.id}' ({source.info.ref}@{source.info.version}) has no output "
                        f"'{edge.source_port}'.",
                        node=source.id,
                        port=edge.source_port,
                        field=f"{where}.source_port",
                    )
                else:
                    source_type = out_type
            # target port
            target_type: str | None = None
            if target.info is not None:
                inp = self.ports(target.info)[0].get(edge.target_port)
                if inp is None:
                    self.error(
                        codes.UNKNOWN_PORT,
                        f"Node '{target.id}' ({target.info.ref}@{target.info.version}) has no input "
                        f"'{edge.target_port}'.",
                        node=target.id,
                        port=edge.target_port,
                        field=f"{where}.target_port",
                    )
                else:
                    target_type = inp.type
            if (source_type is None and (isinstance(source, _DatasetNode) or source.info is not None)) or (
                target_type is None and target.info is not None
            ):
                continue  # a port was unknown (reported above); the edge feeds nothing
            key = (target.id, edge.target_port)
            if key in connected:
                first = feeding.get(key)
                other = f" (already fed by '{first.source}.{first.source_port}')" if first is not None else ""
                self.error(
                    codes.DUPLICATE_INPUT,
                    f"Input '{edge.target_port}' of node '{target.id}' has more than one incoming edge{other}.",
                    node=target.id,
                    port=edge.target_port,
                    field=where,
                )
                continue
            connected.add(key)
            if source_type is not None and target_type is not None:
                if isinstance(source, _DatasetNode):
                    fits = target_type in DATASET_ACCEPTED_BY
                else:
                    fits = source_type == target_type or "Any" in (source_type, target_type)
                if not fits:
                    self.error(
                        codes.TYPE_MISMATCH,
                        f"Cannot connect '{source.id}.{edge.source_port}' ({source_type}) to "
                        f"'{target.id}.{edge.target_port}' ({target_type}).",
                        node=target.id,
                        port=edge.target_port,
                        field=where,
                    )
                    continue
                feeding[key] = edge
        return feeding, successors

    # -- ordering ------------------------------------------------------------------------------
    def order(self, step_ids: list[str], successors: dict[str, list[str]]) -> list[str]:
        """Kahn's algorithm, ties broken by node id; reports every cycle (strongly connected group)."""
        indegree = dict.fromkeys(step_ids, 0)
        for targets in successors.values():
            for t in targets:
                if t in indegree:
                    indegree[t] += 1
        ready = [n for n, d in indegree.items() if d == 0]
        heapq.heapify(ready)
        order: list[str] = []
        while ready:
            n = heapq.heappop(ready)
            order.append(n)
            for t in successors.get(n, ()):
                if t in indegree:
                    indegree[t] -= 1
                    if indegree[t] == 0:
                        heapq.heappush(ready, t)
        if len(order) < len(step_ids):
            done = set(order)
            self.report_cycles([n for n in step_ids if n not in done], successors)
        return order

    def report_cycles(self, remaining: list[str], successors: dict[str, list[str]]) -> None:
        left = set(remaining)
        for group in _strongly_connected(sorted(left), successors, left):
            members = set(group)
            if len(group) == 1 and group[0] not in successors.get(group[0], ()):
                continue
            start = min(group)
            path = _shortest_cycle(start, successors, members)
            where = " -> ".join([*path, path[0]])
            extra = sorted(members - set(path))
            message = f"Cycle: {where}."
            if extra:
                message += f" Also in this loop: {', '.join(extra)}."
            self.error(codes.CYCLE, message, node=start, nodes=tuple(sorted(members)))

    # -- the whole thing -----------------------------------------------------------------------
    def run(self, graph: Any) -> CompileResult:
        doc = upgrade(graph)
        nodes, edges, raw_params, doc = self.read_document(doc)
        by_id: dict[str, _ModuleNode | _DatasetNode] = {n.id: n for n in nodes}
        pipeline_params = {p["name"]: p for p in raw_params}
        for node in nodes:
            if isinstance(node, _ModuleNode):
                self.resolve_module(node)
            else:
                self.resolve_dataset(node)
        params_of: dict[str, dict[str, Any]] = {}
        for node in nodes:
            if isinstance(node, _ModuleNode) and node.info is not None:
                before = len(self.errors)
                params_of[node.id] = self.check_params(node, pipeline_params)
                if node.foreach is not None:
                    self.check_foreach(node, pipeline_params)
                if node.body is not None and node.foreach is not None and len(self.errors) == before:
                    self.compile_body(node, raw_params, doc)  # else the body would echo the node's errors
        feeding, successors = self.check_edges(edges, by_id)
        self.check_conditions(nodes, by_id, pipeline_params, successors)
        self.check_exits(nodes, by_id, successors)
        self.check_required_inputs(nodes, edges)
        self.check_columns(nodes, feeding, by_id)
        step_ids = [n.id for n in nodes if isinstance(n, _ModuleNode)]
        order = self.order(step_ids, successors)
        pinned = _pin(doc, by_id)
        if self.errors:
            return CompileResult(None, tuple(self.errors), tuple(self.warnings), pinned)
        steps: list[Step] = []
        for node_id in order:
            node = by_id[node_id]
            assert isinstance(node, _ModuleNode) and node.info is not None
            info = node.info
            bindings: list[InputBinding] = []
            for port in info.inputs:
                edge = feeding.get((node.id, port.name))
                if edge is None:
                    continue
                source = by_id[edge.source]
                if isinstance(source, _DatasetNode):
                    assert source.info is not None
                    bindings.append(
                        InputBinding(
                            port=port.name,
                            type=port.type,
                            dataset=source.info.ref,
                            dataset_version=source.info.version,
                            artifact=source.info.artifact,
                        )
                    )
                else:
                    bindings.append(
                        InputBinding(
                            port=port.name, type=port.type, source_node=source.id, source_port=edge.source_port
                        )
                    )
            if node.sub is not None:
                steps.append(self.sub_step(node, params_of[node.id], tuple(bindings)))
                continue
            steps.append(
                Step(
                    node=node.id,
                    module=info.ref,
                    version=info.version,
                    module_version_id=info.module_version_id,
                    digest=info.digest,
                    deterministic=info.deterministic,
                    params=params_of[node.id],
                    inputs=tuple(bindings),
                    outputs=node.outputs(),
                    runtime=apply(info.runtime, self.compute, node.compute),
                    label=node.label or info.display_name,  # what people read: the module's name by default
                    param_schemas={
                        name: info.parameters[name] for name, value in params_of[node.id].items() if is_binding(value)
                    },
                    condition=node.condition,
                    exit=node.exit,
                    after=(node.condition.node,) if node.condition is not None and node.condition.node else (),
                    foreach=node.foreach,
                    item_outputs=tuple((p.name, p.type) for p in info.outputs) if node.foreach is not None else (),
                )
            )
        parameters = tuple(PipelineParameter(p["name"], p["type"], p["default"]) for p in raw_params)
        return CompileResult(Plan(steps=tuple(steps), parameters=parameters), (), tuple(self.warnings), pinned)

    def sub_step(self, node: _ModuleNode, params: dict[str, Any], bindings: tuple[InputBinding, ...]) -> Step:
        """The plan step of a for-each over a sub-pipeline: no module of its own; its body's steps
        run once per item (compiler.subforeach)."""
        assert node.info is not None and node.sub is not None and node.compiled is not None
        body, body_inputs, body_outputs = node.compiled
        return Step(
            node=node.id,
            module="",
            version=str(node.sub["version"]),
            module_version_id=0,
            digest="",
            deterministic=all(s.deterministic for s in body),
            params=params,
            inputs=bindings,
            outputs=node.outputs(),
            runtime=subforeach.NO_RUNTIME,
            label=node.label or str(node.sub["name"]),
            param_schemas={name: node.info.parameters[name] for name, value in params.items() if is_binding(value)},
            condition=node.condition,
            after=(node.condition.node,) if node.condition is not None and node.condition.node else (),
            foreach=node.foreach,
            item_outputs=tuple((p.name, p.type) for p in node.info.outputs),
            body=body,
            body_inputs=body_inputs,
            body_outputs=body_outputs,
        )

    def check_columns(
        self,
        nodes: list[_ModuleNode | _DatasetNode],
        feeding: dict[tuple[str, str], _Edge],
        by_id: dict[str, _ModuleNode | _DatasetNode],
    ) -> None:
        """Parameters whose schema says `format: column` (one name) or `format: columns`
        (comma-separated names) must name columns of the table flowing into their input. The
        columns are known when a dataset node feeds that input directly (its header, from the
        dataset lookup); otherwise, and for values bound to pipeline parameters, nothing is checked."""
        for node in nodes:
            if not isinstance(node, _ModuleNode) or node.info is None:
                continue
            for name, schema in node.info.parameters.items():
                kind = schema.get("format")
                value = node.params.get(name)
                if kind not in COLUMN_FORMATS or not isinstance(value, str) or not value.strip():
                    continue
                known = known_columns(node.info, schema, node.id, feeding, by_id)
                if known is None:
                    continue
                ref, columns = known
                names = [v.strip() for v in value.split(",")] if kind == "columns" else [value.strip()]
                for column in names:
                    if column and column not in columns:
                        shown = ", ".join(columns[:20]) + (", ..." if len(columns) > 20 else "")
                        self.error(
                            codes.UNKNOWN_COLUMN,
                            f"Node '{node.id}': parameter '{name}' names column '{column}', which dataset "
                            f"{ref} does not have (its columns: {shown}).",
                            node=node.id,
                            field=f"nodes[{node.index}].params.{name}",
                        )

    def check_conditions(
        self,
        nodes: list[_ModuleNode | _DatasetNode],
        by_id: dict[str, _ModuleNode | _DatasetNode],
        pipeline_params: dict[str, dict[str, Any]],
        successors: dict[str, list[str]],
    ) -> None:
        """Type each node's condition: a parameter must be declared and of a type the comparison
        fits; a metric must come from another module node, which then runs first (an edge in
        `successors`, so a condition that closes a loop is reported as a cycle)."""
        for node in nodes:
            if not isinstance(node, _ModuleNode) or node.condition is None:
                continue
            cond, where = node.condition, f"nodes[{node.index}].condition"
            if cond.param is not None:
                declared = pipeline_params.get(cond.param)
                if declared is None:
                    self.error(
                        codes.INVALID_CONDITION,
                        f"Condition of node '{node.id}' reads parameter '{cond.param}', which this pipeline"
                        " does not declare.",
                        node=node.id,
                        field=where,
                    )
                    continue
                problem = check_param(cond, declared["type"])
                if problem is not None:
                    self.error(
                        codes.INVALID_CONDITION, f"Condition of node '{node.id}': {problem}.", node=node.id, field=where
                    )
                continue
            source = by_id.get(cond.node or "")
            if source is None or not isinstance(source, _ModuleNode) or source.id == node.id:
                what = (
                    "itself"
                    if cond.node == node.id
                    else f"node '{cond.node}', which is not a module node of this pipeline"
                    if source is None or isinstance(source, _DatasetNode)
                    else f"'{cond.node}'"
                )
                self.error(
                    codes.INVALID_CONDITION,
                    f"Condition of node '{node.id}' reads metric '{cond.metric}' of {what}.",
                    node=node.id,
                    field=where,
                )
                continue
            if source.exit and not node.exit:
                self.error(
                    codes.INVALID_CONDITION,
                    f"Condition of node '{node.id}' reads a metric of exit step '{source.id}', which runs last.",
                    node=node.id,
                    field=where,
                )
                continue
            successors.setdefault(source.id, []).append(node.id)

    def check_exits(
        self,
        nodes: list[_ModuleNode | _DatasetNode],
        by_id: dict[str, _ModuleNode | _DatasetNode],
        successors: dict[str, list[str]],
    ) -> None:
        """An exit step runs after every other step: it may feed only other exit steps."""
        for node in nodes:
            if not isinstance(node, _ModuleNode) or not node.exit:
                continue
            for target in sorted(set(successors.get(node.id, ()))):
                after = by_id.get(target)
                if isinstance(after, _ModuleNode) and not after.exit:
                    self.error(
                        codes.EXIT_FEEDS_STEP,
                        f"Exit step '{node.id}' runs when the rest of the run has finished, so it cannot feed"
                        f" node '{target}' (make '{target}' an exit step too, or '{node.id}' an ordinary one).",
                        node=node.id,
                        nodes=(node.id, target),
                    )

    def check_required_inputs(self, nodes: list[_ModuleNode | _DatasetNode], edges: list[_Edge]) -> None:
        fed = {(e.target, e.target_port) for e in edges} | self.fed_outside
        for node in nodes:
            if isinstance(node, _ModuleNode) and node.info is not None:
                for port in node.info.inputs:
                    if not port.optional and (node.id, port.name) not in fed:
                        self.error(
                            codes.MISSING_INPUT,
                            f"Input '{port.name}' ({port.type}) of node '{node.id}' is not connected.",
                            node=node.id,
                            port=port.name,
                        )


COLUMN_FORMATS = frozenset({"column", "columns"})


def column_port(info: ModuleInfo, schema: Mapping[str, Any]) -> str | None:
    """The input a column parameter refers to: its schema's `x-input`, else the first table input."""
    named = schema.get("x-input")
    if isinstance(named, str):
        return named
    tables = [p.name for p in info.inputs if p.type in ("DataFrame", "Any")]
    return tables[0] if tables else None


def known_columns(
    info: ModuleInfo,
    schema: Mapping[str, Any],
    node_id: str,
    feeding: Mapping[tuple[str, str], _Edge],
    by_id: Mapping[str, _ModuleNode | _DatasetNode],
) -> tuple[str, list[str]] | None:
    """(dataset label, its columns) when a dataset with a known header feeds the parameter's input,
    directly or through modules whose output keeps an input's columns (`columns_from`)."""
    port = column_port(info, schema)
    seen: set[tuple[str, str]] = set()
    while port is not None and (node_id, port) not in seen:
        seen.add((node_id, port))
        edge = feeding.get((node_id, port))
        source = by_id.get(edge.source) if edge is not None else None
        if isinstance(source, _DatasetNode):
            if source.info is None or not source.info.columns:
                return None
            return f"'{source.info.ref}' v{source.info.version}", list(source.info.columns)
        if edge is None or not isinstance(source, _ModuleNode) or source.info is None:
            return None
        out = next((p for p in source.info.outputs if p.name == edge.source_port), None)
        node_id, port = source.id, (out.columns_from if out is not None else None)
    return None


def _pin(doc: dict[str, Any], by_id: dict[str, _ModuleNode | _DatasetNode]) -> dict[str, Any]:
    """The document with each resolvable `"version": null` replaced by the resolved version."""
    if not doc:
        return {}
    pinned = dict(doc)
    raw_nodes = doc.get("nodes")
    if isinstance(raw_nodes, list):
        out: list[Any] = []
        for raw in raw_nodes:
            node_id = raw.get("id") if isinstance(raw, dict) else None
            if isinstance(raw, dict) and isinstance(node_id, str) and raw.get("version") is None:
                node = by_id.get(node_id)
                if node is not None and node.info is not None:
                    raw = {**raw, "version": node.info.version}
            out.append(raw)
        pinned["nodes"] = out
    return pinned


def _inside(successors: dict[str, list[str]], v: str, within: set[str]) -> list[str]:
    return [t for t in successors.get(v, ()) if t in within]


def _strongly_connected(nodes: list[str], successors: dict[str, list[str]], within: set[str]) -> list[list[str]]:
    """Tarjan's algorithm, iterative; only edges inside `within`."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    groups: list[list[str]] = []
    counter = 0
    for root in nodes:
        if root in index:
            continue
        # each frame: a node, its successors inside `within` (filtered once), the next one to visit
        work: list[tuple[str, list[str], int]] = [(root, _inside(successors, root, within), 0)]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            v, succ, i = work[-1]
            if i < len(succ):
                work[-1] = (v, succ, i + 1)
                w = succ[i]
                if w not in index:
                    index[w] = low[w] = counter
                    counter += 1
                    stack.append(w)
                    on_stack.add(w)
                    work.append((w, _inside(successors, w, within), 0))
                elif w in on_stack:
                    low[v] = min(low[v], index[w])
            else:
                work.pop()
                if work:
                    parent = work[-1][0]
                    low[parent] = min(low[parent], low[v])
                if low[v] == index[v]:
                    group: list[str] = []
                    while True:
                        w = stack.pop()
                        on_stack.discard(w)
                        group.append(w)
                        if w == v:
                            break
                    groups.append(sorted(group))
    return groups


def _shortest_cycle(start: str, successors: dict[str, list[str]], members: set[str]) -> list[str]:
    """Nodes of a shortest cycle through `start` inside one strongly connected group."""
    parent: dict[str, str] = {}
    queue = deque([start])
    seen = {start}
    while queue:
        v = queue.popleft()
        for w in sorted(t for t in successors.get(v, ()) if t in members):
            if w == start:
                path = [v]
                while path[-1] != start:
                    path.append(parent[path[-1]])
                return list(reversed(path))
            if w not in seen:
                seen.add(w)
                parent[w] = v
                queue.append(w)
    return [start]


def compile(
    graph: Any,
    catalog: Catalog,
    datasets: Datasets,
    limits: ComputeLimits | None = None,
    pipelines: Pipelines | None = None,
) -> CompileResult:
    """Compile a canvas document against a catalog and the visible datasets; `limits` are the
    operator's bounds on compute settings; `pipelines` resolves sub-pipeline nodes (compiler.nesting).
    Messages name labelled nodes by label, id after."""
    result = _compile_nested(graph, catalog, datasets, limits, pipelines)
    labels = labels_of(graph)
    if not labels:
        return result
    return dataclasses.replace(
        result, errors=name_issues(result.errors, labels), warnings=name_issues(result.warnings, labels)
    )


def _compile_nested(
    graph: Any, catalog: Catalog, datasets: Datasets, limits: ComputeLimits | None, pipelines: Pipelines | None
) -> CompileResult:
    flat = flatten(graph, pipelines)
    if not flat.nested:
        return _Compiler(catalog, datasets, limits).run(flat.doc)
    inner = _Compiler(catalog, datasets, limits).run(flat.doc)
    doc = upgrade(graph)
    top_index = {n["id"]: i for i, n in enumerate(doc["nodes"]) if isinstance(n, dict) and isinstance(n.get("id"), str)}
    kept = [e for e in inner.errors if not (e.code == codes.MISSING_INPUT and (e.node, e.port) in flat.fed_by_input)]
    errors = tuple(flat.errors) + tuple(locate(e, flat, top_index) for e in kept)
    warnings = tuple(flat.warnings) + tuple(locate(w, flat, top_index) for w in inner.warnings)
    pinned_versions = {
        n["id"]: n.get("version")
        for n in inner.pinned.get("nodes", [])
        if isinstance(n, dict) and n.get("id") in top_index and "module" in n
    }
    pinned = dict(doc)
    pinned["nodes"] = [
        {**n, "version": flat.pinned.get(n["id"], pinned_versions.get(n["id"], n.get("version")))}
        if isinstance(n, dict)
        and isinstance(n.get("id"), str)
        and n.get("version") is None
        and ("pipeline" in n or "module" in n)
        else n
        for n in doc["nodes"]
    ]
    plan = inner.plan if not errors else None
    return CompileResult(plan, errors, warnings, pinned)

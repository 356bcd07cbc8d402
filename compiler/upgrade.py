"""The upgrade assistant: move pinned module nodes to their module's preferred version.

`propose_upgrade(doc, catalog, nodes=None)` finds the module nodes pinned to a version older
than the one a new node would get (`compiler.versions.preferred_version`, through
`resolve_version`), and returns the proposed document plus, per node, the interface diff (ports
and parameters added, removed, renamed, retyped) and what could not be carried over. Pure: the
document is never mutated, nothing is saved; the caller shows the proposal and the user saves it.

Carrying over: a parameter value moves to the parameter of the same name, or to the one that
declares `renamed_from` the old name, when the new schema accepts it (a `{"$param": ...}` binding
always moves; the compiler checks it); an edge moves to the port of the same name or the renamed
one, and is dropped when its port is gone or the new types no longer connect. Unpinned nodes
follow the default already and are not listed.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import best_match

from compiler.catalog import Catalog, ModuleInfo, PortSpec, resolve_version
from compiler.diff import diff as document_diff
from compiler.versions import version_key

DATASET_TYPES = frozenset({"DataFrame", "File", "Any"})


@dataclass(frozen=True)
class Rename:
    old: str
    new: str


@dataclass(frozen=True)
class Retype:
    name: str  # the new name
    old: str
    new: str


@dataclass
class InterfaceDiff:
    added: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    renamed: list[Rename] = field(default_factory=list)
    retyped: list[Retype] = field(default_factory=list)
    mapping: dict[str, str] = field(default_factory=dict)  # old name -> new name, for what survives

    def as_json(self) -> dict[str, Any]:
        return {
            "added": list(self.added),
            "removed": list(self.removed),
            "renamed": [{"from": r.old, "to": r.new} for r in self.renamed],
            "retyped": [{"name": r.name, "from": r.old, "to": r.new} for r in self.retyped],
        }


@dataclass
class NodeUpgrade:
    node: str
    module: str
    from_version: str
    to_version: str
    inputs: InterfaceDiff
    outputs: InterfaceDiff
    parameters: InterfaceDiff
    carried_params: list[str] = field(default_factory=list)  # new names whose value was carried
    dropped_params: list[dict[str, str]] = field(default_factory=list)  # {"name", "reason"}
    dropped_edges: list[dict[str, str]] = field(default_factory=list)  # the edge + "reason"

    def as_json(self) -> dict[str, Any]:
        return {
            "node": self.node,
            "module": self.module,
            "from_version": self.from_version,
            "to_version": self.to_version,
            "inputs": self.inputs.as_json(),
            "outputs": self.outputs.as_json(),
            "parameters": self.parameters.as_json(),
            "carried_params": list(self.carried_params),
            "dropped_params": [dict(d) for d in self.dropped_params],
            "dropped_edges": [dict(d) for d in self.dropped_edges],
        }


@dataclass
class UpgradeProposal:
    graph: dict[str, Any]
    nodes: list[NodeUpgrade]
    diff: dict[str, Any]

    def as_json(self) -> dict[str, Any]:
        return {"graph": self.graph, "nodes": [n.as_json() for n in self.nodes], "diff": self.diff}


def _names(value: Any) -> tuple[str, ...]:
    if isinstance(value, str):
        return (value,)
    if isinstance(value, (list, tuple)):
        return tuple(v for v in value if isinstance(v, str))
    return ()


def _match(
    old: Mapping[str, str], new: Mapping[str, str], renamed_from: Mapping[str, tuple[str, ...]]
) -> InterfaceDiff:
    """Diff two interfaces given as name -> type (parameters: their JSON type), in declaration order."""
    out = InterfaceDiff()
    taken: set[str] = set()
    for name in old:
        if name in new:
            out.mapping[name] = name
            taken.add(name)
    for name in old:
        if name in out.mapping:
            continue
        target = next((n for n, olds in renamed_from.items() if name in olds and n not in taken), None)
        if target is None:
            out.removed.append(name)
            continue
        out.mapping[name] = target
        taken.add(target)
        out.renamed.append(Rename(name, target))
    out.added = [n for n in new if n not in taken]
    for old_name, new_name in out.mapping.items():
        if old[old_name] != new[new_name]:
            out.retyped.append(Retype(new_name, old[old_name], new[new_name]))
    return out


def _port_diff(old: Iterable[PortSpec], new: Iterable[PortSpec]) -> InterfaceDiff:
    new = tuple(new)
    return _match(
        {p.name: p.type for p in old},
        {p.name: p.type for p in new},
        {p.name: p.renamed_from for p in new if p.renamed_from},
    )


def _json_type(schema: Mapping[str, Any]) -> str:
    kind = schema.get("type")
    if isinstance(kind, list):
        return "|".join(str(k) for k in kind)
    if kind is None:
        return "enum" if "enum" in schema else "any"
    return str(kind)


def _param_diff(old: Mapping[str, Mapping[str, Any]], new: Mapping[str, Mapping[str, Any]]) -> InterfaceDiff:
    return _match(
        {n: _json_type(s) for n, s in old.items()},
        {n: _json_type(s) for n, s in new.items()},
        {n: _names(s.get("renamed_from")) for n, s in new.items() if s.get("renamed_from")},
    )


def _problem(schema: Mapping[str, Any], value: Any) -> str | None:
    validator = Draft202012Validator(dict(schema))
    if validator.is_valid(value):
        return None
    error = best_match(validator.iter_errors(value))
    return error.message if error is not None else "invalid value"


def _find(info_versions: Iterable[ModuleInfo], version: str) -> ModuleInfo | None:
    return next((v for v in info_versions if v.version == version), None)


def upgradable(doc: Mapping[str, Any], catalog: Catalog) -> dict[str, tuple[ModuleInfo, ModuleInfo]]:
    """node id -> (its pinned version, the version it would get), for pinned module nodes behind."""
    out: dict[str, tuple[ModuleInfo, ModuleInfo]] = {}
    nodes = doc.get("nodes")
    for node in nodes if isinstance(nodes, list) else []:
        if not isinstance(node, dict) or "dataset" in node or not isinstance(node.get("id"), str):
            continue
        ref, pinned = node.get("module"), node.get("version")
        if not isinstance(ref, str) or not isinstance(pinned, str):
            continue
        mod = catalog.module(ref)
        if mod is None:
            continue
        current = _find(mod.versions, pinned)
        target, _ = resolve_version(mod, None)
        if current is None or target is None or version_key(target.version) <= version_key(pinned):
            continue
        out[node["id"]] = (current, target)
    return out


def _edge_reason(edge: Mapping[str, Any], infos: Mapping[str, ModuleInfo], kinds: Mapping[str, str]) -> str | None:
    """Why a rewritten edge no longer connects (types), or None when it does or cannot be told."""
    source, target = edge.get("source"), edge.get("target")
    target_info = infos.get(str(target))
    if target_info is None:
        return None
    target_port = next((p for p in target_info.inputs if p.name == edge.get("target_port")), None)
    if target_port is None:
        return None
    if kinds.get(str(source)) == "dataset":
        ok = target_port.type in DATASET_TYPES
        source_type = "DataFrame"
    else:
        source_info = infos.get(str(source))
        port = (
            None
            if source_info is None
            else next((p for p in source_info.outputs if p.name == edge.get("source_port")), None)
        )
        if port is None:
            return None
        source_type = port.type
        ok = source_type == target_port.type or "Any" in (source_type, target_port.type)
    if ok:
        return None
    return (
        f"{source}.{edge.get('source_port')} ({source_type}) no longer connects to "
        f"{target}.{edge.get('target_port')} ({target_port.type})"
    )


def propose_upgrade(doc: Any, catalog: Catalog, nodes: Iterable[str] | None = None) -> UpgradeProposal:
    """The proposed document with the chosen (default: all) upgradable nodes moved to their preferred version."""
    doc = doc if isinstance(doc, dict) else {}
    behind = upgradable(doc, catalog)
    chosen = set(behind) if nodes is None else {n for n in nodes if n in behind}
    graph = copy.deepcopy(doc)
    infos: dict[str, ModuleInfo] = {}
    before: dict[str, ModuleInfo] = {}
    kinds: dict[str, str] = {}
    upgrades: dict[str, NodeUpgrade] = {}
    raw_nodes = graph.get("nodes") if isinstance(graph.get("nodes"), list) else []
    for node in raw_nodes:
        if not isinstance(node, dict) or not isinstance(node.get("id"), str):
            continue
        node_id = node["id"]
        kinds[node_id] = "dataset" if "dataset" in node else "module"
        if node_id in behind:
            infos[node_id] = before[node_id] = behind[node_id][0]
        elif kinds[node_id] == "module" and isinstance(node.get("module"), str):
            mod = catalog.module(node["module"])
            if mod is not None:
                pinned = node.get("version")
                info = _find(mod.versions, pinned) if isinstance(pinned, str) else resolve_version(mod, None)[0]
                if info is not None:
                    infos[node_id] = before[node_id] = info
        if node_id not in chosen:
            continue
        old, new = behind[node_id]
        up = NodeUpgrade(
            node=node_id,
            module=old.ref,
            from_version=old.version,
            to_version=new.version,
            inputs=_port_diff(old.inputs, new.inputs),
            outputs=_port_diff(old.outputs, new.outputs),
            parameters=_param_diff(old.parameters, new.parameters),
        )
        raw_values = node.get("params")
        values: dict[str, Any] = raw_values if isinstance(raw_values, dict) else {}
        carried: dict[str, Any] = {}
        for name, value in values.items():
            new_name = up.parameters.mapping.get(name)
            if new_name is None:
                why = "no longer a parameter" if name in old.parameters else "not a parameter of the module"
                up.dropped_params.append({"name": name, "reason": why})
                continue
            if not (isinstance(value, dict) and set(value) == {"$param"}):
                refused = _problem(new.parameters[new_name], value)
                if refused is not None:
                    up.dropped_params.append({"name": name, "reason": f"{new.version} refuses {value!r}: {refused}"})
                    continue
            carried[new_name] = value
            up.carried_params.append(new_name)
        node["params"] = carried
        node["version"] = new.version
        infos[node_id] = new
        upgrades[node_id] = up
    edges = graph.get("edges") if isinstance(graph.get("edges"), list) else []
    kept: list[Any] = []
    for edge in edges:
        if not isinstance(edge, dict):
            kept.append(edge)
            continue
        moved = dict(edge)
        reason: str | None = None
        for end, port_key, side in (("source", "source_port", "outputs"), ("target", "target_port", "inputs")):
            moving = upgrades.get(str(edge.get(end)))
            if moving is None or reason is not None:
                continue
            mapping = (moving.outputs if side == "outputs" else moving.inputs).mapping
            new_port = mapping.get(str(edge.get(port_key)))
            if new_port is None:
                kind = "output" if side == "outputs" else "input"
                reason = f"{kind} '{edge.get(port_key)}' of {moving.module} is gone in {moving.to_version}"
            else:
                moved[port_key] = new_port
        touched = str(edge.get("source")) in upgrades or str(edge.get("target")) in upgrades
        if reason is None and touched and _edge_reason(edge, before, kinds) is None:  # it connected before
            reason = _edge_reason(moved, infos, kinds)
        if reason is None:
            kept.append(moved)
            continue
        for end in ("target", "source"):
            owner = upgrades.get(str(edge.get(end)))
            if owner is not None:
                owner.dropped_edges.append(
                    {k: str(edge.get(k)) for k in ("source", "source_port", "target", "target_port")}
                    | {"reason": reason}
                )
                break
    if "edges" in graph:
        graph["edges"] = kept
    ordered = [upgrades[n["id"]] for n in raw_nodes if isinstance(n, dict) and n.get("id") in upgrades]
    return UpgradeProposal(graph=graph, nodes=ordered, diff=document_diff(doc, graph))


# --- comparing two specs (the catalog's version compare and the publish bump proposal) -----------

BUMPS = ("patch", "minor", "major")


def _spec_ports(spec: Mapping[str, Any], key: str) -> tuple[PortSpec, ...]:
    ports = spec.get(key) or []
    return tuple(
        PortSpec(
            name=str(p.get("name", "")),
            type=str(p.get("type", "Any")),
            optional=bool(p.get("optional", False)),
            renamed_from=_names(p.get("renamed_from")),
        )
        for p in ports
        if isinstance(p, Mapping)
    )


@dataclass
class SpecDiff:
    """The interface diff between two specs of one module, and the version bump it calls for."""

    inputs: InterfaceDiff
    outputs: InterfaceDiff
    parameters: InterfaceDiff
    bump: str  # patch | minor | major
    reasons: list[str] = field(default_factory=list)  # why the bump (empty for a patch)

    @property
    def changed(self) -> bool:
        return any(d.added or d.removed or d.renamed or d.retyped for d in (self.inputs, self.outputs, self.parameters))

    def as_json(self) -> dict[str, Any]:
        return {
            "inputs": self.inputs.as_json(),
            "outputs": self.outputs.as_json(),
            "parameters": self.parameters.as_json(),
            "bump": self.bump,
            "reasons": list(self.reasons),
        }


def spec_diff(old: Mapping[str, Any], new: Mapping[str, Any]) -> SpecDiff:
    """What changed in the interface from spec `old` to spec `new`, and the semantic-version bump:
    major when a pipeline using `old` could break (a port or parameter removed or retyped, a new
    required input); minor when something was added or renamed (renames are declared and mapped
    by the upgrade assistant); patch otherwise."""
    old_in, new_in = _spec_ports(old, "inputs"), _spec_ports(new, "inputs")
    inputs = _port_diff(old_in, new_in)
    outputs = _port_diff(_spec_ports(old, "outputs"), _spec_ports(new, "outputs"))
    old_params = old.get("parameters") or {}
    new_params = new.get("parameters") or {}
    parameters = _param_diff(old_params, new_params)
    major: list[str] = []
    minor: list[str] = []
    for kind, d in (("input", inputs), ("output", outputs), ("parameter", parameters)):
        major += [f"{kind} '{n}' removed" for n in d.removed]
        major += [f"{kind} '{r.name}' changed type {r.old} -> {r.new}" for r in d.retyped]
        minor += [f"{kind} '{r.old}' renamed to '{r.new}'" for r in d.renamed]
    optional = {p.name: p.optional for p in new_in}
    for name in inputs.added:
        (minor if optional.get(name) else major).append(
            f"input '{name}' added" + (" (optional)" if optional.get(name) else " (required)")
        )
    minor += [f"output '{n}' added" for n in outputs.added]
    for name in parameters.added:
        schema = new_params.get(name) or {}
        (minor if "default" in schema else major).append(
            f"parameter '{name}' added" + ("" if "default" in schema else " without a default")
        )
    bump = "major" if major else "minor" if minor else "patch"
    return SpecDiff(inputs, outputs, parameters, bump, major + minor)


def bumped(version: str | None, bump: str) -> str:
    """`version` moved up by `bump` (pre-release and build parts dropped); 0.1.0 when there is none."""
    if not version:
        return "0.1.0" if bump != "major" else "1.0.0"
    core = version.split("+", 1)[0].split("-", 1)[0]
    try:
        major, minor, patch = (int(p) for p in core.split("."))
    except ValueError:
        major, minor, patch = 0, 0, 0
    if bump == "major":
        return f"{major + 1}.0.0"
    if bump == "minor":
        return f"{major}.{minor + 1}.0"
    if "-" in version.split("+", 1)[0]:
        return f"{major}.{minor}.{patch}"  # 1.2.0-rc.1 -> 1.2.0
    return f"{major}.{minor}.{patch + 1}"

"""A structured diff of two canvas documents (pinned graphs of two pipeline versions)."""

from __future__ import annotations

from typing import Any

PLACE_KEYS = ("id",)


def _nodes(doc: dict[str, Any]) -> dict[str, dict[str, Any]]:
    nodes = doc.get("nodes")
    out: dict[str, dict[str, Any]] = {}
    if isinstance(nodes, list):
        for node in nodes:
            if isinstance(node, dict) and isinstance(node.get("id"), str):
                out.setdefault(node["id"], node)
    return out


def _edge_key(edge: Any) -> tuple[str, str, str, str] | None:
    if not isinstance(edge, dict):
        return None
    parts = tuple(str(edge.get(k)) for k in ("source", "source_port", "target", "target_port"))
    return (parts[0], parts[1], parts[2], parts[3])


def _edges(doc: dict[str, Any]) -> set[tuple[str, str, str, str]]:
    edges = doc.get("edges")
    if not isinstance(edges, list):
        return set()
    return {k for e in edges if (k := _edge_key(e)) is not None}


def _params(doc: dict[str, Any]) -> dict[str, dict[str, Any]]:
    params = doc.get("parameters")
    out: dict[str, dict[str, Any]] = {}
    if isinstance(params, list):
        for p in params:
            if isinstance(p, dict) and isinstance(p.get("name"), str):
                out.setdefault(p["name"], p)
    return out


def _changed_fields(a: dict[str, Any], b: dict[str, Any]) -> list[str]:
    fields: list[str] = []
    for key in sorted(set(a) | set(b)):
        if key in PLACE_KEYS or a.get(key) == b.get(key):
            continue
        va, vb = a.get(key), b.get(key)
        if key == "params" and isinstance(va, dict) and isinstance(vb, dict):
            fields.extend(f"params.{p}" for p in sorted(set(va) | set(vb)) if va.get(p) != vb.get(p))
        else:
            fields.append(key)
    return fields


def _edge_json(key: tuple[str, str, str, str]) -> dict[str, str]:
    return {"source": key[0], "source_port": key[1], "target": key[2], "target_port": key[3]}


def diff(a: Any, b: Any) -> dict[str, Any]:
    """What changed from document `a` to document `b`."""
    a = a if isinstance(a, dict) else {}
    b = b if isinstance(b, dict) else {}
    na, nb = _nodes(a), _nodes(b)
    changed: list[dict[str, Any]] = []
    module_versions: list[dict[str, Any]] = []
    for node_id in sorted(set(na) & set(nb)):
        fields = _changed_fields(na[node_id], nb[node_id])
        if fields:
            changed.append({"id": node_id, "fields": fields})
        before, after = na[node_id], nb[node_id]
        if "module" in after and (
            before.get("version") != after.get("version") or before.get("module") != after.get("module")
        ):
            module_versions.append(
                {
                    "node": node_id,
                    "module": after.get("module"),
                    "from": before.get("version"),
                    "to": after.get("version"),
                    **({"from_module": before.get("module")} if before.get("module") != after.get("module") else {}),
                }
            )
    ea, eb = _edges(a), _edges(b)
    pa, pb = _params(a), _params(b)
    return {
        "nodes": {
            "added": sorted(set(nb) - set(na)),
            "removed": sorted(set(na) - set(nb)),
            "changed": changed,
        },
        "edges": {
            "added": [_edge_json(k) for k in sorted(eb - ea)],
            "removed": [_edge_json(k) for k in sorted(ea - eb)],
        },
        "parameters": {
            "added": sorted(set(pb) - set(pa)),
            "removed": sorted(set(pa) - set(pb)),
            "changed": [
                {
                    "name": name,
                    "fields": [k for k in sorted(set(pa[name]) | set(pb[name])) if pa[name].get(k) != pb[name].get(k)],
                }
                for name in sorted(set(pa) & set(pb))
                if pa[name] != pb[name]
            ],
        },
        "module_versions": module_versions,
    }

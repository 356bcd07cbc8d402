"""The canvas document's schema version and the chain of small pure migrations that upgrade it.

A document without "schema" is version 0 (the first canvas drafts). `upgrade(doc)` returns a new
document at `SCHEMA_VERSION` and never mutates its argument; documents already current are
returned as they are. Anything that is not an object is returned unchanged for the compiler to
report.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

SCHEMA_VERSION = 1

Document = dict[str, Any]


def _v0_to_v1(doc: Document) -> Document:
    """Version 0 -> 1: add "schema", default "edges"/"parameters" to [], and give each node
    "params" ({} for module nodes) and "position" ({"x": 0, "y": 0}) when missing."""
    out = dict(doc)
    out["schema"] = 1
    out.setdefault("edges", [])
    out.setdefault("parameters", [])
    nodes = out.get("nodes", [])
    if isinstance(nodes, list):
        upgraded: list[Any] = []
        for node in nodes:
            if isinstance(node, dict):
                node = dict(node)
                if "dataset" not in node:
                    node.setdefault("params", {})
                node.setdefault("position", {"x": 0, "y": 0})
            upgraded.append(node)
        out["nodes"] = upgraded
    else:
        out.setdefault("nodes", [])
    return out


MIGRATIONS: dict[int, Callable[[Document], Document]] = {0: _v0_to_v1}


def schema_of(doc: Document) -> Any:
    return doc.get("schema", 0)


def upgrade(doc: Any) -> Any:
    """Apply migrations until the document is at SCHEMA_VERSION (or its version is not known)."""
    if not isinstance(doc, dict):
        return doc
    current = schema_of(doc)
    while isinstance(current, int) and not isinstance(current, bool) and current in MIGRATIONS:
        doc = MIGRATIONS[current](doc)
        current = schema_of(doc)
    return doc

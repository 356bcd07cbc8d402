"""Names people read: a node's label (set on the canvas; it defaults to the module's display name)
leads in every message that names the node, with the id after it in brackets.

`name_nodes(result, graph)` rewrites "node 'n3'" in the compiler's messages to
"node 'Split Data' (n3)" for labelled nodes; the issues' `node`/`nodes` fields keep the ids.
"""

from __future__ import annotations

import dataclasses
import re
from typing import Any

from compiler.issues import Issue

LABEL_MAX = 200
_NAMED = re.compile(r"\b([Nn]ode) '([^']{1,100})'")


def labels_of(graph: Any) -> dict[str, str]:
    """node id -> its non-empty label, from a canvas document (anything malformed is skipped)."""
    nodes = graph.get("nodes") if isinstance(graph, dict) else None
    if not isinstance(nodes, list):
        return {}
    out: dict[str, str] = {}
    for node in nodes:
        if isinstance(node, dict):
            node_id, label = node.get("id"), node.get("label")
            if isinstance(node_id, str) and isinstance(label, str) and label.strip():
                out[node_id] = label.strip()[:LABEL_MAX]
    return out


def describe(node_id: str, labels: dict[str, str]) -> str:
    """'Split Data' (n3) for a labelled node, else 'n3'."""
    label = labels.get(node_id)
    return f"'{label}' ({node_id})" if label and label != node_id else f"'{node_id}'"


def _rename(issue: Issue, labels: dict[str, str]) -> Issue:
    message = _NAMED.sub(
        lambda m: f"{m.group(1)} {describe(m.group(2), labels)}" if m.group(2) in labels else m.group(0),
        issue.message,
    )
    return issue if message == issue.message else dataclasses.replace(issue, message=message)


def name_issues(issues: tuple[Issue, ...], labels: dict[str, str]) -> tuple[Issue, ...]:
    return tuple(_rename(i, labels) for i in issues) if labels else issues

"""What the canvas document carries besides the graph: sticky notes and visual groups.

Neither changes what runs (the compiler ignores both); they are checked here so a save with a bad
one is a 400 naming the field, and never stored half. Shapes (all optional, schema 1):

    "notes":  [{"id": "note1", "text": "plain text", "position": {"x": 0, "y": 0},
                "width": 220, "height": 120}]
    "groups": [{"id": "g1", "label": "Prepare", "nodes": ["n1", "n2"], "collapsed": false}]

Node labels ("nodes[i].label") are bounded here too.
"""

from __future__ import annotations

import math
import re
from typing import Any

from compiler.labels import LABEL_MAX

NOTE_TEXT_MAX = 2000
NOTES_MAX = 500
GROUPS_MAX = 500
NOTE_SIZE = (40, 4000)
ANNOTATION_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,99}")

Problem = tuple[str, str]  # (field, message)


def _number(v: Any) -> bool:
    return isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v)


def _check_id(item: dict[str, Any], where: str, seen: set[str]) -> list[Problem]:
    value = item.get("id")
    if not isinstance(value, str) or not ANNOTATION_ID.fullmatch(value):
        return [(f"{where}.id", "must be 1-100 letters, digits, '_', '.' or '-'")]
    if value in seen:
        return [(f"{where}.id", f"'{value}' is used more than once")]
    seen.add(value)
    return []


def check_notes(raw: Any, field: str = "graph") -> list[Problem]:
    if raw is None:
        return []
    if not isinstance(raw, list):
        return [(f"{field}.notes", "must be a list")]
    if len(raw) > NOTES_MAX:
        return [(f"{field}.notes", f"at most {NOTES_MAX} notes allowed")]
    problems: list[Problem] = []
    seen: set[str] = set()
    for i, note in enumerate(raw):
        where = f"{field}.notes[{i}]"
        if not isinstance(note, dict):
            problems.append((where, "must be an object"))
            continue
        problems += _check_id(note, where, seen)
        text = note.get("text")
        if not isinstance(text, str):
            problems.append((f"{where}.text", "must be a string"))
        elif len(text) > NOTE_TEXT_MAX:
            problems.append((f"{where}.text", f"at most {NOTE_TEXT_MAX} characters allowed"))
        pos = note.get("position")
        if not isinstance(pos, dict) or not _number(pos.get("x")) or not _number(pos.get("y")):
            problems.append((f"{where}.position", "must be {x, y} with finite numbers"))
        for key in ("width", "height"):
            v = note.get(key)
            if v is not None and (not _number(v) or not NOTE_SIZE[0] <= v <= NOTE_SIZE[1]):
                problems.append((f"{where}.{key}", f"must be a number from {NOTE_SIZE[0]} to {NOTE_SIZE[1]}"))
        unknown = set(note) - {"id", "text", "position", "width", "height"}
        if unknown:
            problems.append((where, f"unknown key(s): {', '.join(sorted(unknown))}"))
    return problems


def check_groups(raw: Any, node_ids: set[str], field: str = "graph") -> list[Problem]:
    if raw is None:
        return []
    if not isinstance(raw, list):
        return [(f"{field}.groups", "must be a list")]
    if len(raw) > GROUPS_MAX:
        return [(f"{field}.groups", f"at most {GROUPS_MAX} groups allowed")]
    problems: list[Problem] = []
    seen: set[str] = set()
    grouped: set[str] = set()
    for i, group in enumerate(raw):
        where = f"{field}.groups[{i}]"
        if not isinstance(group, dict):
            problems.append((where, "must be an object"))
            continue
        problems += _check_id(group, where, seen)
        label = group.get("label", "")
        if not isinstance(label, str) or len(label) > LABEL_MAX:
            problems.append((f"{where}.label", f"must be a string of at most {LABEL_MAX} characters"))
        members = group.get("nodes")
        if not isinstance(members, list) or not members or not all(isinstance(m, str) for m in members):
            problems.append((f"{where}.nodes", "must be a non-empty list of node ids"))
        else:
            for m in members:
                if m not in node_ids:
                    problems.append((f"{where}.nodes", f"names node '{m}', which is not in the pipeline"))
                elif m in grouped:
                    problems.append((f"{where}.nodes", f"node '{m}' is already in another group"))
                grouped.add(m)
        if not isinstance(group.get("collapsed", False), bool):
            problems.append((f"{where}.collapsed", "must be true or false"))
    return problems


def check_labels(nodes: Any, field: str = "graph") -> list[Problem]:
    if not isinstance(nodes, list):
        return []
    return [
        (f"{field}.nodes[{i}].label", f"must be a string of at most {LABEL_MAX} characters")
        for i, node in enumerate(nodes)
        if isinstance(node, dict)
        and "label" in node
        and (not isinstance(node["label"], str) or len(node["label"]) > LABEL_MAX)
    ]


def check_annotations(graph: dict[str, Any], field: str = "graph") -> list[Problem]:
    """Every problem of the notes, groups and node labels of a document, each naming its field."""
    nodes = graph.get("nodes")
    ids = (
        {n["id"] for n in nodes if isinstance(n, dict) and isinstance(n.get("id"), str)}
        if isinstance(nodes, list)
        else set()
    )
    return (
        check_labels(nodes, field)
        + check_notes(graph.get("notes"), field)
        + check_groups(graph.get("groups"), ids, field)
    )

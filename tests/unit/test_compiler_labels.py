"""Node labels lead in compiler messages; notes, groups and labels are checked field by field."""

from __future__ import annotations

from typing import Any

from compiler import compile
from compiler.annotations import check_annotations
from compiler.memory import sample_catalog, sample_datasets


def doc(**extra: Any) -> dict[str, Any]:
    return {
        "schema": 1,
        "nodes": [
            {"id": "n1", "module": "builtin/split-data", "version": None, "params": {}, "label": "Hold out"},
            {"id": "n2", "module": "builtin/split-data", "version": None, "params": {}},
        ],
        "edges": [],
        "parameters": [],
        **extra,
    }


def test_errors_name_a_labelled_node_by_label_with_its_id_after() -> None:
    result = compile(doc(), sample_catalog(), sample_datasets())
    messages = {e.node: e.message for e in result.errors}
    assert "node 'Hold out' (n1)" in messages["n1"]
    assert "node 'n2'" in messages["n2"]  # no label: the id alone
    assert {e.node for e in result.errors} == {"n1", "n2"}  # the place stays the id


def test_notes_and_groups_are_optional_and_checked_by_field() -> None:
    good = doc(
        notes=[{"id": "note1", "text": "<b>plain</b>", "position": {"x": 1, "y": 2}, "width": 200, "height": 90}],
        groups=[{"id": "g1", "label": "Prep", "nodes": ["n1", "n2"], "collapsed": True}],
    )
    assert check_annotations(good) == []
    assert check_annotations(doc()) == []
    bad = doc(
        notes=[
            {"id": "note1", "text": "x" * 2001, "position": {"x": 0, "y": 0}},
            {"id": "note1", "text": 5, "position": {"x": "a"}, "width": 1},
        ],
        groups=[{"id": "g1", "label": "G", "nodes": ["n1", "zz"]}, {"id": "g2", "nodes": ["n1"], "collapsed": 1}],
    )
    fields = [f for f, _ in check_annotations(bad)]
    assert fields == [
        "graph.notes[0].text",
        "graph.notes[1].id",
        "graph.notes[1].text",
        "graph.notes[1].position",
        "graph.notes[1].width",
        "graph.groups[0].nodes",
        "graph.groups[1].nodes",
        "graph.groups[1].collapsed",
    ]
    assert check_annotations(doc(notes={}))[0][0] == "graph.notes"
    long_label = doc()
    long_label["nodes"][0]["label"] = "L" * 201
    assert check_annotations(long_label)[0][0] == "graph.nodes[0].label"

"""Sticky notes, groups and node labels are saved with the pipeline; bad ones are a 400 naming
the field and nothing is saved. Compile errors name labelled nodes by label."""

from __future__ import annotations

from typing import Any

NOTE = {"id": "note1", "text": "<script>alert(1)</script> plain text", "position": {"x": 10, "y": 20}, "width": 220}


def graph(**extra: Any) -> dict[str, Any]:
    return {
        "schema": 1,
        "nodes": [{"id": "n1", "module": "builtin/nope", "version": None, "params": {}, "label": "Clean up"}],
        "edges": [],
        "parameters": [],
        **extra,
    }


def test_notes_groups_and_labels_are_saved_and_read_back(as_alice: Any) -> None:
    g = graph(notes=[NOTE], groups=[{"id": "g1", "label": "Prep", "nodes": ["n1"], "collapsed": True}])
    r = as_alice.post("/api/pipelines/", {"team": "acme", "name": "Noted", "graph": g}, format="json")
    assert r.status_code == 201, r.content
    got = as_alice.get(f"/api/pipelines/{r.json()['id']}/").json()["graph"]
    assert got["notes"] == [NOTE]
    assert got["groups"] == [{"id": "g1", "label": "Prep", "nodes": ["n1"], "collapsed": True}]
    assert got["nodes"][0]["label"] == "Clean up"
    errors = r.json()["errors"]
    assert errors and errors[0]["node"] == "n1" and "'Clean up' (n1)" in errors[0]["message"]


def test_a_bad_note_is_a_400_naming_the_field_and_nothing_is_saved(as_alice: Any) -> None:
    before = as_alice.get("/api/pipelines/").json()["results"]
    bad = graph(notes=[{**NOTE, "text": "x" * 2001}])
    r = as_alice.post("/api/pipelines/", {"team": "acme", "name": "Bad", "graph": bad}, format="json")
    assert r.status_code == 400, r.content
    assert "graph.notes[0].text" in str(r.json())
    assert as_alice.get("/api/pipelines/").json()["results"] == before


def test_a_group_of_unknown_nodes_is_a_400(as_alice: Any) -> None:
    pid = as_alice.post("/api/pipelines/", {"team": "acme", "name": "V"}, format="json").json()["id"]
    bad = graph(groups=[{"id": "g", "nodes": ["zz"]}])
    r = as_alice.post(f"/api/pipelines/{pid}/validate", {"graph": bad}, format="json")
    assert r.status_code == 400, r.content
    assert "graph.groups[0].nodes" in str(r.json())

"""Input PostgreSQL cannot hold is a 400 naming where it is, never a 500."""

from __future__ import annotations

from typing import Any


def test_a_nul_character_in_a_json_body_is_a_400_naming_its_place(as_alice: Any) -> None:
    graph = {"nodes": [{"id": "n1", "module": "builtin/x", "params": {"a": "x\x00y"}}], "edges": [], "parameters": []}
    r = as_alice.post("/api/pipelines/", {"team": "acme", "name": "P", "graph": graph}, format="json")
    assert r.status_code == 400, r.content
    assert "graph.nodes[0].params.a" in r.json()["detail"]


def test_a_nul_character_in_the_url_is_a_400(as_alice: Any) -> None:
    assert as_alice.get("/api/runs/1/steps/a%00b/logs").status_code == 400
    assert as_alice.get("/api/runs/1/steps/a\x00b/logs").status_code == 400
    r = as_alice.get("/api/runs/?pipeline=1%00")
    assert r.status_code == 400 and r.json()["errors"][0]["field"] == "url"

"""The canvas document's schema migrations: each small, pure and tested."""

from __future__ import annotations

import copy

from compiler.document import MIGRATIONS, SCHEMA_VERSION, upgrade


def test_the_chain_reaches_the_current_version() -> None:
    assert sorted(MIGRATIONS) == list(range(SCHEMA_VERSION))


def test_v0_to_v1_adds_schema_and_defaults() -> None:
    doc = {
        "nodes": [
            {"id": "a", "module": "builtin/x", "version": None},
            {"id": "d", "dataset": "acme/iris", "version": 1},
            {"id": "b", "module": "builtin/x", "params": {"k": 1}, "position": {"x": 5, "y": 6}},
        ]
    }
    before = copy.deepcopy(doc)
    out = MIGRATIONS[0](doc)
    assert doc == before  # pure
    assert out["schema"] == 1 and out["edges"] == [] and out["parameters"] == []
    assert out["nodes"][0]["params"] == {} and out["nodes"][0]["position"] == {"x": 0, "y": 0}
    assert "params" not in out["nodes"][1] and out["nodes"][1]["position"] == {"x": 0, "y": 0}
    assert out["nodes"][2]["params"] == {"k": 1} and out["nodes"][2]["position"] == {"x": 5, "y": 6}


def test_v0_to_v1_keeps_existing_edges_and_parameters() -> None:
    doc = {"nodes": [], "edges": [{"source": "a"}], "parameters": [{"name": "p"}]}
    out = MIGRATIONS[0](doc)
    assert out["edges"] == [{"source": "a"}] and out["parameters"] == [{"name": "p"}]


def test_v0_to_v1_tolerates_broken_nodes() -> None:
    assert MIGRATIONS[0]({"nodes": [3]})["nodes"] == [3]
    assert MIGRATIONS[0]({"nodes": "x"})["nodes"] == "x"
    assert MIGRATIONS[0]({})["nodes"] == []


def test_upgrade_leaves_current_and_unknown_documents_alone() -> None:
    current = {"schema": 1, "nodes": []}
    assert upgrade(current) is current
    future = {"schema": 99}
    assert upgrade(future) is future
    assert upgrade([1]) == [1]
    assert upgrade({"schema": True}) == {"schema": True}


def test_upgrade_is_idempotent() -> None:
    once = upgrade({"nodes": [{"id": "a", "module": "builtin/x"}]})
    assert once["schema"] == SCHEMA_VERSION
    assert upgrade(once) == once

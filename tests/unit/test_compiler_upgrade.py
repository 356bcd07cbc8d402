"""The upgrade assistant's pure logic (compiler/upgrade.py)."""

from __future__ import annotations

import dataclasses
from typing import Any

from compiler.catalog import PortSpec
from compiler.memory import MemoryCatalog, module_info
from compiler.upgrade import propose_upgrade, upgradable


def renamed(info: Any, *, inputs: dict[str, str] | None = None, outputs: dict[str, str] | None = None) -> Any:
    """`info` with `renamed_from` set on the named ports (new name -> old name)."""

    def ports(items: tuple[PortSpec, ...], names: dict[str, str]) -> tuple[PortSpec, ...]:
        return tuple(dataclasses.replace(p, renamed_from=(names[p.name],)) if p.name in names else p for p in items)

    return dataclasses.replace(
        info, inputs=ports(info.inputs, inputs or {}), outputs=ports(info.outputs, outputs or {})
    )


def catalog() -> MemoryCatalog:
    cat = MemoryCatalog()
    cat.add([module_info("builtin/source", outputs=[("data", "DataFrame")])])
    cat.add([module_info("builtin/sink", inputs=[("model", "Model"), ("rows", "File", True)])])
    old = module_info(
        "acme/train",
        "1.0.0",
        inputs=[("data", "DataFrame")],
        outputs=[("model", "Model"), ("report", "File")],
        parameters={
            "trees": {"type": "integer", "default": 10},
            "depth": {"type": "integer", "default": 3},
            "label": {"type": "string", "default": "y"},
            "legacy": {"type": "boolean", "default": False},
        },
    )
    new = renamed(
        module_info(
            "acme/train",
            "2.0.0",
            inputs=[("train_data", "DataFrame")],
            outputs=[("model", "Model"), ("report", "Metrics")],
            parameters={
                "n_estimators": {"type": "integer", "default": 100, "minimum": 1, "renamed_from": "trees"},
                "depth": {"type": "integer", "default": 3, "maximum": 5},
                "label": {"type": "array", "default": ["y"]},
                "seed": {"type": "integer", "default": 0},
            },
        ),
        inputs={"train_data": "data"},
    )
    cat.add([old, new], default_version="2.0.0")
    return cat


def graph(version: str | None = "1.0.0", **params: Any) -> dict[str, Any]:
    return {
        "schema": 1,
        "nodes": [
            {"id": "src", "module": "builtin/source", "version": None, "params": {}, "position": {"x": 0, "y": 0}},
            {
                "id": "train",
                "module": "acme/train",
                "version": version,
                "params": params or {"trees": 50, "depth": 8, "label": "target", "legacy": True},
                "position": {"x": 200, "y": 0},
            },
            {"id": "sink", "module": "builtin/sink", "version": None, "params": {}, "position": {"x": 400, "y": 0}},
        ],
        "edges": [
            {"source": "src", "source_port": "data", "target": "train", "target_port": "data"},
            {"source": "train", "source_port": "model", "target": "sink", "target_port": "model"},
            {"source": "train", "source_port": "report", "target": "sink", "target_port": "rows"},
        ],
        "parameters": [],
    }


def test_only_pinned_nodes_behind_the_preferred_version_are_listed() -> None:
    cat = catalog()
    assert set(upgradable(graph(), cat)) == {"train"}
    assert upgradable(graph(version=None), cat) == {}
    assert upgradable(graph(version="2.0.0"), cat) == {}


def test_interface_diff_names_added_removed_renamed_and_retyped() -> None:
    proposal = propose_upgrade(graph(), catalog())
    (node,) = proposal.nodes
    assert (node.node, node.from_version, node.to_version) == ("train", "1.0.0", "2.0.0")
    assert node.inputs.as_json() == {
        "added": [],
        "removed": [],
        "renamed": [{"from": "data", "to": "train_data"}],
        "retyped": [],
    }
    assert node.outputs.as_json()["retyped"] == [{"name": "report", "from": "File", "to": "Metrics"}]
    assert node.parameters.as_json() == {
        "added": ["seed"],
        "removed": ["legacy"],
        "renamed": [{"from": "trees", "to": "n_estimators"}],
        "retyped": [{"name": "label", "from": "string", "to": "array"}],
    }


def test_values_and_edges_are_carried_where_names_and_types_match() -> None:
    before = graph()
    proposal = propose_upgrade(before, catalog())
    train = next(n for n in proposal.graph["nodes"] if n["id"] == "train")
    assert train["version"] == "2.0.0"
    assert train["params"] == {"n_estimators": 50}  # renamed and valid; depth 8 > maximum 5; label retyped
    (node,) = proposal.nodes
    assert node.carried_params == ["n_estimators"]
    reasons = {d["name"]: d["reason"] for d in node.dropped_params}
    assert set(reasons) == {"depth", "label", "legacy"}
    assert "8 is greater than the maximum of 5" in reasons["depth"]
    assert reasons["legacy"] == "no longer a parameter"
    assert proposal.graph["edges"] == [
        {"source": "src", "source_port": "data", "target": "train", "target_port": "train_data"},
        {"source": "train", "source_port": "model", "target": "sink", "target_port": "model"},
    ]
    assert node.dropped_edges == [
        {
            "source": "train",
            "source_port": "report",
            "target": "sink",
            "target_port": "rows",
            "reason": "train.report (Metrics) no longer connects to sink.rows (File)",
        }
    ]
    assert before == graph()  # never mutated
    assert proposal.diff["module_versions"] == [
        {"node": "train", "module": "acme/train", "from": "1.0.0", "to": "2.0.0"}
    ]


def test_pipeline_parameter_bindings_move_with_a_rename() -> None:
    proposal = propose_upgrade(graph(trees={"$param": "n"}), catalog())
    train = next(n for n in proposal.graph["nodes"] if n["id"] == "train")
    assert train["params"] == {"n_estimators": {"$param": "n"}}


def test_a_removed_port_drops_its_edges() -> None:
    cat = catalog()
    newest = module_info("acme/train", "3.0.0", inputs=[("data", "DataFrame")], outputs=[("report", "File")])
    mod = cat.modules["acme/train"]
    cat.add([*mod.versions, newest], default_version="3.0.0")
    proposal = propose_upgrade(graph(), cat)
    (node,) = proposal.nodes
    assert node.outputs.removed == ["model"]
    assert [e["reason"] for e in node.dropped_edges] == ["output 'model' of acme/train is gone in 3.0.0"]
    assert {(e["source"], e["target_port"]) for e in proposal.graph["edges"]} == {("src", "data"), ("train", "rows")}


def test_choosing_nodes_and_garbage_documents() -> None:
    assert propose_upgrade(graph(), catalog(), nodes=["src"]).nodes == []
    assert propose_upgrade(graph(), catalog(), nodes=["train"]).nodes[0].node == "train"
    empty = propose_upgrade("not a graph", catalog())
    assert empty.nodes == [] and empty.graph == {}

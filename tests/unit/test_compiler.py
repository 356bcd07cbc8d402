"""The compiler: every error and warning kind, each naming its place; plans and pinning."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest

from compiler import CompileResult, compile
from compiler.memory import MemoryCatalog, MemoryDatasets, module_info, sample_catalog, sample_datasets

CATALOG = sample_catalog()
DATASETS = sample_datasets()


def node(node_id: str, module: str, version: str | None = None, **params: Any) -> dict[str, Any]:
    return {"id": node_id, "module": f"builtin/{module}", "version": version, "params": params}


def edge(source: str, source_port: str, target: str, target_port: str) -> dict[str, str]:
    return {"source": source, "source_port": source_port, "target": target, "target_port": target_port}


def pipeline() -> dict[str, Any]:
    return {
        "schema": 1,
        "nodes": [
            {"id": "iris", "dataset": "acme/iris", "version": None},
            node("split", "split-data", test_size={"$param": "ts"}),
            node("train", "train", target="species"),
            node("eval", "evaluate"),
        ],
        "edges": [
            edge("iris", "data", "split", "data"),
            edge("split", "train", "train", "train"),
            edge("train", "model", "eval", "model"),
            edge("split", "test", "eval", "test"),
        ],
        "parameters": [{"name": "ts", "type": "number", "default": 0.3}],
    }


def run(doc: Any) -> CompileResult:
    return compile(doc, CATALOG, DATASETS)


def codes(result: CompileResult) -> list[tuple[str, str | None, str | None, str | None]]:
    return [(e.code, e.node, e.port, e.field) for e in result.errors]


def test_it_compiles_a_valid_pipeline() -> None:
    result = run(pipeline())
    assert result.errors == () and result.warnings == ()
    assert result.plan is not None
    assert [s.node for s in result.plan.steps] == ["split", "train", "eval"]
    split = result.plan.step("split")
    assert split.params == {"test_size": {"$param": "ts"}, "seed": 42}
    assert split.inputs[0].dataset == "acme/iris" and split.inputs[0].dataset_version == 2
    assert split.inputs[0].artifact == "b" * 64
    assert result.plan.step("eval").upstream == ("split", "train")
    assert result.plan.parameters[0].default == 0.3
    assert result.plan.step("train").params == {"target": "species", "max_depth": 3}


def test_it_pins_null_versions_without_touching_the_input() -> None:
    doc = pipeline()
    before = copy.deepcopy(doc)
    result = run(doc)
    assert doc == before
    assert [n["version"] for n in result.pinned["nodes"]] == [2, "1.0.0", "1.0.0", "1.0.0"]
    again = run(result.pinned)
    assert again.plan == result.plan


def test_the_plan_round_trips_through_json() -> None:
    from compiler.plan import Plan

    plan = run(pipeline()).plan
    assert plan is not None
    data = json.loads(json.dumps(plan.to_json()))
    assert Plan.from_json(data) == plan


@pytest.mark.parametrize(
    ("doc", "expected"),
    [
        ([], [("malformed", None, None, "graph")]),
        ({"schema": 1, "nodes": {}}, [("malformed", None, None, "nodes")]),
        ({"schema": 1, "nodes": [], "edges": "x"}, [("malformed", None, None, "edges")]),
        ({"schema": 1, "nodes": [], "parameters": {}}, [("malformed", None, None, "parameters")]),
        ({"schema": 7, "nodes": []}, [("unsupported_schema", None, None, "schema")]),
        ({"schema": 1, "nodes": [5]}, [("malformed", None, None, "nodes[0]")]),
        ({"schema": 1, "nodes": [{"module": "builtin/source"}]}, [("malformed", None, None, "nodes[0].id")]),
        ({"schema": 1, "nodes": [{"id": "a"}]}, [("malformed", "a", None, "nodes[0]")]),
        (
            {"schema": 1, "nodes": [{"id": "a", "module": "builtin/source", "params": []}]},
            [("malformed", "a", None, "nodes[0].params")],
        ),
        (
            {"schema": 1, "nodes": [{"id": "a", "module": "builtin/source", "version": 3}]},
            [("malformed", "a", None, "nodes[0].version")],
        ),
        (
            {"schema": 1, "nodes": [{"id": "a", "dataset": "acme/iris", "version": "x"}]},
            [("malformed", "a", None, "nodes[0].version")],
        ),
        (
            {"schema": 1, "nodes": [{"id": "a", "module": "builtin/source", "position": {"x": "1"}}]},
            [("malformed", "a", None, "nodes[0].position")],
        ),
        (
            {"schema": 1, "nodes": [], "edges": [{"source": "a"}]},
            [
                ("malformed", None, None, "edges[0].source_port"),
                ("malformed", None, None, "edges[0].target"),
                ("malformed", None, None, "edges[0].target_port"),
            ],
        ),
        (
            {"schema": 1, "nodes": [], "parameters": [{"name": "p", "type": "date"}]},
            [("malformed", None, None, "parameters[0].type")],
        ),
    ],
)
def test_it_reports_malformed_documents_with_field_paths(doc: Any, expected: list[Any]) -> None:
    result = run(doc)
    assert codes(result) == expected
    assert result.plan is None
    for issue in result.errors:
        assert issue.to_json()["message"]


def test_it_reports_duplicate_node_ids() -> None:
    doc = pipeline()
    doc["nodes"].append(node("train", "source"))
    assert codes(run(doc)) == [("duplicate_node", "train", None, "nodes[4]")]


@pytest.mark.parametrize("bad", ["../../etc/x", "a/b", ".hidden", "with space", "x" * 101, "ünï"])
def test_it_refuses_node_ids_unfit_for_urls_and_files(bad: str) -> None:
    doc = pipeline()
    doc["nodes"].append(node(bad, "evaluate"))
    result = run(doc)
    assert ("malformed", None, None, "nodes[4].id") in codes(result)
    assert result.plan is None
    assert run(pipeline()).plan is not None  # "split", "train", "eval", "iris" are fine; so is "x" * 100
    ok = pipeline()
    ok["nodes"].append(node("x" * 100, "summarize"))
    assert not [c for c in codes(run(ok)) if c[3] == "nodes[4].id"]


def test_it_reports_duplicate_pipeline_parameters() -> None:
    doc = pipeline()
    doc["parameters"].append({"name": "ts", "type": "number", "default": 0.1})
    assert codes(run(doc)) == [("duplicate_pipeline_parameter", None, None, "parameters[1].name")]


def test_it_reports_unknown_modules_and_versions() -> None:
    doc = pipeline()
    doc["nodes"][2]["module"] = "builtin/nope"
    doc["nodes"][3]["version"] = "9.9.9"
    result = run(doc)
    assert codes(result) == [
        ("unknown_module", "train", None, "nodes[2].module"),
        ("unknown_version", "eval", None, "nodes[3].version"),
    ]
    assert "builtin/nope" in result.errors[0].message and "9.9.9" in result.errors[1].message


def test_it_reports_a_disabled_version() -> None:
    doc = {"schema": 1, "nodes": [node("c", "clean", "3.0.0")], "edges": []}
    result = run(doc)
    assert codes(result)[0] == ("disabled_version", "c", None, "nodes[0].version")
    assert "disabled" in result.errors[0].message


def test_it_reports_a_module_without_usable_versions() -> None:
    catalog = MemoryCatalog()
    catalog.add([module_info("x/only", status="disabled")])
    result = compile({"schema": 1, "nodes": [{"id": "a", "module": "x/only", "version": None}]}, catalog, DATASETS)
    assert [(e.code, e.node) for e in result.errors] == [("no_usable_version", "a")]


def test_it_warns_about_deprecated_versions_naming_the_successor() -> None:
    doc = {
        "schema": 1,
        "nodes": [{"id": "iris", "dataset": "acme/iris", "version": 1}, node("c", "clean", "1.0.0")],
        "edges": [edge("iris", "data", "c", "data")],
    }
    result = run(doc)
    assert result.errors == ()
    deprecated = [w for w in result.warnings if w.code == "deprecated_version"]
    assert len(deprecated) == 1 and deprecated[0].node == "c"
    assert "2.0.0" in deprecated[0].message and "drops rows silently" in deprecated[0].message
    assert result.plan is not None and result.plan.steps[0].inputs[0].dataset_version == 1


def test_it_warns_when_a_newer_default_exists() -> None:
    doc = {
        "schema": 1,
        "nodes": [{"id": "iris", "dataset": "acme/iris", "version": 1}, node("c", "clean", "1.5.0")],
        "edges": [edge("iris", "data", "c", "data")],
    }
    result = run(doc)
    assert [(w.code, w.node, w.field) for w in result.warnings] == [("newer_version", "c", "nodes[1].version")]
    assert "2.0.0" in result.warnings[0].message
    doc["nodes"][1]["version"] = None
    assert run(doc).warnings == ()
    assert run(doc).pinned["nodes"][1]["version"] == "2.0.0"


def test_it_reports_cycles_naming_their_nodes() -> None:
    doc = pipeline()
    doc["edges"][0] = edge("eval", "metrics", "split", "data")
    result = run(doc)
    cycles = [e for e in result.errors if e.code == "cycle"]
    assert len(cycles) == 1
    assert set(cycles[0].nodes) == {"split", "train", "eval"}
    for name in ("split", "train", "eval"):
        assert name in cycles[0].message
    assert result.plan is None


def test_it_reports_a_self_loop() -> None:
    doc = {"schema": 1, "nodes": [node("a", "any")], "edges": [edge("a", "out", "a", "in")]}
    result = run(doc)
    assert [(e.code, e.nodes) for e in result.errors] == [("cycle", ("a",))]
    assert "a -> a" in result.errors[0].message


def test_it_reports_every_separate_cycle() -> None:
    doc = {
        "schema": 1,
        "nodes": [node(n, "any") for n in "abcd"],
        "edges": [
            edge("a", "out", "b", "in"),
            edge("b", "out", "a", "in"),
            edge("c", "out", "d", "in"),
            edge("d", "out", "c", "in"),
        ],
    }
    result = run(doc)
    assert sorted(e.nodes for e in result.errors if e.code == "cycle") == [("a", "b"), ("c", "d")]


def test_it_reports_unconnected_required_inputs_only() -> None:
    doc = pipeline()
    del doc["edges"][3]
    result = run(doc)
    assert codes(result) == [("missing_input", "eval", "test", None)]  # "extra" is optional


def test_it_reports_two_edges_into_one_input() -> None:
    doc = pipeline()
    doc["edges"].append(edge("split", "test", "train", "train"))
    assert codes(run(doc)) == [("duplicate_input", "train", "train", "edges[4]")]


def test_it_reports_edges_to_unknown_nodes_and_ports() -> None:
    doc = pipeline()
    doc["edges"] += [
        edge("ghost", "x", "eval", "extra"),
        edge("split", "test", "phantom", "y"),
        edge("split", "nope", "eval", "extra"),
        edge("train", "model", "eval", "nope"),
        edge("iris", "rows", "eval", "extra"),
        edge("split", "test", "iris", "data"),
    ]
    assert codes(run(doc)) == [
        ("unknown_node", "ghost", "x", "edges[4].source"),
        ("unknown_node", "phantom", "y", "edges[5].target"),
        ("unknown_port", "split", "nope", "edges[6].source_port"),
        ("unknown_port", "eval", "nope", "edges[7].target_port"),
        ("unknown_port", "iris", "rows", "edges[8].source_port"),
        ("unknown_port", "iris", "data", "edges[9].target_port"),
    ]


def test_it_reports_port_type_mismatches_and_lets_any_match() -> None:
    doc = pipeline()
    doc["edges"][3] = edge("train", "model", "eval", "test")  # Model -> DataFrame
    doc["nodes"].append(node("anything", "any"))
    doc["edges"].append(edge("train", "model", "anything", "in"))  # Model -> Any
    doc["edges"].append(edge("anything", "out", "eval", "extra"))  # Any -> Any
    result = run(doc)
    assert codes(result) == [("type_mismatch", "eval", "test", "edges[3]")]
    assert "Model" in result.errors[0].message and "DataFrame" in result.errors[0].message


def test_dataset_nodes_feed_dataframe_file_and_any_inputs() -> None:
    doc = {
        "schema": 1,
        "nodes": [
            {"id": "d", "dataset": "acme/iris", "version": 1},
            node("f", "file"),
            node("a", "any"),
            node("t", "train", target="y"),
        ],
        "edges": [edge("d", "data", "f", "file"), edge("d", "data", "a", "in"), edge("d", "data", "t", "train")],
    }
    result = run(doc)
    assert result.errors == ()
    assert result.plan is not None and [s.node for s in result.plan.steps] == ["a", "f", "t"]
    doc["nodes"].append(node("e", "evaluate"))
    doc["edges"] += [edge("d", "data", "e", "model"), edge("d", "data", "e", "test")]
    assert codes(run(doc)) == [("type_mismatch", "e", "model", "edges[3]")]


def test_it_reports_unknown_and_invalid_parameters() -> None:
    doc = pipeline()
    doc["nodes"][1]["params"] = {"test_size": 3, "seed": "x", "colour": "red"}
    result = run(doc)
    assert codes(result) == [
        ("unknown_parameter", "split", None, "nodes[1].params.colour"),
        ("invalid_parameter", "split", None, "nodes[1].params.test_size"),
        ("invalid_parameter", "split", None, "nodes[1].params.seed"),
    ]
    assert "maximum" in result.errors[1].message or "3" in result.errors[1].message


def test_it_reports_a_missing_parameter_without_default() -> None:
    doc = pipeline()
    doc["nodes"][2]["params"] = {}
    assert codes(run(doc)) == [("missing_parameter", "train", None, "nodes[2].params.target")]


def test_it_reports_bindings_to_undefined_pipeline_parameters() -> None:
    doc = pipeline()
    doc["nodes"][2]["params"]["max_depth"] = {"$param": "depth"}
    assert codes(run(doc)) == [("undefined_pipeline_parameter", "train", None, "nodes[2].params.max_depth")]


def test_it_reports_a_pipeline_parameter_default_that_violates_the_module_schema() -> None:
    doc = pipeline()
    doc["parameters"][0]["default"] = 5
    result = run(doc)
    assert codes(result) == [("invalid_pipeline_parameter_default", "split", None, "parameters[0].default")]
    assert "ts" in result.errors[0].message


def test_it_reports_unknown_datasets_and_versions() -> None:
    doc = pipeline()
    doc["nodes"][0]["version"] = 9
    assert codes(run(doc)) == [("unknown_dataset_version", "iris", None, "nodes[0].version")]
    doc["nodes"][0]["dataset"] = "acme/nope"
    assert codes(run(doc)) == [("unknown_dataset", "iris", None, "nodes[0].dataset")]


def test_it_reports_every_error_at_once() -> None:
    doc = pipeline()
    doc["nodes"][0]["dataset"] = "acme/nope"
    doc["nodes"][1]["params"]["colour"] = 1
    doc["nodes"][2]["module"] = "builtin/nope"
    doc["edges"].append(edge("eval", "metrics", "split", "data"))
    result = run(doc)
    assert {e.code for e in result.errors} >= {
        "unknown_dataset",
        "unknown_parameter",
        "unknown_module",
        "duplicate_input",
    }


def test_it_upgrades_schema_0_documents() -> None:
    doc = pipeline()
    del doc["schema"]
    del doc["nodes"][2]["params"]
    doc["nodes"][2]["params"] = {"target": "y"}
    result = run(doc)
    assert result.errors == ()
    assert result.pinned["schema"] == 1
    assert all("position" in n for n in result.pinned["nodes"])


def test_issues_serialize_only_their_places() -> None:
    from compiler import Issue

    assert Issue("x", "m", node="a").to_json() == {"code": "x", "message": "m", "node": "a"}
    assert Issue("c", "m", nodes=("a", "b")).to_json()["nodes"] == ["a", "b"]


def test_memory_datasets_resolve_latest() -> None:
    assert MemoryDatasets().dataset("a/b", None) is None
    assert DATASETS.dataset("acme/iris", None) is not None


def chain(n: int) -> dict[str, Any]:
    nodes: list[dict[str, Any]] = [{"id": "d", "dataset": "acme/iris", "version": 1}]
    edges = []
    for i in range(n):
        nodes.append({"id": f"n{(i * 7919) % n:05d}", "module": "builtin/merge", "version": None, "params": {}})
    ids = [nd["id"] for nd in nodes[1:]]
    edges.append(edge("d", "data", ids[0], "left"))
    for i in range(1, n):
        edges.append(edge(ids[i - 1], "data", ids[i], "left"))
        if i >= 2:
            edges.append(edge(ids[i - 2], "data", ids[i], "right"))
    return {"schema": 1, "nodes": nodes, "edges": edges, "parameters": []}


def test_the_fast_plan_json_matches_to_json() -> None:
    from compiler.plan import Plan
    from compiler.serialize import plan_json

    plan = run(pipeline()).plan
    assert plan is not None
    fast = plan_json(plan)
    assert json.dumps(fast) == json.dumps(plan.to_json())
    assert Plan.from_json(fast) == plan

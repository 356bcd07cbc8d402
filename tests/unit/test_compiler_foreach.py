"""For each in the compiler (compiler.foreach): the item source typed against the body module,
errors naming node and field, the gathered outputs typed for the edges after it, nesting, and
properties: any `foreach` value compiles or fails cleanly; a grid's items are its product."""

from __future__ import annotations

import itertools
import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from compiler import CompileResult, compile
from compiler.foreach import param_items
from compiler.memory import MemoryPipelines, sample_catalog, sample_datasets
from compiler.plan import ForEach, Plan
from compiler.serialize import plan_json
from tests.unit.test_compiler import edge, node, pipeline

CATALOG = sample_catalog()
DATASETS = sample_datasets()


def run(doc: Any, subs: MemoryPipelines | None = None) -> CompileResult:
    return compile(doc, CATALOG, DATASETS, pipelines=subs)


def with_sweep(foreach: Any, *, label: str = "Sweep", port: str = "train") -> dict[str, Any]:
    """The sample pipeline plus `sweep`: train once per item, fed by split.train."""
    doc = pipeline()
    doc["nodes"].append({**node("sweep", "train", target="species"), "label": label, "foreach": foreach})
    doc["edges"].append(edge("split", "train", "sweep", port))
    return doc


def errors(result: CompileResult) -> list[tuple[str, str | None, str | None, str]]:
    return [(e.code, e.node, e.field, e.message) for e in result.errors]


def test_a_grid_compiles_to_a_step_with_its_item_source_and_gathered_outputs() -> None:
    result = run(with_sweep({"over": "grid", "grid": {"max_depth": [1, 2, 3]}, "concurrency": 2}))
    assert result.errors == ()
    assert result.plan is not None
    step = result.plan.step("sweep")
    assert step.foreach == ForEach(over="grid", grid={"max_depth": [1, 2, 3]}, concurrency=2)
    assert step.item_outputs == (("model", "Model"),)
    assert step.outputs == (("model", "File"), ("items", "DataFrame"))  # a Model per item: a folder of them
    assert "max_depth" not in step.params or step.params["max_depth"] == 3


def test_the_gathered_outputs_are_typed_for_what_follows() -> None:
    doc = with_sweep({"over": "list", "param": "max_depth", "values": [1, 2]})
    doc["nodes"].append(node("eval2", "evaluate"))
    doc["edges"] += [edge("sweep", "model", "eval2", "model"), edge("split", "test", "eval2", "test")]
    [(code, where, _field, message)] = errors(run(doc))
    assert code == "type_mismatch" and where == "eval2"
    assert "'sweep.model' (File)" in message
    doc["edges"][-2] = edge("sweep", "items", "eval2", "extra")  # the items table feeds an Any input
    doc["edges"].append(edge("train", "model", "eval2", "model"))
    assert errors(run(doc)) == []


def test_rows_come_from_a_table_input_and_the_plan_round_trips() -> None:
    result = run(with_sweep({"over": "rows", "port": "train", "concurrency": 8}))
    assert result.errors == ()
    assert result.plan is not None
    assert result.plan.step("sweep").foreach == ForEach(over="rows", port="train", concurrency=8)
    assert Plan.from_json(json.loads(json.dumps(result.plan.to_json()))) == result.plan
    assert json.dumps(plan_json(result.plan)) == json.dumps(result.plan.to_json())


@pytest.mark.parametrize(
    ("foreach", "field", "message"),
    [
        ({"over": "grid", "grid": {"max_depth": [1]}, "concurrency": 65}, "foreach.concurrency", "1..64"),
        ({"over": "grid", "grid": {"max_depth": [1]}, "concurrency": True}, "foreach.concurrency", "1..64"),
        ("rows", "foreach", "must be an object"),
        ({"over": "each"}, "foreach.over", "must be one of rows, files, list, grid"),
        ({"over": "rows"}, "foreach.port", "must name the body's input"),
        ({"over": "rows", "port": "nope"}, "foreach.port", "has no input 'nope'"),
        ({"over": "files", "port": "train"}, "foreach.port", "input 'train' is a DataFrame"),
        ({"over": "list", "values": [1]}, "foreach.param", "must name the body parameter"),
        ({"over": "list", "param": "max_depth", "values": []}, "foreach.values", "non-empty list"),
        ({"over": "list", "param": "max_depth", "values": [1, "deep"]}, "foreach.values[1]", "'deep' does not fit"),
        ({"over": "list", "param": "depth", "values": [1]}, "foreach.param", "has no parameter 'depth'"),
        ({"over": "list", "param": "max_depth", "values": {"$param": "nope"}}, "foreach.values", "not defined"),
        ({"over": "list", "param": "max_depth", "values": {"$param": "ts"}}, "foreach.values", "must be an array"),
        ({"over": "grid", "grid": {}}, "foreach.grid", "must be an object"),
        ({"over": "grid", "grid": {"max_depth": 3}}, "foreach.grid.max_depth", "non-empty list"),
        ({"over": "grid", "grid": {"x": [1]}}, "foreach.grid.x", "has no parameter 'x'"),
        ({"over": "grid", "grid": {"a": list(range(200)), "b": list(range(200))}}, "foreach.grid", "40000"),
        ({"over": "grid", "grid": {"max_depth": [1]}, "extra": 1}, "foreach.extra", "is not a for-each field"),
    ],
)
def test_a_wrong_foreach_names_the_node_by_label_and_the_field(foreach: Any, field: str, message: str) -> None:
    found = [e for e in run(with_sweep(foreach)).errors if e.code == "invalid_foreach"]
    assert len(found) == 1, errors(run(with_sweep(foreach)))
    [error] = found
    assert (error.node, error.field) == ("sweep", f"nodes[4].{field}")
    assert error.message.startswith(f"Node 'Sweep' (sweep): {field} ") and message in error.message, error.message


def test_an_exit_step_cannot_be_a_foreach() -> None:
    doc = with_sweep({"over": "list", "param": "max_depth", "values": [1]})
    doc["nodes"][-1]["exit"] = True
    assert any(f == "nodes[4].exit" and c == "invalid_foreach" for c, _, f, _m in errors(run(doc)))


def test_a_body_parameter_set_by_the_items_needs_no_value_of_its_own_but_the_others_do() -> None:
    doc = with_sweep({"over": "list", "param": "target", "values": ["species", "petal"]})
    doc["nodes"][-1]["params"] = {}
    assert errors(run(doc)) == []
    doc["nodes"][-1]["foreach"] = {"over": "list", "param": "max_depth", "values": [1]}
    assert [(c, f) for c, _, f, _m in errors(run(doc))] == [("missing_parameter", "nodes[4].params.target")]


def _inner_sweep(values: Any) -> dict[str, Any]:
    return {
        "schema": 1,
        "nodes": [
            {"id": "in_data", "input": "data", "type": "DataFrame"},
            {
                **node("fit", "train", target="species"),
                "foreach": {"over": "list", "param": "max_depth", "values": values},
            },
            {"id": "out", "output": "items", "type": "DataFrame"},
        ],
        "edges": [edge("in_data", "data", "fit", "train"), edge("fit", "items", "out", "items")],
        "parameters": [{"name": "depths", "type": "array", "default": [1, 2]}],
    }


def test_a_foreach_inside_a_sub_pipeline_runs_over_what_the_outer_node_sets() -> None:
    subs = MemoryPipelines()
    subs.add(7, "sweeper", _inner_sweep({"$param": "depths"}))
    doc = pipeline()
    doc["nodes"].append({"id": "tune", "pipeline": 7, "version": None, "params": {"depths": [4, 5, 6]}})
    doc["edges"].append(edge("split", "train", "tune", "data"))
    result = run(doc, subs)
    assert result.errors == (), errors(result)
    assert result.plan is not None
    spec = result.plan.step("tune.fit").foreach
    assert spec is not None and spec.values == [4, 5, 6]


def test_a_sub_pipeline_body_cannot_hold_a_foreach_of_its_own() -> None:
    subs = MemoryPipelines()
    inner = _inner_sweep([1])
    inner["nodes"][-1]["output"] = "results"  # `items` is the name a for-each adds itself
    subs.add(7, "sweeper", inner)
    doc = pipeline()
    doc["nodes"].append({"id": "tune", "pipeline": 7, "foreach": {"over": "rows", "port": "data"}})
    doc["edges"].append(edge("split", "train", "tune", "data"))
    [(code, where, place, message)] = errors(run(doc, subs))
    assert (code, where, place) == ("invalid_foreach", "tune", "nodes[4].foreach")
    assert "inner node 'fit' is a for-each" in message


# -- properties ----------------------------------------------------------------------------------
_json = st.recursive(
    st.none() | st.booleans() | st.integers(-5, 100) | st.text(max_size=6),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=6), inner, max_size=4),
    max_leaves=12,
)
_foreach = st.fixed_dictionaries(
    {"over": st.sampled_from(["rows", "files", "list", "grid", "x"])},
    optional={
        "port": st.sampled_from(["train", "nope", 3]),
        "param": st.sampled_from(["max_depth", "target", "x", None]),
        "values": _json | st.lists(st.integers(0, 9), min_size=1, max_size=5),
        "grid": _json | st.dictionaries(st.sampled_from(["max_depth", "target"]), st.lists(_json, max_size=3)),
        "concurrency": _json,
    },
)


@settings(max_examples=150, deadline=None)
@given(foreach=_foreach | _json)
def test_any_foreach_value_compiles_or_fails_naming_the_node_and_field(foreach: Any) -> None:
    result = run(with_sweep(foreach))
    for e in result.errors:
        if e.code == "invalid_foreach":
            assert e.node == "sweep" and e.field is not None and e.field.startswith("nodes[4].")
    if result.ok:
        assert result.plan is not None
        step = result.plan.step("sweep")
        assert step.foreach is not None and 1 <= step.foreach.concurrency <= 64
        assert Plan.from_json(json.loads(json.dumps(plan_json(result.plan)))) == result.plan


@given(grid=st.dictionaries(st.sampled_from("abcd"), st.lists(st.integers(), min_size=1, max_size=4), min_size=1))
def test_a_grids_items_are_its_product_the_last_key_varying_fastest(grid: dict[str, list[int]]) -> None:
    items = param_items(ForEach(over="grid", grid=grid), {})
    names = list(grid)
    assert items == [dict(zip(names, combo, strict=True)) for combo in itertools.product(*grid.values())]
    assert len(items) == len(list(itertools.product(*grid.values())))


@given(values=st.lists(st.integers(), min_size=1, max_size=20), bound=st.booleans())
def test_a_lists_items_keep_their_order_literal_or_from_the_run(values: list[int], bound: bool) -> None:
    spec = ForEach(over="list", param="p", values={"$param": "vs"} if bound else values)
    assert param_items(spec, {"vs": values}) == [{"p": v} for v in values]

"""For each over a sub-pipeline (compiler.subforeach): the node stays one step whose body is the
inner pipeline compiled (inner names relative to the item, inputs and outputs mapped), typed
against the sub-pipeline's interface, errors naming node and field, and the plan round-trips."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from compiler import CompileResult, compile
from compiler.memory import MemoryPipelines, sample_catalog, sample_datasets
from compiler.plan import ForEach, InputBinding, Plan
from compiler.serialize import plan_json
from tests.unit.test_compiler import edge, node
from tests.unit.test_compiler_foreach import _json

CATALOG = sample_catalog()
DATASETS = sample_datasets()


def train_eval() -> dict[str, Any]:
    """Input `data`; split, train, evaluate inside; outputs `model` and `metrics`; parameters
    `ts` (split's test_size) and `depth` (train's max_depth)."""
    return {
        "schema": 1,
        "nodes": [
            {"id": "in_data", "input": "data", "type": "DataFrame"},
            node("split", "split-data", test_size={"$param": "ts"}),
            node("train", "train", target="species", max_depth={"$param": "depth"}),
            node("eval", "evaluate"),
            {"id": "out_model", "output": "model", "type": "Model"},
            {"id": "out_metrics", "output": "metrics", "type": "Metrics"},
        ],
        "edges": [
            edge("in_data", "data", "split", "data"),
            edge("split", "train", "train", "train"),
            edge("train", "model", "eval", "model"),
            edge("split", "test", "eval", "test"),
            edge("train", "model", "out_model", "model"),
            edge("eval", "metrics", "out_metrics", "metrics"),
        ],
        "parameters": [{"name": "ts", "type": "number", "default": 0.2}, {"name": "depth", "type": "integer"}],
    }


def subs(graph: dict[str, Any] | None = None) -> MemoryPipelines:
    found = MemoryPipelines()
    found.add(7, "Train and evaluate", graph or train_eval())
    return found


def outer(foreach: Any, params: dict[str, Any] | None = None, *, parameters: Any = ()) -> dict[str, Any]:
    return {
        "schema": 1,
        "nodes": [
            {"id": "iris", "dataset": "acme/iris", "version": None},
            {
                "id": "fe",
                "label": "Sweep",
                "pipeline": 7,
                "version": None,
                "params": {"depth": 4} if params is None else params,
                "foreach": foreach,
            },
            node("after", "any"),
        ],
        "edges": [edge("iris", "data", "fe", "data"), edge("fe", "items", "after", "in")],
        "parameters": list(parameters),
    }


def run(doc: Any, pipelines: MemoryPipelines | None = None) -> CompileResult:
    return compile(doc, CATALOG, DATASETS, pipelines=pipelines or subs())


def errors(result: CompileResult) -> list[tuple[str, str | None, str | None, str]]:
    return [(e.code, e.node, e.field, e.message) for e in result.errors]


def test_a_list_over_a_sub_pipeline_parameter_compiles_to_one_step_with_the_inner_steps_as_body() -> None:
    result = run(outer({"over": "list", "param": "ts", "values": [0.2, 0.3], "concurrency": 2}))
    assert result.errors == (), errors(result)
    assert result.plan is not None
    assert [s.node for s in result.plan.steps] == ["fe", "after"]  # not flattened
    fe = result.plan.step("fe")
    assert fe.foreach == ForEach(over="list", param="ts", values=[0.2, 0.3], concurrency=2)
    assert fe.label == "Sweep" and fe.module == "" and fe.version == "1"
    assert [s.node for s in fe.body] == ["split", "train", "eval"]
    assert fe.inner("split").params["test_size"] == {"$param": "$item.ts"}  # each item sets it
    assert fe.inner("train").params["max_depth"] == 4  # what the node sets
    assert fe.inner("eval").inputs == (
        InputBinding(port="model", type="Model", source_node="train", source_port="model"),
        InputBinding(port="test", type="DataFrame", source_node="split", source_port="test"),
    )
    assert fe.body_inputs == (("split", "data", "data"),)
    assert fe.body_outputs == (("model", "train", "model"), ("metrics", "eval", "metrics"))
    assert fe.item_outputs == (("model", "Model"), ("metrics", "Metrics"))
    assert fe.outputs == (("model", "File"), ("metrics", "File"), ("items", "DataFrame"))
    assert [b.dataset for b in fe.inputs] == ["acme/iris"]
    assert [s.node for s in result.plan.every_step()] == ["fe", "fe.split", "fe.train", "fe.eval", "after"]


def test_the_plan_with_a_body_round_trips_and_an_old_plan_still_loads() -> None:
    result = run(outer({"over": "grid", "grid": {"ts": [0.2, 0.3], "depth": [1, 2]}}, params={}))
    assert result.errors == (), errors(result)
    assert result.plan is not None
    data = json.loads(json.dumps(plan_json(result.plan)))
    assert Plan.from_json(data) == result.plan
    for s in data["steps"]:
        for key in ("body", "body_inputs", "body_outputs"):
            del s[key]
    old = Plan.from_json(data)
    assert old.step("fe").body == () and old.step("after").body == ()


def test_a_bound_parameter_passes_through_to_the_inner_steps() -> None:
    doc = outer(
        {"over": "list", "param": "ts", "values": {"$param": "sizes"}},
        params={"depth": {"$param": "d"}},
        parameters=[
            {"name": "sizes", "type": "array", "default": [0.1]},
            {"name": "d", "type": "integer", "default": 2},
        ],
    )
    result = run(doc)
    assert result.errors == (), errors(result)
    assert result.plan is not None
    fe = result.plan.step("fe")
    assert fe.inner("train").params["max_depth"] == {"$param": "d"}
    assert fe.params["depth"] == {"$param": "d"} and fe.param_schemas["depth"] == {"type": "integer"}


def test_rows_come_from_a_declared_table_input() -> None:
    result = run(outer({"over": "rows", "port": "data"}))
    assert result.errors == (), errors(result)


def test_a_wrong_foreach_names_the_node_and_the_field() -> None:
    [(code, where, place, message)] = errors(run(outer({"over": "list", "param": "x", "values": [1]})))
    assert (code, where, place) == ("invalid_foreach", "fe", "nodes[1].foreach.param")
    assert message == "Node 'Sweep' (fe): foreach.param 'x' is not a parameter of sub-pipeline 'Train and evaluate'."
    [(code, where, place, message)] = errors(run(outer({"over": "rows", "port": "nope"})))
    assert (code, where, place) == ("invalid_foreach", "fe", "nodes[1].foreach.port")
    assert "'nope' is not an input of sub-pipeline 'Train and evaluate'" in message
    graph = train_eval()
    graph["nodes"][0]["type"] = "Model"
    found = errors(run(outer({"over": "rows", "port": "data"}), subs(graph)))
    assert [m for c, _n, f, m in found if f == "nodes[1].foreach.port"] == [
        "Node 'Sweep' (fe): foreach.port input 'data' is a Model; rows come from a Any or DataFrame input."
    ]
    [(code, _w, place, message)] = errors(run(outer({"over": "list", "param": "ts", "values": ["big"]})))
    assert place == "nodes[1].foreach.values[0]" and "'big' does not fit 'ts'" in message


def test_a_parameter_neither_set_nor_itemized_nor_defaulted_is_missing() -> None:
    [(code, where, place, _m)] = errors(run(outer({"over": "list", "param": "ts", "values": [0.2]}, params={})))
    assert (code, where, place) == ("missing_parameter", "fe", "nodes[1].params.depth")


def test_an_error_inside_the_body_is_located_through_the_nesting() -> None:
    graph = train_eval()
    graph["nodes"][2]["params"]["max_depth"] = "deep"
    result = run(outer({"over": "list", "param": "ts", "values": [0.2]}), subs(graph))
    [issue] = result.errors
    assert issue.code == "invalid_parameter" and issue.node == "fe" and issue.field == "nodes[1]"
    assert issue.message.startswith("fe \u203a train: ") and issue.path == ("fe", "train")


def test_a_body_with_a_condition_is_refused_naming_the_inner_node() -> None:
    graph = train_eval()
    graph["nodes"][3]["condition"] = "params.ts > 0.1"
    [(code, where, place, message)] = errors(run(outer({"over": "list", "param": "ts", "values": [0.2]}), subs(graph)))
    assert (code, where, place) == ("invalid_foreach", "fe", "nodes[1].foreach")
    assert "inner node 'eval' has a condition" in message


def test_an_unfed_output_is_refused() -> None:
    graph = train_eval()
    graph["edges"] = graph["edges"][:-1]
    [(code, where, place, message)] = errors(run(outer({"over": "list", "param": "ts", "values": [0.2]}), subs(graph)))
    assert (code, where, place) == ("invalid_foreach", "fe", "nodes[1].foreach")
    assert "feeds its output 'metrics'" in message


def test_a_foreach_sub_node_inside_another_sub_pipeline_takes_the_outer_values() -> None:
    pipelines = subs()
    pipelines.add(
        8,
        "wrapper",
        {
            "schema": 1,
            "nodes": [
                {"id": "in_data", "input": "data", "type": "DataFrame"},
                {
                    "id": "fe",
                    "pipeline": 7,
                    "version": 1,
                    "params": {"depth": {"$param": "w"}},
                    "foreach": {"over": "list", "param": "ts", "values": [0.2, 0.4]},
                },
                {"id": "out", "output": "items", "type": "DataFrame"},
            ],
            "edges": [edge("in_data", "data", "fe", "data"), edge("fe", "items", "out", "items")],
            "parameters": [{"name": "w", "type": "integer", "default": 1}],
        },
    )
    doc = {
        "schema": 1,
        "nodes": [
            {"id": "iris", "dataset": "acme/iris", "version": None},
            {"id": "wrap", "pipeline": 8, "version": None, "params": {"w": 6}},
        ],
        "edges": [edge("iris", "data", "wrap", "data")],
    }
    result = run(doc, pipelines)
    assert result.errors == (), errors(result)
    assert result.plan is not None
    fe = result.plan.step("wrap.fe")
    assert fe.inner("train").params["max_depth"] == 6
    assert [b.dataset for b in fe.inputs] == ["acme/iris"]


def test_a_sub_pipeline_inside_the_body_is_flattened_into_it() -> None:
    pipelines = subs()
    pipelines.add(
        9,
        "outer body",
        {
            "schema": 1,
            "nodes": [
                {"id": "in_data", "input": "data", "type": "DataFrame"},
                {"id": "te", "pipeline": 7, "version": 1, "params": {"ts": {"$param": "size"}, "depth": 2}},
                {"id": "out", "output": "metrics", "type": "Metrics"},
            ],
            "edges": [edge("in_data", "data", "te", "data"), edge("te", "metrics", "out", "metrics")],
            "parameters": [{"name": "size", "type": "number", "default": 0.5}],
        },
    )
    doc = outer({"over": "list", "param": "size", "values": [0.1, 0.2]}, params={})
    doc["nodes"][1]["pipeline"] = 9
    result = run(doc, pipelines)
    assert result.errors == (), errors(result)
    assert result.plan is not None
    fe = result.plan.step("fe")
    assert [s.node for s in fe.body] == ["te.split", "te.train", "te.eval"]
    assert fe.inner("te.split").params["test_size"] == {"$param": "$item.size"}
    assert fe.body_inputs == (("te.split", "data", "data"),)
    assert fe.body_outputs == (("metrics", "te.eval", "metrics"),)


_subforeach = st.fixed_dictionaries(
    {"over": st.sampled_from(["rows", "files", "list", "grid", "x"])},
    optional={
        "port": st.sampled_from(["data", "nope", 3]),
        "param": st.sampled_from(["ts", "depth", "x", None]),
        "values": _json | st.lists(st.integers(0, 9), min_size=1, max_size=5),
        "grid": _json | st.dictionaries(st.sampled_from(["ts", "depth", "y"]), st.lists(_json, max_size=3)),
        "concurrency": _json,
    },
)


@settings(max_examples=150, deadline=None)
@given(foreach=_subforeach | _json, params=st.sampled_from([{}, {"depth": 4}, {"ts": "x"}, {"nope": 1}]))
def test_any_foreach_on_a_sub_pipeline_node_compiles_or_fails_naming_the_node(foreach: Any, params: Any) -> None:
    result = run(outer(foreach, params=params))
    for e in result.errors:
        if e.code == "invalid_foreach" or e.code.endswith("parameter"):
            assert e.node == "fe" and e.field is not None and e.field.startswith("nodes[1]."), e
        else:  # a wrong `foreach` leaves a plain node without `items`: the edge from it is reported
            assert (e.code, e.node, e.port) == ("unknown_port", "fe", "items"), e
    if result.ok:
        assert result.plan is not None
        fe = result.plan.step("fe")
        assert fe.foreach is not None and [s.node for s in fe.body] == ["split", "train", "eval"]
        assert Plan.from_json(json.loads(json.dumps(plan_json(result.plan)))) == result.plan


def test_row_names_that_would_be_too_long_are_refused() -> None:
    doc = outer({"over": "list", "param": "ts", "values": [0.2]})
    doc["nodes"][1]["id"] = "f" * 90
    doc["edges"] = [edge("iris", "data", "f" * 90, "data"), edge("f" * 90, "items", "after", "in")]
    [(code, where, place, message)] = errors(run(doc))
    assert (code, where, place) == ("invalid_foreach", "f" * 90, "nodes[1].foreach")
    assert "its inner step 'split' would be named" in message and "longer than 100 characters" in message

"""Sub-pipelines in the compiler (compiler.nesting): a saved pipeline version placed as one node is
flattened into steps named `<outer>.<inner>`, parameters passed in, versions pinned with the
upgrade hint, and every error located through the nesting (outer, inner node, port, joined by a chevron)."""

from __future__ import annotations

import copy
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from compiler import CompileResult, compile
from compiler.memory import MemoryPipelines, sample_catalog, sample_datasets
from tests.unit.test_compiler import edge, node

CATALOG = sample_catalog()
DATASETS = sample_datasets()
ARROW = " \u203a "


def prep_graph(test_size: Any = None) -> dict[str, Any]:
    """A pipeline with input `data` and outputs `train`, `test`: one Split Data inside."""
    test_size = {"$param": "ts"} if test_size is None else test_size
    return {
        "schema": 1,
        "nodes": [
            {"id": "in_data", "input": "data", "type": "DataFrame"},
            node("split", "split-data", test_size=test_size),
            {"id": "out_train", "output": "train", "type": "DataFrame"},
            {"id": "out_test", "output": "test", "type": "DataFrame"},
        ],
        "edges": [
            edge("in_data", "data", "split", "data"),
            edge("split", "train", "out_train", "train"),
            edge("split", "test", "out_test", "test"),
        ],
        "parameters": [{"name": "ts", "type": "number", "default": 0.2}],
    }


def outer(sub: dict[str, Any] | None = None) -> dict[str, Any]:
    return {
        "schema": 1,
        "nodes": [
            {"id": "iris", "dataset": "acme/iris", "version": None},
            {"id": "prep", "pipeline": 7, "version": None, "params": {"ts": 0.3}, **(sub or {})},
            node("train", "train", target="species"),
            node("eval", "evaluate"),
        ],
        "edges": [
            edge("iris", "data", "prep", "data"),
            edge("prep", "train", "train", "train"),
            edge("train", "model", "eval", "model"),
            edge("prep", "test", "eval", "test"),
        ],
        "parameters": [],
    }


def pipelines(*graphs: dict[str, Any]) -> MemoryPipelines:
    found = MemoryPipelines()
    for g in graphs or (prep_graph(),):
        found.add(7, "prep", g)
    return found


def run(doc: Any, subs: MemoryPipelines) -> CompileResult:
    return compile(doc, CATALOG, DATASETS, pipelines=subs)


def test_a_sub_pipeline_is_flattened_into_named_steps_with_its_parameters() -> None:
    result = run(outer(), pipelines())
    assert result.errors == (), result.errors
    assert result.plan is not None
    assert [s.node for s in result.plan.steps] == ["prep.split", "train", "eval"]
    split = result.plan.step("prep.split")
    assert split.params["test_size"] == 0.3
    assert split.inputs[0].dataset == "acme/iris"
    assert result.plan.step("train").inputs[0].source_node == "prep.split"
    assert result.plan.step("eval").upstream == ("prep.split", "train")
    # the sub-pipeline's version is pinned like a module's
    assert next(n for n in result.pinned["nodes"] if n["id"] == "prep")["version"] == 1


def test_a_parameter_passes_through_to_an_outer_pipeline_parameter() -> None:
    doc = outer({"params": {"ts": {"$param": "size"}}})
    doc["parameters"] = [{"name": "size", "type": "number", "default": 0.4}]
    plan = run(doc, pipelines()).plan
    assert plan is not None and plan.step("prep.split").params["test_size"] == {"$param": "size"}


def test_a_pinned_older_version_gets_the_upgrade_hint() -> None:
    result = run(outer({"version": 1}), pipelines(prep_graph(), prep_graph()))
    assert result.errors == ()
    assert [(w.code, w.node) for w in result.warnings] == [("newer_version", "prep")]
    assert "v2 is the newest" in result.warnings[0].message


def test_an_error_inside_is_located_through_the_nesting() -> None:
    result = run(outer({"params": {"ts": 5}}), pipelines())  # test_size maximum is 1
    [error] = result.errors
    assert (error.code, error.node, error.path, error.field) == (
        "invalid_parameter",
        "prep",
        ("prep", "split"),
        "nodes[1]",
    )
    assert error.message.startswith(f"prep{ARROW}split: ")
    assert error.to_json()["path"] == ["prep", "split"]
    assert result.plan is None


def test_a_port_error_inside_names_outer_inner_and_port() -> None:
    inner = prep_graph()
    inner["edges"][0] = edge("in_data", "data", "split", "nope")
    result = run(outer(), pipelines(inner))
    located = [e for e in result.errors if e.path]
    assert located and located[0].message.startswith(f"prep{ARROW}split{ARROW}nope: ")


def test_wrong_sub_pipeline_nodes_name_the_node() -> None:
    unknown = run(outer({"pipeline": 99}), pipelines()).errors
    assert (unknown[0].code, unknown[0].node, unknown[0].field) == ("unknown_pipeline", "prep", "nodes[1].pipeline")
    assert "unknown_node" not in [e.code for e in unknown]  # its edges are not reported again
    assert run(outer({"version": 3}), pipelines()).errors[0].code == "unknown_pipeline"
    assert run(outer({"params": {"nope": 1}}), pipelines()).errors[0].field == "nodes[1].params.nope"
    assert run(outer({"params": {"ts": "big"}}), pipelines()).errors[0].field == "nodes[1].params.ts"
    doc = outer()
    doc["edges"][0] = edge("iris", "data", "prep", "nope")
    assert next((e.code, e.node, e.field) for e in run(doc, pipelines()).errors) == (
        "unknown_port",
        "prep",
        "edges[0].target_port",
    )


def test_a_pipeline_that_contains_itself_is_refused() -> None:
    subs = MemoryPipelines()
    selfish = prep_graph()
    selfish["nodes"].append({"id": "again", "pipeline": 7, "version": None})
    subs.add(7, "prep", selfish)
    assert "nesting_loop" in [e.code for e in run(outer(), subs).errors]


def test_a_pipeline_with_inputs_cannot_run_on_its_own() -> None:
    result = run(prep_graph(), pipelines())
    assert [(e.code, e.node) for e in result.errors] == [("pipeline_input", "in_data")]


def wrap(levels: int, subs: MemoryPipelines) -> tuple[int, str]:
    """`levels` pipelines each holding the previous one as node `s<k>` (passing data, train, test
    through); returns (pipeline id, the flat name of the inner split)."""
    pid, name = 7, "split"
    for k in range(levels):
        graph = copy.deepcopy(prep_graph())
        graph["nodes"][1] = {"id": f"s{k}", "pipeline": pid, "version": None, "params": {"ts": {"$param": "ts"}}}
        graph["edges"] = [
            edge("in_data", "data", f"s{k}", "data"),
            edge(f"s{k}", "train", "out_train", "train"),
            edge(f"s{k}", "test", "out_test", "test"),
        ]
        pid, name = 100 + k, f"s{k}.{name}"
        subs.add(pid, f"wrap{k}", graph)
    return pid, name


@settings(max_examples=10, deadline=None)
@given(st.integers(min_value=0, max_value=4), st.sampled_from([0.1, 0.3, 0.5]))
def test_nesting_at_any_depth_compiles_to_the_same_step(levels: int, size: float) -> None:
    subs = pipelines()
    pid, name = wrap(levels, subs)
    flat = run(outer({"pipeline": pid, "params": {"ts": size}}), subs)
    direct = compile(
        {**outer(), "nodes": [outer()["nodes"][0], node("prep", "split-data", test_size=size), *outer()["nodes"][2:]]},
        CATALOG,
        DATASETS,
    )
    assert flat.errors == () and direct.plan is not None and flat.plan is not None
    inner = flat.plan.step(f"prep.{name}")
    assert (inner.params, inner.inputs, inner.outputs) == (
        direct.plan.step("prep").params,
        direct.plan.step("prep").inputs,
        direct.plan.step("prep").outputs,
    )
    assert flat.plan.step("eval").upstream == (f"prep.{name}", "train")


def test_an_error_two_levels_down_names_the_whole_path() -> None:
    subs = pipelines(prep_graph(test_size=7))
    pid, _ = wrap(1, subs)
    [error] = run(outer({"pipeline": pid, "params": {}}), subs).errors
    assert error.path == ("prep", "s0", "split") and error.node == "prep"
    assert error.message.startswith(f"prep{ARROW}s0{ARROW}split: ")

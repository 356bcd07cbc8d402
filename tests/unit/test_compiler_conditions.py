"""Conditions and exit steps in the compiler: parsed, typed against the pipeline's parameters and
nodes, errors naming the node and field; evaluation for one run (compiler.conditions)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from compiler import CompileResult, compile
from compiler.conditions import evaluate, parse
from compiler.memory import sample_catalog, sample_datasets
from compiler.plan import Plan
from compiler.serialize import plan_json
from tests.unit.test_compiler import edge, node, pipeline

CATALOG = sample_catalog()
DATASETS = sample_datasets()


def run(doc: Any) -> CompileResult:
    return compile(doc, CATALOG, DATASETS)


def with_extra(extra: dict[str, Any], *, params: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    doc = pipeline()
    doc["nodes"].append(extra)
    if params:
        doc["parameters"] += params
    return doc


def errors(result: CompileResult) -> list[tuple[str, str | None, str | None]]:
    return [(e.code, e.node, e.field) for e in result.errors]


def test_a_metric_condition_compiles_and_orders_the_node_after_the_metric() -> None:
    doc = with_extra({**node("train2", "train", target="species"), "condition": "eval.accuracy >= 0.9"})
    doc["edges"].append(edge("split", "train", "train2", "train"))
    result = run(doc)
    assert result.errors == ()
    assert result.plan is not None
    step = result.plan.step("train2")
    assert step.condition is not None and (step.condition.node, step.condition.metric) == ("eval", "accuracy")
    assert step.condition.op == ">=" and step.condition.value == 0.9
    assert step.upstream == ("eval", "split")
    order = [s.node for s in result.plan.steps]
    assert order.index("eval") < order.index("train2")


def test_conditions_and_exit_flags_round_trip_through_the_plan_json() -> None:
    doc = with_extra(
        {**node("tidy", "evaluate"), "condition": "params.notify", "exit": True},
        params=[{"name": "notify", "type": "boolean", "default": True}],
    )
    doc["edges"] += [edge("train", "model", "tidy", "model"), edge("split", "test", "tidy", "test")]
    plan = run(doc).plan
    assert plan is not None and plan.step("tidy").exit
    assert Plan.from_json(json.loads(json.dumps(plan.to_json()))) == plan
    assert json.dumps(plan_json(plan)) == json.dumps(plan.to_json())


@pytest.mark.parametrize(
    ("condition", "params", "message"),
    [
        ("params.mode == 3", [{"name": "mode", "type": "string"}], "parameter 'mode' is a string, but 3 is a number"),
        ("params.mode >= 3", [{"name": "mode", "type": "string"}], "'>=' compares numbers"),
        ("params.mode", [{"name": "mode", "type": "string"}], "compare it with a value"),
        ("params.nope == 1", [], "does not declare"),
        ("ghost.accuracy > 0.5", [], "node 'ghost', which is not a module node"),
        ("iris.accuracy > 0.5", [], "node 'iris', which is not a module node"),
        ("x2.accuracy > 0.5", [], "of itself"),
        ("eval.accuracy >= high", [], "is not a number, true, false or a quoted string"),
        ("eval.accuracy >= 'high'", [], "'>=' compares numbers"),
        ("accuracy >= 0.9", [], "is not '<node>.<metric>"),
        ("", [], "is empty"),
        (7, [], "must be a string"),
    ],
)
def test_a_wrong_condition_names_the_node_and_field(condition: Any, params: list[Any], message: str) -> None:
    doc = with_extra({**node("x2", "evaluate"), "condition": condition}, params=params)
    doc["edges"] += [edge("train", "model", "x2", "model"), edge("split", "test", "x2", "test")]
    result = run(doc)
    assert errors(result) == [("invalid_condition", "x2", "nodes[4].condition")], result.errors
    assert message in result.errors[0].message and "'x2'" in result.errors[0].message


def test_a_condition_that_closes_a_loop_is_a_cycle() -> None:
    doc = pipeline()
    doc["nodes"][1]["condition"] = "eval.accuracy > 0.5"  # split waits for eval, which needs split
    result = run(doc)
    assert [e.code for e in result.errors] == ["cycle"]


def test_an_exit_step_may_not_feed_an_ordinary_step() -> None:
    doc = pipeline()
    doc["nodes"][2]["exit"] = True  # train feeds eval
    result = run(doc)
    assert [(e.code, e.node) for e in result.errors] == [("exit_feeds_step", "train")]
    assert "'eval'" in result.errors[0].message


def test_exit_must_be_a_boolean() -> None:
    doc = pipeline()
    doc["nodes"][3]["exit"] = "yes"
    assert errors(run(doc)) == [("malformed", "eval", "nodes[3].exit")]


@pytest.mark.parametrize(
    ("text", "parameters", "metrics", "holds"),
    [
        ("e.accuracy >= 0.9", {}, {"accuracy": 0.95}, True),
        ("e.accuracy >= 0.9", {}, {"accuracy": 0.5}, False),
        ("e.accuracy >= 0.9", {}, {}, False),
        ("e.accuracy >= 0.9", {}, {"accuracy": "high"}, False),
        ("e.ok", {}, {"ok": True}, True),
        ("e.ok", {}, {"ok": 1}, False),
        ("params.mode == 'full'", {"mode": "full"}, {}, True),
        ('params.mode != "full"', {"mode": "full"}, {}, False),
        ("params.n == 1", {"n": 1.0}, {}, True),
        ("params.n == 1", {"n": True}, {}, False),
        ("params.flag", {"flag": False}, {}, False),
        ("params.n<2", {"n": 1}, {}, True),
    ],
)
def test_evaluate(text: str, parameters: dict[str, Any], metrics: dict[str, Any], holds: bool) -> None:
    cond, problem = parse(text)
    assert problem is None and cond is not None
    assert evaluate(cond, parameters, metrics)[0] is holds


def test_the_reason_says_what_was_compared() -> None:
    cond, _ = parse("eval.accuracy >= 0.9")
    assert cond is not None
    assert evaluate(cond, {}, {"accuracy": 0.5}) == (False, "metric 'accuracy' of 'eval' is 0.5")
    assert evaluate(cond, {}, {})[1] == "step 'eval' recorded no metric 'accuracy'"


@given(st.text(max_size=60))
def test_parse_never_raises_and_answers_one_way(text: str) -> None:
    cond, problem = parse(text)
    assert (cond is None) != (problem is None)


@given(
    st.sampled_from([">=", "<=", ">", "<", "==", "!="]),
    st.floats(allow_nan=False, allow_infinity=False, width=32),
    st.floats(allow_nan=False, allow_infinity=False, width=32),
)
def test_a_numeric_comparison_agrees_with_python(op: str, bound: float, actual: float) -> None:
    cond, problem = parse(f"n1.m {op} {json.dumps(bound)}")
    assert problem is None and cond is not None
    expected = {">=": actual >= bound, "<=": actual <= bound, ">": actual > bound, "<": actual < bound}.get(
        op, (actual == bound) if op == "==" else (actual != bound)
    )
    assert evaluate(cond, {}, {"m": actual})[0] is expected

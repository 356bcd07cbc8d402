"""Property tests: random DAGs compile to a topological order; back-edges are cycles; determinism."""

from __future__ import annotations

import json
import random
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from compiler import compile
from compiler.memory import MemoryCatalog, MemoryDatasets, module_info

FAN_IN = 4
CATALOG = MemoryCatalog()
CATALOG.add(
    [
        module_info(
            "p/join",
            inputs=[*((f"in{k}", "Any", True) for k in range(FAN_IN)), ("loop", "Any", True)],
            outputs=[("out", "DataFrame")],
            parameters={"k": {"type": "integer", "default": 1}},
        )
    ]
)
DATASETS = MemoryDatasets()


@st.composite
def dags(draw: Any) -> dict[str, Any]:
    n = draw(st.integers(min_value=1, max_value=30))
    names = draw(st.permutations([f"n{i:02d}" for i in range(n)]))
    nodes = [{"id": names[i], "module": "p/join", "version": None, "params": {}} for i in range(n)]
    edges = []
    for i in range(1, n):
        parents = draw(st.lists(st.integers(min_value=0, max_value=i - 1), max_size=FAN_IN, unique=True))
        for k, j in enumerate(parents):
            edges.append({"source": names[j], "source_port": "out", "target": names[i], "target_port": f"in{k}"})
    return {"schema": 1, "nodes": nodes, "edges": edges, "parameters": []}


def reachable(doc: dict[str, Any], start: str) -> set[str]:
    succ: dict[str, list[str]] = {}
    for e in doc["edges"]:
        succ.setdefault(e["source"], []).append(e["target"])
    seen = {start}
    stack = [start]
    while stack:
        for t in succ.get(stack.pop(), []):
            if t not in seen:
                seen.add(t)
                stack.append(t)
    return seen


@settings(max_examples=60, deadline=None)
@given(dags())
def test_random_dags_compile_in_a_topological_order(doc: dict[str, Any]) -> None:
    result = compile(doc, CATALOG, DATASETS)
    assert result.errors == ()
    assert result.plan is not None
    order = [s.node for s in result.plan.steps]
    assert sorted(order) == sorted(n["id"] for n in doc["nodes"])
    position = {node: i for i, node in enumerate(order)}
    for e in doc["edges"]:
        assert position[e["source"]] < position[e["target"]]


@settings(max_examples=60, deadline=None)
@given(dags(), st.data())
def test_any_back_edge_is_reported_as_a_cycle_naming_its_nodes(doc: dict[str, Any], data: Any) -> None:
    ids = sorted(n["id"] for n in doc["nodes"])
    u = data.draw(st.sampled_from(ids))
    v = data.draw(st.sampled_from(sorted(reachable(doc, u))))  # u ->* v, possibly u itself
    doc["edges"].append({"source": v, "source_port": "out", "target": u, "target_port": "loop"})
    result = compile(doc, CATALOG, DATASETS)
    cycles = [e for e in result.errors if e.code == "cycle"]
    assert len(cycles) == 1
    assert {u, v} <= set(cycles[0].nodes)
    assert u in cycles[0].message and v in cycles[0].message
    assert result.plan is None


@settings(max_examples=60, deadline=None)
@given(dags(), st.randoms(use_true_random=False))
def test_compiling_is_deterministic_under_shuffles(doc: dict[str, Any], rnd: random.Random) -> None:
    first = compile(doc, CATALOG, DATASETS)
    assert first.plan is not None
    expected = json.dumps(first.plan.to_json(), sort_keys=False)
    assert json.dumps(compile(doc, CATALOG, DATASETS).plan.to_json()) == expected  # type: ignore[union-attr]
    shuffled = {**doc, "nodes": list(doc["nodes"]), "edges": list(doc["edges"])}
    rnd.shuffle(shuffled["nodes"])
    rnd.shuffle(shuffled["edges"])
    again = compile(shuffled, CATALOG, DATASETS)
    assert again.plan is not None
    assert json.dumps(again.plan.to_json()) == expected


SCHEMAS = st.sampled_from(
    [
        {"type": "number", "minimum": 0, "maximum": 1},
        {"type": "integer", "exclusiveMinimum": 0, "default": 3},
        {"type": "string", "enum": ["a", "b"]},
        {"type": ["string", "null"], "minLength": 2, "maxLength": 4},
        {"type": "string", "pattern": "^[a-z]+$"},
        {"type": "boolean"},
        {"enum": [1, 2.5, True, None]},
        {"const": 0},
        {"type": "integer", "exclusiveMaximum": 10, "minimum": -3},
        {"type": "array", "items": {"type": "integer"}},
    ]
)
VALUES = st.recursive(
    st.none() | st.booleans() | st.integers(-20, 20) | st.floats(-20, 20, allow_nan=False) | st.text(max_size=6),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=3), inner, max_size=3),
    max_leaves=6,
)


@settings(max_examples=400, deadline=None)
@given(SCHEMAS, VALUES)
def test_the_fast_schema_path_never_accepts_what_jsonschema_rejects(schema: dict[str, Any], value: Any) -> None:
    from jsonschema import Draft202012Validator

    from compiler.fastschema import fast_check

    check = fast_check(schema)
    if check is not None and check(value):
        assert Draft202012Validator(schema).is_valid(value)

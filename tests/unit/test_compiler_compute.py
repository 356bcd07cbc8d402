"""Per-node compute settings: parsing, precedence (node > pipeline > module), bounds, errors that
name the node and the field, and the plan's JSON round trip."""

from __future__ import annotations

import json
from typing import Any

import pytest

from compiler import compile
from compiler.compute import ComputeLimits, parse_memory
from compiler.memory import sample_catalog, sample_datasets
from compiler.plan import Plan
from compiler.serialize import plan_json

CATALOG = sample_catalog()
DATASETS = sample_datasets()


def doc(node_compute: Any = None, pipeline_compute: Any = None) -> dict[str, Any]:
    nodes: list[dict[str, Any]] = [
        {"id": "n1", "module": "builtin/source", "params": {}},
        {"id": "n3", "module": "builtin/split-data", "params": {}},
    ]
    if node_compute is not None:
        nodes[1]["compute"] = node_compute
    out: dict[str, Any] = {
        "schema": 1,
        "nodes": nodes,
        "edges": [{"source": "n1", "source_port": "data", "target": "n3", "target_port": "data"}],
    }
    if pipeline_compute is not None:
        out["compute"] = pipeline_compute
    return out


@pytest.mark.parametrize(
    ("text", "expected"),
    [("512m", 512 * 1024**2), ("4Gi", 4 * 1024**3), ("1.5G", int(1.5 * 1024**3)), (2048, 2048), ("2gib", 2 * 1024**3)],
)
def test_memory_sizes(text: Any, expected: int) -> None:
    assert parse_memory(text) == expected


@pytest.mark.parametrize("text", ["12x", "", "G", True, 1.5, None, "-1G"])
def test_not_memory_sizes(text: Any) -> None:
    assert parse_memory(text) is None


def test_no_compute_keeps_the_module_runtime() -> None:
    result = compile(doc(), CATALOG, DATASETS)
    assert result.ok
    rt = result.plan.step("n3").runtime  # type: ignore[union-attr]
    assert (rt.image, rt.cpu, rt.gpus, rt.cache, rt.cache_max_age) == ("pipewright/python-ml:1", 1.0, 0, True, None)


def test_node_settings_win_over_pipeline_defaults() -> None:
    result = compile(
        doc(
            {"image": "acme/ml:2", "memory": "2Gi", "retries": 2, "cache": "off"},
            {"cpu": 2, "memory": "1Gi", "timeout": 60, "gpus": 1, "cache_max_age": 3600},
        ),
        CATALOG,
        DATASETS,
    )
    assert result.ok, result.errors_json()
    assert result.plan is not None
    n3, n1 = result.plan.step("n3").runtime, result.plan.step("n1").runtime
    assert (n3.image, n3.cpu, n3.memory_bytes, n3.timeout, n3.retries, n3.gpus) == (
        "acme/ml:2",
        2.0,
        2 * 1024**3,
        60,
        2,
        1,
    )
    assert (n3.cache, n3.cache_max_age) == (False, 3600)
    assert (n1.image, n1.memory_bytes, n1.cache, n1.retries) == ("pipewright/python-ml:1", 1024**3, True, 0)
    assert Plan.from_json(plan_json(result.plan)) == result.plan
    assert json.loads(json.dumps(plan_json(result.plan))) == json.loads(json.dumps(result.plan.to_json()))


def test_an_old_plan_without_the_new_runtime_fields_reads() -> None:
    result = compile(doc(), CATALOG, DATASETS)
    assert result.plan is not None
    data = plan_json(result.plan)
    for s in data["steps"]:
        for key in ("gpus", "cache", "cache_max_age"):
            del s["runtime"][key]
    assert Plan.from_json(data) == result.plan


@pytest.mark.parametrize(
    ("settings", "field", "words"),
    [
        ({"memory": "12x"}, "compute.memory", "'12x' is not a size"),
        ({"memory": "1K"}, "compute.memory", "below the minimum"),
        ({"cpu": 0}, "compute.cpu", "not a positive number"),
        ({"cpu": "2"}, "compute.cpu", "not a positive number"),
        ({"gpus": -1}, "compute.gpus", "GPU count"),
        ({"gpus": 1.5}, "compute.gpus", "GPU count"),
        ({"timeout": 0}, "compute.timeout", "timeout in seconds"),
        ({"retries": 11}, "compute.retries", "retry count"),
        ({"retries": True}, "compute.retries", "retry count"),
        ({"cache": "sometimes"}, "compute.cache", "'on' or 'off'"),
        ({"cache_max_age": -5}, "compute.cache_max_age", "maximum age"),
        ({"image": "bad image"}, "compute.image", "not an image reference"),
        ({"gpu": 1}, "compute.gpu", "unknown setting"),
    ],
)
def test_a_bad_node_setting_names_the_node_and_field(settings: dict[str, Any], field: str, words: str) -> None:
    result = compile(doc(settings), CATALOG, DATASETS)
    assert [(e["node"], e["field"], e["code"]) for e in result.errors_json()] == [("n3", field, "invalid_compute")]
    assert words in result.errors_json()[0]["message"]


def test_a_bad_pipeline_default_names_the_field_without_a_node() -> None:
    result = compile(doc(None, {"memory": "lots"}), CATALOG, DATASETS)
    assert [(e.get("node"), e["field"]) for e in result.errors_json()] == [(None, "compute.memory")]


def test_compute_must_be_an_object() -> None:
    result = compile(doc("big"), CATALOG, DATASETS)
    assert [(e["node"], e["field"]) for e in result.errors_json()] == [("n3", "compute")]


def test_every_bad_setting_is_reported_at_once() -> None:
    result = compile(doc({"memory": "12x", "cpu": -1}, {"timeout": "long"}), CATALOG, DATASETS)
    assert sorted(e["field"] for e in result.errors_json()) == ["compute.cpu", "compute.memory", "compute.timeout"]


def test_operator_bounds() -> None:
    limits = ComputeLimits(max_cpu=4, max_memory_bytes=8 * 1024**3)
    assert compile(doc({"cpu": 4, "memory": "8Gi"}), CATALOG, DATASETS, limits).ok
    result = compile(doc({"cpu": 4.5, "memory": "9Gi"}), CATALOG, DATASETS, limits)
    errors = result.errors_json()
    assert [(e["node"], e["field"]) for e in errors] == [("n3", "compute.cpu"), ("n3", "compute.memory")]
    assert "above this installation's limit of 4" in errors[0]["message"]
    result = compile(doc(None, {"cpu": 8}), CATALOG, DATASETS, limits)
    assert [e["field"] for e in result.errors_json()] == ["compute.cpu"]

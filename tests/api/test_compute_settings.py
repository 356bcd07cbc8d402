"""Per-node compute settings over the API: a save names the node and field of a bad or
over-limit setting; a run of a step asking for GPUs the installation lacks is a 400 naming them."""

from __future__ import annotations

from typing import Any

import pytest

from tests.runner.fixtures import EMIT, publish_module


@pytest.fixture
def emit(acme: Any) -> Any:
    return publish_module(acme, "emit", EMIT)


def _graph(compute: Any, defaults: Any = None) -> dict[str, Any]:
    graph: dict[str, Any] = {
        "schema": 1,
        "nodes": [{"id": "n3", "module": "acme/emit", "version": None, "params": {}, "compute": compute}],
        "edges": [],
        "parameters": [],
    }
    if defaults is not None:
        graph["compute"] = defaults
    return graph


def _save(client: Any, graph: dict[str, Any]) -> dict[str, Any]:
    r = client.post("/api/pipelines/", {"team": "acme", "name": "P", "graph": graph}, format="json")
    assert r.status_code == 201, r.content
    return dict(r.json())


def test_a_bad_setting_names_the_node_and_field(as_alice: Any, emit: Any) -> None:
    body = _save(as_alice, _graph({"memory": "12x"}))
    errors = [(e.get("node"), e.get("field")) for e in body["errors"]]
    assert errors == [("n3", "compute.memory")], body["errors"]
    r = as_alice.post(f"/api/pipelines/{body['id']}/runs/", {}, format="json")
    assert r.status_code == 400, r.content  # a draft with errors cannot run


def test_a_setting_above_the_operators_bound_is_a_compile_error(as_alice: Any, emit: Any, settings: Any) -> None:
    settings.PIPEWRIGHT_MAX_CPU = 2.0
    settings.PIPEWRIGHT_MAX_MEMORY = 4 * 1024**3
    body = _save(as_alice, _graph({"cpu": 3, "memory": "8Gi"}))
    assert [(e.get("node"), e.get("field")) for e in body["errors"]] == [
        ("n3", "compute.cpu"),
        ("n3", "compute.memory"),
    ]
    assert "limit of 2" in body["errors"][0]["message"]
    ok = _save(as_alice, _graph({"cpu": 2, "memory": "4Gi"}, {"timeout": 120}))
    assert ok["errors"] == []


def test_a_run_asking_for_gpus_the_installation_lacks_is_refused(as_alice: Any, emit: Any, settings: Any) -> None:
    settings.PIPEWRIGHT_GPUS = 0
    body = _save(as_alice, _graph({"gpus": 1}))
    assert body["errors"] == []  # the document is fine; this installation cannot run it
    r = as_alice.post(f"/api/pipelines/{body['id']}/runs/", {}, format="json")
    assert r.status_code == 400, r.content
    (error,) = r.json()["errors"]
    assert (error["node"], error["field"]) == ("n3", "compute.gpus")
    assert "asks for 1 GPU(s) but this installation has no GPUs" in r.json()["detail"]
    settings.PIPEWRIGHT_GPUS = 1
    assert as_alice.post(f"/api/pipelines/{body['id']}/runs/", {}, format="json").status_code == 201

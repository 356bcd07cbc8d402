"""Sub-pipelines over the API: a saved pipeline placed as one node in another of the same team,
run as its inner steps (`prep.add`), an unchanged sub-pipeline reused whole from the cache, its
version pinned at save, errors located through the nesting; another team's pipeline is unknown."""

from __future__ import annotations

from typing import Any

import pytest

from runner.models import Run
from tests.runner.fake_compute import Act, FakeBackend
from tests.runner.fixtures import ADD, EMIT, publish_module
from tests.runner.test_services import add, emit


@pytest.fixture
def mods(acme: Any) -> None:
    from modules import services
    from modules.spec import validate_spec

    publish_module(acme, "emit", EMIT)
    module = services.do_create_module(acme, "addk")
    spec = {
        "name": "addk",
        "version": "1.0.0",
        "inputs": [{"name": "in0", "type": "DataFrame"}],
        "outputs": [{"name": "data", "type": "DataFrame"}],
        "parameters": {"k": {"type": "integer", "default": 0}},
        "runtime": {"image": "pipewright/python-ml:1", "command": ["python3", "/module/main.py"]},
    }
    services.do_publish_version(module, validate_spec(spec), {"main.py": ADD})


INNER = {
    "schema": 1,
    "nodes": [
        {"id": "in_data", "input": "data", "type": "DataFrame", "position": {"x": 0, "y": 0}},
        {"id": "add", "module": "acme/addk", "version": None, "params": {"k": {"$param": "k"}}},
        {"id": "out_data", "output": "data", "type": "DataFrame", "position": {"x": 0, "y": 200}},
    ],
    "edges": [
        {"source": "in_data", "source_port": "data", "target": "add", "target_port": "in0"},
        {"source": "add", "source_port": "data", "target": "out_data", "target_port": "data"},
    ],
    "parameters": [{"name": "k", "type": "integer", "default": 1}],
}


def outer(sub_id: int, k: Any = 5) -> dict[str, Any]:
    return {
        "schema": 1,
        "nodes": [
            {"id": "e", "module": "acme/emit", "version": None, "params": {}},
            {"id": "prep", "pipeline": sub_id, "version": None, "params": {"k": k}},
            {"id": "final", "module": "acme/addk", "version": None, "params": {"k": 9}},
        ],
        "edges": [
            {"source": "e", "source_port": "data", "target": "prep", "target_port": "data"},
            {"source": "prep", "source_port": "data", "target": "final", "target_port": "in0"},
        ],
        "parameters": [],
    }


def _save(client: Any, name: str, graph: dict[str, Any], team: str = "acme") -> dict[str, Any]:
    r = client.post("/api/pipelines/", {"team": team, "name": name, "graph": graph}, format="json")
    assert r.status_code == 201, r.content
    return dict(r.json())


def _run(client: Any, pipeline_id: int) -> Run:
    r = client.post(f"/api/pipelines/{pipeline_id}/runs/", {}, format="json")
    assert r.status_code == 201, r.content
    return Run.objects.get(pk=r.json()["id"])


def test_a_sub_pipeline_runs_as_its_steps_and_an_unchanged_one_is_reused_whole(
    eager: Any, fake_compute: FakeBackend, as_alice: Any, mods: None
) -> None:
    fake_compute.script("e", Act(write=emit))
    for node in ("prep.add", "final"):
        fake_compute.script(node, Act(write=add))
    inner = _save(as_alice, "prep", INNER)
    assert [e["code"] for e in inner["errors"]] == ["pipeline_input"]  # it runs only when nested
    body = _save(as_alice, "outer", outer(inner["id"]))
    assert body["errors"] == [], body["errors"]
    saved = as_alice.get(f"/api/pipelines/{body['id']}/").json()
    assert next(n for n in saved["graph"]["nodes"] if n["id"] == "prep")["version"] == 1  # pinned
    first = _run(as_alice, body["id"])
    first.refresh_from_db()
    assert first.status == "succeeded", first.error
    steps = as_alice.get(f"/api/runs/{first.pk}/").json()["steps"]
    assert {s["node"]: s["status"] for s in steps} == {"e": "succeeded", "prep.add": "succeeded", "final": "succeeded"}
    again = _run(as_alice, body["id"])
    assert set(again.steps.values_list("status", flat=True)) == {"cached"}
    # a changed parameter of the sub-pipeline node runs its inner step (and what follows) again
    r = as_alice.put(
        f"/api/pipelines/{body['id']}/",
        {"graph": outer(inner["id"], k=6)},
        format="json",
        HTTP_IF_MATCH=as_alice.get(f"/api/pipelines/{body['id']}/")["ETag"],
    )
    assert r.status_code == 200, r.content
    third = _run(as_alice, body["id"])
    assert dict(third.steps.values_list("node", "status")) == {
        "e": "cached",
        "prep.add": "succeeded",
        "final": "succeeded",
    }


def test_an_error_inside_is_located_and_a_newer_version_hinted(as_alice: Any, mods: None) -> None:
    inner = _save(as_alice, "prep", INNER)
    body = _save(as_alice, "outer", outer(inner["id"], k="five"))
    error = body["errors"][0]
    assert (error["node"], error["field"]) == ("prep", "nodes[1].params.k")
    fixed = outer(inner["id"])
    fixed["nodes"][1]["version"] = 1
    bad_inner = {
        **INNER,
        "nodes": [*INNER["nodes"][:1], {**INNER["nodes"][1], "params": {"k": "x"}}, INNER["nodes"][2]],
    }
    r = as_alice.put(
        f"/api/pipelines/{inner['id']}/",
        {"graph": bad_inner},
        format="json",
        HTTP_IF_MATCH=as_alice.get(f"/api/pipelines/{inner['id']}/")["ETag"],
    )
    assert r.status_code == 200, r.content
    pinned = _save(as_alice, "outer3", fixed)  # v1 pinned: fine, with the upgrade hint
    assert pinned["errors"] == [] and [w["code"] for w in pinned["warnings"]] == ["newer_version"]
    latest = _save(as_alice, "outer4", outer(inner["id"]))  # v2 has the bad parameter
    [located] = [e for e in latest["errors"] if e.get("path")]
    assert located["path"] == ["prep", "add"] and located["node"] == "prep"
    assert located["message"].startswith("prep \u203a add: Node 'add': parameter 'k'")


def test_another_teams_pipeline_is_unknown(as_alice: Any, as_charlie: Any, mods: None) -> None:
    inner = _save(as_alice, "prep", INNER)
    body = _save(as_charlie, "mine", outer(inner["id"]), team="other")
    assert body["errors"][0]["code"] == "unknown_pipeline" and body["errors"][0]["node"] == "prep"

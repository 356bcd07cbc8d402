"""For each over the API: a saved pipeline with a for-each node compiles (errors naming node and
field), runs its items, and GET /api/runs/{id}/foreach/{node}/ answers their states compactly;
/items/ pages through their steps; bad filters are 400s; another team's run is a 404."""

from __future__ import annotations

from typing import Any

import pytest

from runner.models import Run
from tests.runner.fake_compute import Act, FakeBackend
from tests.runner.fixtures import ADD, EMIT, publish_module


@pytest.fixture
def emitk(acme: Any) -> None:
    from modules import services
    from modules.spec import validate_spec

    module = services.do_create_module(acme, "emitn")
    spec = {
        "name": "emitn",
        "version": "1.0.0",
        "outputs": [{"name": "data", "type": "DataFrame"}],
        "parameters": {"n": {"type": "integer", "minimum": 0, "maximum": 100}},
        "runtime": {"image": "pipewright/python-ml:1", "command": ["python3", "/module/main.py"]},
    }
    services.do_publish_version(module, validate_spec(spec), {"main.py": EMIT})
    publish_module(acme, "emit", EMIT)


def graph(foreach: Any) -> dict[str, Any]:
    return {
        "schema": 1,
        "nodes": [
            {"id": "fe", "label": "Sweep", "module": "acme/emitn", "version": None, "params": {}, "foreach": foreach}
        ],
        "edges": [],
        "parameters": [],
    }


def _save(client: Any, g: dict[str, Any]) -> dict[str, Any]:
    r = client.post("/api/pipelines/", {"team": "acme", "name": "sweep", "graph": g}, format="json")
    assert r.status_code == 201, r.content
    return dict(r.json())


@pytest.mark.parametrize(
    ("foreach", "field", "message"),
    [
        ({"over": "grid", "grid": {"n": [1]}, "concurrency": 99}, "foreach.concurrency", "must be an integer 1..64"),
        ({"over": "lines"}, "foreach.over", "must be one of rows, files, list, grid"),
        ({"over": "list", "param": "m", "values": [1]}, "foreach.param", "has no parameter 'm'"),
        ({"over": "list", "param": "n", "values": [1, 500]}, "foreach.values[1]", "500 does not fit 'n'"),
        ({"over": "rows", "port": "data"}, "foreach.port", "has no input 'data'"),
        ({"over": "grid", "grid": {"n": []}}, "foreach.grid.n", "must be a non-empty list"),
    ],
)
def test_a_wrong_foreach_is_an_error_naming_the_node_and_field(
    as_alice: Any, emitk: None, foreach: Any, field: str, message: str
) -> None:
    saved = _save(as_alice, graph(foreach))
    [error] = [e for e in saved["errors"] if e["code"] == "invalid_foreach"]
    assert error["node"] == "fe" and error["field"] == f"nodes[0].{field}", error
    assert error["message"].startswith(f"Node 'Sweep' (fe): {field} ") and message in error["message"], error


def test_a_foreach_run_answers_its_items_compactly_and_pages_their_steps(
    eager: Any, fake_compute: FakeBackend, as_alice: Any, as_bob: Any, as_charlie: Any, emitk: None
) -> None:
    saved = _save(as_alice, graph({"over": "grid", "grid": {"n": [1, 2, 3]}, "concurrency": 1}))
    assert saved["errors"] == [], saved["errors"]
    fake_compute.script("fe[1]", Act(exit_code=2))
    r = as_alice.post(f"/api/pipelines/{saved['id']}/runs/", {}, format="json")
    assert r.status_code == 201, r.content
    run = Run.objects.get(pk=r.json()["id"])
    assert [s["node"] for s in as_alice.get(f"/api/runs/{run.pk}/").json()["steps"]] == ["fe"]

    body = as_bob.get(f"/api/runs/{run.pk}/foreach/fe/").json()
    assert body["node"] == "fe" and body["status"] == "failed" and body["over"] == "grid"
    assert body["concurrency"] == 1 and body["total"] == 3
    assert body["statuses"] == ["succeeded", "failed", "skipped"]
    assert body["values"] == ["n=1", "n=2", "n=3"]
    assert body["counts"]["succeeded"] == 1 and body["counts"]["failed"] == 1 and body["counts"]["skipped"] == 1
    assert body["error"].startswith("item 1 (n=2) failed")

    page = as_alice.get(f"/api/runs/{run.pk}/foreach/fe/items/?page_size=2").json()
    assert [(s["item"], s["node"], s["value"]) for s in page["results"]] == [(0, "fe[0]", "n=1"), (1, "fe[1]", "n=2")]
    rest = as_alice.get(page["next"]).json()
    assert [s["item"] for s in rest["results"]] == [2] and rest["next"] is None
    one = as_alice.get(f"/api/runs/{run.pk}/foreach/fe/items/?item=1").json()["results"]
    assert [(s["status"], s["exit_code"]) for s in one] == [("failed", 2)]
    failed = as_alice.get(f"/api/runs/{run.pk}/foreach/fe/items/?status=failed,skipped").json()["results"]
    assert [s["item"] for s in failed] == [1, 2]
    # the item's log is the ordinary step log
    assert as_alice.get(f"/api/runs/{run.pk}/steps/fe%5B1%5D/logs").status_code == 200

    bad = as_alice.get(f"/api/runs/{run.pk}/foreach/fe/items/?status=lost")
    assert bad.status_code == 400 and bad.json()["errors"][0]["field"] == "status"
    bad = as_alice.get(f"/api/runs/{run.pk}/foreach/fe/items/?item=x")
    assert bad.status_code == 400 and bad.json()["errors"][0]["field"] == "item"
    missing = as_alice.get(f"/api/runs/{run.pk}/foreach/nope/")
    assert missing.status_code == 404 and "no for-each node 'nope'" in missing.json()["detail"]
    for path in ("foreach/fe/", "foreach/fe/items/"):
        assert as_charlie.get(f"/api/runs/{run.pk}/{path}").status_code == 404


def test_the_foreach_status_answer_takes_a_fixed_number_of_queries(
    eager: Any, fake_compute: FakeBackend, as_alice: Any, emitk: None, django_assert_max_num_queries: Any
) -> None:
    saved = _save(as_alice, graph({"over": "list", "param": "n", "values": list(range(40)), "concurrency": 8}))
    run = as_alice.post(f"/api/pipelines/{saved['id']}/runs/", {}, format="json").json()
    with django_assert_max_num_queries(8):
        body = as_alice.get(f"/api/runs/{run['id']}/foreach/fe/").json()
    assert body["total"] == 40 and body["counts"]["succeeded"] == 40
    # a page of items' steps: a fixed number of queries, not one per item
    with django_assert_max_num_queries(10):
        page = as_alice.get(f"/api/runs/{run['id']}/foreach/fe/items/?page_size=30").json()
    assert [s["item"] for s in page["results"]] == list(range(30)) and page["next"]


def _sub_graph() -> dict[str, Any]:
    """A sub-pipeline: emitn (its `n` the parameter `n`) -> add1; output `data`."""
    return {
        "schema": 1,
        "nodes": [
            {"id": "emit", "module": "acme/emitn", "version": None, "params": {"n": {"$param": "n"}}},
            {"id": "add", "module": "acme/add1", "version": None, "params": {}},
            {"id": "out", "output": "data", "type": "DataFrame"},
        ],
        "edges": [
            {"source": "emit", "source_port": "data", "target": "add", "target_port": "in0"},
            {"source": "add", "source_port": "data", "target": "out", "target_port": "data"},
        ],
        "parameters": [{"name": "n", "type": "integer", "default": 1}],
    }


def test_a_foreach_over_a_sub_pipeline_rolls_each_item_up_and_opens_its_inner_steps(
    eager: Any, fake_compute: FakeBackend, as_alice: Any, as_charlie: Any, emitk: None, acme: Any
) -> None:
    publish_module(acme, "add1", ADD, inputs=1)
    sub = as_alice.post(
        "/api/pipelines/", {"team": "acme", "name": "emit and add", "graph": _sub_graph()}, format="json"
    ).json()
    wrong = _save(
        as_alice,
        {
            "schema": 1,
            "nodes": [
                {
                    "id": "fe",
                    "label": "Sweep",
                    "pipeline": sub["id"],
                    "version": None,
                    "foreach": {"over": "list", "param": "m", "values": [1]},
                }
            ],
            "edges": [],
        },
    )
    [error] = wrong["errors"]
    assert (error["code"], error["field"]) == ("invalid_foreach", "nodes[0].foreach.param")
    assert error["message"] == "Node 'Sweep' (fe): foreach.param 'm' is not a parameter of sub-pipeline 'emit and add'."
    doc = {
        "schema": 1,
        "nodes": [
            {
                "id": "fe",
                "label": "Sweep",
                "pipeline": sub["id"],
                "version": None,
                "foreach": {"over": "list", "param": "n", "values": [1, 2, 3], "concurrency": 1},
            }
        ],
        "edges": [],
    }
    saved = _save(as_alice, doc)
    assert saved["errors"] == [], saved["errors"]
    fake_compute.script("fe[1].add", Act(exit_code=2))
    r = as_alice.post(f"/api/pipelines/{saved['id']}/runs/", {}, format="json")
    assert r.status_code == 201, r.content
    run = Run.objects.get(pk=r.json()["id"])
    assert [s["node"] for s in as_alice.get(f"/api/runs/{run.pk}/").json()["steps"]] == ["fe"]

    body = as_alice.get(f"/api/runs/{run.pk}/foreach/fe/").json()
    assert body["total"] == 3 and body["steps"] == ["emit", "add"]
    assert body["statuses"] == ["succeeded", "failed", "skipped"]
    assert body["values"] == ["n=1", "n=2", "n=3"]
    assert body["error"].startswith("item 1 (n=2) failed: step 'fe[1].add' failed")

    one = as_alice.get(f"/api/runs/{run.pk}/foreach/fe/items/?item=1").json()["results"]
    assert [(s["item"], s["step"], s["node"], s["status"]) for s in one] == [
        (1, "emit", "fe[1].emit", "succeeded"),
        (1, "add", "fe[1].add", "failed"),
    ]
    assert one[0]["value"] == "n=2" and one[0]["outputs"]["data"]
    assert as_alice.get(f"/api/runs/{run.pk}/steps/fe%5B1%5D.add/logs").status_code == 200
    assert as_charlie.get(f"/api/runs/{run.pk}/foreach/fe/").status_code == 404
    module = as_alice.get(f"/api/runs/{run.pk}/foreach/fe/items/?item=0").json()["results"]
    assert [s["step"] for s in module] == ["emit", "add"]

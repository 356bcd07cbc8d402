"""Runs API: start, list, detail, cancel, rerun, logs, cache explanations; alice/bob/charlie scoping."""

from __future__ import annotations

from typing import Any

import pytest

from runner.compute.local import ANNOUNCE
from runner.models import Run
from tests.runner.fixtures import FAIL, make_version, publish_module, step


@pytest.fixture
def version(acme: Any, local: Any) -> Any:
    emit = publish_module(
        acme,
        "emit",
        "import os\nopen(os.environ['PIPEWRIGHT_OUT'] + '/data/t.csv', 'w').write('a,b\\n1,2\\n')\nprint('hello')\n",
    )
    return make_version(acme, [step("a", emit, params={"n": {"$param": "n"}})], parameters=(_param(),))


HEAD = (ANNOUNCE + "\n").encode()  # local compute's first line, then the step's own output
H = len(HEAD)


def _param() -> Any:
    from compiler.plan import PipelineParameter

    return PipelineParameter("n", "integer", 1)


def test_it_starts_a_run_and_shows_every_step(eager: Any, as_alice: Any, version: Any) -> None:
    r = as_alice.post(
        f"/api/pipelines/{version.pipeline_id}/runs/", {"parameters": {"n": 2}, "cache": True}, format="json"
    )
    assert r.status_code == 201, r.content
    run_id = r.json()["id"]
    body = as_alice.get(f"/api/runs/{run_id}/").json()
    assert body["status"] == "succeeded"
    assert body["parameters"] == {"n": 2}
    assert body["pipeline_name"] == version.pipeline.name and body["trigger"] is None
    (a,) = body["steps"]
    assert a["node"] == "a" and a["status"] == "succeeded" and a["attempt"] == 1 and a["exit_code"] == 0
    assert a["outputs"]["data"]["media_type"] == "text/csv" and a["outputs"]["data"]["size"] == 8
    assert set(a) >= {"cache_key", "reused_from", "started_at", "finished_at", "metrics", "error"}
    listed = as_alice.get(f"/api/runs/?pipeline={version.pipeline_id}").json()["results"]
    assert [x["id"] for x in listed] == [run_id]


def test_it_serves_logs_with_an_offset(eager: Any, as_alice: Any, version: Any) -> None:
    run_id = as_alice.post(f"/api/pipelines/{version.pipeline_id}/runs/", {}, format="json").json()["id"]
    r = as_alice.get(f"/api/runs/{run_id}/steps/a/logs")
    assert r.status_code == 200 and r["Content-Type"].startswith("text/plain")
    assert r.content == HEAD + b"hello\n" and r["X-Next-Offset"] == str(H + 6)
    plain = as_alice.get(f"/api/runs/{run_id}/steps/a/logs", HTTP_ACCEPT="text/plain")
    assert plain.status_code == 200 and plain.content == HEAD + b"hello\n"
    tail = as_alice.get(f"/api/runs/{run_id}/steps/a/logs?offset={H + 3}")
    assert tail.content == b"lo\n" and tail["X-Next-Offset"] == str(H + 6)
    assert as_alice.get(f"/api/runs/{run_id}/steps/zz/logs").status_code == 404
    assert as_alice.get(f"/api/runs/{run_id}/steps/a/logs?offset=x").status_code == 400
    assert as_alice.get(f"/api/runs/{run_id}/steps/a/logs?tail=-1").status_code == 400


def test_it_serves_only_the_tail_of_a_big_log_from_a_line_start(eager: Any, as_alice: Any, version: Any) -> None:
    from runner import steplogs
    from runner.models import StepRun

    run_id = as_alice.post(f"/api/pipelines/{version.pipeline_id}/runs/", {}, format="json").json()["id"]
    a = StepRun.objects.get(run_id=run_id, node="a")
    for block in range(10):  # 1.2 MB after "hello\n", in chunks as a worker appends them
        lines = "".join(f"line {i:06d}\n" for i in range(block * 10_000, (block + 1) * 10_000))
        steplogs.append(a.pk, a.attempt, lines.encode())
    steplogs.compact(a.pk)
    size = steplogs.end_of(a.pk)
    r = as_alice.get(f"/api/runs/{run_id}/steps/a/logs?tail=1000")
    start = int(r["X-Offset"])
    assert size - 1000 <= start < size - 1000 + 12 and r["X-Log-Size"] == str(size)
    assert r.content.startswith(b"line ") and r.content.endswith(b"line 099999\n")  # whole lines only
    assert int(r["X-Next-Offset"]) == size and len(r.content) == size - start
    small = as_alice.get(f"/api/runs/{run_id}/steps/a/logs?tail={size * 2}")
    assert small["X-Offset"] == "0" and small.content.startswith(HEAD + b"hello\n")
    assert as_alice.get(f"/api/runs/{run_id}/steps/a/logs?offset={H + 6}&tail=10").content.startswith(b"line 000000")


def test_it_explains_a_cache_hit_and_a_miss_naming_the_parameter(eager: Any, as_alice: Any, version: Any) -> None:
    first = as_alice.post(f"/api/pipelines/{version.pipeline_id}/runs/", {"parameters": {"n": 1}}, format="json").json()
    hit = as_alice.post(f"/api/runs/{first['id']}/rerun", {"mode": "all"}, format="json")
    assert hit.status_code == 201
    body = hit.json()
    assert body["parent"] == first["id"] and body["steps"][0]["status"] == "cached"
    assert body["steps"][0]["reused_from"]["run"] == first["id"] and body["steps"][0]["reused_from"]["node"] == "a"
    explain = as_alice.get(f"/api/runs/{body['id']}/steps/a/cache").json()
    assert explain["hit"] is True and explain["ingredients"]["params"] == {"n": 1}
    miss = as_alice.post(
        f"/api/runs/{first['id']}/rerun", {"mode": "all", "parameters": {"n": 5}}, format="json"
    ).json()
    assert miss["steps"][0]["status"] == "succeeded"
    why = as_alice.get(f"/api/runs/{miss['id']}/steps/a/cache").json()
    assert why["hit"] is False
    assert why["nearest"]["differences"] == [
        {"ingredient": "parameter", "name": "n", "message": "parameter 'n' changed", "was": 1, "now": 5}
    ]


def test_it_refuses_bad_run_requests_with_located_errors(eager: Any, as_alice: Any, version: Any, acme: Any) -> None:
    url = f"/api/pipelines/{version.pipeline_id}/runs/"
    r = as_alice.post(url, {"parameters": {"nope": 1}}, format="json")
    assert r.status_code == 400 and r.json()["errors"][0]["field"] == "parameters.nope"
    r = as_alice.post(url, {"version": 9}, format="json")
    assert r.status_code == 400 and r.json()["errors"][0]["field"] == "version"
    r = as_alice.post(url, {"cache": "yes"}, format="json")
    assert r.status_code == 400 and r.json()["errors"][0]["field"] == "cache"
    run_id = as_alice.post(url, {}, format="json").json()["id"]
    r = as_alice.post(f"/api/runs/{run_id}/rerun", {"mode": "sometimes"}, format="json")
    assert r.status_code == 400 and r.json()["errors"][0]["field"] == "mode"
    r = as_alice.post(f"/api/runs/{run_id}/rerun", {"mode": "from", "node": "zz"}, format="json")
    assert r.status_code == 400 and r.json()["errors"][0]["field"] == "node"
    assert Run.objects.count() == 1
    r = as_alice.post(f"/api/runs/{run_id}/cancel")
    assert r.status_code == 409


def test_it_hides_runs_from_other_teams_and_lets_members_run(
    eager: Any, as_bob: Any, as_charlie: Any, version: Any
) -> None:
    r = as_bob.post(f"/api/pipelines/{version.pipeline_id}/runs/", {}, format="json")
    assert r.status_code == 201
    run_id = r.json()["id"]
    assert as_charlie.post(f"/api/pipelines/{version.pipeline_id}/runs/", {}, format="json").status_code == 404
    assert as_charlie.get(f"/api/runs/{run_id}/").status_code == 404
    assert as_charlie.get("/api/runs/").json()["results"] == []
    assert as_charlie.post(f"/api/runs/{run_id}/rerun", {"mode": "all"}, format="json").status_code == 404
    assert as_charlie.get(f"/api/runs/{run_id}/steps/a/logs").status_code == 404
    sha = as_bob.get(f"/api/runs/{run_id}/").json()["steps"][0]["outputs"]["data"]["sha256"]
    assert as_charlie.get(f"/api/artifacts/{sha}/").status_code == 404
    assert as_bob.get(f"/api/artifacts/{sha}/").status_code == 200


def test_it_lets_viewers_read_but_not_run(eager: Any, as_alice: Any, version: Any, acme: Any) -> None:
    from teams.models import Membership, Role
    from tests.conftest import client_for, make_user

    vera = make_user("vera")
    Membership.objects.create(team=acme, user=vera, role=Role.VIEWER)
    as_vera = client_for(vera)
    assert as_vera.post(f"/api/pipelines/{version.pipeline_id}/runs/", {}, format="json").status_code == 403
    run_id = as_alice.post(f"/api/pipelines/{version.pipeline_id}/runs/", {}, format="json").json()["id"]
    assert as_vera.get(f"/api/runs/{run_id}/").status_code == 200
    assert as_vera.post(f"/api/runs/{run_id}/cancel").status_code == 403


def test_it_cancels_a_run_in_progress(db: Any, as_alice: Any, version: Any) -> None:
    run_id = as_alice.post(f"/api/pipelines/{version.pipeline_id}/runs/", {}, format="json").json()["id"]
    r = as_alice.post(f"/api/runs/{run_id}/cancel")
    assert r.status_code == 200
    assert r.json()["status"] == "canceled" and r.json()["steps"][0]["status"] == "canceled"


def test_it_reports_a_failed_step_with_its_error(eager: Any, as_alice: Any, acme: Any, local: Any) -> None:
    failing = make_version(acme, [step("a", publish_module(acme, "fail", FAIL))])
    run = as_alice.post(f"/api/pipelines/{failing.pipeline_id}/runs/", {}, format="json").json()
    body = as_alice.get(f"/api/runs/{run['id']}/").json()
    assert body["status"] == "failed"
    assert body["steps"][0]["error"] == "exited with code 3" and body["steps"][0]["exit_code"] == 3


SPLIT = {
    "nodes": [
        {"id": "imp", "module": "builtin/import-data", "version": None, "params": {"sample": "iris"}},
        {"id": "split", "module": "builtin/split-data", "version": None,
         "params": {"test_size": {"$param": "test_size"}, "seed": {"$param": "seed"}}},
    ],
    "edges": [{"source": "imp", "source_port": "data", "target": "split", "target_port": "data"}],
    "parameters": [{"name": "test_size", "type": "number", "default": 0.3}, {"name": "seed", "type": "integer"}],
}  # fmt: skip


@pytest.mark.parametrize(
    ("given", "field", "message"),
    [
        ({"test_size": "0.5", "seed": 1}, "parameters.test_size", "must be a number"),
        ({"test_size": True, "seed": 1}, "parameters.test_size", "must be a number"),
        ({"test_size": 1.5, "seed": 1}, "parameters.test_size", "node 'split' parameter 'test_size'"),
        ({"test_size": 0.5}, "parameters.seed", "is required"),
        ({"seed": 2.5}, "parameters.seed", "must be an integer"),
        ({"seed": 1, "nope": 1}, "parameters.nope", "is not a parameter"),
    ],
)
def test_it_checks_run_parameters_against_their_types_and_bound_schemas(
    db: Any, as_alice: Any, given: dict[str, Any], field: str, message: str
) -> None:
    from django.core.management import call_command

    call_command("load_library", verbosity=0)
    created = as_alice.post("/api/pipelines/", {"team": "acme", "name": "S", "graph": SPLIT}, format="json").json()
    assert not created["errors"], created["errors"]
    r = as_alice.post(f"/api/pipelines/{created['id']}/runs/", {"parameters": given}, format="json")
    assert r.status_code == 400, r.content
    assert any(e["field"] == field and message in e["message"] for e in r.json()["errors"]), r.json()
    assert not Run.objects.exists()  # nothing half-saved
    ok = as_alice.post(
        f"/api/pipelines/{created['id']}/runs/", {"parameters": {"test_size": 0.5, "seed": 3}}, format="json"
    )
    assert ok.status_code == 201 and ok.json()["parameters"] == {"test_size": 0.5, "seed": 3}

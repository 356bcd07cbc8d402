"""Publishing: endpoints (publish, slug conflicts, re-point, run by token) and schedules (cron,
the beat task, cleanup); alice/bob/charlie plus a viewer for the permissions."""

from __future__ import annotations

import copy
from datetime import datetime
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_celery_beat.models import CrontabSchedule, PeriodicTask
from kombu.exceptions import OperationalError
from rest_framework.test import APIClient

from designer.models import Pipeline
from pipewright.celery import app
from publishing.models import Endpoint, Schedule
from publishing.tasks import run_schedule_task
from runner import queue
from runner.models import Run
from teams import tokens
from teams.models import Membership, Role
from tests.api.pipelines_helpers import create, graph, make_catalog, put
from tests.conftest import client_for, make_user


@pytest.fixture
def catalog(acme: Any) -> None:
    make_catalog(acme)


def with_depth(doc: dict[str, Any]) -> dict[str, Any]:
    """`doc` with a pipeline parameter `depth` feeding the train node's max_depth."""
    doc = copy.deepcopy(doc)
    doc["nodes"][1]["params"] = {"max_depth": {"$param": "depth"}}
    doc["parameters"] = [{"name": "depth", "type": "integer", "default": 4}]
    return doc


def broken() -> dict[str, Any]:
    doc = with_depth(graph())
    doc["edges"] = []  # train's input is now missing
    return doc


@pytest.fixture
def pipeline(as_alice: Any, catalog: None) -> dict[str, Any]:
    """A pipeline with versions 1 and 2 (both runnable, both with parameter `depth`)."""
    created = create(as_alice, with_depth(graph()), name="churn")
    assert created.status_code == 201, created.json()
    pk = created.json()["id"]
    saved = put(as_alice, pk, {"graph": with_depth(graph(test_size=0.4))}, created["ETag"])
    assert saved.status_code == 200 and saved.json()["version"] == 2, saved.json()
    return {"id": pk, "etag": saved["ETag"]}


def add_broken_version(client: APIClient, pipeline: dict[str, Any]) -> int:
    saved = put(client, pipeline["id"], {"graph": broken()}, pipeline["etag"])
    assert saved.status_code == 200 and saved.json()["errors"], saved.json()
    pipeline["etag"] = saved["ETag"]
    return int(saved.json()["version"])


def publish(client: APIClient, pipeline: dict[str, Any], name: str = "Churn Score", **extra: Any) -> Any:
    return client.post(f"/api/pipelines/{pipeline['id']}/publish", {"name": name, **extra}, format="json")


@pytest.fixture
def endpoint(as_alice: Any, pipeline: dict[str, Any]) -> dict[str, Any]:
    r = publish(as_alice, pipeline)
    assert r.status_code == 201, r.json()
    return dict(r.json())


@pytest.fixture
def vera(acme: Any) -> APIClient:
    """A viewer of team acme."""
    user = make_user("vera")
    Membership.objects.create(team=acme, user=user, role=Role.VIEWER)
    return client_for(user)


def token_client(user: Any) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {tokens.create_token(user, 'test')[1]}")
    return client


def schedule(client: APIClient, slug: str, cron: Any = "*/15 6 * * 1-5", **extra: Any) -> Any:
    body = {"endpoint": slug, "cron": cron, "parameters": {"depth": 6}, "enabled": True, **extra}
    return client.post("/api/schedules/", body, format="json")


# -- endpoints ---------------------------------------------------------------------------------


def test_it_publishes_the_latest_version_as_an_endpoint(as_alice: Any, pipeline: dict[str, Any]) -> None:
    r = publish(as_alice, pipeline)
    assert r.status_code == 201, r.json()
    body = r.json()
    assert body["slug"] == "churn-score" and body["name"] == "Churn Score"
    assert body["version"] == 2 and body["pipeline"] == pipeline["id"] and body["team"] == "acme"
    assert body["url"] == "http://testserver/api/endpoints/churn-score/runs"
    assert body["created_by"] == "alice" and body["pipeline_name"] == "churn"
    assert as_alice.get("/api/endpoints/churn-score/").json() == body
    assert as_alice.get("/api/endpoints/").json()["results"] == [body]
    assert as_alice.get(f"/api/endpoints/?pipeline={pipeline['id']}").json()["results"] == [body]
    assert as_alice.get("/api/endpoints/?pipeline=0").json()["results"] == []
    pinned = publish(as_alice, pipeline, "Churn v1", version=1)
    assert pinned.status_code == 201 and pinned.json()["version"] == 1 and pinned.json()["slug"] == "churn-v1"


def test_it_refuses_a_taken_slug_with_409_naming_the_name(
    as_alice: Any, as_charlie: Any, pipeline: dict[str, Any], endpoint: dict[str, Any]
) -> None:
    again = publish(as_alice, pipeline, "churn score!")
    assert again.status_code == 409
    assert again.json()["errors"] == [{"field": "name", "message": "the slug 'churn-score' is taken"}]
    blank = publish(as_alice, pipeline, "!!!")
    assert blank.status_code == 400 and blank.json()["errors"][0]["field"] == "name"
    missing = as_alice.post(f"/api/pipelines/{pipeline['id']}/publish", {}, format="json")
    assert missing.status_code == 400 and missing.json()["errors"][0]["field"] == "name"
    # slugs are URLs, so they are global: another team cannot take one either
    make_catalog(Membership.objects.get(user__username="charlie").team)
    theirs = create(as_charlie, graph("other"), name="theirs", team="other").json()
    taken = as_charlie.post(f"/api/pipelines/{theirs['id']}/publish", {"name": "Churn score"}, format="json")
    assert taken.status_code == 409 and taken.json()["errors"][0]["field"] == "name"
    assert Endpoint.objects.count() == 1


def test_it_refuses_to_publish_a_version_with_compile_errors(as_alice: Any, pipeline: dict[str, Any]) -> None:
    number = add_broken_version(as_alice, pipeline)
    r = publish(as_alice, pipeline)
    assert r.status_code == 400
    errors = r.json()["errors"]
    assert errors[0] == {"field": "version", "message": f"version {number} has {len(errors) - 1} compile error(s)"}
    assert errors[1]["node"] == "train" and "missing" in errors[1]["code"]
    r = publish(as_alice, pipeline, version=9)
    assert r.status_code == 400 and r.json()["errors"] == [
        {"field": "version", "message": "the pipeline has no version 9"}
    ]
    r = publish(as_alice, pipeline, version="two")
    assert r.status_code == 400 and r.json()["errors"][0]["field"] == "version"
    blank = as_alice.post("/api/pipelines/", {"team": "acme", "name": "blank"}, format="json").json()
    r = as_alice.post(f"/api/pipelines/{blank['id']}/publish", {"name": "blank"}, format="json")
    assert r.status_code == 400 and r.json()["errors"][0]["field"] == "version"
    assert Endpoint.objects.count() == 0
    assert publish(as_alice, pipeline, version=2).status_code == 201


def test_it_repoints_and_renames_an_endpoint(as_alice: Any, pipeline: dict[str, Any], endpoint: dict[str, Any]) -> None:
    url = f"/api/endpoints/{endpoint['slug']}/"
    r = as_alice.patch(url, {"version": 1}, format="json")
    assert r.status_code == 200 and r.json()["version"] == 1
    number = add_broken_version(as_alice, pipeline)
    for bad in (number, 99, "x", 0):
        r = as_alice.patch(url, {"version": bad}, format="json")
        assert r.status_code == 400, bad
        assert r.json()["errors"][0]["field"] == "version"
    assert as_alice.get(url).json()["version"] == 1
    renamed = as_alice.patch(url, {"name": "Churn (prod)"}, format="json").json()
    assert renamed["name"] == "Churn (prod)" and renamed["slug"] == "churn-score" and renamed["version"] == 1


def test_it_runs_an_endpoint_with_a_token(
    alice: Any, as_alice: Any, pipeline: dict[str, Any], endpoint: dict[str, Any]
) -> None:
    client = token_client(alice)
    r = client.post(endpoint["url"], {"parameters": {"depth": 5}}, format="json")
    assert r.status_code == 201, r.json()
    body = r.json()
    run = Run.objects.select_related("pipeline_version").get(pk=body["id"])
    assert run.pipeline_id == pipeline["id"] and run.pipeline_version.number == 2 and body["version"] == 2
    assert run.parameters == {"depth": 5} and run.created_by == alice and run.use_cache is True
    assert body["trigger"] == f"endpoint:{endpoint['slug']}"
    direct = client.post(f"/api/pipelines/{pipeline['id']}/runs/", {}, format="json").json()
    assert direct["trigger"] is None
    assert set(body) == set(direct) and len(body["steps"]) == 2
    # re-pointing changes what the same URL runs
    as_alice.patch(f"/api/endpoints/{endpoint['slug']}/", {"version": 1}, format="json")
    again = client.post(f"/api/endpoints/{endpoint['slug']}/runs/", {"cache": False}, format="json").json()
    assert again["version"] == 1 and again["parameters"] == {"depth": 4} and again["cache"] is False
    assert APIClient().post(endpoint["url"], {}, format="json").status_code in (401, 403)
    runs = Run.objects.count()
    bad = client.post(endpoint["url"], {"parameters": {"nope": 1}}, format="json")
    assert bad.status_code == 400 and bad.json()["errors"][0]["field"] == "parameters.nope"
    bad = client.post(endpoint["url"], {"cache": "yes"}, format="json")
    assert bad.status_code == 400 and bad.json()["errors"][0]["field"] == "cache"
    bad = client.post(endpoint["url"], {"parameters": [1]}, format="json")
    assert bad.status_code == 400 and bad.json()["errors"][0]["field"] == "parameters"
    assert client.post("/api/endpoints/nope/runs", {}, format="json").status_code == 404
    assert Run.objects.count() == runs


def test_the_endpoint_permissions(
    as_bob: Any, as_charlie: Any, vera: APIClient, pipeline: dict[str, Any], endpoint: dict[str, Any]
) -> None:
    slug, url = endpoint["slug"], f"/api/endpoints/{endpoint['slug']}/"
    # a viewer reads but cannot publish, run, change or delete
    assert vera.get(url).status_code == 200
    assert vera.get("/api/endpoints/").json()["results"] == [endpoint]
    assert publish(vera, pipeline, "mine").status_code == 403
    assert vera.post(endpoint["url"], {}, format="json").status_code == 403
    assert vera.patch(url, {"version": 1}, format="json").status_code == 403
    assert vera.delete(url).status_code == 403
    # another team sees nothing
    assert as_charlie.get(url).status_code == 404
    assert as_charlie.get("/api/endpoints/").json()["results"] == []
    assert publish(as_charlie, pipeline, "mine").status_code == 404
    assert as_charlie.post(endpoint["url"], {}, format="json").status_code == 404
    assert as_charlie.patch(url, {"version": 1}, format="json").status_code == 404
    assert as_charlie.delete(url).status_code == 404
    assert Run.objects.count() == 0
    # a member publishes, runs, re-points and deletes
    assert publish(as_bob, pipeline, "Bob's").status_code == 201
    assert as_bob.post(endpoint["url"], {}, format="json").status_code == 201
    assert as_bob.patch(url, {"version": 1}, format="json").status_code == 200
    assert as_bob.delete(url).status_code == 204
    assert not Endpoint.objects.filter(slug=slug).exists()


def test_the_lists_cost_the_same_queries_for_one_row_or_many(
    as_alice: Any, pipeline: dict[str, Any], endpoint: dict[str, Any]
) -> None:
    assert schedule(as_alice, endpoint["slug"]).status_code == 201

    def count(url: str) -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert as_alice.get(url).status_code == 200
        return len(ctx.captured_queries)

    one = count("/api/endpoints/"), count("/api/schedules/")
    for i in range(3):
        slug = publish(as_alice, pipeline, f"more {i}").json()["slug"]
        assert schedule(as_alice, slug, cron=f"{i} * * * *").status_code == 201
    assert len(as_alice.get("/api/schedules/").json()["results"]) == 4
    assert (count("/api/endpoints/"), count("/api/schedules/")) == one


# -- schedules ---------------------------------------------------------------------------------


def test_it_creates_a_schedule_as_a_beat_task(as_alice: Any, endpoint: dict[str, Any]) -> None:
    r = schedule(as_alice, endpoint["slug"])
    assert r.status_code == 201, r.json()
    body = r.json()
    assert body["endpoint"] == "churn-score" and body["team"] == "acme" and body["owner"] == "alice"
    assert body["cron"] == "*/15 6 * * 1-5" and body["parameters"] == {"depth": 6} and body["enabled"] is True
    assert body["next_run_at"] is not None and body["last_run_at"] is None and body["last_run"] is None
    row = Schedule.objects.select_related("periodic_task__crontab").get(pk=body["id"])
    task = row.periodic_task
    assert task.task == "publishing.run_schedule" and task.args == f"[{row.pk}]" and task.enabled
    assert task.queue == "pipewright" and str(task.crontab.timezone) == "UTC"
    cron = task.crontab
    assert (cron.minute, cron.hour, cron.day_of_month, cron.month_of_year, cron.day_of_week) == (
        "*/15",
        "6",
        "*",
        "*",
        "1-5",
    )
    assert as_alice.get(f"/api/schedules/{row.pk}/").json() == body
    assert as_alice.get("/api/schedules/").json()["results"] == [body]
    assert as_alice.get("/api/schedules/?endpoint=other").json()["results"] == []


def test_beat_reads_the_schedule_from_the_database(as_alice: Any, endpoint: dict[str, Any]) -> None:
    from django_celery_beat.schedulers import DatabaseScheduler

    from pipewright.celery import app

    pk = schedule(as_alice, endpoint["slug"], cron="* * * * *").json()["id"]
    entries = [e for e in DatabaseScheduler(app=app, lazy=True).all_as_schedule().values() if e.args == [pk]]
    assert [(e.task, e.options["queue"], e.options["expires"]) for e in entries] == [
        ("publishing.run_schedule", "pipewright", 300)
    ]
    assert entries[0].is_due().next <= 60


@pytest.mark.parametrize(
    ("cron", "names"),
    [
        ("0 25 * * *", "hour field '25'"),
        ("61 * * * *", "minute field '61'"),
        ("0 0 * 13 *", "month field '13'"),
        ("0 0 * * funday", "day of week field 'funday'"),
        ("0 0 0 * *", "day of month field '0'"),
        ("* * * *", "has 4 field(s), needs 5"),
        ("0 0 31 2 *", "never fires"),
        (15, "must be a string of five fields"),
        ("", "may not be blank"),
    ],
)
def test_it_refuses_a_bad_cron_naming_the_field(as_alice: Any, endpoint: dict[str, Any], cron: Any, names: str) -> None:
    r = schedule(as_alice, endpoint["slug"], cron=cron)
    assert r.status_code == 400
    (error,) = r.json()["errors"]
    assert error["field"] == "cron" and names in error["message"], error
    assert r.json()["detail"].startswith("cron: ")
    assert Schedule.objects.count() == PeriodicTask.objects.filter(task="publishing.run_schedule").count() == 0


def test_it_refuses_other_bad_schedule_bodies(as_alice: Any, endpoint: dict[str, Any]) -> None:
    r = schedule(as_alice, endpoint["slug"], parameters={"nope": 1})
    assert r.status_code == 400 and r.json()["errors"][0]["field"] == "parameters.nope"
    r = schedule(as_alice, endpoint["slug"], enabled="yes")
    assert r.status_code == 400 and r.json()["errors"][0]["field"] == "enabled"
    r = schedule(as_alice, "missing")
    assert r.status_code == 404
    r = as_alice.post("/api/schedules/", {"cron": "* * * * *"}, format="json")
    assert r.status_code == 400 and r.json()["errors"][0]["field"] == "endpoint"
    assert Schedule.objects.count() == PeriodicTask.objects.filter(task="publishing.run_schedule").count() == 0


def test_it_changes_a_schedule(as_alice: Any, endpoint: dict[str, Any]) -> None:
    pk = schedule(as_alice, endpoint["slug"]).json()["id"]
    url = f"/api/schedules/{pk}/"
    r = as_alice.patch(url, {"cron": "30 2 1 * *", "enabled": False, "parameters": {}}, format="json")
    assert r.status_code == 200, r.json()
    body = r.json()
    assert body["cron"] == "30 2 1 * *" and body["enabled"] is False and body["next_run_at"] is None
    assert body["parameters"] == {}
    task = Schedule.objects.select_related("periodic_task__crontab").get(pk=pk).periodic_task
    assert not task.enabled and (task.crontab.minute, task.crontab.hour, task.crontab.day_of_month) == ("30", "2", "1")
    assert CrontabSchedule.objects.count() == 1  # the old one, now unused, is gone
    bad = as_alice.patch(url, {"cron": "30 2 1 * * *", "enabled": True}, format="json")
    assert bad.status_code == 400 and bad.json()["errors"][0]["field"] == "cron"
    assert as_alice.get(url).json() == body  # nothing half-saved
    assert as_alice.patch(url, {"parameters": {"nope": 2}}, format="json").status_code == 400


def test_the_beat_task_starts_a_run_of_the_endpoints_current_version(
    alice: Any, as_alice: Any, endpoint: dict[str, Any]
) -> None:
    pk = schedule(as_alice, endpoint["slug"]).json()["id"]
    assert run_schedule_task(pk).startswith("run ")
    run = Run.objects.select_related("pipeline_version").get()
    assert run.pipeline_version.number == 2 and run.parameters == {"depth": 6} and run.created_by == alice
    assert as_alice.get(f"/api/schedules/{pk}/").json()["last_run"] == run.pk
    assert run.trigger == f"schedule:{pk}"
    as_alice.patch(f"/api/endpoints/{endpoint['slug']}/", {"version": 1}, format="json")
    run_schedule_task(pk)
    assert Run.objects.select_related("pipeline_version").first().pipeline_version.number == 1  # type: ignore[union-attr]
    assert run_schedule_task(pk + 1000) == "gone"
    as_alice.patch(f"/api/schedules/{pk}/", {"enabled": False}, format="json")
    assert run_schedule_task(pk) == "disabled" and Run.objects.count() == 2


def test_an_endpoint_run_and_a_schedule_firing_are_accepted_while_the_broker_is_down(
    alice: Any,
    as_alice: Any,
    endpoint: dict[str, Any],
    monkeypatch: pytest.MonkeyPatch,
    django_capture_on_commit_callbacks: Any,
) -> None:
    """The run is committed and stays pending for the sweep (runner.sweeps) to start: no 500."""

    def down(*args: Any, **kwargs: Any) -> None:
        raise OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr(app.tasks[queue.ADVANCE_TASK], "apply_async", down)
    pk = schedule(as_alice, endpoint["slug"]).json()["id"]
    with django_capture_on_commit_callbacks(execute=True) as sent:
        r = token_client(alice).post(endpoint["url"], {}, format="json")
        fired = run_schedule_task(pk)
    assert len(sent) >= 2  # the enqueues ran, and failed quietly
    assert r.status_code == 201 and r.json()["status"] == "pending"
    assert fired.startswith("run ")
    assert sorted(Run.objects.values_list("status", flat=True)) == ["pending", "pending"]


def test_the_beat_task_refuses_an_owner_who_left_the_team(
    bob: Any, as_bob: Any, as_alice: Any, endpoint: dict[str, Any]
) -> None:
    pk = schedule(as_bob, endpoint["slug"]).json()["id"]
    Membership.objects.filter(user=bob).update(role=Role.VIEWER)
    assert run_schedule_task(pk) == "refused"
    assert Run.objects.count() == 0
    assert "bob" in as_alice.get(f"/api/schedules/{pk}/").json()["last_error"]


def test_deleting_a_schedule_removes_its_beat_task(as_alice: Any, endpoint: dict[str, Any]) -> None:
    pk = schedule(as_alice, endpoint["slug"]).json()["id"]
    task_id = Schedule.objects.get(pk=pk).periodic_task_id
    assert as_alice.delete(f"/api/schedules/{pk}/").status_code == 204
    assert not PeriodicTask.objects.filter(pk=task_id).exists()
    assert CrontabSchedule.objects.count() == 0
    assert as_alice.get(f"/api/schedules/{pk}/").status_code == 404


def test_deleting_an_endpoint_or_its_pipeline_removes_the_beat_tasks(
    as_alice: Any, pipeline: dict[str, Any], endpoint: dict[str, Any]
) -> None:
    schedule(as_alice, endpoint["slug"])
    assert as_alice.delete(f"/api/endpoints/{endpoint['slug']}/").status_code == 204
    assert Schedule.objects.count() == PeriodicTask.objects.filter(task="publishing.run_schedule").count() == 0
    slug = publish(as_alice, pipeline, "again").json()["slug"]
    schedule(as_alice, slug)
    Pipeline.objects.get(pk=pipeline["id"]).delete()
    assert Endpoint.objects.count() == Schedule.objects.count() == 0
    assert PeriodicTask.objects.filter(task="publishing.run_schedule").count() == 0


def test_the_schedule_permissions(
    as_alice: Any, as_bob: Any, as_charlie: Any, vera: APIClient, endpoint: dict[str, Any]
) -> None:
    pk = schedule(as_alice, endpoint["slug"]).json()["id"]
    url = f"/api/schedules/{pk}/"
    assert vera.get(url).status_code == 200
    assert schedule(vera, endpoint["slug"]).status_code == 403
    assert vera.patch(url, {"enabled": False}, format="json").status_code == 403
    assert vera.delete(url).status_code == 403
    assert as_charlie.get(url).status_code == 404
    assert as_charlie.get("/api/schedules/").json()["results"] == []
    assert schedule(as_charlie, endpoint["slug"]).status_code == 404
    assert as_charlie.patch(url, {"enabled": False}, format="json").status_code == 404
    assert as_charlie.delete(url).status_code == 404
    assert Schedule.objects.count() == 1
    created = schedule(as_bob, endpoint["slug"])
    assert created.status_code == 201 and created.json()["owner"] == "bob"
    assert as_bob.patch(url, {"enabled": False}, format="json").status_code == 200
    assert as_bob.delete(url).status_code == 204


def test_a_disabled_module_version_never_starts_again(
    as_alice: Any, alice: Any, pipeline: dict[str, Any], endpoint: dict[str, Any]
) -> None:
    """Saved while train@2.0.0 was active; once it is disabled, a run, a rerun, an endpoint run and
    a schedule firing are all refused naming the node and the version; past runs keep their history."""
    from modules.models import ModuleVersion

    first = as_alice.post(f"/api/pipelines/{pipeline['id']}/runs/", {}, format="json")
    assert first.status_code == 201, first.json()
    assert as_alice.post(f"/api/runs/{first.json()['id']}/cancel").status_code == 200
    pk = schedule(as_alice, endpoint["slug"]).json()["id"]
    ModuleVersion.objects.filter(module__name="train", version="2.0.0").update(status="disabled")

    def refused(r: Any) -> None:
        assert r.status_code == 400, r.json()
        error = r.json()["errors"][0]
        assert error["node"] == "train" and error["field"] == "version"
        assert "acme/train@2.0.0 is disabled" in error["message"] and "train" in r.json()["detail"]

    refused(as_alice.post(f"/api/pipelines/{pipeline['id']}/runs/", {}, format="json"))
    for mode in ("all", "failed", "from"):
        body = {"mode": mode, **({"node": "split"} if mode == "from" else {})}
        refused(as_alice.post(f"/api/runs/{first.json()['id']}/rerun", body, format="json"))
    refused(token_client(alice).post(f"/api/endpoints/{endpoint['slug']}/runs", {}, format="json"))
    assert run_schedule_task(pk) == "refused"
    assert "acme/train@2.0.0 is disabled" in as_alice.get(f"/api/schedules/{pk}/").json()["last_error"]
    assert Run.objects.count() == 1  # nothing started, nothing half-saved
    assert as_alice.get(f"/api/runs/{first.json()['id']}/").status_code == 200  # history stays


# -- what the Endpoints page needs: enable/disable, runs, the cron preview ----------------------


def test_an_endpoint_can_be_disabled_and_enabled(alice: Any, as_alice: Any, endpoint: dict[str, Any]) -> None:
    slug = endpoint["slug"]
    client = token_client(alice)
    assert endpoint["enabled"] is True
    off = as_alice.patch(f"/api/endpoints/{slug}/", {"enabled": False}, format="json")
    assert off.status_code == 200 and off.json()["enabled"] is False
    refused = client.post(endpoint["url"], {}, format="json")
    assert refused.status_code == 409 and refused.json()["errors"][0]["field"] == "endpoint"
    pk = schedule(as_alice, slug).json()["id"]
    assert run_schedule_task(pk) == "refused" and not Run.objects.exists()
    assert "disabled" in as_alice.get(f"/api/schedules/{pk}/").json()["last_error"]
    bad = as_alice.patch(f"/api/endpoints/{slug}/", {"enabled": "no"}, format="json")
    assert bad.status_code == 400 and bad.json()["errors"][0]["field"] == "enabled"
    on = as_alice.patch(f"/api/endpoints/{slug}/", {"enabled": True}, format="json")
    assert on.json()["enabled"] is True
    assert client.post(endpoint["url"], {}, format="json").status_code == 201


def test_a_viewer_cannot_disable_an_endpoint(vera: Any, endpoint: dict[str, Any]) -> None:
    r = vera.patch(f"/api/endpoints/{endpoint['slug']}/", {"enabled": False}, format="json")
    assert r.status_code == 403 and "member" in r.json()["detail"]


def test_the_runs_of_an_endpoint_and_of_its_schedules(
    alice: Any, as_alice: Any, as_charlie: Any, pipeline: dict[str, Any], endpoint: dict[str, Any]
) -> None:
    slug = endpoint["slug"]
    assert as_alice.get(f"/api/endpoints/{slug}/runs").json()["results"] == []
    by_token = token_client(alice).post(endpoint["url"], {}, format="json").json()["id"]
    as_alice.post(f"/api/pipelines/{pipeline['id']}/runs/", {}, format="json")  # not through the endpoint
    pk = schedule(as_alice, slug).json()["id"]
    run_schedule_task(pk)
    scheduled = Schedule.objects.get(pk=pk).last_run_id
    listed = as_alice.get(f"/api/endpoints/{slug}/runs").json()["results"]
    assert [r["id"] for r in listed] == [scheduled, by_token]
    assert [r["id"] for r in as_alice.get(f"/api/schedules/{pk}/runs/").json()["results"]] == [scheduled]
    assert as_charlie.get(f"/api/endpoints/{slug}/runs").status_code == 404
    assert as_charlie.get(f"/api/schedules/{pk}/runs/").status_code == 404


def test_the_cron_preview_shows_the_next_five_fire_times_in_a_zone(as_alice: Any) -> None:
    r = as_alice.get("/api/schedules/preview", {"cron": "30  6 * * 1-5", "tz": "Europe/Berlin"})
    assert r.status_code == 200, r.json()
    body = r.json()
    assert body["cron"] == "30 6 * * 1-5" and body["timezone"] == "Europe/Berlin" and len(body["next"]) == 5
    times = [datetime.fromisoformat(t) for t in body["next"]]
    assert times == sorted(times) and len(set(times)) == 5
    for t in times:
        # 06:30 UTC is 07:30 (winter) or 08:30 (summer) in Berlin, on a weekday
        assert t.minute == 30 and t.hour in (7, 8) and t.weekday() < 5
        assert t.utcoffset() is not None and t.utcoffset().total_seconds() in (3600, 7200)  # type: ignore[union-attr]
    utc = as_alice.get("/api/schedules/preview", {"cron": "0 0 1 1 *"}).json()
    assert utc["timezone"] == "UTC" and all(t.endswith(("+00:00", "Z")) for t in utc["next"])
    assert [datetime.fromisoformat(t).month for t in utc["next"]] == [1] * 5


def test_the_cron_preview_names_what_is_wrong(as_alice: Any) -> None:
    bad = as_alice.get("/api/schedules/preview", {"cron": "61 * * * *"})
    assert bad.status_code == 400 and bad.json()["errors"][0]["field"] == "cron"
    assert "minute" in bad.json()["errors"][0]["message"]
    short = as_alice.get("/api/schedules/preview", {"cron": "* *"})
    assert short.status_code == 400 and "needs 5" in short.json()["errors"][0]["message"]
    zone = as_alice.get("/api/schedules/preview", {"cron": "* * * * *", "tz": "Mars/Olympus"})
    assert zone.status_code == 400 and zone.json()["errors"][0]["field"] == "tz"

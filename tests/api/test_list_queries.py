"""Every list endpoint costs the same number of queries for N rows as for 2N rows (no N+1), and
a page after a cursor costs what the first page costs.

Each case makes N rows, counts the queries of one GET, makes N more, and counts again; the rows
vary in what the response reads through relations (creators, teams, versions, members), and an
outsider's rows never show up. Roles are forgotten before each count, so both GETs start cold."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from designer.models import Pipeline
from runner import runs
from teams import scoping
from teams import services as team_services
from teams.models import Membership, Role
from tests.api.modules_helpers import make_module
from tests.api.pipelines_helpers import create, graph, make_catalog, put, upload_csv
from tests.runner.fixtures import make_version, publish_module, step

N = 3


@pytest.fixture(autouse=True)
def artifact_root(settings: Any, tmp_path: Any) -> Any:
    settings.ARTIFACT_ROOT = tmp_path / "artifacts"
    return settings.ARTIFACT_ROOT


def count(client: APIClient, user: Any, url: str) -> tuple[int, int]:
    """(queries, rows) of one GET of `url`."""
    scoping.forget_roles(user)
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200, response.content
    return len(ctx.captured_queries), len(response.json()["results"])


def pages_cost_the_same(client: APIClient, user: Any, url: str) -> None:
    """A page further down the list (after a cursor) costs what the first page costs."""
    paged = f"{url}{'&' if '?' in url else '?'}page_size={N}"
    first, rows = count(client, user, paged)
    assert rows == N
    scoping.forget_roles(user)
    following = client.get(paged).json()["next"]
    assert following is not None, f"{paged}: no next page"
    second, rows = count(client, user, following)
    assert rows >= 1
    assert second == first, f"{url}: {first} queries for the first page, {second} for the next"


def same_cost(client: APIClient, user: Any, url: str, add: Callable[[int], None]) -> int:
    """Add N rows, count, add N more, count again: the same queries, twice the rows; and every
    page costs the same."""
    for i in range(N):
        add(i)
    few, rows_few = count(client, user, url)
    for i in range(N, 2 * N):
        add(i)
    many, rows_many = count(client, user, url)
    assert rows_many == rows_few + N, (rows_few, rows_many)
    assert many == few, f"{url}: {few} queries for {rows_few} rows, {many} for {rows_many}"
    pages_cost_the_same(client, user, url)
    return many


@pytest.fixture
def theirs(as_charlie: Any, other: Any) -> None:
    """Charlie's own rows in team 'other', which alice's lists must leave out."""
    make_catalog(other)
    assert create(as_charlie, graph("other"), name="theirs", team="other").status_code == 201
    make_module(other, "their-module")


def test_pipelines(as_alice: Any, as_bob: Any, alice: Any, acme: Any, theirs: None) -> None:
    make_catalog(acme)

    def add(i: int) -> None:
        client = as_alice if i % 2 else as_bob
        assert create(client, graph(), name=f"flow-{i}").status_code == 201

    assert same_cost(as_alice, alice, "/api/pipelines/", add) <= 4


def test_pipeline_versions(as_alice: Any, as_bob: Any, alice: Any, acme: Any) -> None:
    make_catalog(acme)
    created = create(as_alice, graph(), name="flow")
    pk, etag = created.json()["id"], created["ETag"]
    state = {"etag": etag}

    def add(i: int) -> None:
        client = as_bob if i % 2 else as_alice
        saved = put(client, pk, {"graph": graph(test_size=0.1 + i / 100)}, state["etag"])
        assert saved.status_code == 200, saved.json()
        state["etag"] = saved["ETag"]

    same_cost(as_alice, alice, f"/api/pipelines/{pk}/versions/", add)


def test_modules(as_alice: Any, alice: Any, acme: Any, theirs: None) -> None:
    def add(i: int) -> None:
        make_module(acme, f"m-{i}", ("1.0.0", "1.1.0", "2.0.0")[: 1 + i % 3], default="1.0.0")

    same_cost(as_alice, alice, "/api/modules/", add)


def test_module_versions(as_alice: Any, alice: Any, acme: Any) -> None:
    from modules import services as catalog
    from modules import spec as specs
    from tests.api.modules_helpers import make_spec

    module = make_module(acme, "split-data", ())

    def add(i: int) -> None:
        body = specs.validate_spec(make_spec("split-data", f"1.{i}.0"))
        catalog.do_publish_version(module, body, {"main.py": f"print({i})\n"}, user=alice if i % 2 else None)

    same_cost(as_alice, alice, "/api/modules/acme/split-data/versions/", add)


def test_datasets(as_alice: Any, as_bob: Any, alice: Any, acme: Any, as_charlie: Any) -> None:
    upload_csv(as_charlie, "theirs", team="other")

    def add(i: int) -> None:
        client = as_bob if i % 2 else as_alice
        assert upload_csv(client, f"data-{i}").status_code == 201
        assert upload_csv(client, f"data-{i}", content=b"a,b\n1,2\n").status_code == 201  # a second version

    same_cost(as_alice, alice, "/api/datasets/", add)


def test_runs(as_alice: Any, alice: Any, bob: Any, acme: Any, other: Any, charlie: Any, runner_dirs: Any) -> None:
    """Runs of several pipelines, by two users, some reruns (created in a test transaction: none
    is enqueued, so nothing runs)."""
    emit = publish_module(acme, "emit", "print(1)\n")
    theirs = make_version(other, [step("a", publish_module(other, "emit", "print(1)\n"))])
    runs.create_run(theirs, {}, True, charlie)
    versions: list[Any] = []

    def add(i: int) -> None:
        if i % 2 == 0:
            versions.append(make_version(acme, [step("a", emit), step("b", emit)], name=f"p{i}"))
        run = runs.create_run(versions[-1], {}, True, alice if i % 2 else bob)
        if i % 3 == 0:
            runs.rerun(run, "all", node=None, parameters=None, use_cache=None, user=alice)

    for i in range(N):
        add(i)
    few, rows_few = count(as_alice, alice, "/api/runs/")
    for i in range(N, 2 * N):
        add(i)
    many, rows_many = count(as_alice, alice, "/api/runs/")
    assert rows_many >= rows_few + N, (rows_few, rows_many)
    assert many == few, f"/api/runs/: {few} queries for {rows_few} rows, {many} for {rows_many}"
    # the list of one pipeline's runs costs the same too
    pipeline = Pipeline.objects.filter(team=acme).order_by("id").first()
    assert pipeline is not None
    assert count(as_alice, alice, f"/api/runs/?pipeline={pipeline.pk}")[0] == few
    pages_cost_the_same(as_alice, alice, "/api/runs/")
    pages_cost_the_same(as_alice, alice, "/api/runs/?status=pending,queued")


def _publishing_pipeline(client: APIClient, acme: Any) -> int:
    make_catalog(acme)
    doc = graph()
    doc["nodes"][1]["params"] = {"max_depth": {"$param": "depth"}}
    doc["parameters"] = [{"name": "depth", "type": "integer", "default": 4}]
    created = create(client, doc, name="churn")
    assert created.status_code == 201, created.json()
    return int(created.json()["id"])


def test_endpoints(as_alice: Any, as_bob: Any, alice: Any, acme: Any, theirs: None) -> None:
    pk = _publishing_pipeline(as_alice, acme)

    def add(i: int) -> None:
        client = as_bob if i % 2 else as_alice
        r = client.post(f"/api/pipelines/{pk}/publish", {"name": f"score {i}"}, format="json")
        assert r.status_code == 201, r.json()

    same_cost(as_alice, alice, "/api/endpoints/", add)


def test_schedules(as_alice: Any, as_bob: Any, alice: Any, acme: Any) -> None:
    pk = _publishing_pipeline(as_alice, acme)

    def add(i: int) -> None:
        client = as_bob if i % 2 else as_alice
        slug = client.post(f"/api/pipelines/{pk}/publish", {"name": f"score {i}"}, format="json").json()["slug"]
        body = {"endpoint": slug, "cron": f"{i} * * * *", "parameters": {"depth": 6}, "enabled": bool(i % 2)}
        r = client.post("/api/schedules/", body, format="json")
        assert r.status_code == 201, r.json()

    same_cost(as_alice, alice, "/api/schedules/", add)


def test_teams(as_alice: Any, alice: Any, bob: Any, acme: Any, other: Any) -> None:
    def add(i: int) -> None:
        team = team_services.do_create_team(bob if i % 2 else alice, f"team-{i}")
        if i % 2:  # alice is a viewer of bob's teams
            Membership.objects.create(team=team, user=alice, role=Role.VIEWER)
        else:
            Membership.objects.create(team=team, user=bob, role=Role.MEMBER)

    same_cost(as_alice, alice, "/api/teams/", add)

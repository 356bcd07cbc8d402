"""Every list endpoint pages: `{"next", "previous", "results"}` over a stable order, `?page_size=`
up to 200, filters as query parameters; a walk over the `next` links returns every row once even
while rows are added between pages; bad paging input is a 400 naming its parameter."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest
from rest_framework.test import APIClient

from modules.models import Module
from runner import runs
from runner.models import Run
from teams.models import Membership, Role, Team
from tests.api.modules_helpers import builtin_team, make_module
from tests.api.pipelines_helpers import create, graph, make_catalog, upload_csv
from tests.runner.fixtures import make_version, publish_module, step

LISTS = [
    "/api/modules/",
    "/api/modules/acme/m/versions/",
    "/api/pipelines/",
    "/api/pipelines/{pipeline}/versions/",
    "/api/runs/",
    "/api/datasets/",
    "/api/endpoints/",
    "/api/schedules/",
    "/api/teams/",
    "/api/teams/acme/members/",
]


def get(client: APIClient, url: str) -> Any:
    response = client.get(url)
    assert response.status_code == 200, response.content
    return response.json()


def walk(client: APIClient, url: str, between: Callable[[int], None] = lambda page: None) -> list[Any]:
    """Every row, following `next`; `between(n)` runs after page n."""
    rows: list[Any] = []
    pages = 0
    next_url: str | None = url
    while next_url:
        body = get(client, next_url)
        assert set(body) == {"next", "previous", "results"}
        rows += body["results"]
        assert pages == 0 or body["previous"] is not None
        pages += 1
        assert pages < 100, "the walk does not end"
        between(pages)
        next_url = body["next"]
    return rows


def cursor(value: Any) -> str:
    return base64.urlsafe_b64encode(json.dumps(value).encode()).decode().rstrip("=")


@pytest.fixture
def emit(acme: Any, runner_dirs: Any) -> Any:
    return publish_module(acme, "emit", "print(1)\n")


def test_every_list_endpoint_answers_pages(as_alice: Any, acme: Any) -> None:
    make_module(acme, "m", ("1.0.0",))
    make_catalog(acme)
    pipeline = create(as_alice, graph(), name="flow").json()["id"]
    for url in LISTS:
        body = get(as_alice, url.format(pipeline=pipeline))
        assert set(body) == {"next", "previous", "results"}, url
        assert body["next"] is None and body["previous"] is None and isinstance(body["results"], list), url


def test_walking_runs_returns_each_once_newest_first_while_runs_are_added(
    as_alice: Any, alice: Any, charlie: Any, acme: Any, other: Any, emit: Any
) -> None:
    version = make_version(acme, [step("a", emit)])
    made = [runs.create_run(version, {}, True, alice).pk for _ in range(7)]
    # another team's runs interleave and never show
    theirs = make_version(other, [step("a", publish_module(other, "emit", "print(1)\n"))])
    hidden = {runs.create_run(theirs, {}, True, charlie).pk for _ in range(3)}
    added: list[int] = []

    def more(page: int) -> None:
        added.append(runs.create_run(version, {}, True, alice).pk)

    ids = [r["id"] for r in walk(as_alice, "/api/runs/?page_size=2", more)]
    assert ids == sorted(made, reverse=True)  # each once; the runs started mid-walk sort before the cursor
    assert not hidden & set(ids)
    assert len(added) == 4
    # a fresh walk sees them all, newest first
    assert [r["id"] for r in walk(as_alice, "/api/runs/?page_size=3")] == sorted(made + added, reverse=True)


def test_ties_in_the_ordering_are_settled_by_the_id_and_previous_links_walk_back(
    as_alice: Any, alice: Any, acme: Any, emit: Any
) -> None:
    version = make_version(acme, [step("a", emit)])
    made = [runs.create_run(version, {}, True, alice).pk for _ in range(5)]
    Run.objects.update(created_at=datetime(2026, 1, 1, tzinfo=UTC))  # every run at the same instant
    first = get(as_alice, "/api/runs/?page_size=2")
    second = get(as_alice, first["next"])
    third = get(as_alice, second["next"])
    pages = [[r["id"] for r in p["results"]] for p in (first, second, third)]
    assert pages == [sorted(made, reverse=True)[i : i + 2] for i in (0, 2, 4)]
    assert third["next"] is None and first["previous"] is None
    back = get(as_alice, third["previous"])
    assert [r["id"] for r in back["results"]] == pages[1]
    start = get(as_alice, back["previous"])
    assert [r["id"] for r in start["results"]] == pages[0] and start["previous"] is None
    assert start["next"] is not None


def test_the_catalog_order_pages_stably_when_names_tie_and_modules_appear(as_alice: Any, acme: Any) -> None:
    # the same category and display name in two teams and twice in one: the order still is total
    for i in range(4):
        Module.objects.create(team=acme, name=f"twin-{i}", display_name="Twin", category="Same")
    Module.objects.create(team=builtin_team(), name="twin", display_name="Twin", category="Same")
    Module.objects.create(team=acme, name="zeta", display_name="Zeta", category="Same")
    Module.objects.create(team=acme, name="alpha", display_name="Alpha", category="Same")
    before = [m["ref"] for m in walk(as_alice, "/api/modules/?page_size=50")]

    def more(page: int) -> None:
        if page == 1:  # one sorts after the cursor (seen once), one before it (not seen in this walk)
            Module.objects.create(team=acme, name="zz-late", display_name="Zz", category="Same")
            Module.objects.create(team=acme, name="aa-late", display_name="Aa", category="Same")

    refs = [m["ref"] for m in walk(as_alice, "/api/modules/?page_size=2", more)]
    assert refs == [*before, "acme/zz-late"]
    assert len(set(refs)) == len(refs)
    assert refs[:6] == ["acme/alpha", "acme/twin-0", "acme/twin-1", "acme/twin-2", "acme/twin-3", "builtin/twin"]


def test_page_size_defaults_to_50_and_is_clamped_to_200(as_alice: Any, alice: Any) -> None:
    teams = Team.objects.bulk_create([Team(name=f"t-{i:03}") for i in range(230)])
    Membership.objects.bulk_create([Membership(team=t, user=alice, role=Role.VIEWER) for t in teams])
    default = get(as_alice, "/api/teams/")
    assert len(default["results"]) == 50 and default["next"] is not None
    assert len(get(as_alice, "/api/teams/?page_size=7")["results"]) == 7
    clamped = get(as_alice, "/api/teams/?page_size=1000")
    assert len(clamped["results"]) == 200
    rest = get(as_alice, clamped["next"])
    assert "page_size=1000" in clamped["next"]  # the next page keeps the query
    assert len(rest["results"]) == 231 - 200 and rest["next"] is None  # 230 teams and acme
    names = [t["name"] for t in walk(as_alice, "/api/teams/?page_size=200")]
    assert names == sorted(names) and len(set(names)) == 231


@pytest.mark.parametrize("size", ["0", "-1", "abc", "2.5", "1e3"])
def test_a_bad_page_size_is_a_400_naming_it(as_alice: Any, size: str) -> None:
    r = as_alice.get(f"/api/pipelines/?page_size={size}")
    assert r.status_code == 400, r.content
    assert r.json()["errors"][0]["field"] == "page_size"


@pytest.mark.parametrize(
    "value",
    [
        "garbage!",
        "e30",  # {}
        cursor([1]),
        cursor({"p": [1], "r": False}),  # runs need (created_at, id)
        cursor({"p": ["yesterday", 1], "r": False}),
        cursor({"p": ["2026-01-01T00:00:00+00:00", "x"], "r": False}),
        cursor({"p": ["2026-01-01T00:00:00+00:00", 10**30], "r": False}),
        cursor({"p": ["2026-01-01T00:00:00+00:00", None], "r": False}),
        cursor({"p": ["2026-01-01T00:00:00+00:00", 1], "r": "yes"}),
        cursor({"p": ["2026-01-01T00:00:00\x00", 1], "r": False}),
        base64.urlsafe_b64encode(b"\xff\xfe").decode(),
    ],
)
def test_a_malformed_cursor_is_a_400_naming_it(as_alice: Any, value: str) -> None:
    r = as_alice.get("/api/runs/", {"cursor": value})
    assert r.status_code == 400, r.content
    assert r.json()["errors"][0]["field"] == "cursor"


def test_a_malformed_cursor_on_a_name_ordered_list_is_a_400(as_alice: Any) -> None:
    r = as_alice.get("/api/modules/", {"cursor": cursor({"p": ["a", "b", "c", "d", "e"], "r": False})})
    assert r.status_code == 400 and r.json()["errors"][0]["field"] == "cursor"
    r = as_alice.get("/api/modules/", {"cursor": cursor({"p": ["a", "b", "c", "d", "\x00"], "r": False})})
    assert r.status_code == 400 and r.json()["errors"][0]["field"] == "cursor"


def test_run_filters(as_alice: Any, alice: Any, acme: Any, emit: Any) -> None:
    one = make_version(acme, [step("a", emit)], name="one")
    two = make_version(acme, [step("a", emit)], name="two")
    manual = runs.create_run(one, {}, True, alice)
    by_endpoint = runs.create_run(one, {}, True, alice, trigger="endpoint:score")
    by_schedule = runs.create_run(two, {}, True, alice, trigger="schedule:7")
    Run.objects.filter(pk=by_schedule.pk).update(status="running")

    def ids(query: str) -> set[int]:
        return {r["id"] for r in walk(as_alice, f"/api/runs/?{query}")}

    assert ids(f"pipeline={one.pipeline_id}") == {manual.pk, by_endpoint.pk}
    assert ids("status=running") == {by_schedule.pk}
    assert ids("status=pending,running") == {manual.pk, by_endpoint.pk, by_schedule.pk}
    assert ids("trigger=manual") == {manual.pk}
    assert ids("trigger=endpoint") == {by_endpoint.pk}
    assert ids("trigger=endpoint:score") == {by_endpoint.pk}
    assert ids("trigger=endpoint:other") == set()
    assert ids("trigger=schedule:7") == {by_schedule.pk}
    assert ids(f"pipeline={one.pipeline_id}&trigger=schedule") == set()
    for query, field in [
        ("status=bogus", "status"),
        ("status=running,done", "status"),
        ("pipeline=abc", "pipeline"),
        ("pipeline=-1", "pipeline"),
        ("trigger=cron", "trigger"),
        ("trigger=schedule:x", "trigger"),
        ("trigger=manual:1", "trigger"),
    ]:
        r = as_alice.get(f"/api/runs/?{query}")
        assert r.status_code == 400, (query, r.content)
        assert r.json()["errors"][0]["field"] == field, query


def test_pipeline_dataset_and_endpoint_filters(as_alice: Any, as_charlie: Any, acme: Any, other: Any) -> None:
    make_catalog(acme)
    make_catalog(other)
    assert create(as_alice, graph(), name="Churn model").status_code == 201
    assert create(as_alice, graph(), name="Iris").status_code == 201
    assert create(as_charlie, graph("other"), name="churn (theirs)", team="other").status_code == 201

    def names(url: str) -> list[str]:
        return [row["name"] for row in walk(as_alice, url)]

    assert names("/api/pipelines/?q=churn") == ["Churn model"]
    assert names("/api/pipelines/?team=acme") == ["Churn model", "Iris"]
    assert names("/api/pipelines/?team=other") == []
    upload_csv(as_alice, "iris")
    upload_csv(as_alice, "wine")
    upload_csv(as_charlie, "iris", team="other")
    assert names("/api/datasets/?q=IR") == ["iris"]
    assert names("/api/datasets/?team=other") == []
    assert as_alice.get("/api/endpoints/?pipeline=x").json()["errors"][0]["field"] == "pipeline"


def test_another_teams_rows_are_on_no_page(as_alice: Any, as_charlie: Any, acme: Any, other: Any) -> None:
    make_catalog(acme)
    make_catalog(other)
    for i in range(3):
        assert create(as_alice, graph(), name=f"mine-{i}").status_code == 201
        assert create(as_charlie, graph("other"), name=f"theirs-{i}", team="other").status_code == 201
    rows = walk(as_alice, "/api/pipelines/?page_size=1")
    assert [r["name"] for r in rows] == ["mine-0", "mine-1", "mine-2"]
    theirs = walk(as_charlie, "/api/pipelines/?page_size=1")
    assert [r["name"] for r in theirs] == ["theirs-0", "theirs-1", "theirs-2"]
    # a cursor made from another team's row shows nothing of theirs either
    r = as_alice.get(f"/api/pipelines/?page_size=1&cursor={cursor({'p': [other.pk, 'theirs-0', 1], 'r': False})}")
    assert r.status_code == 200 and all(row["team"] == "acme" for row in r.json()["results"])


def test_list_items_are_light(as_alice: Any, acme: Any) -> None:
    make_catalog(acme)
    assert create(as_alice, graph(), name="flow").status_code == 201
    (row,) = get(as_alice, "/api/pipelines/")["results"]
    assert "graph" not in row and "plan" not in row
    (version,) = get(as_alice, f"/api/pipelines/{row['id']}/versions/")["results"]
    assert "graph" not in version and "plan" not in version

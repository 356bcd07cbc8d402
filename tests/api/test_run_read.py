"""GET /api/runs/{id}/, the read pollers hit (runner.reads): as fresh as the run's rows, scoped
to the reader's teams, the same JSON as RunSerializer, and a bounded number of queries whatever
the number of steps (a second read of an unchanged run does not read its steps again)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from designer.models import Pipeline
from runner import events, reads, runs
from runner.models import Artifact, Run, StepRun
from runner.serializers import RunSerializer, runs_for_json
from teams import scoping
from tests.runner.fixtures import make_version, publish_module, step


@pytest.fixture(autouse=True)
def fresh_reads() -> Iterator[None]:
    reads.forget()
    yield
    reads.forget()


def chain_run(team: Any, user: Any, n: int) -> Run:
    """A run of an n-step chain (created in the test transaction: nothing is enqueued)."""
    emit = publish_module(team, "emit", "print(1)\n", version=f"1.0.{n}")
    take = publish_module(team, "take", "print(1)\n", inputs=1, version=f"1.0.{n}")
    steps = [step("n0", emit)] + [step(f"n{i}", take, upstream=(f"n{i - 1}",)) for i in range(1, n)]
    return runs.create_run(make_version(team, steps, name=f"chain{n}"), {}, True, user)


def finish_some(run: Run, count: int) -> None:
    """The first `count` steps succeed with an output each, published as a worker does."""
    for row in StepRun.objects.filter(run=run).order_by("id")[:count]:
        sha = f"{row.pk:064x}"
        Artifact.objects.get_or_create(sha256=sha, defaults={"size": 3, "media_type": "text/csv"})
        StepRun.objects.filter(pk=row.pk).update(status="succeeded", outputs={"data": sha}, metrics={"rows": 1})
        events.publish_step(row.pk)


def get_run(client: APIClient, user: Any, run_id: int) -> tuple[int, dict[str, Any]]:
    """(queries, JSON) of one GET, the user's roles forgotten first (a request starts cold)."""
    scoping.forget_roles(user)
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(f"/api/runs/{run_id}/")
    assert response.status_code == 200, response.content
    return len(ctx.captured_queries), response.json()


def test_it_is_what_the_run_serializer_renders(as_alice: Any, alice: Any, acme: Any, runner_dirs: Any) -> None:
    run = chain_run(acme, alice, 5)
    finish_some(run, 2)
    Run.objects.filter(pk=run.pk).update(trigger="endpoint:x", error="boom")
    _, data = get_run(as_alice, alice, run.pk)
    assert data == RunSerializer(runs_for_json().get(pk=run.pk)).data
    assert data["steps"][0]["outputs"]["data"]["size"] == 3
    assert data["created_by"] == "alice" and data["trigger"] == "endpoint:x" and data["error"] == "boom"


def test_it_shows_a_change_on_the_next_get(as_alice: Any, alice: Any, acme: Any, runner_dirs: Any) -> None:
    run = chain_run(acme, alice, 5)
    _, before = get_run(as_alice, alice, run.pk)
    assert {s["status"] for s in before["steps"]} == {"pending"}
    finish_some(run, 1)  # a step succeeds (its event raises the run's seq)
    _, after = get_run(as_alice, alice, run.pk)
    assert after["seq"] > before["seq"]
    assert [s["status"] for s in after["steps"]][:2] == ["succeeded", "pending"]
    assert after["steps"][0]["outputs"]["data"]["sha256"] == f"{after['steps'][0]['id']:064x}"
    runs.cancel_run(run)
    _, canceled = get_run(as_alice, alice, run.pk)
    assert canceled["status"] == "canceled"
    assert [s["status"] for s in canceled["steps"]][:2] == ["succeeded", "canceled"]
    # what no event announces (a pipeline's new name) is read afresh too
    Pipeline.objects.filter(pk=run.pipeline_id).update(name="renamed")
    _, renamed = get_run(as_alice, alice, run.pk)
    assert renamed["pipeline_name"] == "renamed"
    assert renamed == RunSerializer(runs_for_json().get(pk=run.pk)).data


def test_it_rejects_other_teams_run(
    as_alice: Any, as_charlie: Any, alice: Any, acme: Any, other: Any, runner_dirs: Any
) -> None:
    run = chain_run(acme, alice, 2)
    assert as_alice.get(f"/api/runs/{run.pk}/").status_code == 200  # kept for alice now
    response = as_charlie.get(f"/api/runs/{run.pk}/")
    assert response.status_code == 404
    assert str(run.pk) in response.json()["detail"]
    assert as_alice.get(f"/api/runs/{run.pk + 1000}/").status_code == 404
    assert as_alice.get(f"/api/runs/{2**70}/").status_code == 404
    assert APIClient().get(f"/api/runs/{run.pk}/").status_code in (401, 403)


def test_its_queries_do_not_grow_with_the_steps(as_alice: Any, alice: Any, acme: Any, runner_dirs: Any) -> None:
    small, large = chain_run(acme, alice, 5), chain_run(acme, alice, 50)
    finish_some(small, 5)
    finish_some(large, 50)
    few, small_data = get_run(as_alice, alice, small.pk)
    many, large_data = get_run(as_alice, alice, large.pk)
    assert len(small_data["steps"]) == 5 and len(large_data["steps"]) == 50
    # roles, the run with its names, its steps, their artifacts
    assert few == many == 4, (few, many)
    again, same = get_run(as_alice, alice, large.pk)
    assert same == large_data
    assert again == 2, again  # roles and the run: its steps are unchanged since its seq is

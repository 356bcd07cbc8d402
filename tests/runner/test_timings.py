"""Each step records when its attempt passed each point (`timings`) and, in a container, what it
used (`cpu_seconds`, `peak_memory_bytes`); the API and the run feed carry them, and the feed's
events stay numbered one by one, in order, with the run's own event last."""

from __future__ import annotations

import select
import time
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from runner import runs
from runner.models import Run, RunEvent, StepRun
from tests.runner.fake_compute import Act, FakeBackend
from tests.runner.fixtures import make_version, step

POINTS = [
    "queued_at",
    "claimed_at",
    "container_started_at",
    "container_exited_at",
    "outputs_stored_at",
    "finished_at",
]


def _ordered(timings: dict[str, str], points: list[str]) -> list[datetime]:
    assert sorted(timings) == sorted(points), timings
    at = [datetime.fromisoformat(timings[p]) for p in points]
    assert at == sorted(at), timings
    return at


def _events(run: Run) -> list[dict[str, Any]]:
    return list(RunEvent.objects.filter(run=run).order_by("seq").values_list("data", flat=True))


def test_a_step_records_its_points_and_the_api_and_feed_carry_them(
    eager: Any, fake_compute: FakeBackend, alice: Any, acme: Any, modules_acme: Any, as_alice: Any
) -> None:
    m = modules_acme
    fake_compute.script("a", Act(seconds=0.2))
    version = make_version(acme, [step("a", m["emit"], params={"n": 2}), step("b", m["add1"], upstream=("a",))])
    run = runs.create_run(version, {}, True, alice)
    steps = {s.node: s for s in StepRun.objects.filter(run=run)}
    assert {s.status for s in steps.values()} == {"succeeded"}
    for s in steps.values():
        at = _ordered(s.timings, POINTS)
        assert at[0] >= run.created_at and at[-1] <= Run.objects.get(pk=run.pk).finished_at
    # b was queued after a finished; a's run took its 0.2 s between start and exit
    assert steps["b"].timings["queued_at"] >= steps["a"].timings["finished_at"]
    a_at = _ordered(steps["a"].timings, POINTS)
    assert (a_at[3] - a_at[2]).total_seconds() >= 0.2
    assert steps["a"].cpu_seconds is None and steps["a"].peak_memory_bytes is None  # no container: unknown

    body = as_alice.get(f"/api/runs/{run.pk}/").json()
    shown = {s["node"]: s for s in body["steps"]}
    for node, s in steps.items():
        assert shown[node]["timings"] == s.timings
        assert shown[node]["cpu_seconds"] is None and shown[node]["peak_memory_bytes"] is None
    events = _events(run)
    # numbered one by one (several are written in one batch), the run's final event last
    assert [e["seq"] for e in events] == list(range(1, len(events) + 1))
    assert events[-1]["type"] == "run" and events[-1]["status"] == "succeeded"
    for node in "ab":
        mine = [e for e in events if e["type"] == "step" and e["node"] == node]
        assert [e["status"] for e in mine] == ["queued", "running", "succeeded"]
        assert mine[-1]["step"]["timings"] == steps[node].timings
        assert set(mine[0]["step"]["timings"]) == {"queued_at"}
        assert set(mine[1]["step"]["timings"]) == {"queued_at", "claimed_at"}

    again = runs.rerun(Run.objects.get(pk=run.pk), "all", node=None, parameters=None, use_cache=None, user=alice)
    cached = list(StepRun.objects.filter(run=again))
    assert {s.status for s in cached} == {"cached"}
    for s in cached:
        _ordered(s.timings, ["finished_at"])
    events = _events(again)
    assert [e["seq"] for e in events] == list(range(1, len(events) + 1))
    assert events[-1]["type"] == "run" and events[-1]["status"] == "succeeded"
    by_node = {e["node"]: e["step"] for e in events if e["type"] == "step"}
    assert by_node["b"]["reused_from"] == {"run": run.pk, "node": "b", "step": steps["b"].pk}
    assert by_node["b"]["outputs"]["data"]["size"] > 0  # the artifact's row, read for the batch


def test_a_failed_attempt_records_its_points_and_a_retry_starts_afresh(
    eager: Any, fake_compute: FakeBackend, alice: Any, acme: Any, modules_acme: Any
) -> None:
    fake_compute.script("a", Act(exit_code=1), Act(exit_code=2))
    version = make_version(acme, [step("a", modules_acme["emit"], retries=1)])
    run = runs.create_run(version, {}, True, alice)
    a = StepRun.objects.get(run=run)
    assert a.status == "failed" and a.attempt == 2
    # the last attempt's points: queued again after the first failed, then claimed, run, failed
    _ordered(a.timings, ["queued_at", "claimed_at", "container_started_at", "container_exited_at", "finished_at"])


@pytest.mark.docker
def test_a_container_step_records_its_points_and_what_it_used(
    eager: Any, docker_compute: Any, alice: Any, acme: Any, modules_acme: Any
) -> None:
    version = make_version(acme, [step("s", modules_acme["sleep"], params={"seconds": 1.5})])
    run = runs.create_run(version, {}, True, alice)
    s = StepRun.objects.get(run=run)
    assert s.status == "succeeded", s.error
    _ordered(s.timings, POINTS)
    # read from the container's cgroup while it runs, where the engine's cgroups are on this host
    if any(
        Path(p).is_dir()
        for p in ("/sys/fs/cgroup/memory/docker", "/sys/fs/cgroup/docker", "/sys/fs/cgroup/system.slice")
    ):
        assert s.peak_memory_bytes is not None and s.peak_memory_bytes > 1024**2
        assert s.cpu_seconds is not None and s.cpu_seconds > 0


def test_a_local_step_records_when_its_process_ran(
    eager: Any, local: Any, alice: Any, acme: Any, modules_acme: Any
) -> None:
    version = make_version(acme, [step("a", modules_acme["emit"], params={"n": 2})])
    run = runs.create_run(version, {}, True, alice)
    a = StepRun.objects.get(run=run)
    assert a.status == "succeeded", a.error
    _ordered(a.timings, POINTS)


def test_a_chain_runs_on_in_the_worker_that_ran_its_first_step(
    eager: Any, fake_compute: FakeBackend, alice: Any, acme: Any, modules_acme: Any, monkeypatch: Any, settings: Any
) -> None:
    from runner import queue

    sent: list[tuple[str, int]] = []
    real = queue.send

    def counting(task: str, object_id: int, name: str) -> bool:
        sent.append((task, object_id))
        return real(task, object_id, name)

    monkeypatch.setattr(queue, "send", counting)
    m = modules_acme
    chain = [step("a", m["emit"]), step("b", m["add1"], upstream=("a",)), step("c", m["add1"], upstream=("b",))]
    run = runs.create_run(make_version(acme, chain), {}, True, alice)
    assert Run.objects.get(pk=run.pk).status == "succeeded"
    first = StepRun.objects.get(run=run, node="a")
    # one message for the first step; b and c were handed over in the worker, not through the broker
    assert [s for s in sent if s[0] == queue.EXECUTE_TASK] == [(queue.EXECUTE_TASK, first.pk)]
    assert fake_compute.nodes() == ["a", "b", "c"]

    settings.PIPEWRIGHT_CHAIN_SECONDS = 0  # the operator turned it off: every step is a message
    sent.clear()
    again = runs.create_run(make_version(acme, chain), {}, False, alice)
    assert Run.objects.get(pk=again.pk).status == "succeeded"
    assert len([s for s in sent if s[0] == queue.EXECUTE_TASK]) == 3


def test_after_a_step_a_cut_connection_is_replaced_and_a_sound_one_kept(transactional_db: Any) -> None:
    import psycopg
    from django.conf import settings as django_settings
    from django.db import connection

    from runner import execute

    def query() -> int:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            return int(cursor.fetchone()[0])

    pid = query()
    sound = connection.connection
    execute._check_connection()
    assert query() == pid and connection.connection is sound  # nothing to read: kept, no check

    db = django_settings.DATABASES["default"]
    admin = f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"
    with psycopg.connect(admin, autocommit=True) as other:
        other.execute("SELECT pg_terminate_backend(%s)", [pid])
    deadline = time.monotonic() + 5
    while not select.select([sound.fileno()], [], [], 0.1)[0]:  # the server's goodbye arrives
        assert time.monotonic() < deadline
    execute._check_connection()
    assert query() != pid  # replaced, and the record's first query works

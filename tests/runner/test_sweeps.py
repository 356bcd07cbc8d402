"""The sweep (runner.sweeps.reap, run by beat) re-drives what a lost broker message or a dead
worker left behind, on the real database with the fake backend (tests/runner/fake_compute.py):
no Redis. "The broker is down" is apply_async raising what kombu raises; "the broker lost the
message" is apply_async doing nothing; "the broker is back" is Celery's eager mode."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from kombu.exceptions import OperationalError

from pipewright.celery import app
from runner import execute, installation, queue, runs, states, sweeps
from runner.models import Run, StepRun
from tests.runner.fake_compute import FakeBackend
from tests.runner.fixtures import make_version, step


@pytest.fixture
def broker(eager: Any, monkeypatch: pytest.MonkeyPatch) -> Callable[[str], None]:
    """`broker("down")`: publishing raises what kombu raises; `broker("lossy")`: messages vanish;
    `broker("up")`: Celery's eager mode again (the task runs inline)."""
    mode = {"now": "up"}
    for name in (queue.ADVANCE_TASK, queue.EXECUTE_TASK):
        task = app.tasks[name]
        monkeypatch.setattr(task, "apply_async", _publisher(task, mode))

    def set_mode(to: str) -> None:
        mode["now"] = to

    return set_mode


def _publisher(task: Any, mode: dict[str, str]) -> Callable[..., Any]:
    real = type(task).apply_async

    def publish(*args: Any, **kwargs: Any) -> Any:
        if mode["now"] == "down":
            raise OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")
        if mode["now"] == "lossy":
            return None
        return real(task, *args, **kwargs)

    return publish


def _age(step: StepRun, seconds: float) -> None:
    """Make a step's last sign of life (queued since, or last heartbeat) `seconds` old, by the
    database's clock."""
    StepRun.objects.filter(pk=step.pk).update(heartbeat_at=sweeps.db_now() - timedelta(seconds=seconds))


def _two_steps(acme: Any, m: dict[str, Any]) -> Any:
    return make_version(acme, [step("a", m["emit"]), step("b", m["add1"], upstream=("a",))])


def test_it_accepts_a_run_while_the_broker_is_down_and_the_sweep_starts_it(
    broker: Callable[[str], None],
    fake_compute: FakeBackend,
    as_alice: Any,
    acme: Any,
    modules_acme: Any,
    caplog: pytest.LogCaptureFixture,
) -> None:
    version = _two_steps(acme, modules_acme)
    broker("down")
    with caplog.at_level(logging.WARNING, logger="runner.queue"):
        r = as_alice.post(f"/api/pipelines/{version.pipeline_id}/runs/", {}, format="json")
    assert r.status_code == 201, r.content
    assert r.json()["status"] == "pending"
    assert "the sweep will send it again" in caplog.text
    run = Run.objects.get(pk=r.json()["id"])
    assert fake_compute.calls == []
    broker("up")
    done = sweeps.reap()
    assert done["advanced"] == 1
    run.refresh_from_db()
    assert run.status == states.SUCCEEDED
    assert fake_compute.calls == [("a", 1), ("b", 1)]


def test_it_sends_a_queued_step_again_after_the_grace_period_only(
    broker: Callable[[str], None], fake_compute: FakeBackend, settings: Any, alice: Any, acme: Any, modules_acme: Any
) -> None:
    settings.PIPEWRIGHT_QUEUED_GRACE = 30
    broker("lossy")
    run = runs.create_run(_two_steps(acme, modules_acme), {}, True, alice)
    assert sweeps.reap()["advanced"] == 1  # the lost first advance: a is queued, its message lost too
    a = StepRun.objects.get(run=run, node="a")
    assert a.status == states.QUEUED
    assert sweeps.reap() == {"retried": 0, "failed": 0, "removed": 0, "requeued": 0, "advanced": 0, "trials": 0}
    _age(a, 31)
    broker("up")
    assert sweeps.reap()["requeued"] == 1
    run.refresh_from_db()
    assert run.status == states.SUCCEEDED
    assert fake_compute.calls == [("a", 1), ("b", 1)]


def test_it_sends_a_waiting_step_once_per_grace_period_and_a_duplicate_never_runs_it_twice(
    broker: Callable[[str], None], fake_compute: FakeBackend, alice: Any, acme: Any, modules_acme: Any
) -> None:
    broker("lossy")
    run = runs.create_run(_two_steps(acme, modules_acme), {}, True, alice)
    sweeps.reap()
    a = StepRun.objects.get(run=run, node="a")
    _age(a, 60)
    assert sweeps.reap()["requeued"] == 1
    assert sweeps.reap()["requeued"] == 0  # the UPDATE restarted its wait
    broker("up")
    assert execute.execute_step(a.pk) == states.SUCCEEDED
    assert execute.execute_step(a.pk) is None  # the lost message arriving after all: no claim, no run
    assert fake_compute.calls == [("a", 1), ("b", 1)]
    run.refresh_from_db()
    assert run.status == states.SUCCEEDED


def test_it_advances_a_run_whose_ready_step_was_never_queued(
    eager: Any, fake_compute: FakeBackend, alice: Any, acme: Any, modules_acme: Any
) -> None:
    run = runs.create_run(_two_steps(acme, modules_acme), {}, True, alice)
    run.refresh_from_db()
    assert run.status == states.SUCCEEDED
    # as if b's advance died with the broker: a done, b still pending, the run running
    Run.objects.filter(pk=run.pk).update(status=states.RUNNING, finished_at=None)
    StepRun.objects.filter(run=run, node="b").update(status=states.PENDING, finished_at=None, outputs={})
    assert sweeps.reap()["advanced"] == 1
    run.refresh_from_db()
    assert run.status == states.SUCCEEDED
    assert fake_compute.calls == [("a", 1), ("b", 1)]


def test_it_closes_a_run_whose_last_step_finished(
    eager: Any, fake_compute: FakeBackend, alice: Any, acme: Any, modules_acme: Any
) -> None:
    run = runs.create_run(_two_steps(acme, modules_acme), {}, True, alice)
    Run.objects.filter(pk=run.pk).update(status=states.RUNNING, finished_at=None)
    assert sweeps.reap()["advanced"] == 1
    run.refresh_from_db()
    assert (run.status, fake_compute.calls) == (states.SUCCEEDED, [("a", 1), ("b", 1)])
    assert sweeps.reap()["advanced"] == 0  # terminal: left alone


def test_it_retries_an_attempt_whose_heartbeat_stopped_and_removes_its_container(
    broker: Callable[[str], None], fake_compute: FakeBackend, alice: Any, acme: Any, modules_acme: Any
) -> None:
    broker("lossy")
    run = runs.create_run(_two_steps(acme, modules_acme), {}, True, alice)
    sweeps.reap()
    a = StepRun.objects.get(run=run, node="a")
    name = installation.container_name(a.pk, 1)
    # attempt 1 claimed by a worker that then died: its heartbeat is old, its container remains
    StepRun.objects.filter(pk=a.pk).update(status=states.RUNNING, attempt=1, worker_id="gone:1:1", container_name=name)
    _age(a, execute.heartbeat_timeout() + 1)
    fake_compute._running[name] = threading.Event()
    broker("up")
    done = sweeps.reap()
    assert done["retried"] == 1
    assert name in fake_compute.removed
    run.refresh_from_db()
    assert run.status == states.SUCCEEDED
    assert fake_compute.calls == [("a", 2), ("b", 1)]


def test_it_leaves_a_beating_attempt_alone(
    broker: Callable[[str], None], fake_compute: FakeBackend, alice: Any, acme: Any, modules_acme: Any
) -> None:
    broker("lossy")
    run = runs.create_run(_two_steps(acme, modules_acme), {}, True, alice)
    sweeps.reap()
    a = StepRun.objects.get(run=run, node="a")
    name = installation.container_name(a.pk, 1)
    StepRun.objects.filter(pk=a.pk).update(status=states.RUNNING, attempt=1, worker_id="w:1:1", container_name=name)
    _age(a, execute.heartbeat_timeout() - 5)
    fake_compute._running[name] = threading.Event()
    done = sweeps.reap()
    assert (done["retried"], done["advanced"], done["requeued"]) == (0, 0, 0)
    assert name not in fake_compute.removed
    assert StepRun.objects.get(pk=a.pk).status == states.RUNNING


def test_it_keeps_going_when_one_run_cannot_advance(
    broker: Callable[[str], None],
    fake_compute: FakeBackend,
    monkeypatch: pytest.MonkeyPatch,
    alice: Any,
    acme: Any,
    modules_acme: Any,
) -> None:
    broker("lossy")
    first = runs.create_run(_two_steps(acme, modules_acme), {}, True, alice)
    second = runs.create_run(_two_steps(acme, modules_acme), {}, True, alice)
    real = sweeps.advance_run

    def advance(run_id: int) -> str | None:
        if run_id == first.pk:
            raise RuntimeError("broken plan")
        return real(run_id)

    monkeypatch.setattr(sweeps, "advance_run", advance)
    assert sweeps.reap()["advanced"] == 1
    assert StepRun.objects.get(run=second, node="a").status == states.QUEUED


def test_it_deletes_old_trials_and_fails_one_whose_worker_died(
    settings: Any, alice: Any, acme: Any, tmp_path: Path
) -> None:
    from django.utils import timezone

    from modules import services as catalog
    from runner.models import Trial

    settings.PIPEWRIGHT_TRIAL_KEEP_SECONDS = 3600
    module = catalog.do_create_module(acme, "draft")
    log = tmp_path / "trial.log"
    log.write_text("old\n")
    spec = {"name": "draft", "runtime": {}}
    old = Trial.objects.create(team=acme, module=module, spec=spec, status="succeeded", log_path=str(log))
    Trial.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(hours=2))
    stuck = Trial.objects.create(team=acme, module=module, spec=spec, status="running", container_name="gone")
    Trial.objects.filter(pk=stuck.pk).update(started_at=timezone.now() - timedelta(hours=1))
    fresh = Trial.objects.create(team=acme, module=module, spec=spec, status="running", started_at=timezone.now())
    assert sweeps.reap()["trials"] == 2
    assert not Trial.objects.filter(pk=old.pk).exists() and not log.exists()
    stuck.refresh_from_db()
    assert stuck.status == "failed" and "stopped" in stuck.error
    fresh.refresh_from_db()
    assert fresh.status == "running"

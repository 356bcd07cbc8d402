"""Worker hosts (runner.hosts): the janitor cleans its own host's engine and disk, cancel reaches the
engine of the host that runs a step through that host's queue (a real Celery worker process), beat's
fan-out wakes only live hosts, and every staleness is judged on the database's clock.

Containers planted here carry this test's installation id and a host id of its own; the test
removes only what it planted (other installations share this engine)."""

from __future__ import annotations

import contextlib
import os
import threading
import time
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import docker
import pytest
import redis
from django.conf import settings
from django.utils import timezone

from runner import execute, hosts, installation, runs, states, sweeps
from runner.compute.docker import LABEL as STEP_LABEL
from runner.models import Run, StepRun, WorkerHost
from tests.live import live_worker
from tests.runner.fake_compute import Act, FakeBackend
from tests.runner.fixtures import make_version, step

IMAGE = "pipewright/python-ml:1"


@pytest.fixture
def planted() -> Iterator[Callable[..., str]]:
    """`plant(name, host, installation_id=None)`: a sleeping container labelled as a step's."""
    client = docker.from_env()
    names: list[str] = []

    def plant(name: str, host: str, inst: str | None = None) -> str:
        labels = {STEP_LABEL: "1", installation.LABEL: inst or installation.installation_id(), hosts.HOST_LABEL: host}
        client.containers.run(IMAGE, ["sleep", "120"], name=name, labels=labels, detach=True, network_mode="none")
        names.append(name)
        return name

    yield plant
    for name in names:
        with contextlib.suppress(docker.errors.NotFound):
            client.containers.get(name).remove(force=True)


def _exists(name: str) -> bool:
    try:
        docker.from_env().containers.get(name)
        return True
    except docker.errors.NotFound:
        return False


def _state(name: str) -> str:
    return str(docker.from_env().containers.get(name).status)


def _fresh_installation() -> str:
    """This process's installation id, matching the (test) database's row, which a worker process reads."""
    installation.installation_id.cache_clear()
    return installation.installation_id()


def _running_step(acme: Any, modules_acme: Any, host: str, name_of: Callable[[int], str]) -> StepRun:
    """A step row that a worker of `host` claimed (running, container named by `name_of(pk)`)."""
    version = make_version(acme, [step("a", modules_acme["sleep"], params={"seconds": 60})])
    run = Run.objects.create(
        pipeline=version.pipeline, pipeline_version=version, team=acme, plan=version.plan, status=states.RUNNING
    )
    row = StepRun.objects.create(run=run, node="a", module="acme/sleep", version="1.0.0", queue="compute-docker")
    StepRun.objects.filter(pk=row.pk).update(
        status=states.RUNNING, attempt=1, worker_id=f"{host}:1:1", host=host, container_name=name_of(row.pk)
    )
    row.refresh_from_db()
    return row


@pytest.mark.docker
def test_the_janitor_removes_only_its_hosts_orphans(
    db: Any, docker_compute: Any, planted: Callable[..., str], acme: Any, modules_acme: Any
) -> None:
    docker_compute.PIPEWRIGHT_HOST_ID = me = f"janitor-{os.getpid()}"
    inst = _fresh_installation()
    live = _running_step(acme, modules_acme, me, lambda pk: installation.container_name(pk, 1))
    dead = installation.container_name(live.pk + 100000, 1)
    other_install = f"pw-0123456789ab-{live.pk}-1"
    for name in (live.container_name, dead):
        planted(name, me)
    planted(other_install, me, inst="0123456789ab")  # another installation sharing this engine
    root = Path(settings.WORK_ROOT)
    for name in (live.container_name, dead, other_install):
        (root / name / "out").mkdir(parents=True)
    assert inst in dead
    # staging a crashed worker left (nothing written for a day) and one being written now
    staging = root / ".staging"
    (staging / ".upload-crashed").mkdir(parents=True)
    (staging / ".upload-crashed" / "part").write_bytes(b"x")
    day_ago = time.time() - 86400
    for path in (staging / ".upload-crashed" / "part", staging / ".upload-crashed"):
        os.utime(path, (day_ago, day_ago))
    (staging / ".upload-live").mkdir()
    (staging / ".upload-live" / "part").write_bytes(b"x")
    assert hosts.janitor() == {"containers": 1, "folders": 1, "staging": 1}
    assert not _exists(dead) and _exists(live.container_name) and _exists(other_install)
    assert sorted(p.name for p in root.iterdir()) == sorted([".staging", live.container_name, other_install])
    assert [p.name for p in staging.iterdir()] == [".upload-live"]
    assert WorkerHost.objects.filter(host_id=me).exists()  # seen
    assert hosts.janitor() == {"containers": 0, "folders": 0, "staging": 0}


@pytest.mark.docker
@pytest.mark.celery
@pytest.mark.redis
@pytest.mark.slow
def test_cancel_reaches_the_engine_of_the_host_that_runs_the_step(
    transactional_db: Any, docker_compute: Any, planted: Callable[..., str], acme: Any, modules_acme: Any
) -> None:
    far = f"far-{os.getpid()}"
    docker_compute.PIPEWRIGHT_HOST_ID = f"web-{os.getpid()}"
    _fresh_installation()
    row = _running_step(acme, modules_acme, far, lambda pk: installation.container_name(pk, 1))
    planted(row.container_name, far)
    orphan = planted(installation.container_name(row.pk + 100000, 1), far)
    Path(settings.PIPEWRIGHT_LOG_DIR).mkdir(parents=True, exist_ok=True)
    with live_worker(Path(settings.PIPEWRIGHT_LOG_DIR), queues=hosts.queue_of(far), PIPEWRIGHT_HOST_ID=far):
        deadline = time.monotonic() + 90
        while _exists(orphan):  # the far host's janitor ran as its worker started
            assert time.monotonic() < deadline, "the far host's janitor never removed its orphan"
            time.sleep(0.2)
        assert _state(row.container_name) == "running"  # owned by a running step: kept
        # this process (the web tier) reaches no engine: only the far host's worker can stop it
        docker_compute.DOCKER_HOST = "tcp://127.0.0.1:1"
        runs.cancel_run(row.run)
        while _state(row.container_name) == "running":
            assert time.monotonic() < deadline, "the kill never reached the far host"
            time.sleep(0.2)
    assert StepRun.objects.get(pk=row.pk).status == states.CANCELED


@pytest.mark.redis
def test_beat_wakes_the_janitor_of_each_live_host_on_its_own_queue(db: Any, settings: Any) -> None:
    settings.PIPEWRIGHT_HOST_FORGET = 3600
    tag = f"{os.getpid()}-{time.monotonic_ns()}"
    live, gone = f"live-{tag}", f"gone-{tag}"
    now = sweeps.db_now()
    WorkerHost.objects.create(host_id=live, first_seen=now, last_seen=now - timedelta(seconds=60))
    WorkerHost.objects.create(host_id=gone, first_seen=now, last_seen=now - timedelta(hours=2))
    r = redis.Redis.from_url(settings.REDIS_URL)
    prefix = settings.CELERY_BROKER_TRANSPORT_OPTIONS["global_keyprefix"]
    try:
        assert hosts.fan_out()["hosts"] == 1
        assert r.llen(f"{prefix}{hosts.queue_of(live)}") == 1
        assert r.llen(f"{prefix}{hosts.queue_of(gone)}") == 0
    finally:
        r.delete(f"{prefix}{hosts.queue_of(live)}", f"{prefix}{hosts.queue_of(gone)}")


@pytest.mark.parametrize("skew", [timedelta(hours=-3), timedelta(hours=3)])
def test_heartbeats_and_the_sweep_use_the_database_clock_whatever_the_workers_clock(
    skew: timedelta,
    eager: Any,
    fake_compute: FakeBackend,
    settings: Any,
    monkeypatch: pytest.MonkeyPatch,
    alice: Any,
    acme: Any,
    modules_acme: Any,
) -> None:
    """This worker's clock is three hours off: a beating step is not reaped, and one whose beats
    stopped (by the database's clock) is."""
    real_now = timezone.now
    monkeypatch.setattr(timezone, "now", lambda: real_now() + skew)
    settings.PIPEWRIGHT_HEARTBEAT = 0.1
    version = make_version(acme, [step("a", modules_acme["sleep"], params={"seconds": 3})])
    fake_compute.script("a", Act(seconds=3))
    worker = threading.Thread(target=lambda: runs.create_run(version, {}, True, alice))
    worker.start()
    deadline = time.monotonic() + 20
    while not StepRun.objects.filter(run__pipeline_version=version, status=states.RUNNING).exists():
        assert time.monotonic() < deadline, "step a never started"
        time.sleep(0.05)
    a = StepRun.objects.get(run__pipeline_version=version, node="a")
    time.sleep(0.3)  # a few beats
    a.refresh_from_db()
    assert a.heartbeat_at is not None and abs(sweeps.db_now() - a.heartbeat_at) < timedelta(seconds=10)
    assert sweeps.reap()["retried"] == 0
    worker.join(timeout=30)
    assert StepRun.objects.get(pk=a.pk).status == states.SUCCEEDED
    # a step whose last beat is older than the timeout by the database's clock is reaped
    StepRun.objects.filter(pk=a.pk).update(
        status=states.RUNNING, heartbeat_at=sweeps.db_now() - timedelta(seconds=execute.heartbeat_timeout() + 1)
    )
    assert sweeps.reap()["retried"] == 1

"""Faults with real Celery workers: a worker SIGKILLed mid-step is recovered by the reaper (beat)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import docker
import pytest
from django.conf import settings
from django.db.models import F

from runner import events
from runner.models import Run, StepRun
from tests.live import ROOT, child_env
from tests.runner.fixtures import make_version, step

pytestmark = [pytest.mark.celery, pytest.mark.docker, pytest.mark.redis, pytest.mark.slow]


def start_worker(tag: str, *, beat: bool = False) -> subprocess.Popen[bytes]:
    env = child_env(
        PIPEWRIGHT_COMPUTE="docker",
        PIPEWRIGHT_HEARTBEAT="1",
        PIPEWRIGHT_HEARTBEAT_TIMEOUT="4",
        PIPEWRIGHT_REAP_EVERY="1",
        PIPEWRIGHT_LOG_DIR=str(settings.PIPEWRIGHT_LOG_DIR),
    )
    cmd = [sys.executable, "-m", "celery", "-A", "pipewright", "worker", "--pool", "threads", "-c", "4"]
    cmd += [
        "-Q",
        "pipewright,compute-docker,compute-local",
        "-n",
        f"{tag}-{os.getpid()}@%h",
        "--without-gossip",
        "--without-mingle",
    ]
    if beat:
        cmd += ["-B", "-s", str(Path(settings.WORK_ROOT) / "beat-schedule")]
    log = open(Path(settings.PIPEWRIGHT_LOG_DIR) / f"worker-{tag}.log", "wb")  # noqa: SIM115
    return subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)


def wait_for(check: Callable[[], Any], timeout: float, what: str) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def test_it_recovers_a_step_when_its_worker_is_killed(
    transactional_db: Any, docker_compute: Any, alice: Any, acme: Any, modules_acme: Any
) -> None:
    Path(settings.PIPEWRIGHT_LOG_DIR).mkdir(parents=True, exist_ok=True)
    Path(settings.WORK_ROOT).mkdir(parents=True, exist_ok=True)
    from runner import runs

    version = make_version(
        acme, [step("a", modules_acme["sleep"], params={"seconds": 8}), step("b", modules_acme["emit"])]
    )
    first = start_worker("w1")
    second = None
    client = docker.from_env()
    try:
        run = runs.create_run(version, {}, True, alice)
        wait_for(lambda: StepRun.objects.filter(run=run, node="a", status="running").exists(), 30, "step a to run")
        wait_for(
            lambda: client.containers.list(filters={"label": f"pipewright.run={run.pk}"}, ignore_removed=True),
            15,
            "its container",
        )
        # the live worker beats: its heartbeat moves past the claim's (both start at started_at)
        beating = StepRun.objects.filter(run=run, node="a", status="running", heartbeat_at__gt=F("started_at"))
        wait_for(beating.exists, 6, "a heartbeat from the first worker")
        os.kill(first.pid, signal.SIGKILL)
        first.wait(timeout=10)
        second = start_worker("w2", beat=True)
        done = wait_for(
            lambda: Run.objects.filter(pk=run.pk, status__in=["succeeded", "failed", "canceled"]).first(),
            90,
            "the run to finish",
        )
        a = StepRun.objects.get(run=run, node="a")
        b = StepRun.objects.get(run=run, node="b")
        assert done.status == "succeeded", (done.error, a.error, b.error)
        assert a.attempt == 2, a.attempt
        # attempt 1 was requeued by the reaper because its heartbeats stopped, not for another reason
        # (the success of attempt 2 clears the row's error, so the run's events are the record)
        requeued = [
            e["step"]["error"]
            for e in events.since(run.pk, 0)
            if e["type"] == "step" and e["node"] == "a" and e["status"] == "queued" and e["step"]["attempt"] == 1
        ]
        assert requeued == ["attempt 1 failed: the worker stopped sending heartbeats (attempt 1)"], requeued
        assert not StepRun.objects.filter(run=run, status__in=["running", "queued", "pending"]).exists()
        wait_for(
            lambda: (
                not client.containers.list(all=True, filters={"label": f"pipewright.run={run.pk}"}, ignore_removed=True)
            ),
            15,
            "no containers left",
        )
    finally:
        for proc in (first, second):
            if proc is not None and proc.poll() is None:
                proc.terminate()
                try:
                    proc.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    proc.kill()

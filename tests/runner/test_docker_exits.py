"""A step learns its container's exit from the engine's `die` event stream, and from the wait API
whenever that stream cannot say (broken, reconnecting, or an event that never came)."""

from __future__ import annotations

import threading
import time
from typing import Any

import docker
import pytest

from runner import runs
from runner.compute import docker as docker_compute_backend
from runner.compute.docker import LABEL, exits
from runner.models import StepRun
from tests.runner.fixtures import IMAGE, make_version, step

pytestmark = pytest.mark.docker


def _stream_up(timeout: float = 10) -> None:
    """The stream starts at a process's first watch (that step uses the wait API)."""
    exits.watch("none-yet")
    exits.forget("none-yet")
    deadline = time.monotonic() + timeout
    while not exits.up:
        assert time.monotonic() < deadline, "the die event stream did not come up"
        time.sleep(0.05)


def test_the_stream_announces_a_containers_exit_code() -> None:
    _stream_up()
    api = docker.from_env().api
    cid = api.create_container(IMAGE, ["python3", "-c", "raise SystemExit(3)"], labels={LABEL: "1"})["Id"]
    try:
        waiting = exits.watch(cid)
        assert waiting is not None
        api.start(cid)
        assert waiting.event.wait(30)
        assert (waiting.code, waiting.lost) == (3, False)
        assert cid not in exits.waiting  # answered once, then forgotten
    finally:
        api.remove_container(cid, force=True)


def test_steps_learn_their_exit_from_the_stream(
    eager: Any, docker_compute: Any, alice: Any, acme: Any, modules_acme: Any
) -> None:
    _stream_up()
    before = exits.announced
    version = make_version(acme, [step("a", modules_acme["emit"]), step("b", modules_acme["add1"], upstream=("a",))])
    run = runs.create_run(version, {}, True, alice)
    run.refresh_from_db()
    assert run.status == "succeeded"
    assert exits.announced - before == 2  # both steps' exits came from die events


def test_a_step_waiting_when_the_stream_breaks_asks_the_wait_api(
    eager: Any, docker_compute: Any, alice: Any, acme: Any, modules_acme: Any
) -> None:
    _stream_up()
    version = make_version(acme, [step("a", modules_acme["sleep"], params={"seconds": 2})])
    client = docker.from_env()
    broke = threading.Event()

    def break_the_stream_once_the_step_runs() -> None:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if exits.waiting and client.containers.list(filters={"label": LABEL}, ignore_removed=True):
                exits.stream.close()  # as when the engine closes the stream (a restart)
                broke.set()
                return
            time.sleep(0.05)

    breaker = threading.Thread(target=break_the_stream_once_the_step_runs)
    breaker.start()
    before = exits.announced
    run = runs.create_run(version, {}, True, alice)
    breaker.join()
    assert broke.is_set()
    a = StepRun.objects.get(run=run, node="a")
    assert (a.status, a.exit_code) == ("succeeded", 0), a.error
    assert exits.announced == before  # its exit came from the wait API
    _stream_up()  # and the stream is back for the next step


def test_an_exit_the_stream_never_announced_is_found_all_the_same(
    eager: Any, docker_compute: Any, alice: Any, acme: Any, modules_acme: Any, monkeypatch: Any
) -> None:
    _stream_up()
    monkeypatch.setattr(exits, "_announce", lambda event: None)  # in-process fault: events lost
    monkeypatch.setattr(docker_compute_backend, "CHECK_SECONDS", 0.5)
    version = make_version(acme, [step("a", modules_acme["emit"])])
    started = time.monotonic()
    run = runs.create_run(version, {}, True, alice)
    a = StepRun.objects.get(run=run, node="a")
    assert (a.status, a.exit_code) == ("succeeded", 0), a.error
    assert time.monotonic() - started < 20  # not its timeout: the engine was asked directly

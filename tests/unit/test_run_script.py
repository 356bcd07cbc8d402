"""`make run`'s supervisor: the embedded Redis, the compute choice, and the restart policy (backoff,
crash loop) on dummy children."""

from __future__ import annotations

import importlib.util
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import redis

ROOT = Path(__file__).resolve().parents[2]


def _load() -> Any:
    spec = importlib.util.spec_from_file_location("pipewright_run", ROOT / "scripts" / "run.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_it_starts_the_embedded_redis_when_nothing_answers(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    run = _load()
    monkeypatch.delenv("REDIS_URL", raising=False)
    run.DEFAULT_REDIS = f"redis://127.0.0.1:{run.free_port()}/0"  # a port where nothing listens
    run.VAR = tmp_path
    children: list[Any] = []
    try:
        url = run.ensure_redis(children)
        assert url != run.DEFAULT_REDIS
        assert len(children) == 1
        assert redis.Redis.from_url(url).ping()
    finally:
        for child in children:
            child.proc.terminate()
            child.proc.wait(timeout=10)


def test_it_uses_a_redis_that_answers(monkeypatch: pytest.MonkeyPatch) -> None:
    run = _load()
    monkeypatch.delenv("REDIS_URL", raising=False)
    run.DEFAULT_REDIS = "redis://127.0.0.1:6379/0"
    children: list[Any] = []
    assert run.ensure_redis(children) == "redis://127.0.0.1:6379/0"
    assert children == []


# -- the restart policy ---------------------------------------------------------------------------


def test_the_backoff_doubles_up_to_its_cap() -> None:
    run = _load()
    assert [run.backoff(n, 1, 30) for n in range(1, 8)] == [1, 2, 4, 8, 16, 30, 30]


def _watch_until(sup: Any, done: Callable[[], bool], timeout: float = 30) -> threading.Thread:
    """Ctrl-C (what the signal handler does: `stopping = True`) once `done` holds."""

    def stop_when_done() -> None:
        deadline = time.monotonic() + timeout
        while not done() and time.monotonic() < deadline:
            time.sleep(0.05)
        sup.stopping = True

    thread = threading.Thread(target=stop_when_done, daemon=True)
    thread.start()
    return thread


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    with open(f"/proc/{pid}/stat") as stat:
        return stat.read().split(") ")[1][0] != "Z"


SLEEPER = [sys.executable, "-c", "import time; time.sleep(120)"]


def test_a_crashed_child_is_restarted_with_backoff_until_a_crash_loop_stops_everything(
    capsys: pytest.CaptureFixture[str],
) -> None:
    run = _load()
    sup = run.Supervisor(first=0.2, cap=0.5, limit=4, window=30)
    steady = sup.start("steady", SLEEPER, dict(os.environ))
    sup.start("flaky", [sys.executable, "-c", "import sys; sys.exit(3)"], dict(os.environ))
    started = time.monotonic()
    guard = _watch_until(sup, lambda: sup.stopping, timeout=30)  # a bound, should the loop never be seen
    try:
        assert sup.watch() == 1
        took = time.monotonic() - started
        assert _alive(steady.pid), "a crash of one child must not stop the others"
    finally:
        sup.stopping = True
        sup.shutdown()
        guard.join()
    out = capsys.readouterr().out
    for n, delay in enumerate([0.2, 0.4, 0.5, 0.5], start=1):
        assert f"flaky exited with 3; restarting in {delay:g} s (restart {n})" in out
    assert "FLAKY DIED 5 TIMES WITHIN 30 s (last: exited with 3)" in out
    assert "A CRASH LOOP - STOPPING EVERYTHING" in out
    assert "restart 5)" not in out
    assert 1.6 <= took < 15, took  # the backoffs were waited, and nothing more
    assert not _alive(steady.pid)


def test_a_killed_child_comes_back_and_ctrl_c_still_stops_everything(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    run = _load()
    sup = run.Supervisor(first=0.2, cap=30, limit=5, window=60)
    steady = sup.start("steady", SLEEPER, dict(os.environ))
    first = sup.start("web", SLEEPER, dict(os.environ))
    os.kill(first.pid, signal.SIGKILL)
    web = sup.apps[1]
    _watch_until(sup, lambda: web.proc is not None and web.proc.pid != first.pid)
    assert sup.watch() == 0  # stopped by "Ctrl-C", not by the crash
    out = capsys.readouterr().out
    assert "web exited with -9; restarting in 0.2 s (restart 1)" in out
    assert web.proc is not None and web.proc.pid != first.pid and _alive(web.proc.pid)
    assert _alive(steady.pid)
    sup.shutdown()
    assert not _alive(web.proc.pid) and not _alive(steady.pid)


def test_ctrl_c_during_a_pending_restart_stops_without_restarting(capsys: pytest.CaptureFixture[str]) -> None:
    run = _load()
    sup = run.Supervisor(first=30, cap=30, limit=5, window=60)
    sup.start("web", [sys.executable, "-c", "raise SystemExit(2)"], dict(os.environ))
    web = sup.apps[0]
    _watch_until(sup, lambda: web.restarts == 1)
    started = time.monotonic()
    assert sup.watch() == 0
    assert time.monotonic() - started < 10
    sup.shutdown()
    out = capsys.readouterr().out
    assert "web exited with 2; restarting in 30 s (restart 1)" in out
    assert "web restarted" not in out and web.proc is None


def test_the_embedded_redis_comes_back_on_the_same_port(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    run = _load()
    monkeypatch.delenv("REDIS_URL", raising=False)
    run.DEFAULT_REDIS = f"redis://127.0.0.1:{run.free_port()}/0"
    run.VAR = tmp_path
    sup = run.Supervisor(first=0.2)
    url = run.ensure_redis(sup.services)
    redis_child = sup.services[0]
    killed = redis_child.proc
    try:
        os.kill(killed.pid, signal.SIGKILL)
        _watch_until(sup, lambda: redis_child.proc is not None and redis_child.proc is not killed)
        assert sup.watch() == 0
        assert redis.Redis.from_url(url).ping()
    finally:
        sup.shutdown()
    assert redis_child.proc.returncode is not None


def test_the_death_of_make_still_stops_everything(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    run = _load()
    make = subprocess.Popen(SLEEPER)
    monkeypatch.setenv("PIPEWRIGHT_PARENT_PID", str(make.pid))
    sup = run.Supervisor(first=0.2)
    web = sup.start("web", SLEEPER, dict(os.environ))
    make.kill()
    make.wait()
    guard = _watch_until(sup, lambda: sup.stopping, timeout=20)
    assert sup.watch() == 0
    sup.shutdown()
    guard.join()
    assert "the parent process is gone; stopping" in capsys.readouterr().out
    assert not _alive(web.pid)


def test_it_falls_back_to_local_compute_loudly_only_when_the_operator_allows_it(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    run = _load()
    monkeypatch.delenv("PIPEWRIGHT_COMPUTE", raising=False)
    monkeypatch.delenv("PIPEWRIGHT_ALLOW_LOCAL_COMPUTE", raising=False)
    monkeypatch.setenv("DOCKER_HOST", "tcp://127.0.0.1:1")
    assert run.pick_compute() == "docker"  # steps fail (saying why) rather than run uncontained
    said = capsys.readouterr().out
    assert "NO DOCKER ENGINE ANSWERS: STEPS WILL FAIL" in said and "PIPEWRIGHT_ALLOW_LOCAL_COMPUTE=1" in said
    monkeypatch.setenv("PIPEWRIGHT_ALLOW_LOCAL_COMPUTE", "1")
    assert run.pick_compute() == "local"
    assert "FALLING BACK TO LOCAL COMPUTE" in capsys.readouterr().out


def test_it_keeps_scheduling_apart_from_steps(monkeypatch: pytest.MonkeyPatch) -> None:
    """Step workers consume only their compute queue and their host's queue (janitor, kills); one
    control worker consumes "pipewright" (advance_run, the sweep, schedules), so long steps never
    starve scheduling."""
    run = _load()
    monkeypatch.setenv("PIPEWRIGHT_WORKERS", "2")
    monkeypatch.setenv("PIPEWRIGHT_HOST_ID", "gpu-7")
    monkeypatch.delenv("PIPEWRIGHT_CONTROL_CONCURRENCY", raising=False)
    commands = dict(run.app_commands("docker", "127.0.0.1", 8000))
    assert list(commands) == ["daphne", "worker 1", "worker 2", "control", "beat", "replicas"]

    def queues(name: str) -> str:
        cmd = commands[name]
        return str(cmd[cmd.index("-Q") + 1])

    assert queues("worker 1") == queues("worker 2") == "compute-docker,host.gpu-7"
    monkeypatch.delenv("PIPEWRIGHT_HOST_ID")  # one host, no configuration: the hostname
    plain = dict(run.app_commands("docker", "127.0.0.1", 8000))["worker 1"]
    assert plain[plain.index("-Q") + 1] == f"compute-docker,host.{socket.gethostname()}"
    assert queues("control") == "pipewright"
    assert "threads" not in commands["control"]  # a thread-pool worker died when Redis was killed
    monkeypatch.setenv("PIPEWRIGHT_WORKERS", "0")
    monkeypatch.setenv("PIPEWRIGHT_CONTROL_CONCURRENCY", "0")
    assert [name for name, _ in run.app_commands("docker", "127.0.0.1", 8000)] == ["daphne", "beat", "replicas"]
    # the replica supervisor of deployments needs Docker: not started with local compute
    assert [name for name, _ in run.app_commands("local", "127.0.0.1", 8000)] == ["daphne", "beat"]

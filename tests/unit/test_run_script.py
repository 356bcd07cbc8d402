"""`make run`'s supervisor: the embedded Redis and the compute choice."""

from __future__ import annotations

import importlib.util
import subprocess
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
    children: list[tuple[str, subprocess.Popen[bytes]]] = []
    try:
        url = run.ensure_redis(children)
        assert url != run.DEFAULT_REDIS
        assert len(children) == 1
        assert redis.Redis.from_url(url).ping()
    finally:
        for _name, child in children:
            child.terminate()
            child.wait(timeout=10)


def test_it_uses_a_redis_that_answers(monkeypatch: pytest.MonkeyPatch) -> None:
    run = _load()
    monkeypatch.delenv("REDIS_URL", raising=False)
    run.DEFAULT_REDIS = "redis://127.0.0.1:6379/0"
    children: list[tuple[str, subprocess.Popen[bytes]]] = []
    assert run.ensure_redis(children) == "redis://127.0.0.1:6379/0"
    assert children == []


def test_it_falls_back_to_local_compute_loudly(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    run = _load()
    monkeypatch.delenv("PIPEWRIGHT_COMPUTE", raising=False)
    monkeypatch.setenv("DOCKER_HOST", "tcp://127.0.0.1:1")
    assert run.pick_compute() == "local"
    assert "FALLING BACK TO LOCAL COMPUTE" in capsys.readouterr().out


def test_it_keeps_scheduling_apart_from_steps(monkeypatch: pytest.MonkeyPatch) -> None:
    """Step workers consume only their compute queue; one control worker consumes
    "pipewright" (advance_run, the sweep, schedules), so long steps never starve scheduling."""
    run = _load()
    monkeypatch.setenv("PIPEWRIGHT_WORKERS", "2")
    monkeypatch.delenv("PIPEWRIGHT_CONTROL_CONCURRENCY", raising=False)
    commands = dict(run.app_commands("docker", "127.0.0.1", 8000))
    assert list(commands) == ["daphne", "worker 1", "worker 2", "control", "beat"]

    def queues(name: str) -> str:
        cmd = commands[name]
        return str(cmd[cmd.index("-Q") + 1])

    assert queues("worker 1") == queues("worker 2") == "compute-docker"
    assert queues("control") == "pipewright"
    assert "threads" not in commands["control"]  # a thread-pool worker died when Redis was killed
    monkeypatch.setenv("PIPEWRIGHT_WORKERS", "0")
    monkeypatch.setenv("PIPEWRIGHT_CONTROL_CONCURRENCY", "0")
    assert [name for name, _ in run.app_commands("docker", "127.0.0.1", 8000)] == ["daphne", "beat"]

"""Fixtures of the stack layer: one stack for the session (started as `make run` starts it, checked
when it stops), more stacks on demand, and an idle run feed opened early so its two quiet
minutes pass while the other tests work."""

from __future__ import annotations

import json
import struct
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import Any

import pytest
import websocket

from tests.conftest import CI
from tests.stack.graphs import create_pipeline, graph, node, py
from tests.stack.stack import (
    DRILL_REPORT,
    TERMINAL,
    Stack,
    docker_ready,
    drop_database,
    prepared_template,
    wait_no_containers,
)

ORDER = ("test_pipelines.py", "test_installations.py", "test_feed.py")  # the feed last: it waits out its idle time


def pytest_collection_modifyitems(config: Any, items: list[Any]) -> None:
    """Put the stack layer's tests in ORDER, in the slots they already hold."""
    slots = [i for i, item in enumerate(items) if "/stack/" in str(item.fspath)]
    ranked = sorted((items[i] for i in slots), key=lambda item: _rank(Path(str(item.fspath)).name))
    for i, item in zip(slots, ranked, strict=True):
        items[i] = item


def _rank(name: str) -> int:
    return ORDER.index(name) if name in ORDER else len(ORDER)


@pytest.fixture(scope="session")
def stack_template(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    why = docker_ready()
    if why:
        if CI:
            pytest.fail(f"the stack layer needs Docker under CI=true: {why}")
        pytest.skip(why)
    name = prepared_template(tmp_path_factory.mktemp("template"))
    yield name
    drop_database(name)


@contextmanager
def running_stack(
    template: str, var: Path, name: str, redis_db: int, extra: dict[str, str] | None = None
) -> Iterator[Stack]:
    """A started stack; on exit every run must be terminal, no container of it left, every
    process it started gone after Ctrl-C, and its log free of tracebacks and 5xx."""
    stack = Stack(name, var, redis_db, extra)
    try:
        stack.start(template)
        yield stack
        failures = []
        running = [r for r in stack.api.results("/api/runs/?page_size=200") if r["status"] not in TERMINAL]
        if running:
            failures.append(f"runs not terminal: {[(r['id'], r['status']) for r in running]}")
        left = wait_no_containers(stack.var)
        if left:
            failures.append(f"containers left: {left}")
        try:
            stack.stop()
        except AssertionError as exc:
            failures.append(str(exc))
        if stack.api.server_errors:
            failures.append("5xx answers:\n" + "\n".join(stack.api.server_errors))
        failures += [f"server log ({stack.log_path}):\n{p}" for p in stack.problems()]
        assert not failures, "\n\n".join(failures)
    finally:
        stack.close()


@pytest.fixture(scope="session")
def stack(stack_template: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    with running_stack(stack_template, tmp_path_factory.mktemp("stack-main"), "main", 7) as started:
        yield started


@pytest.fixture
def start_stack(
    stack_template: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Callable[..., AbstractContextManager[Stack]]]:
    """More installations: `with start_stack("b", 8) as b: ...` (keywords: more environment)."""

    def start(name: str, redis_db: int, **extra: str) -> AbstractContextManager[Stack]:
        return running_stack(stack_template, tmp_path_factory.mktemp(f"stack-{name}"), name, redis_db, extra)

    yield start


class Feed:
    """A WebSocket on /ws/runs/{id}/ read by a thread: every frame, and how it ended."""

    def __init__(self, url: str, run_id: int) -> None:
        self.run_id = run_id
        self.opened_at = time.monotonic()
        self.ws = websocket.create_connection(url, timeout=None)
        self.messages: list[tuple[float, dict[str, Any]]] = []
        self.ended: tuple[float, int | None, str] | None = None  # (when, close code, reason or error)
        self.thread = threading.Thread(target=self._read, daemon=True)
        self.thread.start()

    def _read(self) -> None:
        try:
            while True:
                opcode, frame = self.ws.recv_data_frame(True)
                if opcode == websocket.ABNF.OPCODE_CLOSE:
                    code = struct.unpack("!H", frame.data[:2])[0] if len(frame.data) >= 2 else None
                    self.ended = (time.monotonic(), code, frame.data[2:].decode(errors="replace"))
                    return
                if opcode == websocket.ABNF.OPCODE_TEXT:
                    self.messages.append((time.monotonic(), json.loads(frame.data)))
        except Exception as exc:
            self.ended = (time.monotonic(), None, f"{exc.__class__.__name__}: {exc}")

    def wait_for(self, check: Callable[[dict[str, Any]], bool], timeout: float) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for _, message in self.messages:
                if check(message):
                    return message
            if self.ended:
                break
            time.sleep(0.1)
        raise AssertionError(f"no such message in {timeout} s; feed ended {self.ended}; got {self.messages[-5:]}")

    def close(self) -> None:
        self.ws.close()


@pytest.fixture(scope="session")
def idle_feed(stack: Stack) -> Iterator[Feed]:
    """A feed on a run whose only step sleeps quietly for ten minutes, opened once the step runs.
    The tests that come first request it too, so its idle minutes pass while they work."""
    api = stack.api
    quiet = py("pd.DataFrame({'x': [1]})", "time.sleep(600)")
    pipeline = create_pipeline(api, "idle feed", graph([node("sleep", "execute-python-script", {"script": quiet})]))
    run_id = api.ok("POST", f"/api/pipelines/{pipeline}/runs/", {}, status=201)["id"]
    api.wait_run(run_id, 120, until=lambda run: run["steps"][0]["status"] == "running")
    feed = Feed(f"ws://127.0.0.1:{stack.port}/ws/runs/{run_id}/?token={stack.token}", run_id)
    yield feed
    feed.close()
    if api.run(run_id)["status"] not in TERMINAL:
        api.ok("POST", f"/api/runs/{run_id}/cancel")
        api.wait_run(run_id, 60)


def pytest_terminal_summary(terminalreporter: Any) -> None:
    """The drills' measured recovery times, in every run's output (docs/operations.md quotes them)."""
    for line in DRILL_REPORT:
        terminalreporter.write_line(f"[drill] {line}")

"""An in-process compute backend for the runner's logic tests: no subprocess, no container.

`FakeBackend` implements the protocol of runner.compute.base (run/kill/remove/running_names) and
plays a script per step node: the lines it prints, the files it writes, its exit code, how long it
runs. The `fake_compute` fixture puts it behind `runner.compute.backend`, which is how execute,
runs (cancel) and sweeps (the reaper) reach a backend, so the whole runner runs on it.

    fake_compute.script("a", Act(lines=["about to fail"], exit_code=3))
    fake_compute.script("b", Act(exit_code=1), Act())  # attempt 1 fails, attempt 2 (and later) succeeds
    fake_compute.script("c", Act(write=emit))          # a function writes outputs from params/inputs
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest

from runner.compute.base import StepJob, StepOutcome

POLL = 0.02  # how often a running fake step polls should_stop, like the real backends do


@dataclass
class Act:
    """What one attempt of a step does. By default: writes `data.csv` into every output folder
    the runner prepared, prints nothing, exits 0 at once."""

    exit_code: int | None = 0
    lines: list[str] = field(default_factory=list)
    files: dict[str, dict[str, str]] | None = None  # output port -> {file name: text}; None = default
    metrics: dict[str, Any] | None = None  # written as /out/metrics.json
    write: Callable[[StepJob, Callable[[str], None]], None] | None = None  # computes outputs itself
    seconds: float = 0  # how long it runs (polling should_stop); past the job's timeout: timed out at once
    error: str = ""  # a backend error (e.g. the image is missing): exit_code None and this message


def params(job: StepJob) -> dict[str, Any]:
    return dict(json.loads(job.params_file.read_text()))


def rows(job: StepJob) -> list[str]:
    """The data rows (header dropped) of every CSV on every input port, ports in name order."""
    found: list[str] = []
    for port in sorted(job.inputs):
        for f in sorted(job.inputs[port].rglob("*.csv")):
            found += f.read_text().splitlines()[1:]
    return found


class FakeBackend:
    target = "fake"

    def __init__(self) -> None:
        self.scripts: dict[str, list[Act]] = {}
        self.calls: list[tuple[str, int]] = []  # (node, attempt) of every run, in order
        self.jobs: list[StepJob] = []
        self.killed: list[str] = []
        self.removed: list[str] = []
        self._running: dict[str, threading.Event] = {}  # name -> set when killed
        self._lock = threading.Lock()

    def script(self, node: str, *acts: Act) -> None:
        """What `node` does on attempts 1, 2, ...; the last act repeats."""
        self.scripts[node] = list(acts)

    def nodes(self) -> list[str]:
        return [node for node, _ in self.calls]

    # -- the Backend protocol --------------------------------------------------------------

    def run(self, job: StepJob, on_line: Callable[[str], None], should_stop: Callable[[], bool]) -> StepOutcome:
        node, attempt = self._node_of(job), int(job.labels.get("pipewright.attempt", "1"))
        acts = self.scripts.get(node) or [Act()]
        act = acts[min(attempt, len(acts)) - 1]
        killed = threading.Event()
        began = time.time()  # what a real backend reports: when the step started and exited
        with self._lock:
            self.calls.append((node, attempt))
            self.jobs.append(job)
            self._running[job.name] = killed
        try:
            for line in act.lines:
                on_line(line)
            if act.seconds > job.timeout:  # the real backends kill it at the deadline; no need to wait
                return StepOutcome(None, f"timed out after {job.timeout} s", timed_out=True)
            if act.seconds:
                deadline = time.monotonic() + act.seconds
                while time.monotonic() < deadline:
                    if should_stop():
                        return StepOutcome(None, "stopped", stopped=True)
                    if killed.is_set():
                        return StepOutcome(-9)  # as a process killed by SIGKILL
                    time.sleep(POLL)
            if act.error:
                return StepOutcome(None, act.error)
            if act.exit_code == 0:
                self._write(job, act, on_line)
            return StepOutcome(act.exit_code, started_at=began, exited_at=time.time())
        finally:
            with self._lock:
                self._running.pop(job.name, None)

    def kill(self, name: str) -> None:
        with self._lock:
            self.killed.append(name)
            running = self._running.get(name)
        if running is not None:
            running.set()

    def remove(self, name: str) -> None:
        self.removed.append(name)
        self.kill(name)

    def running_names(self, labels: dict[str, str] | None = None) -> list[str]:
        with self._lock:
            return list(self._running)

    # -- helpers ---------------------------------------------------------------------------

    @staticmethod
    def _node_of(job: StepJob) -> str:
        from runner.models import StepRun

        return str(StepRun.objects.values_list("node", flat=True).get(pk=int(job.labels["pipewright.steprun"])))

    @staticmethod
    def _write(job: StepJob, act: Act, on_line: Callable[[str], None]) -> None:
        if act.write is not None:
            act.write(job, on_line)
        elif act.files is not None:
            for port, files in act.files.items():
                for name, text in files.items():
                    (job.out_dir / port / name).write_text(text)
        else:
            for folder in job.out_dir.iterdir():
                if folder.is_dir():
                    (folder / "data.csv").write_text(f"x,y\n{job.name},0\n")
        if act.metrics is not None:
            (job.out_dir / "metrics.json").write_text(json.dumps(act.metrics))


@pytest.fixture
def fake_compute(monkeypatch: pytest.MonkeyPatch, settings: Any, runner_dirs: Any) -> FakeBackend:
    """Every step of every run in this test runs on one FakeBackend."""
    from runner import compute

    fake = FakeBackend()
    settings.PIPEWRIGHT_COMPUTE = "local"  # the queue names; the fake answers for every target
    monkeypatch.setattr(compute, "backend", lambda target=None: fake)
    return fake

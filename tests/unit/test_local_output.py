"""The local backend reads a step's output in its own wait loop (no reader thread): every line in
order, a last line without its newline, output far beyond a pipe's buffer, and the exit seen while
the step still prints."""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Any

import pytest

from runner.compute.base import StepJob
from runner.compute.local import ANNOUNCE, LocalBackend


def _job(tmp_path: Path, code: str, timeout: int = 30) -> StepJob:
    (tmp_path / "in").mkdir()
    (tmp_path / "out").mkdir()
    return StepJob(
        name=f"pw-test-{time.monotonic_ns()}",
        image="",
        command=[sys.executable, "-c", code],
        env={},
        cpu=1,
        memory_bytes=0,
        timeout=timeout,
        module_dir=tmp_path,
        inputs={},
        params_file=tmp_path / "in" / "params.json",
        out_dir=tmp_path / "out",
    )


@pytest.fixture(autouse=True)
def _allowed(settings: Any) -> None:
    settings.PIPEWRIGHT_ALLOW_LOCAL_COMPUTE = True


def _run(job: StepJob, stop: Any = lambda: False) -> tuple[Any, list[str]]:
    lines: list[str] = []
    return LocalBackend().run(job, lines.append, stop), lines


def test_every_line_in_order_and_the_last_one_without_its_newline(tmp_path: Path) -> None:
    code = "import sys\nfor i in range(3): print(i, flush=True)\nsys.stdout.write('tail')\nsys.exit(3)"
    outcome, lines = _run(_job(tmp_path, code))
    assert lines == [ANNOUNCE, "0", "1", "2", "tail"]
    assert outcome.exit_code == 3 and outcome.started_at <= outcome.exited_at


def test_output_beyond_a_pipes_buffer_is_all_read(tmp_path: Path) -> None:
    # 20,000 lines of 100 bytes: thirty times a 64 KiB pipe, so the step blocks unless it is read
    code = "import sys\nfor i in range(20000): sys.stdout.write(f'{i:099d}\\n')"
    outcome, lines = _run(_job(tmp_path, code))
    assert outcome.exit_code == 0
    assert len(lines) == 20001 and lines[-1] == f"{19999:099d}"


def test_a_step_that_keeps_printing_still_times_out_and_stops(tmp_path: Path) -> None:
    code = "import itertools\nfor i in itertools.count(): print(i, flush=True)"
    (tmp_path / "timeout").mkdir()
    outcome, lines = _run(_job(tmp_path / "timeout", code, timeout=1))
    assert outcome.timed_out and "timed out after 1 s" in outcome.error and len(lines) > 10
    (tmp_path / "stop").mkdir()
    asked = time.monotonic()
    outcome, _ = _run(_job(tmp_path / "stop", code), stop=lambda: time.monotonic() - asked > 0.5)
    assert outcome.stopped and time.monotonic() - asked < 5

"""The compute protocol: what a backend is given (`StepJob`) and returns (`StepOutcome`).

A backend runs one prepared step attempt (`StepJob`) to completion, streaming its output lines to
`on_line`, and returns a `StepOutcome`. `should_stop()` is polled so a cancel or a lost claim can
stop the step. The folders in a job are host paths; the backend maps them into the step.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol


class ComputeUnavailable(RuntimeError):
    """The backend cannot run anything right now (e.g. the Docker engine is unreachable)."""


@dataclass
class StepJob:
    name: str  # container / process name, pw-step-<steprun id>-<attempt>
    image: str
    command: list[str]
    env: dict[str, str]
    cpu: float
    memory_bytes: int
    timeout: int
    module_dir: Path
    inputs: dict[str, Path]  # port -> host folder (read-only)
    params_file: Path
    out_dir: Path
    labels: dict[str, str] = field(default_factory=dict)
    gpus: int = 0  # GPUs the step asks for (Docker: a device request)


@dataclass
class StepOutcome:
    exit_code: int | None
    error: str = ""
    timed_out: bool = False
    stopped: bool = False
    # what the backend saw (time.time() seconds; None when it did not get that far or cannot tell)
    started_at: float | None = None
    exited_at: float | None = None
    cpu_seconds: float | None = None
    peak_memory_bytes: int | None = None


class Backend(Protocol):
    target: str

    def run(self, job: StepJob, on_line: Callable[[str], None], should_stop: Callable[[], bool]) -> StepOutcome: ...

    def kill(self, name: str) -> None: ...

    def remove(self, name: str) -> None: ...

    def running_names(self, labels: dict[str, str] | None = None) -> list[str]: ...

    def image_id(self, image: str) -> str | None:
        """The content digest of `image` as this backend would run it ("sha256:..."), "" when the
        backend runs no images, None when it cannot tell (the image is missing, the engine away)."""
        ...

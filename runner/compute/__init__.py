"""Compute backends behind one small protocol (runner.compute.base): Docker and local (subprocess).

Which backend runs a step is its compute target; each target has its own Celery queue.
"""

from __future__ import annotations

from django.conf import settings

from runner.compute.base import Backend, ComputeUnavailable, StepJob, StepOutcome
from runner.compute.docker import DockerBackend
from runner.compute.local import LocalBackend

__all__ = ["TARGETS", "Backend", "ComputeUnavailable", "StepJob", "StepOutcome", "backend", "queue_for", "target_of"]

TARGETS = ("docker", "local")


def queue_for(target: str) -> str:
    return f"compute-{target}"


def target_of(queue: str) -> str:
    """The compute target a step's queue routes to (`queue_for` backwards); the default when unset."""
    target = queue.removeprefix("compute-")
    return target if target in TARGETS else default_target()


def default_target() -> str:
    return settings.PIPEWRIGHT_COMPUTE if settings.PIPEWRIGHT_COMPUTE in TARGETS else "docker"


def backend(target: str | None = None) -> Backend:
    return LocalBackend() if (target or default_target()) == "local" else DockerBackend()

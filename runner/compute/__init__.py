"""Compute backends behind one small protocol (runner.compute.base): Docker, local (subprocess)
and Kubernetes (one Job per step attempt, runner.compute.kubernetes).

Which backend runs a step is its compute target; each target has its own Celery queue. The target
is the installation's policy, never a module's: `PIPEWRIGHT_COMPUTE` (default `docker`), optionally
per team through `PIPEWRIGHT_COMPUTE_TEAMS` (`team=target,...`). A spec's `runtime.env` has no say.
Local compute (a host process, no container) runs only where the operator allows it with
`PIPEWRIGHT_ALLOW_LOCAL_COMPUTE`; elsewhere a step sent to it fails, saying so.
"""

from __future__ import annotations

import time

from django.conf import settings

from artifacts import backend as backend_store
from artifacts.s3 import S3Store
from runner.compute import kubernetes
from runner.compute.base import Backend, ComputeUnavailable, StepJob, StepOutcome
from runner.compute.docker import DockerBackend
from runner.compute.kubernetes import KubernetesBackend
from runner.compute.local import LocalBackend
from runner.compute.transfer import ObjectStoreTransfer, S3Objects
from teams.models import Team

__all__ = [
    "TARGETS",
    "Backend",
    "ComputeUnavailable",
    "StepJob",
    "StepOutcome",
    "backend",
    "cluster_targets_in_use",
    "queue_for",
    "target_for_team",
    "target_of",
]

TARGETS = ("docker", "local", "kubernetes")
# targets whose steps run on a cluster, not on the worker's machine: any worker reaches them
CLUSTER_TARGETS = ("kubernetes",)


def queue_for(target: str) -> str:
    return f"compute-{target}"


def target_of(queue: str) -> str:
    """The compute target a step's queue routes to (`queue_for` backwards); the default when unset."""
    target = queue.removeprefix("compute-")
    return target if target in TARGETS else default_target()


def default_target() -> str:
    return settings.PIPEWRIGHT_COMPUTE if settings.PIPEWRIGHT_COMPUTE in TARGETS else "docker"


def team_targets() -> dict[str, str]:
    """The operator's per-team overrides: `PIPEWRIGHT_COMPUTE_TEAMS=team=target,...`."""
    pairs = (item.partition("=") for item in settings.PIPEWRIGHT_COMPUTE_TEAMS)
    return {name.strip(): target.strip() for name, _, target in pairs if target.strip() in TARGETS}


_TEAM_NAME_SECONDS = 30.0
_team_names: dict[int, tuple[float, str | None]] = {}


def _team_name(team_id: int) -> str | None:
    """A team's name, remembered by this process for _TEAM_NAME_SECONDS: each step a run makes
    ready asks (a chain's step would pay a query for it); a renamed team's steps follow the new
    name's override within that time."""
    now = time.monotonic()
    seen = _team_names.get(team_id)
    if seen is not None and now - seen[0] < _TEAM_NAME_SECONDS:
        return seen[1]
    name = Team.objects.filter(pk=team_id).values_list("name", flat=True).first()
    if len(_team_names) > 1024:
        _team_names.clear()
    _team_names[team_id] = (now, name)
    return name


def target_for_team(team_id: int) -> str:
    """Where a step of this team runs: the operator's choice for the team, else the installation's."""
    overrides = team_targets()
    if overrides:
        name = _team_name(team_id)
        if name in overrides:
            return overrides[name]
    return default_target()


def cluster_targets_in_use() -> list[str]:
    """The cluster-wide targets the operator's policy sends steps to (their janitor runs once, in
    beat's fan-out, not on every host)."""
    used = {default_target(), *team_targets().values()}
    return [t for t in CLUSTER_TARGETS if t in used]


def backend(target: str | None = None) -> Backend:
    chosen = target or default_target()
    if chosen == "local":
        return LocalBackend()
    if chosen == "kubernetes":
        if kubernetes.transfer() is None:
            # pods reach no worker disk: their files go through the S3 store, when it is the store
            chosen_store = backend_store.current()
            if isinstance(chosen_store, S3Store):
                kubernetes.use_transfer(ObjectStoreTransfer(S3Objects(chosen_store)))
        return KubernetesBackend()
    return DockerBackend()

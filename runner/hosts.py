"""Worker hosts: each machine that runs step workers has an id (settings.PIPEWRIGHT_HOST_ID, by
default its hostname), a `WorkerHost` row, and its own Celery queue `host.<id>` that only its step
workers consume. Through that queue:

- its janitor (`runner.janitor`) removes what dead attempts left on *that* machine: this
  installation's containers on its Docker engine and its work folders under WORK_ROOT that no
  running attempt owns. It runs when a worker of the host starts (worker_ready) and whenever beat
  fans it out (`runner.janitors`, every PIPEWRIGHT_JANITOR_EVERY seconds, one message per host seen
  within PIPEWRIGHT_HOST_FORGET seconds);
- a kill (`runner.kill`) reaches the engine that runs a step: cancel and the sweep route it by the
  host the step's claim recorded, never to the engine next to the web tier or the control worker.

Every time compared here is the database's clock (`Now()` in the query), never a worker's.
Cluster-wide targets (kubernetes) have no host: their orphans are removed by the fan-out itself.
"""

from __future__ import annotations

import logging
import shutil
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.db import connection
from django.db.models.functions import Now

from artifacts import stores
from runner import compute, installation, queue, states
from runner.models import StepRun, Trial, WorkerHost

log = logging.getLogger(__name__)

HOST_LABEL = "pipewright.host"
PREFIX = "host."
# targets whose containers live on the worker's own machine (one engine or process table per host)
HOST_TARGETS = ("docker", "local")
# a message to a host that is gone (its queue has no consumer) expires instead of piling up
MESSAGE_EXPIRES = 3600


def host_id() -> str:
    return str(settings.PIPEWRIGHT_HOST_ID)


def queue_of(host: str) -> str:
    return f"{PREFIX}{host}"


def labels() -> dict[str, str]:
    """What a step container carries: this installation's id and this host's."""
    return {**installation.labels(), HOST_LABEL: host_id()}


def seen() -> None:
    """Record that this host is alive, by the database's clock."""
    table = WorkerHost._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (host_id, first_seen, last_seen) VALUES (%s, now(), now()) "
            "ON CONFLICT (host_id) DO UPDATE SET last_seen = now()",
            [host_id()],
        )


def live_hosts() -> list[str]:
    """Hosts seen within PIPEWRIGHT_HOST_FORGET seconds (the database's clock)."""
    since = Now() - timedelta(seconds=settings.PIPEWRIGHT_HOST_FORGET)
    return list(WorkerHost.objects.filter(last_seen__gte=since).values_list("host_id", flat=True))


def _running_names() -> set[str]:
    steps = set(StepRun.objects.filter(status=states.RUNNING).values_list("container_name", flat=True))
    # a module editor's trial runs in a container (and work folder) named the same way
    return steps | set(Trial.objects.filter(status="running").values_list("container_name", flat=True))


def janitor() -> dict[str, int]:
    """On this host: remove this installation's containers (on the engines of this host) and
    work folders that no running attempt owns. Listed before the owners are read: a container or
    folder exists only after its attempt's claim committed, so a live one is always among the
    owners read after."""
    seen()
    listed: list[tuple[str, str]] = []
    for target in HOST_TARGETS:
        try:
            names = compute.backend(target).running_names(labels=labels())
        except compute.ComputeUnavailable as exc:
            log.info("janitor: nothing to list on %s: %s", target, exc)
            continue
        listed += [(target, name) for name in names]
    folders = _work_folders()
    owned = _running_names() if (listed or folders) else set()
    removed = 0
    for target, name in listed:
        if name not in owned:
            try:
                compute.backend(target).remove(name)
                removed += 1
            except compute.ComputeUnavailable as exc:
                log.info("janitor: could not remove %s: %s", name, exc)
    gone = 0
    for folder in folders:
        if folder.name not in owned:
            shutil.rmtree(folder, ignore_errors=True)
            gone += 1
    staged = stores.sweep_staging()
    if removed or gone or staged:
        log.info(
            "janitor on %s: removed %d container(s), %d work folder(s), %d abandoned staging folder(s)",
            host_id(),
            removed,
            gone,
            staged,
        )
    return {"containers": removed, "folders": gone, "staging": staged}


def _work_folders() -> list[Path]:
    """This installation's attempt work folders on this host (WORK_ROOT/<container name>)."""
    prefix = installation.container_name(0, 0).removesuffix("0-0")  # pw-<installation>-
    try:
        return [p for p in Path(settings.WORK_ROOT).iterdir() if p.name.startswith(prefix) and p.is_dir()]
    except FileNotFoundError:
        return []


def fan_out() -> dict[str, int]:
    """Beat's pass (control queue): wake the janitor of every live host through its own queue,
    and remove orphans on the cluster-wide targets in use (their API answers from anywhere)."""
    hosts = live_hosts()
    sent = sum(queue.send_args(queue.JANITOR_TASK, (), queue_of(h), expires=MESSAGE_EXPIRES) for h in hosts)
    removed = 0
    for target in compute.cluster_targets_in_use():
        try:
            backend = compute.backend(target)
            names = backend.running_names(labels=installation.labels())
        except compute.ComputeUnavailable as exc:
            log.info("janitor: nothing to list on %s: %s", target, exc)
            continue
        owned = _running_names() if names else set()
        for name in names:
            if name not in owned:
                backend.remove(name)
                removed += 1
    return {"hosts": sent, "cluster": removed}


def kill_on_host(host: str, step_queue: str, name: str) -> None:
    """Stop a step's container on the host that runs it: here when that host is this one, else a
    message on that host's queue plus an immediate best-effort kill here (engines shared between
    hosts through DOCKER_HOST; names carry the installation id and attempt, so a kill on another
    engine touches nothing else)."""
    _on_host(host, step_queue, name, remove=False)


def remove_on_host(host: str, step_queue: str, name: str) -> None:
    """Remove a dead attempt's container on the host that ran it, as `kill_on_host` routes."""
    _on_host(host, step_queue, name, remove=True)


def _on_host(host: str, step_queue: str, name: str, remove: bool) -> None:
    target = compute.target_of(step_queue)
    mine = not host or host == host_id()
    if not mine:
        queue.send_args(queue.KILL_TASK, (target, name, remove), queue_of(host), expires=MESSAGE_EXPIRES)
    kill_here(target, name, remove, folder=remove and mine)


def kill_here(target: str, name: str, remove: bool = False, folder: bool = False) -> None:
    """Kill (or remove) a step's container on this host's engine (the `runner.kill` task's body on
    the owning host), and with `folder` its work folder on this host's disk; an engine that is
    away has nothing to stop: the janitor removes what is left later."""
    backend = compute.backend(target)
    try:
        if remove:
            backend.remove(name)
        else:
            backend.kill(name)
    except compute.ComputeUnavailable as exc:
        log.info("kill %s: %s", name, exc)
    if folder and name.startswith(installation.container_name(0, 0).removesuffix("0-0")):
        shutil.rmtree(Path(settings.WORK_ROOT) / name, ignore_errors=True)

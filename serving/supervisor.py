"""The replica supervisor: makes the Docker engine match the Replica rows, and heals.

One pass (`reconcile`): every running version (see `services.running_versions`) gets its
`replicas` rows and containers; extra rows and their containers go; a replica whose container
exited or vanished, that stops answering pings, or that did not come up within
SERVING_START_TIMEOUT is restarted as the next generation (a new container name); a container of
this installation that no row knows is removed. `run_forever` repeats it every
SERVING_RECONCILE_SECONDS while holding a PostgreSQL advisory lock, so two supervisors never act
at once (the second waits). The web process never starts containers: it only reads READY rows.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

from django.conf import settings
from django.db import close_old_connections, connection
from django.utils import timezone

from runner.compute.base import ComputeUnavailable
from serving import replicas
from serving.models import DeploymentVersion, Replica
from serving.services import running_versions

log = logging.getLogger(__name__)

LOCK_KEY = 0x5E7E  # pg advisory lock of the supervisor
PING_FAILURES = 3  # consecutive failed pings of a ready replica before it is restarted


class Supervisor:
    def __init__(self) -> None:
        self.ping_failures: dict[int, int] = {}
        self.started: dict[int, float] = {}

    def _start(self, row: Replica, version: DeploymentVersion, why: str = "") -> None:
        if row.container_name:
            replicas.stop(row.container_name, row.socket_path)
            row.generation += 1
            row.restarts += 1
        row.last_error = why
        try:
            row.container_name, row.socket_path = replicas.start(row, version)
            row.state = Replica.STARTING
        except ComputeUnavailable:
            raise
        except Exception as exc:
            row.state, row.last_error = Replica.FAILED, f"could not start: {exc}"
            row.container_name = replicas.container_name(row)
        row.started_at = timezone.now()
        self.started[row.pk] = time.monotonic()
        self.ping_failures.pop(row.pk, None)
        row.save()
        if why:
            log.warning("replica %s restarted: %s", row.container_name, why)

    def reconcile(self) -> None:
        live = replicas.containers()
        wanted = {v.pk: v for v in running_versions()}
        rows = list(Replica.objects.all())
        known: set[str] = set()
        for row in rows:
            version = wanted.get(row.version_id)
            if version is None or row.index >= version.replicas:
                replicas.stop(row.container_name, row.socket_path)
                row.delete()
                continue
            known.add(row.container_name)
            status = live.get(row.container_name)
            if status is None or status in ("exited", "dead"):
                why = (
                    ""
                    if not row.container_name
                    else f"container {status or 'gone'}: {replicas.logs_tail(row.container_name)}"
                )
                self._start(row, version, why)
                known.add(row.container_name)
                continue
            if replicas.ping(row.socket_path, timeout=1.0):
                self.ping_failures.pop(row.pk, None)
                if row.state != Replica.READY:
                    Replica.objects.filter(pk=row.pk).update(state=Replica.READY, last_error="")
                continue
            if row.state == Replica.READY:
                fails = self.ping_failures.get(row.pk, 0) + 1
                self.ping_failures[row.pk] = fails
                if fails >= PING_FAILURES:
                    self._start(row, version, f"no answer to {fails} pings")
                    known.add(row.container_name)
            elif time.monotonic() - self.started.get(row.pk, time.monotonic()) > settings.SERVING_START_TIMEOUT:
                tail = replicas.logs_tail(row.container_name)
                self._start(row, version, f"not ready after {settings.SERVING_START_TIMEOUT} s: {tail}")
                known.add(row.container_name)
            else:
                self.started.setdefault(row.pk, time.monotonic())
        have = {(r.version_id, r.index) for r in rows if r.pk is not None}
        for version in wanted.values():
            for index in range(version.replicas):
                if (version.pk, index) not in have:
                    row, _ = Replica.objects.get_or_create(version=version, index=index)
                    self._start(row, version)
                    known.add(row.container_name)
        for name in live:
            if name not in known:
                replicas.stop(name)

    def run_forever(self, should_stop: Callable[[], bool] = lambda: False) -> None:
        """Reconcile every SERVING_RECONCILE_SECONDS under the advisory lock until `should_stop()`.
        A database connection that breaks (PostgreSQL restarted, its backend terminated) takes the
        lock with it: the supervisor drops the connection and takes the lock again on a new one."""
        while not should_stop():
            try:
                self._lead(should_stop)
            except Exception as exc:
                if connection.is_usable():
                    log.exception("replica supervisor: taking the lock failed")
                else:
                    log.warning("replica supervisor: lost its database connection (%s); connecting again", exc)
                    connection.close()
                time.sleep(1)

    def _lead(self, should_stop: Callable[[], bool]) -> None:
        close_old_connections()
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_try_advisory_lock(%s)", [LOCK_KEY])
            held = cursor.fetchone()[0]
        if not held:
            time.sleep(1)
            return
        try:
            while not should_stop():
                started = time.monotonic()
                try:
                    self.reconcile()
                except ComputeUnavailable as exc:
                    log.error("replica supervisor: %s", exc)
                    time.sleep(2)
                except Exception:
                    if not connection.is_usable():
                        raise  # to run_forever, which connects again
                    log.exception("replica supervisor: a pass failed")
                    time.sleep(1)
                time.sleep(max(0.0, settings.SERVING_RECONCILE_SECONDS - (time.monotonic() - started)))
        finally:
            if connection.is_usable():
                with connection.cursor() as cursor:
                    cursor.execute("SELECT pg_advisory_unlock(%s)", [LOCK_KEY])


def in_thread() -> tuple[threading.Thread, threading.Event]:
    """A supervisor in a daemon thread of this process (tests, the bench); set the event to stop it."""
    stop = threading.Event()

    def target() -> None:
        try:
            Supervisor().run_forever(stop.is_set)
        finally:
            connection.close()

    thread = threading.Thread(target=target, name="replica-supervisor", daemon=True)
    thread.start()
    return thread, stop

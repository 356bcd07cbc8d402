"""The replica supervisor outlives its database connection: PostgreSQL restarted or its backend
terminated, it connects again and takes its advisory lock back, instead of failing every pass."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection

from serving.supervisor import LOCK_KEY, in_thread

pytestmark = [pytest.mark.docker, pytest.mark.django_db(transaction=True)]


def _holder() -> int | None:
    """The backend pid holding the supervisor's lock in this database, if one does."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT l.pid FROM pg_locks l JOIN pg_database d ON d.oid = l.database"
            " WHERE l.locktype = 'advisory' AND l.granted AND l.classid = 0 AND l.objid = %s"
            " AND d.datname = current_database()",
            [LOCK_KEY],
        )
        row = cursor.fetchone()
    return row[0] if row else None


def _wait(check: Callable[[], Any], what: str, timeout: float = 20) -> Any:
    deadline = time.monotonic() + timeout
    while not (value := check()):
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.1)
    return value


def test_the_supervisor_takes_its_lock_again_after_its_connection_is_cut(docker_compute: Any) -> None:
    thread, stop = in_thread()
    try:
        first = _wait(_holder, "the supervisor to take its lock")
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_terminate_backend(%s)", [first])
        second = _wait(lambda: (pid := _holder()) != first and pid, "the supervisor to take its lock again")
        assert thread.is_alive()
        assert second != first
    finally:
        stop.set()
        thread.join(timeout=10)
    assert not thread.is_alive()
    assert _holder() is None  # it let go of the lock when stopped

"""The web process's Django (pipewright/asgi_handler.py): the middleware chain and the view run
in one thread hop per request, and the process borrows its database connections from a pool."""

from __future__ import annotations

import copy
from typing import Any

import psycopg_pool.pool
import pytest
from asgiref.sync import SyncToAsync, async_to_sync
from asgiref.testing import ApplicationCommunicator
from django.core.handlers.asgi import ASGIHandler
from django.db import connection
from django.db.backends.postgresql.base import DatabaseWrapper

from pipewright.asgi_handler import SyncChainHandler, check_all_when_one_broke, pool_connections
from teams.tokens import create_token


async def fetch(
    app: Any, path: str, headers: list[tuple[bytes, bytes]], query: bytes = b"", answered: list[Any] | None = None
) -> tuple[int, bytes]:
    """(status, body) of a GET through the ASGI application `app`; the answer's headers (names in
    lower case) into `answered` when given."""
    scope = {"type": "http", "http_version": "1.1", "method": "GET", "path": path, "raw_path": path.encode(),
             "query_string": query, "root_path": "", "scheme": "http", "headers": [(b"host", b"127.0.0.1"), *headers],
             "client": ("127.0.0.1", 50000), "server": ("127.0.0.1", 80)}  # fmt: skip
    communicator = ApplicationCommunicator(app, scope)
    await communicator.send_input({"type": "http.request", "body": b""})
    start, body = await communicator.receive_output(60), b""
    if answered is not None:
        answered[:] = [(name.lower(), value) for name, value in start["headers"]]
    while True:
        message = await communicator.receive_output(60)
        body += message.get("body", b"")
        if not message.get("more_body"):
            return start["status"], body


def hops_of(handler: Any, token: str, monkeypatch: pytest.MonkeyPatch) -> tuple[int, int, bytes]:
    """(sync_to_async calls, status, body) of one GET /api/me/ through `handler`."""
    calls = []
    original = SyncToAsync.__call__

    async def counted(self: Any, *args: Any, **kwargs: Any) -> Any:
        calls.append(self.func)
        return await original(self, *args, **kwargs)

    monkeypatch.setattr(SyncToAsync, "__call__", counted)
    status, body = async_to_sync(fetch)(handler, "/api/me/", [(b"authorization", f"Token {token}".encode())])
    monkeypatch.setattr(SyncToAsync, "__call__", original)
    return len(calls), status, body


def test_the_chain_and_the_view_run_in_one_hop(
    transactional_db: Any, alice: Any, acme: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    _, token = create_token(alice, "web")
    ours, status, body = hops_of(SyncChainHandler(), token, monkeypatch)
    assert status == 200 and b'"alice"' in body
    djangos, status, _ = hops_of(ASGIHandler(), token, monkeypatch)
    assert status == 200
    # request_started, the chain with the view, response.close: against Django's hop per
    # middleware method and per view middleware
    assert ours <= 3, ours
    assert djangos > 10, djangos


def test_the_web_process_borrows_connections_from_a_pool(settings: Any) -> None:
    databases = copy.deepcopy(settings.DATABASES)
    databases["default"]["CONN_MAX_AGE"] = 60
    settings.DB_POOL_MAX_SIZE, settings.DB_POOL_MIN_SIZE = 7, 2
    pool_connections(databases)
    db = databases["default"]
    assert db["OPTIONS"]["pool"] == {"min_size": 2, "max_size": 7}
    assert db["CONN_MAX_AGE"] == 0  # Django refuses a pool with persistent connections
    assert db["CONN_HEALTH_CHECKS"] is True  # the pool checks a connection before lending it


def test_a_broken_connection_has_the_pool_replace_every_idle_one_that_broke(
    transactional_db: Any, settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    databases = copy.deepcopy(settings.DATABASES)
    settings.DB_POOL_MAX_SIZE, settings.DB_POOL_MIN_SIZE = 4, 4
    pool_connections(databases)
    wrapper = DatabaseWrapper(databases["default"], alias="pool-drill")
    pool = wrapper.pool
    check_all_when_one_broke(pool)
    waits: list[float] = []  # psycopg-pool's pauses between the broken connections it lends
    monkeypatch.setattr(psycopg_pool.pool, "sleep", lambda seconds: waits.append(seconds))
    try:
        pool.open(wait=True)
        lent = [pool.getconn() for _ in range(4)]
        pids = [conn.info.backend_pid for conn in lent]
        for conn in lent:
            pool.putconn(conn)
        with connection.cursor() as cursor:  # PostgreSQL restarted, say: every backend of the pool ends
            cursor.execute("SELECT pg_terminate_backend(pid) FROM unnest(%s::int[]) AS pid", [pids])
        with pool.connection() as conn:
            assert conn.execute("SELECT 1").fetchone() == (1,)
            assert conn.info.backend_pid not in pids
        # the first broken one had the pool check the three others at once; alone, psycopg-pool
        # lends them one by one, 1 s, then 2 and 4 s apart
        assert pool.get_stats().get("connections_lost") == 4, pool.get_stats()
        assert not [s for s in waits if s > 0], waits
    finally:
        wrapper.close_pool()


def test_no_pool_when_its_size_is_zero(settings: Any) -> None:
    databases = copy.deepcopy(settings.DATABASES)
    settings.DB_POOL_MAX_SIZE = 0
    pool_connections(databases)
    assert databases == settings.DATABASES


def test_a_streamed_answer_gives_its_connection_back_before_streaming(transactional_db: Any, settings: Any) -> None:
    settings.ROOT_URLCONF = "tests.api.streaming_urls"
    status, body = async_to_sync(fetch)(SyncChainHandler(), "/streamed/", [])
    assert status == 200
    assert body == b"given back"

"""The web process's Django: a synchronous middleware chain (one thread hop per request) and its
database connections from a pool.

Django's own `ASGIHandler` builds its middleware chain in async mode. Our chain holds sync-only
middlewares (pipewright.middleware) and sync views (DRF), so it ping-pongs: every
`MiddlewareMixin` middleware hands `process_request` and `process_response` to the request's
thread and back (`sync_to_async`), `process_view` hops again, and the sync-only ones switch the
chain to sync and back (`async_to_sync`) in the middle: about 30 hops per request, which cost the
web process more CPU than a simple view itself (docs/operations.md, "Reading runs"). Here the
whole chain, view included, runs in one `sync_to_async` call on the request's thread, exactly
as the test client (and WSGI) runs it. The request still gets its own thread-sensitive context,
so its database connection is taken, used and given back on one thread (a streamed answer gives
it back before its body streams); reading the body, sending the answer and streaming stay on the
event loop, as before.

That thread is new for each request, so Django's persistent connections (CONN_MAX_AGE, kept per
thread) cannot help here: the web process uses Django's psycopg pool instead (`pool_connections`).
"""

from __future__ import annotations

import importlib.util
from typing import Any

from asgiref.sync import sync_to_async
from django.conf import settings
from django.core.handlers import base
from django.core.handlers.asgi import ASGIHandler
from django.db import close_old_connections, connections
from django.http import HttpRequest, HttpResponseBase


class SyncChainHandler(ASGIHandler):
    def __init__(self) -> None:
        base.BaseHandler.__init__(self)
        self.load_middleware(is_async=False)

    async def get_response_async(self, request: HttpRequest) -> HttpResponseBase:
        response: Any = await sync_to_async(self._respond, thread_sensitive=True)(request)
        return response  # type: ignore[no-any-return]

    def _respond(self, request: HttpRequest) -> HttpResponseBase:
        # BaseHandler.get_response: the urlconf, the chain, the request's closers, log_response
        response = self.get_response(request)
        if response.streaming:
            # a download may stream for minutes: give its connection back to the pool now, not
            # at the end of the request (a query while streaming borrows one again)
            close_old_connections()
        return response


def pool_connections(databases: dict[str, dict[str, Any]] | None = None) -> None:
    """Before the web process's first query: its connections come from a psycopg pool of
    DB_POOL_MAX_SIZE (none when 0). A request borrows one for its duration and Django's
    end-of-request close gives it back; a connection that broke meanwhile (PostgreSQL restarted)
    is checked and replaced when it is next taken. Only the web process: Celery's prefork workers
    keep their own connections (pipewright/celery.py), and a pool's threads do not survive a fork.
    `databases`: settings.DATABASES unless given."""
    if settings.DB_POOL_MAX_SIZE <= 0:
        return
    if importlib.util.find_spec("psycopg_pool") is None:
        raise RuntimeError(
            "DB_POOL_MAX_SIZE is set but psycopg-pool is not installed (pip install -r requirements.txt),"
            " or set DB_POOL_MAX_SIZE=0 for a connection per request"
        )
    for db in (settings.DATABASES if databases is None else databases).values():
        db["CONN_MAX_AGE"] = 0  # the pool keeps the connections; Django must not keep them too
        db["CONN_HEALTH_CHECKS"] = True  # the pool checks a connection before lending it
        db.setdefault("OPTIONS", {})["pool"] = {
            "min_size": min(settings.DB_POOL_MIN_SIZE, settings.DB_POOL_MAX_SIZE),
            "max_size": settings.DB_POOL_MAX_SIZE,
        }
    if databases is None:
        for alias in connections:
            pool = connections[alias].pool  # Django creates it here (opened at its first use)
            if pool is not None:
                check_all_when_one_broke(pool)


def check_all_when_one_broke(pool: Any) -> None:
    """The pool's check of a connection before it lends it, extended. A broken connection seldom
    broke alone (PostgreSQL restarted or failed over, its backends terminated), and psycopg-pool
    finds the others one borrow at a time, waiting 1 s, then 2, 4 … s between them: the API of the
    PostgreSQL drill answered again only 3 s after the cut. Here a broken one has the pool check
    every idle connection at once (`ConnectionPool.check`) and replace those that broke too.
    psycopg-pool takes its check as an argument, which Django's `pool` gives itself."""
    check = pool._check  # ConnectionPool.check_connection, as Django sets it

    def check_connection(conn: Any) -> None:
        try:
            check(conn)
        except Exception:
            pool.check()
            raise

    if check is not None:
        pool._check = check_connection

"""The scoring path: route a request to a version and a ready replica, and talk to it.

Async, for the web process (Daphne): a routing table per deployment cached for ROUTE_TTL seconds
(so a request costs no database query in the steady state; a change of default, split, scale or
a revoked token is seen within that time), schema checks of the rows, a pool of open unix-socket
connections per replica and event loop, and one retry on another replica when a replica fails
mid-request (its socket refuses, closes or times out).
"""

from __future__ import annotations

import asyncio
import itertools
import json
import random
import time
import weakref
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from asgiref.sync import sync_to_async
from django.conf import settings
from django.db import close_old_connections
from django.db.models import Prefetch

from serving import metrics
from serving.models import Deployment, DeploymentToken, DeploymentVersion, Replica
from serving.services import token_digest
from teams import scoping
from teams.models import Role
from teams.tokens import user_for_key

ROUTE_TTL = 1.0


class ScoreError(Exception):
    def __init__(self, status: int, detail: str, errors: list[dict[str, Any]] | None = None):
        super().__init__(detail)
        self.status, self.detail, self.errors = status, detail, errors or []

    def body(self) -> dict[str, Any]:
        return {"detail": self.detail, "errors": self.errors}


@dataclass
class Route:
    version_id: int
    number: int
    schema: list[dict[str, str]]
    sockets: list[str]


@dataclass
class Table:
    deployment_id: int
    team_id: int
    default: Route | None
    canary: Route | None
    percent: int
    loaded: float
    rr: itertools.count = field(default_factory=itertools.count)


_tables: dict[str, Table] = {}
_keys: dict[tuple[str, str], tuple[bool, float]] = {}


def _route(version: DeploymentVersion | None) -> Route | None:
    if version is None:
        return None
    ready = [r.socket_path for r in version.replica_rows.all() if r.state == Replica.READY and r.socket_path]
    return Route(version.pk, version.number, list(version.spec.get("schema", [])), ready)


def load_table(slug: str) -> Table | None:
    ready = Prefetch("replica_rows", queryset=Replica.objects.order_by("index"))
    full = Deployment.objects.filter(slug=slug).first()
    if full is None:
        return None
    wanted = [x for x in (full.default_version_id, full.canary_version_id) if x]
    by_id = {v.pk: v for v in DeploymentVersion.objects.filter(pk__in=wanted).prefetch_related(ready)}
    return Table(
        deployment_id=full.pk,
        team_id=full.team_id,
        default=_route(by_id.get(full.default_version_id or 0)),
        canary=_route(by_id.get(full.canary_version_id or 0)) if full.canary_percent else None,
        percent=full.canary_percent,
        loaded=time.monotonic(),
    )


def _outside_requests(fn: Callable[..., Any]) -> Callable[..., Any]:
    """`fn` with the database connection recycled first, as Django does at each request's start:
    the ASGI fast path (serving.asgi) has no request cycle."""

    def wrapped(*args: Any) -> Any:
        close_old_connections()
        return fn(*args)

    return wrapped


async def table(slug: str, recycle: bool = False) -> Table | None:
    cached = _tables.get(slug)
    if cached is not None and time.monotonic() - cached.loaded < ROUTE_TTL:
        return cached
    fresh = await sync_to_async(_outside_requests(load_table) if recycle else load_table)(slug)
    if fresh is None:
        _tables.pop(slug, None)
    else:
        _tables[slug] = fresh
    _prune({s for t in _tables.values() for r in (t.default, t.canary) if r is not None for s in r.sockets})
    return fresh


def key_allowed(deployment_id: int, team_id: int, key: str) -> bool:
    """A deployment token of this deployment, or a personal token of a member of its team."""
    if DeploymentToken.objects.filter(deployment_id=deployment_id, digest=token_digest(key)).exists():
        return True
    if key.startswith("pwd_"):
        return False
    user = user_for_key(key)
    return user is not None and scoping.has_role(user, team_id, Role.MEMBER)


async def check_key(t: Table, key: str, recycle: bool = False) -> bool:
    cache_key = (str(t.deployment_id), token_digest(key))
    cached = _keys.get(cache_key)
    if cached is not None and time.monotonic() - cached[1] < ROUTE_TTL:
        return cached[0]
    check = _outside_requests(key_allowed) if recycle else key_allowed
    allowed = await sync_to_async(check)(t.deployment_id, t.team_id, key)
    if len(_keys) > 10000:
        _keys.clear()
    _keys[cache_key] = (allowed, time.monotonic())
    return allowed


def forget(slug: str) -> None:
    """Drop the cached routing table of a deployment (after a change made by this process)."""
    _tables.pop(slug, None)
    _keys.clear()


KINDS = {
    "number": (int, float),
    "integer": (int,),
    "string": (str,),
    "boolean": (bool,),
}


def check_rows(body: Any, schema: list[dict[str, str]]) -> list[dict[str, Any]]:
    """The request's rows, checked against the schema; a 400 naming the row and column otherwise."""
    rows = body.get("rows") if isinstance(body, dict) else body
    if not isinstance(rows, list) or not rows:
        raise ScoreError(
            400,
            'The body must be {"rows": [{column: value, ...}, ...]} with at least one row.',
            [{"field": "rows", "message": "a non-empty list of objects"}],
        )
    if len(rows) > settings.SERVING_MAX_ROWS:
        raise ScoreError(
            400,
            f"At most {settings.SERVING_MAX_ROWS} rows per request.",
            [{"field": "rows", "message": "too many rows"}],
        )
    names = {c["name"]: c["type"] for c in schema}
    for i, row in enumerate(rows):
        if not isinstance(row, dict):
            raise ScoreError(
                400, f"Row {i} is not an object.", [{"row": i, "field": "rows", "message": "not an object"}]
            )
        for column, kind in names.items():
            if column not in row:
                raise ScoreError(
                    400, f"Row {i}, column '{column}': missing.", [{"row": i, "field": column, "message": "missing"}]
                )
            value = row[column]
            if value is None:
                continue
            ok = isinstance(value, KINDS[kind]) and not (kind != "boolean" and isinstance(value, bool))
            if kind == "number" and ok and value != value:  # NaN
                ok = False
            if not ok:
                shown = json.dumps(value)[:60]
                raise ScoreError(
                    400,
                    f"Row {i}, column '{column}': expected {kind}, got {shown}.",
                    [{"row": i, "field": column, "message": f"expected {kind}"}],
                )
        extra = [c for c in row if c not in names]
        if extra:
            raise ScoreError(
                400,
                f"Row {i}, column '{extra[0]}': not an input of this deployment (inputs: {', '.join(names)}).",
                [{"row": i, "field": str(extra[0]), "message": "unknown column"}],
            )
    return rows


class ReplicaDown(Exception):
    pass


Conn = tuple[asyncio.StreamReader, asyncio.StreamWriter]


class ReplicaPool:
    """One event loop's connections to one replica: at most `limit` open at once (a request beyond
    waits here for a free one, so a burst neither overruns the replica's accept backlog nor starts
    more threads there than its pids limit allows), idle ones kept for the next request. `inflight`
    counts the requests given to this replica and not yet answered, waiting ones included: the
    least-busy pick reads it."""

    def __init__(self, limit: int) -> None:
        self.idle: list[Conn] = []
        self.inflight = 0
        self.slots = asyncio.Semaphore(limit)

    def drop_idle(self) -> None:
        for _, w in self.idle:
            w.close()
        self.idle.clear()


# per event loop (weakly: a loop that is gone takes its connections), per replica socket
_pools: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, dict[str, ReplicaPool]] = weakref.WeakKeyDictionary()


def _loop_pools() -> dict[str, ReplicaPool]:
    return _pools.setdefault(asyncio.get_running_loop(), {})


async def _exchange(conn: Conn | None, path: str, payload: bytes) -> tuple[Conn, bytes]:
    """Send `payload` on `conn` (a new connection when None) and read the answer line."""
    try:
        if conn is None:
            async with asyncio.timeout(1.0):
                conn = await asyncio.open_unix_connection(path, limit=2**24)
        reader, writer = conn
        writer.write(payload)
        await writer.drain()
        async with asyncio.timeout(settings.SERVING_REQUEST_TIMEOUT):  # no task per request, unlike wait_for
            line = await reader.readline()
    except (TimeoutError, OSError, asyncio.IncompleteReadError) as exc:
        if conn is not None:
            conn[1].close()
        raise ReplicaDown(str(exc) or type(exc).__name__) from exc
    if not line:
        conn[1].close()
        raise ReplicaDown(f"{path} closed the connection")
    return conn, line


async def _call(path: str, payload: bytes, pooled: bool) -> dict[str, Any]:
    """One request to a replica; `pooled`: on a connection of this event loop's pool (the web
    process's loop lives as long as the process; a short-lived loop, e.g. async_to_sync's, must not
    pool: it opens a connection for the request and closes it)."""
    if not pooled:
        conn, line = await _exchange(None, path, payload)
        conn[1].close()
        return dict(json.loads(line))
    pools = _loop_pools()
    pool = pools.get(path)
    if pool is None:
        pool = pools[path] = ReplicaPool(settings.SERVING_REPLICA_CONNECTIONS)
    pool.inflight += 1
    try:
        try:
            async with asyncio.timeout(settings.SERVING_REQUEST_TIMEOUT):
                await pool.slots.acquire()
        except TimeoutError:
            raise ReplicaDown(f"{path}: no free connection within {settings.SERVING_REQUEST_TIMEOUT} s") from None
        try:
            conn, line = await _exchange(pool.idle.pop() if pool.idle else None, path, payload)
        except ReplicaDown:
            pool.drop_idle()  # every idle connection of this replica is suspect too
            raise
        finally:
            pool.slots.release()
        pool.idle.append(conn)
    finally:
        pool.inflight -= 1
    return dict(json.loads(line))


def _prune(live: set[str]) -> None:
    """Close this loop's pools of replicas no routing table lists any more (stopped, restarted as
    a new generation, or of a version no longer routed to), unless a request is still on one."""
    pools = _loop_pools()
    for path in [p for p, pool in pools.items() if p not in live and not pool.inflight]:
        pools.pop(path).drop_idle()


def order(t: Table, sockets: list[str], pooled: bool) -> list[str]:
    """The replicas to try, best first: the least busy (fewest requests of this process in flight
    on it), round-robin among equally busy ones."""
    start = next(t.rr) % len(sockets)
    rotated = sockets[start:] + sockets[:start]
    if not pooled or len(sockets) == 1:
        return rotated
    pools = _loop_pools()
    return sorted(rotated, key=lambda s: pools[s].inflight if s in pools else 0)  # stable: ties keep the rotation


def pick(t: Table) -> Route:
    if t.canary is not None and t.percent and random.random() * 100 < t.percent:
        return t.canary
    if t.default is None:
        raise ScoreError(503, "The deployment has no default version.")
    return t.default


async def score(
    slug: str, key: str | None, body: Any, *, member: bool = False, recycle: bool = False
) -> tuple[int, dict[str, Any]]:
    """(status, JSON body) of a scoring request; records the version's metrics. `member`: the caller
    was already checked (a signed-in member, from the deployment page), not a key. `recycle`: called
    outside Django's request cycle (the ASGI fast path), so recycle database connections as it would."""
    pooled = not member
    t = await table(slug, recycle) if pooled else await sync_to_async(load_table)(slug)
    refused = 401, {"detail": "A token of this deployment is required: Authorization: Token <key>."}
    if t is None:  # the same answer as a wrong key: a slug's existence is not told to whoever asks
        return (404, {"detail": "Not found."}) if member else refused
    if not member and (not key or not await check_key(t, key, recycle)):
        return refused
    try:
        route = pick(t)
    except ScoreError as exc:
        return exc.status, exc.body()
    started = time.perf_counter()
    status, answer = await _score_on(t, route, body, pooled)
    await metrics.record(route.version_id, (time.perf_counter() - started) * 1000, status == 200, pooled=pooled)
    return status, answer


async def score_as_member(slug: str, body: Any) -> tuple[int, dict[str, Any]]:
    return await score(slug, None, body, member=True)


async def _score_on(t: Table, route: Route, body: Any, pooled: bool) -> tuple[int, dict[str, Any]]:
    try:
        rows = check_rows(body, route.schema)
    except ScoreError as exc:
        return exc.status, exc.body()
    if not route.sockets:
        return 503, {"detail": f"Version {route.number} has no ready replica yet; try again in a moment."}
    payload = json.dumps({"op": "predict", "rows": rows}).encode() + b"\n"
    ranked = order(t, route.sockets, pooled)
    attempts = ranked[:2] if len(ranked) > 1 else ranked * 2  # one retry: on another replica when there is one
    retried = False
    for i, path in enumerate(attempts):
        try:
            reply = await _call(path, payload, pooled)
        except ReplicaDown:
            retried = True
            if i == 0 and len(ranked) == 1:
                await asyncio.sleep(0.2)
            continue
        if reply.get("ok"):
            return 200, {"version": route.number, "rows": reply["rows"], "retried": retried}
        return int(reply.get("status", 400)), {"detail": reply.get("detail", ""), "errors": reply.get("errors", [])}
    t.loaded = 0.0  # re-read the ready replicas on the next request
    return 503, {"detail": f"No replica of version {route.number} answered (tried {len(attempts)})."}

"""Per-version request metrics in Redis, aggregated per minute (bounded memory).

One hash per version and minute, `<prefix>serving:<version id>:<minute>`: `n` (requests), `err`
(answers other than 200) and `b<i>` (a latency histogram: bucket i holds latencies up to
0.25 ms * 1.25**i, 60 buckets reach ~170 s). Each hash expires after SERVING_METRICS_DAYS days, so
the memory is bounded by versions x minutes kept, never by the request count. Percentiles are read
from the summed histogram (within one bucket's width, 25 %). The web process adds up its counts in
memory and writes them every half second (one pipeline), not once per request.
"""

from __future__ import annotations

import asyncio
import logging
import math
import time
import weakref
from typing import Any

import redis
import redis.asyncio as aredis
from django.conf import settings

log = logging.getLogger(__name__)

BASE_MS, GROWTH, BUCKETS = 0.25, 1.25, 60
TTL = 2 * 86400

_async_clients: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, Any] = weakref.WeakKeyDictionary()


def _prefix() -> str:
    return f"{settings.CELERY_BROKER_TRANSPORT_OPTIONS.get('global_keyprefix', '')}serving:"


def bucket(ms: float) -> int:
    if ms <= BASE_MS:
        return 0
    return min(BUCKETS - 1, math.ceil(math.log(ms / BASE_MS, GROWTH)))


def upper_ms(i: int) -> float:
    return BASE_MS * GROWTH**i


def _key(version_id: int, minute: int) -> str:
    return f"{_prefix()}{version_id}:{minute}"


FLUSH_SECONDS = 0.5

# counts not yet written, per event loop: {redis key: {field: increment}}; written every FLUSH_SECONDS
_pending: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, dict[str, dict[str, int]]] = weakref.WeakKeyDictionary()


async def record(version_id: int, ms: float, ok: bool, *, pooled: bool = True) -> None:
    """Count one request. `pooled` (the web process's long-lived loop): add it to this loop's
    pending counts, written to Redis within FLUSH_SECONDS by one pipeline (a request costs no
    Redis round trip; a process that dies loses at most that much). Otherwise written at once."""
    key = _key(version_id, int(time.time() // 60))
    fields = {"n": 1, f"b{bucket(ms)}": 1, **({} if ok else {"err": 1})}
    if not pooled:
        r = aredis.Redis.from_url(settings.REDIS_URL)
        try:
            await _write(r, {key: fields})
        finally:
            await r.aclose()
        return
    loop = asyncio.get_running_loop()
    pending = _pending.get(loop)
    if pending is None:
        pending = _pending[loop] = {}
        loop.call_later(FLUSH_SECONDS, lambda: asyncio.ensure_future(_flush(loop)))
    counts = pending.setdefault(key, {})
    for name, n in fields.items():
        counts[name] = counts.get(name, 0) + n


async def _flush(loop: asyncio.AbstractEventLoop) -> None:
    pending = _pending.pop(loop, None)
    if not pending:
        return
    r = _async_clients.get(loop)
    if r is None:
        r = _async_clients[loop] = aredis.Redis.from_url(settings.REDIS_URL)
    try:
        await _write(r, pending)
    except Exception:  # Redis away: these counts are lost, scoring goes on
        log.warning("serving metrics: could not write %d counters to Redis", len(pending), exc_info=True)


async def _write(r: Any, pending: dict[str, dict[str, int]]) -> None:
    pipe = r.pipeline(transaction=False)
    for key, fields in pending.items():
        for name, n in fields.items():
            pipe.hincrby(key, name, n)
        pipe.expire(key, TTL)
    await pipe.execute()


def summary(version_ids: list[int], minutes: int = 60) -> dict[int, dict[str, Any]]:
    """Requests, errors and p50/p95/p99 (ms) of each version over the last `minutes` minutes."""
    r = redis.Redis.from_url(settings.REDIS_URL)
    now = int(time.time() // 60)
    pipe = r.pipeline(transaction=False)
    for vid in version_ids:
        for m in range(now - minutes + 1, now + 1):
            pipe.hgetall(_key(vid, m))
    answers = pipe.execute()
    out: dict[int, dict[str, Any]] = {}
    for i, vid in enumerate(version_ids):
        n = err = 0
        hist = [0] * BUCKETS
        for h in answers[i * minutes : (i + 1) * minutes]:
            for k, v in h.items():
                name, count = k.decode(), int(v)
                if name == "n":
                    n += count
                elif name == "err":
                    err += count
                elif name.startswith("b"):
                    hist[int(name[1:])] += count
        out[vid] = {"requests": n, "errors": err, **{f"p{q}_ms": _quantile(hist, q / 100) for q in (50, 95, 99)}}
    return out


def _quantile(hist: list[int], q: float) -> float | None:
    total = sum(hist)
    if not total:
        return None
    seen = 0
    for i, count in enumerate(hist):
        seen += count
        if seen >= q * total:
            return round(upper_ms(i), 2)
    return round(upper_ms(BUCKETS - 1), 2)

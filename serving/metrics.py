"""Per-version request metrics in Redis, aggregated per minute (bounded memory).

One hash per version and minute, `<prefix>serving:<version id>:<minute>`: `n` (requests), `err`
(answers other than 200) and `b<i>` (a latency histogram: bucket i holds latencies up to
0.25 ms * 1.25**i, 60 buckets reach ~170 s). Each hash expires after SERVING_METRICS_DAYS days, so
the memory is bounded by versions x minutes kept, never by the request count. Percentiles are read
from the summed histogram (within one bucket's width, 25 %).
"""

from __future__ import annotations

import asyncio
import math
import time
import weakref
from typing import Any

import redis
import redis.asyncio as aredis
from django.conf import settings

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


async def record(version_id: int, ms: float, ok: bool, *, pooled: bool = True) -> None:
    """Count one request; `pooled`: keep the Redis client for this (long-lived) event loop."""
    loop = asyncio.get_running_loop()
    r = _async_clients.get(loop) if pooled else None
    if r is None:
        r = aredis.Redis.from_url(settings.REDIS_URL)
        if pooled:
            _async_clients[loop] = r
    key = _key(version_id, int(time.time() // 60))
    pipe = r.pipeline(transaction=False)
    pipe.hincrby(key, "n", 1)
    if not ok:
        pipe.hincrby(key, "err", 1)
    pipe.hincrby(key, f"b{bucket(ms)}", 1)
    pipe.expire(key, TTL)
    await pipe.execute()
    if not pooled:
        await r.aclose()


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

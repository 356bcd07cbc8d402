"""The channel layer: channels_redis' own, whose group commands are tried again on a connection error.

Why: after Redis restarts, each connection the layer's pool kept from before fails its next command
once, even after redis-py's own retry. Without another try, a feed opened just then failed its
handshake with a 500 (group_add) and a run's event sent just then reached no open feed (group_send):
if it was the run's last, an open canvas never saw the run finish. A repeated group_send is harmless
(feeds drop a seq they have already sent); group_add and group_discard are idempotent.

When Redis is still away after the last try, the error goes to the caller: the run feed closes with
1013 (try again later), the events pump logs it and the run goes on (clients resume from the table).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from channels_redis.core import RedisChannelLayer as _RedisChannelLayer
from redis.exceptions import RedisError

log = logging.getLogger(__name__)
TRIES = 4
PAUSE = 0.05  # seconds before the second try; the n-th waits n times as long


async def tried_again(what: str, command: Callable[[], Awaitable[None]], tries: int = TRIES) -> None:
    for attempt in range(1, tries + 1):
        try:
            await command()
            return
        except (RedisError, OSError) as exc:
            log.warning("channel layer: %s failed (try %d of %d): %s", what, attempt, tries, exc)
            if attempt == tries:
                raise
            await asyncio.sleep(PAUSE * attempt)


class RedisChannelLayer(_RedisChannelLayer):
    async def group_add(self, group: str, channel: str) -> None:
        await tried_again(f"joining {group}", lambda: super(RedisChannelLayer, self).group_add(group, channel))

    async def group_discard(self, group: str, channel: str) -> None:
        await tried_again(f"leaving {group}", lambda: super(RedisChannelLayer, self).group_discard(group, channel))

    async def group_send(self, group: str, message: dict[str, Any]) -> None:
        await tried_again(f"sending to {group}", lambda: super(RedisChannelLayer, self).group_send(group, message))

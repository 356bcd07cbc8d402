"""The channel layer: channels_redis' own, whose group commands are tried again on a connection error.

Why: after Redis restarts, each connection the layer's pool kept from before fails its next command
once, even after redis-py's own retry. Without another try, a feed opened just then failed its
handshake with a 500 (group_add) and a run's event sent just then reached no open feed (group_send):
if it was the run's last, an open canvas never saw the run finish. A repeated group_send is harmless
(feeds drop a seq they have already sent); group_add and group_discard are idempotent.

When Redis is still away after the last try, the error goes to the caller: the run feed closes with
1013 (try again later), the events pump logs it and the run goes on (clients resume from the table).

And group_send is channels_redis 4.3's own in two round trips instead of four: the group's expiry
and its members in one pipeline, then, per Redis, its channels' expiry and the Lua script that
delivers in another. A step's event waits for it between the worker's commit and the WebSocket
(docs/operations.md, "Step timings and runner speed").
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any

from channels_redis.core import RedisChannelLayer as _RedisChannelLayer
from redis.exceptions import RedisError

log = logging.getLogger(__name__)
TRIES = 4
PAUSE = 0.05  # seconds before the second try; the n-th waits n times as long
# channels_redis 4.3's: each channel below its capacity gets its message (KEYS: the channels' keys;
# ARGV: their messages, their capacities, the time, the expiry); returns how many were full
GROUP_SEND_LUA = """
    local over_capacity = 0
    local current_time = ARGV[#ARGV - 1]
    local expiry = ARGV[#ARGV]
    for i=1,#KEYS do
        if redis.call('ZCOUNT', KEYS[i], '-inf', '+inf') < tonumber(ARGV[i + #KEYS]) then
            redis.call('ZADD', KEYS[i], current_time, ARGV[i])
            redis.call('EXPIRE', KEYS[i], expiry)
        else
            over_capacity = over_capacity + 1
        end
    end
    return over_capacity
"""


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
        await tried_again(f"sending to {group}", lambda: self.send_to_group(group, message))

    async def send_to_group(self, group: str, message: dict[str, Any]) -> None:
        """One try of `group_send` (channels_redis 4.3's, pipelined)."""
        assert self.require_valid_group_name(group), "Group name not valid"
        key = self._group_key(group)
        connection = self.connection(self.consistent_hash(group))
        pipe = connection.pipeline(transaction=False)
        pipe.zremrangebyscore(key, min=0, max=int(time.time()) - self.group_expiry)  # members gone quiet
        pipe.zrange(key, 0, -1)
        _, members = await pipe.execute()
        names = [x.decode("utf8") for x in members]
        by_connection, messages, capacities = self._map_channel_keys_to_connection(names, message)
        for index, keys in by_connection.items():
            pipe = self.connection(index).pipeline(transaction=False)
            for channel_key in keys:  # messages past their expiry
                pipe.zremrangebyscore(channel_key, min=0, max=int(time.time()) - int(self.expiry))
            args = [messages[k] for k in keys] + [capacities[k] for k in keys] + [time.time(), self.expiry]
            pipe.eval(GROUP_SEND_LUA, len(keys), *keys, *args)
            over = (await pipe.execute())[-1]
            if over > 0:
                log.info("%s of %s channels over capacity in group %s", over, len(names), group)

"""WebSocket /ws/runs/<id>/ on the real Redis channel layer: snapshot, numbered events, resume, scoping."""

from __future__ import annotations

import asyncio
from typing import Any

import channels_redis.core
import pytest
from channels.db import database_sync_to_async
from channels.layers import get_channel_layer
from channels.routing import URLRouter
from channels.testing import WebsocketCommunicator
from django.contrib.auth.models import AnonymousUser
from redis.exceptions import ConnectionError as RedisConnectionError

from pipewright import channel_layer
from runner import advance, consumers, events, runs
from runner.routing import websocket_urlpatterns
from tests.runner.fixtures import make_version, step

pytestmark = pytest.mark.redis  # the channel layer and the advance enqueued on commit go to Redis


def _connect(run_id: int, user: Any) -> WebsocketCommunicator:
    comm = WebsocketCommunicator(URLRouter(websocket_urlpatterns), f"/ws/runs/{run_id}/")
    comm.scope["user"] = user
    return comm


def test_it_sends_a_snapshot_then_numbered_events_and_resumes(
    transactional_db: Any, local: Any, alice: Any, acme: Any, modules_acme: Any
) -> None:
    version = make_version(acme, [step("a", modules_acme["emit"])])
    run = runs.create_run(version, {}, True, alice)  # publishes seq 1 (run pending)

    async def scenario() -> None:
        comm = _connect(run.pk, alice)
        connected, _ = await comm.connect()
        assert connected
        snap = await comm.receive_json_from(timeout=5)
        assert snap["type"] == "snapshot" and snap["seq"] == 1
        assert snap["run"]["id"] == run.pk and snap["run"]["steps"][0]["node"] == "a"
        await database_sync_to_async(advance.advance_run)(run.pk)  # run running (2), step queued (3)
        await database_sync_to_async(events.publish)(run.pk, {"type": "log", "node": "a", "lines": ["hi"]})
        got = [await comm.receive_json_from(timeout=5) for _ in range(3)]
        assert [e["seq"] for e in got] == [2, 3, 4]
        assert [e["type"] for e in got] == ["run", "step", "log"]
        assert got[1]["node"] == "a" and got[1]["status"] == "queued" and got[2]["lines"] == ["hi"]
        await comm.send_json_to({"type": "resume", "after": 2})
        again = [await comm.receive_json_from(timeout=5) for _ in range(2)]
        assert [e["seq"] for e in again] == [3, 4]
        # bad messages get an error back and the feed stays open
        await comm.send_to(text_data="not json")
        assert (await comm.receive_json_from(timeout=5))["type"] == "error"
        await comm.send_json_to({"type": "resume", "after": 10**30})
        assert "non-negative integer" in (await comm.receive_json_from(timeout=5))["detail"]
        await comm.send_json_to({"type": "ping"})
        assert (await comm.receive_json_from(timeout=5)) == {"type": "pong"}
        await comm.disconnect()

    asyncio.run(scenario())


def test_it_refuses_other_teams_and_anonymous_users(
    transactional_db: Any, local: Any, alice: Any, acme: Any, charlie: Any, other: Any, modules_acme: Any
) -> None:
    version = make_version(acme, [step("a", modules_acme["emit"])])
    run = runs.create_run(version, {}, True, alice)

    async def scenario() -> None:
        # accepted, told why, then closed with a final application code (not refused at the handshake)
        for user, run_id, code in (
            (charlie, run.pk, 4404),
            (AnonymousUser(), run.pk, 4401),
            (alice, run.pk + 1000, 4404),
        ):
            comm = _connect(run_id, user)
            connected, _ = await comm.connect()
            assert connected
            said = await comm.receive_json_from(timeout=5)
            assert said["type"] == "error" and said["code"] == code and said["detail"]
            assert await comm.receive_output(timeout=5) == {"type": "websocket.close", "code": code}
            # the client goes, as a browser does on a close: no consumer is left receiving from
            # Redis (three left at once could hang the loop's shutdown in channels_redis)
            await comm.disconnect()

    asyncio.run(scenario())


def _stale_connections(monkeypatch: Any, command: str, failures: int, owner: Any = None) -> None:
    """channels_redis' own `command` (or `owner`'s) fails its first `failures` calls as a connection
    left stale by a Redis restart fails (in-process fault injection below the retrying layer)."""
    owner = owner or channels_redis.core.RedisChannelLayer
    real = getattr(owner, command)
    left = [failures]

    async def flaky(self: Any, *args: Any) -> Any:
        if left[0] > 0:
            left[0] -= 1
            raise RedisConnectionError("Connection closed by server.")
        return await real(self, *args)

    monkeypatch.setattr(owner, command, flaky)


@pytest.mark.parametrize("failures", [channel_layer.TRIES - 1, channel_layer.TRIES])
def test_an_event_is_sent_again_when_a_connection_from_before_a_redis_restart_fails(
    failures: int, monkeypatch: Any
) -> None:
    layer = get_channel_layer()
    assert isinstance(layer, channel_layer.RedisChannelLayer)  # the layer settings.py configures

    async def scenario() -> None:
        channel = await layer.new_channel()
        await layer.group_add("run-test-resend", channel)
        # one try of group_send, pipelined (channel_layer.py)
        _stale_connections(monkeypatch, "send_to_group", failures, channel_layer.RedisChannelLayer)
        try:
            if failures < channel_layer.TRIES:
                await layer.group_send("run-test-resend", {"type": "run.event", "n": 1})
                assert (await asyncio.wait_for(layer.receive(channel), 5))["n"] == 1
            else:  # Redis still away: the events pump logs it, the run goes on
                with pytest.raises(RedisConnectionError):
                    await layer.group_send("run-test-resend", {"type": "run.event", "n": 1})
        finally:
            monkeypatch.undo()
            await layer.group_discard("run-test-resend", channel)

    asyncio.run(scenario())


@pytest.mark.parametrize("failures", [1, channel_layer.TRIES - 1, channel_layer.TRIES])
def test_a_feed_opened_after_redis_restarted_joins_or_is_closed_to_be_retried(
    transactional_db: Any, local: Any, alice: Any, acme: Any, modules_acme: Any, failures: int, monkeypatch: Any
) -> None:
    version = make_version(acme, [step("a", modules_acme["emit"])])
    run = runs.create_run(version, {}, True, alice)
    _stale_connections(monkeypatch, "group_add", failures)

    async def scenario() -> None:
        comm = _connect(run.pk, alice)
        connected, _ = await comm.connect()
        assert connected
        first = await comm.receive_json_from(timeout=5)
        if failures < channel_layer.TRIES:  # a stale connection or three: the feed opens as always
            assert first["type"] == "snapshot" and first["run"]["id"] == run.pk
            await database_sync_to_async(advance.advance_run)(run.pk)
            assert (await comm.receive_json_from(timeout=5))["seq"] == 2  # and it is in the group
        else:  # Redis still away: not a 500, a close the client retries (1013, try again later)
            assert first["type"] == "error" and first["code"] == consumers.TRY_AGAIN_LATER
            assert "Redis" in first["detail"]
            assert (await comm.receive_output(timeout=5))["code"] == consumers.TRY_AGAIN_LATER
        await comm.disconnect()

    asyncio.run(scenario())


def test_group_send_reaches_every_member_in_order_and_drops_members_gone_quiet() -> None:
    """The pipelined group_send (channel_layer.py) against channels_redis' contract: every channel
    of the group gets every message in order, two of one process (one Redis key) included, and a
    member older than the group expiry is dropped from the group."""
    layer = get_channel_layer()
    assert isinstance(layer, channel_layer.RedisChannelLayer)
    other = channel_layer.RedisChannelLayer(**layer_config())  # a second process's layer

    async def scenario() -> None:
        mine = [await layer.new_channel(), await layer.new_channel()]
        theirs = await other.new_channel()
        for channel in [*mine, theirs]:
            await layer.group_add("run-test-fanout", channel)
        redis = layer.connection(layer.consistent_hash("run-test-fanout"))
        key = layer._group_key("run-test-fanout")
        await redis.zadd(key, {"specific.gone!x": 0})  # joined at the epoch: long expired
        try:
            for n in (1, 2, 3):
                await layer.group_send("run-test-fanout", {"type": "run.event", "n": n})
            for receiver, channel in [(layer, mine[0]), (layer, mine[1]), (other, theirs)]:
                got = [(await asyncio.wait_for(receiver.receive(channel), 5))["n"] for _ in range(3)]
                assert got == [1, 2, 3], channel
            assert b"specific.gone!x" not in await redis.zrange(key, 0, -1)
        finally:
            for channel in [*mine, theirs]:
                await layer.group_discard("run-test-fanout", channel)
            await other.close_pools()

    asyncio.run(scenario())


def layer_config() -> dict[str, Any]:
    from django.conf import settings

    return dict(settings.CHANNEL_LAYERS["default"]["CONFIG"])

"""WebSocket /ws/runs/<id>/ on the real Redis channel layer: snapshot, numbered events, resume, scoping."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from channels.db import database_sync_to_async
from channels.routing import URLRouter
from channels.testing import WebsocketCommunicator
from django.contrib.auth.models import AnonymousUser

from runner import advance, events, runs
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

    asyncio.run(scenario())

"""WebSocket /ws/runs/<id>/: a snapshot, then every numbered run event; {"type":"resume","after":k}."""

from __future__ import annotations

import contextlib
import logging
from typing import Any

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from redis.exceptions import RedisError

from pipewright.ws_auth import NOT_FOUND, UNAUTHENTICATED
from runner import events
from runner.models import Run
from runner.serializers import RunSerializer, runs_for_json
from teams.scoping import scope


@database_sync_to_async
def _visible_run(user: Any, run_id: int) -> bool:
    return scope(Run.objects.filter(pk=run_id), user).exists()


@database_sync_to_async
def _snapshot(run_id: int) -> dict[str, Any]:
    run = runs_for_json().get(pk=run_id)
    return {"type": "snapshot", "seq": run.event_seq, "run": RunSerializer.render(run)}


@database_sync_to_async
def _since(run_id: int, after: int) -> list[dict[str, Any]]:
    return events.since(run_id, after)


_NOT_JSON = object()
log = logging.getLogger(__name__)
TRY_AGAIN_LATER = 1013  # WebSocket close code: the client retries, and resumes where it was


class RunConsumer(AsyncJsonWebsocketConsumer):
    async def connect(self) -> None:
        self.run_id = int(self.scope["url_route"]["kwargs"]["run_id"])
        self.group = events.group(self.run_id)
        self.sent = 0
        user = self.scope.get("user")
        if not getattr(user, "is_authenticated", False):
            await self._refuse(UNAUTHENTICATED, "sign in (or pass ?token=<key>) to follow a run")
            return
        if not await _visible_run(user, self.run_id):
            await self._refuse(NOT_FOUND, f"run {self.run_id} not found")
            return
        if not await self._join():
            await self.accept()
            detail = "live updates are unavailable for a moment (the channel layer's Redis is unreachable)"
            await self.send_json({"type": "error", "code": TRY_AGAIN_LATER, "detail": detail})
            await self.close(code=TRY_AGAIN_LATER)
            return
        await self.accept()
        snapshot = await _snapshot(self.run_id)
        self.sent = snapshot["seq"]
        await self.send_json(snapshot)
        # events published between the snapshot query and group_add are already in the table
        for event in await _since(self.run_id, self.sent):
            await self._forward(event)

    async def _join(self) -> bool:
        """Join the run's group (the layer tries a stale connection again); False while Redis is away."""
        try:
            await self.channel_layer.group_add(self.group, self.channel_name)
        except (RedisError, OSError) as exc:
            log.warning("run %s feed: could not join its group: %s", self.run_id, exc)
            return False
        return True

    async def _refuse(self, code: int, detail: str) -> None:
        # Accept, then close with an application code: a client sees the code and stops retrying
        # (a handshake refused before accept reaches a browser as a bare 1006).
        await self.accept()
        await self.send_json({"type": "error", "code": code, "detail": detail})
        await self.close(code=code)

    async def disconnect(self, code: int) -> None:
        if hasattr(self, "group"):
            with contextlib.suppress(RedisError, OSError):  # Redis gone: so is the group's membership
                await self.channel_layer.group_discard(self.group, self.channel_name)

    @classmethod
    async def decode_json(cls, text_data: str) -> Any:
        try:
            return await super().decode_json(text_data)
        except ValueError:
            return _NOT_JSON

    async def receive_json(self, content: Any, **kwargs: Any) -> None:
        if content is _NOT_JSON:
            await self.send_json({"type": "error", "detail": "messages must be JSON objects"})
        elif isinstance(content, dict) and content.get("type") == "resume":
            after = content.get("after", 0)
            if type(after) is not int or not 0 <= after < 2**62:
                await self.send_json({"type": "error", "detail": "resume needs a non-negative integer 'after'"})
                return
            for event in await _since(self.run_id, after):
                await self.send_json(event)
                self.sent = max(self.sent, event["seq"])
        elif isinstance(content, dict) and content.get("type") == "ping":
            await self.send_json({"type": "pong"})

    async def _forward(self, event: dict[str, Any]) -> None:
        if event["seq"] <= self.sent:
            return
        if event["seq"] > self.sent + 1:  # a gap: fill it from the table so seq stays contiguous
            for missed in await _since(self.run_id, self.sent):
                if self.sent < missed["seq"] < event["seq"]:
                    await self.send_json(missed)
                    self.sent = missed["seq"]
        self.sent = event["seq"]
        await self.send_json(event)

    async def run_event(self, message: dict[str, Any]) -> None:
        await self._forward(message["event"])

    async def run_events(self, message: dict[str, Any]) -> None:
        """Several events sent as one (runner.events.message_of), in order."""
        for event in message["events"]:
            await self._forward(event)

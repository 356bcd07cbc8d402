"""Run events: numbered per run (Run.event_seq), stored (RunEvent) and sent to group "run-<id>"."""

from __future__ import annotations

import contextlib
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction
from django.db.models import F

from runner.models import Run, RunEvent


def group(run_id: int) -> str:
    return f"run-{run_id}"


def publish(run_id: int, event: dict[str, Any]) -> int:
    """Number, store and (after commit) broadcast one event; returns its seq."""
    with transaction.atomic():
        Run.objects.filter(pk=run_id).update(event_seq=F("event_seq") + 1)
        seq = Run.objects.filter(pk=run_id).values_list("event_seq", flat=True).get()
        data = dict(event, seq=seq, run_id=run_id)
        RunEvent.objects.create(run_id=run_id, seq=seq, data=data)
        transaction.on_commit(lambda: _send(run_id, data))
    return seq


def _send(run_id: int, data: dict[str, Any]) -> None:
    layer = get_channel_layer()
    if layer is None:
        return
    # a broadcast failure never fails the run; clients resume from the table
    with contextlib.suppress(Exception):
        async_to_sync(layer.group_send)(group(run_id), {"type": "run.event", "event": data})


def since(run_id: int, after: int) -> list[dict[str, Any]]:
    return list(RunEvent.objects.filter(run_id=run_id, seq__gt=after).order_by("seq").values_list("data", flat=True))

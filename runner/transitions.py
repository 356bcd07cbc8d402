"""Every status change of a run or step: a conditional UPDATE ... WHERE status IN (sources) that
acts only when exactly one row changed, so two workers can never both start or finish a step."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime
from typing import Any

from django.db import connection
from django.db.models import Q

from runner import states
from runner.models import Run, StepRun


def move_step(step_id: int, to: str, *, extra: Q | None = None, **fields: Any) -> bool:
    qs = StepRun.objects.filter(pk=step_id, status__in=states.sources(states.STEP_TRANSITIONS, to))
    if extra is not None:
        qs = qs.filter(extra)
    return qs.update(status=to, **fields) == 1


_CACHED_FIELDS = (
    ("cache_key", ""),
    ("input_hashes", "::jsonb"),
    ("params", "::jsonb"),
    ("image_id", ""),
    ("outputs", "::jsonb"),
    ("metrics", "::jsonb"),
    ("log_path", ""),
    ("reused_from_id", "::bigint"),
    ("started_at", "::timestamptz"),
    ("finished_at", "::timestamptz"),
    ("timings", "::jsonb"),
)


def move_steps_cached(moves: list[tuple[int, dict[str, Any]]]) -> set[int]:
    """Pending steps to `cached`, each with its own fields (`_CACHED_FIELDS`), in one
    UPDATE ... FROM (VALUES ...) WHERE status = 'pending'; returns the ids it moved."""
    if not moves:
        return set()
    names = [name for name, _ in _CACHED_FIELDS]
    row = "(%s::bigint, " + ", ".join(f"%s{cast}" for _, cast in _CACHED_FIELDS) + ")"
    params: list[Any] = []
    for step_id, fields in moves:
        params.append(step_id)
        for name, cast in _CACHED_FIELDS:
            value = fields[name]
            params.append(json.dumps(value) if cast == "::jsonb" else value)
    table = StepRun._meta.db_table
    sql = (
        f'UPDATE "{table}" AS s SET "status" = %s, '
        + ", ".join(f'"{n}" = v."{n}"' for n in names)
        + f" FROM (VALUES {', '.join([row] * len(moves))}) AS v(id, {', '.join(chr(34) + n + chr(34) for n in names)})"
        + ' WHERE s."id" = v.id AND s."status" = %s RETURNING s."id"'
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [states.CACHED, *params, states.PENDING])
        return {r[0] for r in cursor.fetchall()}


def move_run(run_id: int, to: str, **fields: Any) -> bool:
    qs = Run.objects.filter(pk=run_id, status__in=states.sources(states.RUN_TRANSITIONS, to))
    return qs.update(status=to, **fields) == 1


def stamp(at: float | datetime | None = None) -> str:
    """A point of `StepRun.timings`: an ISO timestamp (UTC) of `at` (time.time() seconds or an
    aware datetime), or of now."""
    if isinstance(at, datetime):
        return at.isoformat()
    return datetime.fromtimestamp(time.time() if at is None else at, tz=UTC).isoformat()

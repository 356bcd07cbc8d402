"""`GET /api/runs/{id}/` for clients that poll it: what a read costs the web process.

A client following a run should use the WebSocket (`/ws/runs/{id}/`), but scripts poll this
endpoint, some of them every few milliseconds, on the same web process that serves everyone. So
the read is lean (docs/operations.md, "Reading runs"):
- the run and the four names it shows come in one hand-written query, scoped to the user's
  teams (`teams.scoping`): compiling the equivalent ORM query cost more than running it;
- its steps' JSON is kept per (run, event seq). Every change of a step is published as an event
  in the transaction that makes it (`runner.events`: the WebSocket's contract), which raises
  `Run.event_seq`; so while the run's seq is unchanged its steps are unchanged, and a read after
  any change sees the new seq (the run's row is read first) and renders the steps afresh. A
  steps read that happens to see a newer state than its seq is only kept under that older seq,
  which no later read asks for once the newer seq is visible.
The rest of the run (status, names, timestamps) is read afresh on every request.
"""

from __future__ import annotations

import json
import threading
from collections import OrderedDict
from typing import Any

from django.contrib.auth import get_user_model
from django.db import connection

from designer.models import Pipeline, PipelineVersion
from runner.models import Run
from runner.serializers import RUN_VALUES, run_steps_json, run_values_json
from teams.models import Team
from teams.scoping import visible_team_ids

# runs whose steps' JSON is kept (the most recently read; a 1,000-step run's is about half a MiB)
KEEP = 64

_lock = threading.Lock()
_steps: OrderedDict[tuple[int, int], list[dict[str, Any]]] = OrderedDict()
_sql: str | None = None


def _header_sql() -> str:
    """The run's columns of `RUN_VALUES` and its pipeline's, version's, team's and creator's names."""
    global _sql
    if _sql is None:
        q = connection.ops.quote_name
        run, pipeline, version = (q(m._meta.db_table) for m in (Run, Pipeline, PipelineVersion))
        team, user = q(Team._meta.db_table), q(get_user_model()._meta.db_table)
        own = ", ".join(f"r.{q(Run._meta.get_field(f).column)}" for f in RUN_VALUES if "__" not in f)
        _sql = (
            f"SELECT {own}, p.{q('name')}, v.{q('number')}, t.{q('name')}, u.{q('username')}"
            f" FROM {run} r JOIN {pipeline} p ON p.{q('id')} = r.{q('pipeline_id')}"
            f" JOIN {team} t ON t.{q('id')} = r.{q('team_id')}"
            f" LEFT JOIN {version} v ON v.{q('id')} = r.{q('pipeline_version_id')}"
            f" LEFT JOIN {user} u ON u.{q('id')} = r.{q('created_by_id')}"
            f" WHERE r.{q('id')} = %s AND r.{q('team_id')} = ANY(%s)"
        )
    return _sql


def _run_steps(run_id: int, seq: int) -> list[dict[str, Any]]:
    key = (run_id, seq)
    with _lock:
        kept = _steps.get(key)
        if kept is not None:
            _steps.move_to_end(key)
            return kept
    steps = run_steps_json(run_id)
    with _lock:
        _steps[key] = steps
        while len(_steps) > KEEP:
            _steps.popitem(last=False)
    return steps


def forget() -> None:
    """Drop every kept steps' JSON (tests)."""
    with _lock:
        _steps.clear()


def visible_run_json(user: Any, run_id: int) -> dict[str, Any] | None:
    """The run as `RunSerializer` renders it, or None when the user cannot see it."""
    teams = sorted(visible_team_ids(user))
    if not teams or not 0 < run_id < 2**63:
        return None
    with connection.cursor() as cursor:
        cursor.execute(_header_sql(), [run_id, teams])
        row = cursor.fetchone()
    if row is None:
        return None
    names = [f for f in RUN_VALUES if "__" not in f]
    values = dict(zip([*names, "pipeline__name", "pipeline_version__number", "team__name", "created_by__username"],
                      row, strict=True))  # fmt: skip
    if isinstance(values["parameters"], str):  # jsonb arrives as text (Django's loader)
        values["parameters"] = json.loads(values["parameters"])
    data = run_values_json(values)
    data["steps"] = _run_steps(run_id, values["event_seq"])
    return data

"""The run and step state machines: which status may follow which. Pure; no database.

Every status change in the runner goes through `runner.transitions`, a conditional
`UPDATE ... WHERE status IN (sources(to))`, so two workers can never both start or finish a step.
"""

from __future__ import annotations

# Runs
PENDING = "pending"
QUEUED = "queued"
RUNNING = "running"
SUCCEEDED = "succeeded"
FAILED = "failed"
CANCELED = "canceled"
# Steps only
CACHED = "cached"
SKIPPED = "skipped"

RUN_STATUSES = (PENDING, QUEUED, RUNNING, SUCCEEDED, FAILED, CANCELED)
STEP_STATUSES = (PENDING, QUEUED, RUNNING, SUCCEEDED, FAILED, CACHED, SKIPPED, CANCELED)

RUN_TRANSITIONS: dict[str, frozenset[str]] = {
    PENDING: frozenset({QUEUED, RUNNING, SUCCEEDED, FAILED, CANCELED}),
    QUEUED: frozenset({RUNNING, SUCCEEDED, FAILED, CANCELED}),
    RUNNING: frozenset({SUCCEEDED, FAILED, CANCELED}),
    SUCCEEDED: frozenset(),
    FAILED: frozenset(),
    CANCELED: frozenset(),
}

STEP_TRANSITIONS: dict[str, frozenset[str]] = {
    PENDING: frozenset({QUEUED, CACHED, SKIPPED, CANCELED}),
    # queued -> cached: a step that waited for the same key in flight reuses its outputs
    QUEUED: frozenset({RUNNING, FAILED, CANCELED, CACHED}),
    # running -> queued is a retry (a failed attempt with retries left, or a lost worker)
    RUNNING: frozenset({SUCCEEDED, FAILED, CANCELED, QUEUED}),
    SUCCEEDED: frozenset(),
    FAILED: frozenset(),
    CACHED: frozenset(),
    SKIPPED: frozenset(),
    CANCELED: frozenset(),
}

RUN_TERMINAL = frozenset(s for s, nxt in RUN_TRANSITIONS.items() if not nxt)
STEP_TERMINAL = frozenset(s for s, nxt in STEP_TRANSITIONS.items() if not nxt)
STEP_DONE_OK = frozenset({SUCCEEDED, CACHED})
STEP_DONE_BAD = frozenset({FAILED, SKIPPED, CANCELED})


class IllegalTransition(ValueError):
    pass


def can_move(table: dict[str, frozenset[str]], current: str, to: str) -> bool:
    return to in table.get(current, frozenset())


def sources(table: dict[str, frozenset[str]], to: str) -> tuple[str, ...]:
    """Every status from which `to` may be reached (the WHERE status IN (...) of a transition)."""
    found = tuple(sorted(s for s, nxt in table.items() if to in nxt))
    if not found:
        raise IllegalTransition(f"no status may move to {to!r}")
    return found


def check(table: dict[str, frozenset[str]], current: str, to: str) -> None:
    if not can_move(table, current, to):
        raise IllegalTransition(f"cannot move from {current!r} to {to!r}")

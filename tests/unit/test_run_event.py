"""The run feed's "run" event: RunEventSerializer renders what clients have always received."""

from __future__ import annotations

from datetime import UTC, datetime

from runner.models import Run
from runner.serializers import RunEventSerializer


def test_a_run_event_carries_status_error_and_times_as_the_feed_always_has() -> None:
    started = datetime(2025, 1, 2, 3, 4, 5, 678000, tzinfo=UTC)
    run = Run(status="running", error="", started_at=started, finished_at=None)
    assert RunEventSerializer(run).data == {
        "status": "running",
        "error": None,
        "started_at": "2025-01-02T03:04:05.678000+00:00",
        "finished_at": None,
    }


def test_a_failed_run_event_names_its_error() -> None:
    when = datetime(2025, 1, 2, tzinfo=UTC)
    run = Run(status="failed", error="step b failed", started_at=when, finished_at=when)
    data = RunEventSerializer(run).data
    assert data["error"] == "step b failed" and data["finished_at"] == "2025-01-02T00:00:00+00:00"

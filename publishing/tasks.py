"""Thin Celery tasks of publishing: ids in, services do the work."""

from __future__ import annotations

from celery import shared_task

from publishing import services


# Not acks_late: firing twice would start two runs. A firing lost with a dying worker is skipped,
# as cron would; the PeriodicTask's expire_seconds drops firings nobody picked up in time.
@shared_task(name="publishing.run_schedule", acks_late=False)
def run_schedule_task(schedule_id: int) -> str:
    return services.run_schedule(schedule_id)

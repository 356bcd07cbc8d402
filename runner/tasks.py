"""Thin Celery tasks: ids in, services do the work. The database is the record."""

from __future__ import annotations

from celery import shared_task

from runner import services


@shared_task(name="runner.advance_run", acks_late=True, reject_on_worker_lost=True)
def advance_run_task(run_id: int) -> str | None:
    return services.advance_run(run_id)


@shared_task(name="runner.execute_step", acks_late=True, reject_on_worker_lost=True)
def execute_step_task(step_run_id: int) -> str | None:
    return services.execute_step(step_run_id)


@shared_task(name="runner.reap", acks_late=True)
def reap_task() -> dict[str, int]:
    return services.reap()


@shared_task(name="runner.noop")
def noop_task(mark: str | None = None) -> None:
    """Does nothing (but set a Redis key when given): the floor for bench/runner_bench.py."""
    if mark:
        import redis
        from django.conf import settings

        redis.Redis.from_url(settings.REDIS_URL).set(mark, "1", ex=600)

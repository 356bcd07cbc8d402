import os

from celery import Celery
from celery.signals import task_prerun, worker_init

from pipewright.env import env_int

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pipewright.settings")

app = Celery("pipewright")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

# Queues: "pipewright" (orchestration: advance_run, reap, the janitors' fan-out, run_schedule), one
# per compute target ("compute-docker", "compute-local", "compute-kubernetes") for execute_step,
# which runner.queue always sends to its step's compute queue, and one per worker host
# ("host.<PIPEWRIGHT_HOST_ID>": its janitor and kills, runner.hosts) that only that host's step
# workers consume. Separate workers consume them (scripts/run.py, docs/operations.md), so
# scheduling never waits for a slot a long step holds.
app.conf.task_default_queue = "pipewright"
app.conf.task_routes = {
    "runner.advance_run": {"queue": "pipewright"},
    "runner.reap": {"queue": "pipewright"},
    "runner.janitors": {"queue": "pipewright"},
    "publishing.run_schedule": {"queue": "pipewright"},
}
# Schedules made through /api/schedules/ are django-celery-beat PeriodicTasks (DatabaseScheduler).
app.conf.beat_schedule = {
    "runner-reap": {
        "task": "runner.reap",
        "schedule": float(env_int("PIPEWRIGHT_REAP_EVERY", 10)),  # as settings reads it
        "options": {"queue": "pipewright", "expires": 30},
    },
    "runner-janitors": {
        "task": "runner.janitors",
        "schedule": float(env_int("PIPEWRIGHT_JANITOR_EVERY", 60)),  # as settings reads it
        "options": {"queue": "pipewright", "expires": 60},
    },
}


@worker_init.connect
def _keep_database_connections(**_: object) -> None:
    """A worker keeps its database connections between tasks: a new PostgreSQL connection per task
    costs more than the task's own queries. Celery's Django fixup closes them only every
    CELERY_DB_REUSE_MAX tasks; before each task, Django's own check replaces one that broke or
    outlived WORKER_DB_CONN_MAX_AGE. Daphne borrows its connections from a pool instead
    (pipewright/asgi_handler.py)."""
    from django.conf import settings

    for db in settings.DATABASES.values():
        db["CONN_MAX_AGE"] = env_int("WORKER_DB_CONN_MAX_AGE", 300)
        db["CONN_HEALTH_CHECKS"] = True
    task_prerun.connect(_check_connections, weak=False)


def _check_connections(**_: object) -> None:
    from django.db import close_old_connections

    close_old_connections()

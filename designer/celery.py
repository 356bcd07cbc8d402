import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "designer.settings")

app = Celery("pipewright")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

# Queues: "pipewright" (orchestration: advance_run, reap, run_schedule) and one per compute target
# ("compute-docker", "compute-local") for execute_step.
app.conf.task_default_queue = "pipewright"
app.conf.task_routes = {
    "runner.advance_run": {"queue": "pipewright"},
    "runner.reap": {"queue": "pipewright"},
    "designer.run_schedule": {"queue": "pipewright"},
}
# Schedules made through /api/schedules/ are django-celery-beat PeriodicTasks (DatabaseScheduler).
app.conf.beat_schedule = {
    "runner-reap": {
        "task": "runner.reap",
        "schedule": float(os.environ.get("PIPEWRIGHT_REAP_EVERY", "10")),
        "options": {"queue": "pipewright", "expires": 30},
    },
}

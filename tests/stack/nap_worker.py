"""A Celery app with Pipewright's worker settings (broker, late acknowledgement, the consumer of
pipewright/consumer.py) and one task that naps, for the drill of a worker losing Redis mid-task."""

import os
import time
from pathlib import Path

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pipewright.settings")

app = Celery("nap")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.conf.task_default_queue = "nap"


@app.task(name="nap")
def nap(seconds: float, marker: str) -> None:
    time.sleep(seconds)
    Path(marker).write_text("done")

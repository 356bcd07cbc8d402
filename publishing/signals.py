"""A Schedule owns its django-celery-beat PeriodicTask: whichever way the schedule goes (its own
DELETE, or a cascade from its endpoint, pipeline, team or owner), the beat task goes with it."""

from __future__ import annotations

from typing import Any

from django.db.models.signals import post_delete
from django.dispatch import receiver
from django_celery_beat.models import PeriodicTask

from publishing.models import Schedule
from publishing.services import drop_unused_crontab


@receiver(post_delete, sender=Schedule, dispatch_uid="publishing.schedule_removes_its_beat_task")
def remove_beat_task(sender: Any, instance: Schedule, **kwargs: Any) -> None:
    task = PeriodicTask.objects.filter(pk=instance.periodic_task_id).first()
    if task is not None:
        crontab_id = task.crontab_id
        task.delete()
        drop_unused_crontab(crontab_id)

"""Published pipelines: endpoints (a stable name to run a version by) and their cron schedules."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from designer.models import Pipeline, PipelineVersion
from runner.models import Run
from teams.models import Team


class Endpoint(models.Model):
    """A stable, named way to run a pipeline: `POST /api/endpoints/<slug>/runs` runs `version`.

    The slug is global (it is a URL) and never changes; `version` can be re-pointed to any
    runnable version of the same pipeline.
    """

    slug = models.SlugField(max_length=63, unique=True)
    name = models.CharField(max_length=200)
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="endpoints")
    pipeline = models.ForeignKey(Pipeline, on_delete=models.CASCADE, related_name="endpoints")
    version = models.ForeignKey(PipelineVersion, on_delete=models.CASCADE, related_name="endpoints")
    enabled = models.BooleanField(default=True)  # a disabled endpoint starts no runs (nor do its schedules)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["slug"]

    def __str__(self) -> str:
        return self.slug


class Schedule(models.Model):
    """Runs an endpoint's current version on a cron schedule, as the user who owns the schedule.

    The timing lives in django-celery-beat (`periodic_task` + its CrontabSchedule, read by the
    DatabaseScheduler); this row carries what beat does not know: team, owner, parameters.
    """

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="schedules")
    endpoint = models.ForeignKey(Endpoint, on_delete=models.CASCADE, related_name="schedules")
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    cron = models.CharField(max_length=600)
    parameters = models.JSONField(default=dict, blank=True)
    periodic_task = models.OneToOneField(
        "django_celery_beat.PeriodicTask", on_delete=models.CASCADE, related_name="pipewright_schedule"
    )
    last_run = models.ForeignKey(Run, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    last_error = models.TextField(blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.endpoint_id} @ {self.cron}"

"""Real-time deployments: an inference pipeline served by long-lived replica containers.

A `Deployment` (`team/slug`, the slug global because it is a URL) has numbered `DeploymentVersion`s,
each a frozen serving spec compiled from one inference pipeline version. The deployment routes
requests by weight: `default_version` alone, or a canary split between it and `canary_version`.
`Replica` rows are the desired and observed replicas of a version; the supervisor
(`serving.supervisor`) makes the engine match them. `DeploymentToken`s score one deployment only.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from designer.models import PipelineVersion
from teams.models import Team


class Deployment(models.Model):
    slug = models.SlugField(max_length=63, unique=True)
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="deployments")
    default_version = models.ForeignKey(
        "DeploymentVersion", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # a canary split: `canary_percent` of the requests go to `canary_version`, the rest to the default
    canary_version = models.ForeignKey(
        "DeploymentVersion", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    canary_percent = models.PositiveSmallIntegerField(default=0)
    # the default before the current one: its replicas keep running, so a rollback is instant
    previous_version = models.ForeignKey(
        "DeploymentVersion", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["slug"]

    def __str__(self) -> str:
        return f"{self.team_id}/{self.slug}"


class DeploymentVersion(models.Model):
    deployment = models.ForeignKey(Deployment, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    pipeline_version = models.ForeignKey(PipelineVersion, on_delete=models.PROTECT, related_name="+")
    spec = models.JSONField()  # serving.spec: input schema, transforms with their state, model sha256
    replicas = models.PositiveSmallIntegerField(default=1)  # desired
    memory_mb = models.PositiveIntegerField(default=512)
    cpu = models.FloatField(default=1.0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["deployment_id", "number"]
        constraints = [models.UniqueConstraint(fields=["deployment", "number"], name="one_number_per_deployment")]

    def __str__(self) -> str:
        return f"{self.deployment_id} v{self.number}"


class Replica(models.Model):
    """One replica slot of a version. `generation` grows on every (re)start: the container name
    carries it, so a replacement never collides with the container it replaces."""

    STARTING, READY, FAILED = "starting", "ready", "failed"

    version = models.ForeignKey(DeploymentVersion, on_delete=models.CASCADE, related_name="replica_rows")
    index = models.PositiveSmallIntegerField()
    generation = models.PositiveIntegerField(default=0)
    state = models.CharField(max_length=16, default=STARTING)
    container_name = models.CharField(max_length=120, blank=True, default="")
    socket_path = models.CharField(max_length=500, blank=True, default="")
    restarts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True, default="")
    started_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["version_id", "index"]
        constraints = [models.UniqueConstraint(fields=["version", "index"], name="one_replica_per_index")]

    def __str__(self) -> str:
        return self.container_name or f"{self.version_id}/{self.index}"


class DeploymentToken(models.Model):
    """A key that scores one deployment and nothing else (hashed like personal tokens)."""

    deployment = models.ForeignKey(Deployment, on_delete=models.CASCADE, related_name="tokens")
    name = models.CharField(max_length=100)
    prefix = models.CharField(max_length=16)
    digest = models.CharField(max_length=64, unique=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["deployment_id", "id"]

    def __str__(self) -> str:
        return f"{self.prefix}... ({self.name})"

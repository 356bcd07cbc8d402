"""Pipelines (the canvas document plus its immutable compiled versions) and datasets."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models

from teams.models import Team


class ImmutableError(ValueError):
    """Pipeline versions and dataset versions never change once created."""


def empty_graph() -> dict[str, Any]:
    return {"schema": 1, "nodes": [], "edges": [], "parameters": []}


class Pipeline(models.Model):
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="pipelines")
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True, default="")
    graph = models.JSONField(default=empty_graph)
    revision = models.PositiveIntegerField(default=1)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["team_id", "name", "id"]

    def __str__(self) -> str:
        return f"{self.team_id}/{self.name}"

    @property
    def etag(self) -> str:
        return f'"{self.revision}"'


class PipelineVersion(models.Model):
    """One saved, compiled graph. Immutable: a new save with a changed graph makes a new version."""

    pipeline = models.ForeignKey(Pipeline, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    graph = models.JSONField()  # pinned: every module node carries its resolved version
    plan = models.JSONField(null=True, blank=True)  # Plan.to_json(), null when the graph has errors
    errors = models.JSONField(default=list, blank=True)
    warnings = models.JSONField(default=list, blank=True)
    # the note the save that made this version carried ("what changed and why")
    message = models.CharField(max_length=500, blank=True, default="")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["pipeline_id", "number"]
        constraints = [models.UniqueConstraint(fields=["pipeline", "number"], name="one_number_per_pipeline")]

    def __str__(self) -> str:
        return f"{self.pipeline_id} v{self.number}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None and not self._state.adding:
            raise ImmutableError(f"Pipeline version {self.number} is immutable; save the pipeline instead.")
        super().save(*args, **kwargs)

    @property
    def runnable(self) -> bool:
        return self.plan is not None and not self.errors


class Dataset(models.Model):
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="datasets")
    name = models.CharField(max_length=63)
    # archived: hidden from the default list and the palette; pinned pipelines still read it
    archived = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["team_id", "name"]
        constraints = [models.UniqueConstraint(fields=["team", "name"], name="one_dataset_name_per_team")]

    def __str__(self) -> str:
        return f"{self.team_id}/{self.name}"


class DatasetVersion(models.Model):
    dataset = models.ForeignKey(Dataset, on_delete=models.CASCADE, related_name="versions")
    version = models.PositiveIntegerField()
    artifact = models.CharField(max_length=64)  # sha256 in artifacts.store
    size = models.BigIntegerField(default=0)
    filename = models.CharField(max_length=255)
    columns = models.JSONField(default=list, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["dataset_id", "version"]
        constraints = [models.UniqueConstraint(fields=["dataset", "version"], name="one_number_per_dataset")]

    def __str__(self) -> str:
        return f"{self.dataset_id} v{self.version}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None and not self._state.adding:
            raise ImmutableError(f"Dataset version {self.version} is immutable; upload a new version.")
        super().save(*args, **kwargs)


class DatasetProfile(models.Model):
    """The column profile of one stored CSV (designer.datasets.scan_csv), once per artifact sha."""

    artifact = models.CharField(max_length=64, unique=True)
    profile = models.JSONField()
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.artifact[:12]

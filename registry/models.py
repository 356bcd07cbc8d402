"""The model registry: a team's named models and their numbered versions, each a snapshot of
where one step's `Model` output came from (run, pipeline version, module versions, parameters,
input datasets) and how it scored (metrics). Rows are written only by `registry.services`."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from designer.models import PipelineVersion
from runner.models import Run, StepRun
from teams.models import Team


class RegisteredModel(models.Model):
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="registered_models")
    name = models.CharField(max_length=100)
    description = models.TextField(blank=True, default="")
    # archived: hidden from the default list; its versions still resolve for whoever pinned them
    archived = models.BooleanField(default=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["team_id", "name", "id"]
        constraints = [models.UniqueConstraint(fields=["team", "name"], name="one_model_name_per_team")]

    def __str__(self) -> str:
        return f"{self.team_id}/{self.name}"


class ModelVersion(models.Model):
    """Immutable but for `tags` and `archived`. `step` is the step run whose output `port` holds
    the model's bytes (`sha256`); the snapshot fields keep what it came from even when the run is
    deleted later (then `step` and `run` are null)."""

    model = models.ForeignKey(RegisteredModel, on_delete=models.CASCADE, related_name="versions")
    version = models.PositiveIntegerField()
    step = models.ForeignKey(StepRun, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    node = models.CharField(max_length=100)
    port = models.CharField(max_length=100)
    sha256 = models.CharField(max_length=64, db_index=True)
    run = models.ForeignKey(Run, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    pipeline_version = models.ForeignKey(
        PipelineVersion, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # {metric: value}, and {metric: node} saying which step of the run reported each
    metrics = models.JSONField(default=dict, blank=True)
    metric_sources = models.JSONField(default=dict, blank=True)
    # the model's step and every step upstream of it in its run, in plan order (registry.lineage
    # .ingredients): [{"node", "module", "version", "digest", "image_id", "params",
    # "datasets": [{"port", "dataset", "version", "sha256"}], "inputs": {port: sha}, "outputs": {port: sha}}]
    upstream = models.JSONField(default=list, blank=True)
    run_parameters = models.JSONField(default=dict, blank=True)  # the run's pipeline parameters
    tags = models.JSONField(default=list, blank=True)  # unique per model (services.set_tags moves them)
    archived = models.BooleanField(default=False)
    description = models.TextField(blank=True, default="")
    # the register-model step that registered it (null when registered from the UI or API)
    registered_by_step = models.OneToOneField(
        StepRun, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["model_id", "-version"]
        constraints = [models.UniqueConstraint(fields=["model", "version"], name="one_number_per_model")]

    def __str__(self) -> str:
        return f"{self.model_id} v{self.version}"

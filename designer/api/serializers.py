from __future__ import annotations

from datetime import datetime
from typing import Any

from django.urls import reverse
from django.utils import timezone
from rest_framework import serializers

from designer import services
from designer.cron import CronError, parse_cron
from designer.errors import LocatedError
from designer.models import Dataset, DatasetVersion, Endpoint, Pipeline, PipelineVersion, Schedule


def _graph(value: Any) -> Any:
    try:
        services.check_graph_shape(value)
    except LocatedError as exc:
        raise serializers.ValidationError(exc.errors[0]["message"])
    return value


class IssueSerializer(serializers.Serializer):
    code = serializers.CharField()
    message = serializers.CharField()
    node = serializers.CharField(required=False)
    port = serializers.CharField(required=False)
    field = serializers.CharField(required=False)
    nodes = serializers.ListField(child=serializers.CharField(), required=False)


class PipelineCreateSerializer(serializers.Serializer):
    team = serializers.CharField(max_length=63)
    name = serializers.CharField(max_length=200)
    description = serializers.CharField(required=False, allow_blank=True, default="", max_length=10000)
    graph = serializers.JSONField(required=False, help_text="The canvas document (see Pipelines in API.md).")

    def validate_graph(self, value: Any) -> Any:
        return _graph(value)


class PipelineUpdateSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=200, required=False)
    description = serializers.CharField(required=False, allow_blank=True, max_length=10000)
    graph = serializers.JSONField(required=False)

    def validate_graph(self, value: Any) -> Any:
        return _graph(value)


class GraphSerializer(serializers.Serializer):
    graph = serializers.JSONField()

    def validate_graph(self, value: Any) -> Any:
        return _graph(value)


class DuplicateSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=200)


class PipelineRowSerializer(serializers.ModelSerializer):
    team = serializers.CharField(source="team.name")
    latest_version = serializers.IntegerField(allow_null=True, read_only=True)

    class Meta:
        model = Pipeline
        fields = ["id", "team", "name", "description", "revision", "latest_version", "created_at", "updated_at"]


class PipelineDetailSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    team = serializers.CharField()
    name = serializers.CharField()
    description = serializers.CharField()
    graph = serializers.JSONField()
    revision = serializers.IntegerField()
    errors = IssueSerializer(many=True)
    warnings = IssueSerializer(many=True)
    latest_version = serializers.IntegerField(allow_null=True)
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()
    etag = serializers.CharField(help_text="The same value as the ETag header; send it back as If-Match.")


class PipelineSaveSerializer(PipelineDetailSerializer):
    version = serializers.IntegerField(allow_null=True, help_text="The version this save corresponds to.")
    version_created = serializers.BooleanField(help_text="False when the graph did not change.")
    runnable = serializers.BooleanField()


class ValidateResultSerializer(serializers.Serializer):
    errors = IssueSerializer(many=True)
    warnings = IssueSerializer(many=True)
    graph = serializers.JSONField(help_text="The graph with every module version pinned.")
    plan = serializers.JSONField(allow_null=True)


class VersionRowSerializer(serializers.ModelSerializer):
    created_by = serializers.SlugRelatedField(slug_field="username", read_only=True)
    runnable = serializers.BooleanField(read_only=True)
    error_count = serializers.SerializerMethodField()
    warning_count = serializers.SerializerMethodField()

    class Meta:
        model = PipelineVersion
        fields = ["number", "runnable", "error_count", "warning_count", "created_by", "created_at"]

    def get_error_count(self, v: PipelineVersion) -> int:
        return len(v.errors or [])

    def get_warning_count(self, v: PipelineVersion) -> int:
        return len(v.warnings or [])


class VersionDetailSerializer(VersionRowSerializer):
    errors = IssueSerializer(many=True)
    warnings = IssueSerializer(many=True)

    class Meta(VersionRowSerializer.Meta):
        fields = [*VersionRowSerializer.Meta.fields, "graph", "plan", "errors", "warnings"]


class DiffSerializer(serializers.Serializer):
    from_version = serializers.IntegerField()
    to_version = serializers.IntegerField()
    nodes = serializers.JSONField(help_text="{added: [id], removed: [id], changed: [{id, fields}]}")
    edges = serializers.JSONField(help_text="{added: [edge], removed: [edge]}")
    parameters = serializers.JSONField(help_text="{added: [name], removed: [name], changed: [{name, fields}]}")
    module_versions = serializers.JSONField(help_text="[{node, module, from, to}]")


class DatasetUploadSerializer(serializers.Serializer):
    team = serializers.CharField(max_length=63)
    name = serializers.RegexField(r"^[a-z0-9][a-z0-9._-]{0,62}$", max_length=63)
    file = serializers.FileField(allow_empty_file=True)


class DatasetVersionSerializer(serializers.ModelSerializer):
    created_by = serializers.SlugRelatedField(slug_field="username", read_only=True)

    class Meta:
        model = DatasetVersion
        fields = ["version", "artifact", "size", "filename", "columns", "created_by", "created_at"]


class DatasetSerializer(serializers.ModelSerializer):
    team = serializers.CharField(source="team.name")
    ref = serializers.SerializerMethodField()
    latest_version = serializers.SerializerMethodField()
    versions = DatasetVersionSerializer(many=True)

    class Meta:
        model = Dataset
        fields = ["id", "team", "name", "ref", "latest_version", "created_at", "versions"]

    def get_ref(self, d: Dataset) -> str:
        return f"{d.team.name}/{d.name}"

    def get_latest_version(self, d: Dataset) -> int | None:
        numbers = [v.version for v in d.versions.all()]
        return max(numbers) if numbers else None


# -- endpoints and schedules -------------------------------------------------------------------


class StrictBooleanField(serializers.BooleanField):
    """JSON true or false only (DRF's BooleanField would also take "yes", 1, "on", ...)."""

    def to_internal_value(self, data: Any) -> bool:
        if not isinstance(data, bool):
            self.fail("invalid", input=data)
        return data


class CronField(serializers.CharField):
    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", 600)
        kwargs.setdefault(
            "help_text",
            "Five fields, 'minute hour day-of-month month day-of-week', in UTC, e.g. '0 6 * * 1-5'.",
        )
        super().__init__(**kwargs)

    def to_internal_value(self, data: Any) -> Any:
        text = super().to_internal_value(data) if isinstance(data, str) else data
        try:
            return parse_cron(text)
        except CronError as exc:
            raise serializers.ValidationError(str(exc))


class PipelinePublishSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=200, help_text="Display name; the URL slug is derived from it.")
    version = serializers.IntegerField(
        required=False, min_value=1, help_text="Pipeline version to serve; the latest when omitted."
    )


class EndpointUpdateSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=200, required=False, help_text="New display name; the slug stays.")
    version = serializers.IntegerField(required=False, min_value=1, help_text="Re-point at this pipeline version.")


class EndpointRunSerializer(serializers.Serializer):
    parameters = serializers.DictField(required=False, default=dict)
    cache = StrictBooleanField(default=True)


class EndpointSerializer(serializers.ModelSerializer):
    team = serializers.CharField(source="team.name")
    pipeline_name = serializers.CharField(source="pipeline.name")
    version = serializers.IntegerField(source="version.number", help_text="The pipeline version the endpoint runs.")
    url = serializers.SerializerMethodField(help_text="POST here with a token to start a run.")
    created_by = serializers.SlugRelatedField(slug_field="username", read_only=True)

    class Meta:
        model = Endpoint
        fields = [
            "slug",
            "name",
            "url",
            "team",
            "pipeline",
            "pipeline_name",
            "version",
            "created_by",
            "created_at",
            "updated_at",
        ]

    def get_url(self, endpoint: Endpoint) -> str:
        path = reverse("endpoint-runs", kwargs={"slug": endpoint.slug})
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request is not None else path


class ScheduleCreateSerializer(serializers.Serializer):
    endpoint = serializers.SlugField(max_length=63, help_text="The endpoint's slug.")
    cron = CronField()
    parameters = serializers.DictField(required=False, default=dict)
    enabled = StrictBooleanField(default=True)


class ScheduleUpdateSerializer(serializers.Serializer):
    cron = CronField(required=False)
    parameters = serializers.DictField(required=False)
    enabled = StrictBooleanField(required=False)


class ScheduleSerializer(serializers.ModelSerializer):
    endpoint = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    team = serializers.CharField(source="team.name")
    owner = serializers.SlugRelatedField(
        slug_field="username", read_only=True, help_text="The schedule's runs are started as this user."
    )
    enabled = serializers.BooleanField(source="periodic_task.enabled")
    last_run_at = serializers.DateTimeField(source="periodic_task.last_run_at", allow_null=True)
    next_run_at = serializers.SerializerMethodField()
    last_run = serializers.PrimaryKeyRelatedField(read_only=True, help_text="The last run this schedule started.")
    last_error = serializers.CharField(help_text="Why the last firing could not start a run; empty when it did.")

    class Meta:
        model = Schedule
        fields = [
            "id",
            "endpoint",
            "team",
            "owner",
            "cron",
            "parameters",
            "enabled",
            "last_run_at",
            "next_run_at",
            "last_run",
            "last_error",
            "created_at",
            "updated_at",
        ]

    def get_next_run_at(self, schedule: Schedule) -> datetime | None:
        task = schedule.periodic_task
        if not task.enabled or task.crontab is None:
            return None
        start, remaining, _now = task.crontab.schedule.remaining_delta(timezone.now())
        when: datetime = start + remaining
        return when

"""Request and response shapes of endpoints and schedules."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.urls import reverse
from django.utils import timezone
from rest_framework import serializers

from pipewright.fields import BIGINT_MAX, NameField, ParametersField, StrictBooleanField
from publishing.cron import CronError, parse_cron
from publishing.models import Endpoint, Schedule


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
    name = NameField(max_length=200, help_text="Display name; the URL slug is derived from it.")
    version = serializers.IntegerField(
        required=False,
        min_value=1,
        max_value=BIGINT_MAX,
        help_text="Pipeline version to serve; the latest when omitted.",
    )


class EndpointUpdateSerializer(serializers.Serializer):
    name = NameField(max_length=200, required=False, help_text="New display name; the slug stays.")
    version = serializers.IntegerField(
        required=False, min_value=1, max_value=BIGINT_MAX, help_text="Re-point at this pipeline version."
    )
    enabled = StrictBooleanField(required=False, help_text="False: the endpoint (and its schedules) start no runs.")


class EndpointRunSerializer(serializers.Serializer):
    parameters = ParametersField(required=False, default=dict)
    cache = StrictBooleanField(default=True)


class EndpointSerializer(serializers.ModelSerializer):
    team = serializers.CharField(source="team.name")
    pipeline_name = serializers.CharField(source="pipeline.name")
    version = serializers.IntegerField(source="version.number", help_text="The pipeline version the endpoint runs.")
    url = serializers.SerializerMethodField(help_text="POST here with a token to start a run.")
    created_by = serializers.SlugRelatedField(slug_field="username", read_only=True, allow_null=True)

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
            "enabled",
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
    parameters = ParametersField(required=False, default=dict)
    enabled = StrictBooleanField(default=True)


class ScheduleUpdateSerializer(serializers.Serializer):
    cron = CronField(required=False)
    parameters = ParametersField(required=False)
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
    last_run = serializers.PrimaryKeyRelatedField(
        read_only=True, allow_null=True, help_text="The last run this schedule started; null before the first."
    )
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


class CronPreviewSerializer(serializers.Serializer):
    cron = serializers.CharField(help_text="The expression, normalized to single spaces.")
    timezone = serializers.CharField(help_text="The zone the times are shown in (`tz`); schedules fire in UTC.")
    next = serializers.ListField(
        child=serializers.CharField(),
        help_text="The next five fire times (fewer when it fires less often in eight years), ISO 8601 with "
        "the offset of `timezone`.",
    )

"""OpenAPI shapes of the runs API (documentation only: runner/payloads.py and the views build the
JSON). Each serializer documents exactly what is sent: tests/api/test_schema_contract.py checks
real responses against /api/schema/."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import PolymorphicProxySerializer
from rest_framework import serializers

STEP_STATUSES = ["pending", "queued", "running", "succeeded", "failed", "cached", "skipped", "canceled"]
RUN_STATUSES = ["pending", "queued", "running", "succeeded", "failed", "canceled"]


class StrictBooleanField(serializers.BooleanField):
    """A JSON true or false only: the views refuse "yes", 1 and "true" (runner.api.views._bool)."""

    def to_internal_value(self, data: Any) -> bool:
        if not isinstance(data, bool):
            self.fail("invalid", input=data)
        return data


class ArtifactRefSerializer(serializers.Serializer):
    sha256 = serializers.CharField()
    size = serializers.IntegerField(allow_null=True, help_text="null when the artifact row is gone")
    media_type = serializers.CharField(allow_blank=True, help_text="empty when unknown")


class ReusedFromSerializer(serializers.Serializer):
    run = serializers.IntegerField()
    node = serializers.CharField()
    step = serializers.IntegerField()


class StepSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    node = serializers.CharField()
    module = serializers.CharField(help_text="team/name of the module the step runs")
    version = serializers.CharField(help_text="the module version the step runs")
    status = serializers.ChoiceField(choices=STEP_STATUSES)
    cache_key = serializers.CharField(allow_null=True)
    reused_from = ReusedFromSerializer(allow_null=True, help_text="the step whose outputs a cached step reused")
    force = serializers.BooleanField(help_text="forced to execute (rerun from an upstream node)")
    attempt = serializers.IntegerField()
    started_at = serializers.DateTimeField(allow_null=True)
    finished_at = serializers.DateTimeField(allow_null=True)
    exit_code = serializers.IntegerField(allow_null=True)
    outputs = serializers.DictField(child=ArtifactRefSerializer(), help_text="by output port")
    metrics = serializers.DictField()
    error = serializers.CharField(allow_null=True)


class RunSummarySerializer(serializers.Serializer):
    """A run as listed (GET /api/runs/): without its steps."""

    id = serializers.IntegerField()
    pipeline = serializers.IntegerField()
    pipeline_name = serializers.CharField()
    version = serializers.IntegerField(allow_null=True, help_text="the pipeline version's number")
    pipeline_version = serializers.IntegerField(allow_null=True, help_text="the pipeline version's id")
    team = serializers.CharField()
    parent = serializers.IntegerField(allow_null=True, help_text="the run this one reran")
    rerun_mode = serializers.CharField(allow_null=True, help_text="all, failed or from; null for a first run")
    parameters = serializers.DictField()
    cache = serializers.BooleanField()
    status = serializers.ChoiceField(choices=RUN_STATUSES)
    error = serializers.CharField(allow_null=True)
    created_by = serializers.CharField(allow_null=True)
    trigger = serializers.CharField(allow_null=True, help_text="endpoint:<slug> or schedule:<id>, else null")
    created_at = serializers.DateTimeField()
    started_at = serializers.DateTimeField(allow_null=True)
    finished_at = serializers.DateTimeField(allow_null=True)
    seq = serializers.IntegerField(help_text="sequence number of the last event; resume the WebSocket after it")


class RunSerializer(RunSummarySerializer):
    """A run with its steps (every answer but the list, and the run feed's snapshot)."""

    steps = StepSerializer(many=True)


class RunCreateSerializer(serializers.Serializer):
    parameters = serializers.DictField(required=False)
    version = serializers.IntegerField(required=False, help_text="pipeline version number; latest when omitted")
    cache = StrictBooleanField(default=True)


class RerunSerializer(serializers.Serializer):
    mode = serializers.ChoiceField(choices=["all", "failed", "from"], default="all")
    node = serializers.CharField(required=False, help_text="with mode=from: rerun this node and what follows")
    parameters = serializers.DictField(required=False)
    cache = StrictBooleanField(required=False, help_text="the parent run's setting when omitted")


class CacheIngredientsSerializer(serializers.Serializer):
    module_digest = serializers.CharField()
    params = serializers.DictField()
    inputs = serializers.DictField(child=serializers.CharField(), help_text="input port -> sha256")


class CacheDifferenceSerializer(serializers.Serializer):
    ingredient = serializers.ChoiceField(choices=["module_digest", "parameter", "input"])
    name = serializers.CharField(required=False, help_text="the parameter (ingredient=parameter)")
    port = serializers.CharField(required=False, help_text="the input port (ingredient=input)")
    message = serializers.CharField()
    was = serializers.JSONField(allow_null=True)
    now = serializers.JSONField(allow_null=True)


class CacheNearestSerializer(serializers.Serializer):
    cache_key = serializers.CharField()
    run = serializers.IntegerField()
    node = serializers.CharField()
    differences = CacheDifferenceSerializer(many=True)


class CacheExplainSerializer(serializers.Serializer):
    node = serializers.CharField()
    status = serializers.ChoiceField(choices=STEP_STATUSES)
    cache_key = serializers.CharField(allow_null=True)
    ingredients = CacheIngredientsSerializer()
    hit = serializers.BooleanField()
    reused_from = ReusedFromSerializer(allow_null=True, required=False, help_text="on a hit")
    reason = serializers.CharField(required=False, help_text="on a miss: why, in a sentence")
    nearest = CacheNearestSerializer(
        allow_null=True, required=False, help_text="on a miss: the closest earlier entry and what differs"
    )


class _PreviewBase(serializers.Serializer):
    sha256 = serializers.CharField()
    size = serializers.IntegerField(allow_null=True)
    files = serializers.ListField(child=serializers.CharField(), help_text="the artifact's first 50 files")


def _kind(name: str) -> serializers.ChoiceField:
    return serializers.ChoiceField(choices=[name])


class TablePreviewSerializer(_PreviewBase):
    kind = _kind("table")
    file = serializers.CharField()
    columns = serializers.ListField(child=serializers.CharField())
    rows = serializers.ListField(child=serializers.ListField(child=serializers.CharField()), help_text="first 20")


class ImagePreviewSerializer(_PreviewBase):
    kind = _kind("image")
    file = serializers.CharField()
    url = serializers.CharField()


class MetricsPreviewSerializer(_PreviewBase):
    kind = _kind("metrics")
    metrics = serializers.DictField()


class FilesPreviewSerializer(_PreviewBase):
    kind = _kind("files")


PreviewSerializer = PolymorphicProxySerializer(
    component_name="Preview",
    resource_type_field_name="kind",
    serializers={
        "table": TablePreviewSerializer,
        "image": ImagePreviewSerializer,
        "metrics": MetricsPreviewSerializer,
        "files": FilesPreviewSerializer,
    },
)

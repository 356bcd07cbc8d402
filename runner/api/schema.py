"""OpenAPI shapes of the runs API (documentation only: the views build their JSON in services)."""

from __future__ import annotations

from rest_framework import serializers


class ArtifactRefSerializer(serializers.Serializer):
    sha256 = serializers.CharField()
    size = serializers.IntegerField(allow_null=True)
    media_type = serializers.CharField(allow_null=True)


class ReusedFromSerializer(serializers.Serializer):
    run = serializers.IntegerField()
    node = serializers.CharField()
    step = serializers.IntegerField()


class StepSerializer(serializers.Serializer):
    node = serializers.CharField()
    status = serializers.ChoiceField(
        choices=["pending", "queued", "running", "succeeded", "failed", "cached", "skipped", "canceled"]
    )
    cache_key = serializers.CharField(allow_null=True)
    reused_from = ReusedFromSerializer(allow_null=True)
    attempt = serializers.IntegerField()
    started_at = serializers.DateTimeField(allow_null=True)
    finished_at = serializers.DateTimeField(allow_null=True)
    exit_code = serializers.IntegerField(allow_null=True)
    outputs = serializers.DictField(child=ArtifactRefSerializer())
    metrics = serializers.DictField()
    error = serializers.CharField(allow_null=True)


class RunSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    pipeline = serializers.IntegerField()
    pipeline_name = serializers.CharField()
    version = serializers.IntegerField(allow_null=True)
    pipeline_version = serializers.IntegerField(allow_null=True)
    team = serializers.CharField()
    parent = serializers.IntegerField(allow_null=True)
    rerun_mode = serializers.CharField(allow_null=True)
    parameters = serializers.DictField()
    cache = serializers.BooleanField()
    status = serializers.ChoiceField(choices=["pending", "queued", "running", "succeeded", "failed", "canceled"])
    error = serializers.CharField(allow_null=True)
    created_by = serializers.CharField(allow_null=True)
    trigger = serializers.CharField(allow_null=True, help_text="endpoint:<slug> or schedule:<id>, else null")
    created_at = serializers.DateTimeField()
    started_at = serializers.DateTimeField(allow_null=True)
    finished_at = serializers.DateTimeField(allow_null=True)
    seq = serializers.IntegerField(help_text="sequence number of the last event; resume the WebSocket after it")
    steps = StepSerializer(many=True, required=False)


class RunCreateSerializer(serializers.Serializer):
    parameters = serializers.DictField(required=False)
    version = serializers.IntegerField(required=False, help_text="pipeline version number; latest when omitted")
    cache = serializers.BooleanField(default=True)


class RerunSerializer(serializers.Serializer):
    mode = serializers.ChoiceField(choices=["all", "failed", "from"], default="all")
    node = serializers.CharField(required=False, help_text="with mode=from: rerun this node and what follows")
    parameters = serializers.DictField(required=False)
    cache = serializers.BooleanField(required=False)


class CacheExplainSerializer(serializers.Serializer):
    node = serializers.CharField()
    hit = serializers.BooleanField()
    ingredients = serializers.DictField()


class PreviewSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=["table", "image", "metrics", "files"])
    sha256 = serializers.CharField()
    size = serializers.IntegerField(allow_null=True)
    files = serializers.ListField(child=serializers.CharField())

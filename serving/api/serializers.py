"""Request and response shapes of deployments."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from pipewright.fields import BIGINT_MAX, NameField, StrictBooleanField
from serving.models import Deployment, DeploymentToken, DeploymentVersion, Replica


class InferenceCreateSerializer(serializers.Serializer):
    run = serializers.IntegerField(min_value=1, max_value=BIGINT_MAX, help_text="A finished run of this pipeline.")
    node = serializers.CharField(
        required=False, max_length=100, help_text="The Train Model node (needed when the run has several)."
    )
    name = NameField(
        max_length=200, required=False, help_text="Name of the new pipeline; '<name> (inference)' by default."
    )


class InferenceCreatedSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    team = serializers.CharField()
    latest_version = serializers.IntegerField(allow_null=True)
    graph = serializers.JSONField()


def replicas_field() -> serializers.IntegerField:
    return serializers.IntegerField(
        required=False, default=1, min_value=0, max_value=settings.SERVING_MAX_REPLICAS, help_text="Replica containers."
    )


class DeploymentCreateSerializer(serializers.Serializer):
    team = serializers.CharField(max_length=63)
    slug = serializers.SlugField(max_length=63, help_text="Global: the scoring URL is /api/deployments/<slug>/score.")
    pipeline = serializers.IntegerField(min_value=1, max_value=BIGINT_MAX, help_text="An inference pipeline.")
    version = serializers.IntegerField(
        required=False, min_value=1, max_value=BIGINT_MAX, help_text="Its version; the latest when omitted."
    )
    replicas = replicas_field()
    memory_mb = serializers.IntegerField(required=False, default=512, min_value=128, max_value=16384)


class DeploymentVersionCreateSerializer(serializers.Serializer):
    pipeline = serializers.IntegerField(min_value=1, max_value=BIGINT_MAX)
    version = serializers.IntegerField(required=False, min_value=1, max_value=BIGINT_MAX)
    replicas = replicas_field()
    memory_mb = serializers.IntegerField(required=False, default=512, min_value=128, max_value=16384)
    make_default = StrictBooleanField(required=False, default=False)


class DeploymentVersionUpdateSerializer(serializers.Serializer):
    replicas = serializers.IntegerField(min_value=0, max_value=settings.SERVING_MAX_REPLICAS)


class RoutingSerializer(serializers.Serializer):
    default_version = serializers.IntegerField(required=False, min_value=1, max_value=BIGINT_MAX)
    canary_version = serializers.IntegerField(required=False, min_value=1, max_value=BIGINT_MAX)
    canary_percent = serializers.IntegerField(required=False, min_value=0, max_value=100)


class TokenCreateSerializer(serializers.Serializer):
    name = NameField(max_length=100)


class TokenSerializer(serializers.ModelSerializer):
    class Meta:
        model = DeploymentToken
        fields = ["id", "name", "prefix", "created_at", "last_used_at"]


class TokenCreatedSerializer(TokenSerializer):
    token = serializers.CharField(help_text="The key; shown only in this answer.")

    class Meta(TokenSerializer.Meta):
        fields = [*TokenSerializer.Meta.fields, "token"]


class ReplicaSerializer(serializers.ModelSerializer):
    class Meta:
        model = Replica
        fields = ["index", "state", "generation", "restarts", "container_name", "last_error", "started_at"]


class MetricsSerializer(serializers.Serializer):
    requests = serializers.IntegerField()
    errors = serializers.IntegerField()
    p50_ms = serializers.FloatField(allow_null=True)
    p95_ms = serializers.FloatField(allow_null=True)
    p99_ms = serializers.FloatField(allow_null=True)


class VersionSerializer(serializers.ModelSerializer):
    pipeline = serializers.IntegerField(source="pipeline_version.pipeline_id")
    pipeline_version = serializers.IntegerField(source="pipeline_version.number")
    schema = serializers.SerializerMethodField()
    replica_states = ReplicaSerializer(source="replica_rows", many=True, read_only=True)
    metrics = serializers.SerializerMethodField()

    class Meta:
        model = DeploymentVersion
        fields = ["number", "pipeline", "pipeline_version", "replicas", "memory_mb", "schema", "replica_states",
                  "metrics", "created_at"]  # fmt: skip
        read_only_fields = fields

    @extend_schema_field({"type": "array", "items": {"type": "object", "properties": {
        "name": {"type": "string"}, "type": {"type": "string"}}}})  # fmt: skip
    def get_schema(self, obj: DeploymentVersion) -> list[dict[str, str]]:
        return list(obj.spec.get("schema", []))

    @extend_schema_field(MetricsSerializer(allow_null=True))
    def get_metrics(self, obj: DeploymentVersion) -> dict[str, Any] | None:
        found: dict[int, Any] = self.context.get("metrics", {})
        return found.get(obj.pk)


class DeploymentSerializer(serializers.ModelSerializer):
    team = serializers.CharField(source="team.name")
    default_version = serializers.IntegerField(source="default_version.number", allow_null=True, default=None)
    canary_version = serializers.IntegerField(source="canary_version.number", allow_null=True, default=None)
    previous_version = serializers.IntegerField(source="previous_version.number", allow_null=True, default=None)
    score_url = serializers.SerializerMethodField()

    class Meta:
        model = Deployment
        fields = ["slug", "team", "default_version", "canary_version", "canary_percent", "previous_version",
                  "score_url", "created_at", "updated_at"]  # fmt: skip

    def get_score_url(self, obj: Deployment) -> str:
        return f"/api/deployments/{obj.slug}/score"


class DeploymentDetailSerializer(DeploymentSerializer):
    versions = VersionSerializer(many=True, read_only=True)

    class Meta(DeploymentSerializer.Meta):
        fields = [*DeploymentSerializer.Meta.fields, "versions"]


class ScoreRequestSerializer(serializers.Serializer):
    rows = serializers.ListField(child=serializers.DictField(), help_text="Rows, each {column: value}.")


class ScoreAnswerSerializer(serializers.Serializer):
    version = serializers.IntegerField(help_text="The deployment version that answered.")
    rows = serializers.ListField(child=serializers.DictField(), help_text="Scored Labels (and probabilities) per row.")
    retried = serializers.BooleanField(help_text="True when a replica failed and another answered.")

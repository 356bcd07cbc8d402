"""Shapes of the registry and lineage API: one serializer per JSON answer and request body."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from pipewright.fields import StrictBooleanField, StrictIntegerField
from registry.models import ModelVersion, RegisteredModel


class ModelCreateSerializer(serializers.Serializer):
    team = serializers.CharField(max_length=100)
    name = serializers.CharField(max_length=100)
    description = serializers.CharField(required=False, allow_blank=True, max_length=5000, default="")


class ModelUpdateSerializer(serializers.Serializer):
    description = serializers.CharField(required=False, allow_blank=True, max_length=5000)
    archived = StrictBooleanField(required=False)


class RegisterSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=100, help_text="the model's name in the run's team; created if new")
    run = StrictIntegerField(help_text="the run whose step made the model")
    node = serializers.CharField(max_length=100, help_text="the step (node id) of that run")
    port = serializers.CharField(max_length=100, help_text="its output port, a Model")
    description = serializers.CharField(required=False, allow_blank=True, max_length=5000, default="")


class VersionCreateSerializer(serializers.Serializer):
    run = StrictIntegerField(help_text="the run whose step made the model (a run of the model's team)")
    node = serializers.CharField(max_length=100)
    port = serializers.CharField(max_length=100)
    description = serializers.CharField(required=False, allow_blank=True, max_length=5000, default="")


class VersionUpdateSerializer(serializers.Serializer):
    tags = serializers.ListField(
        child=serializers.CharField(max_length=40),
        required=False,
        max_length=10,
        help_text="the version's tags; a tag another version of the model carries moves to this one",
    )
    archived = StrictBooleanField(required=False)


class ModelModuleVersionSerializer(serializers.Serializer):
    node = serializers.CharField()
    module = serializers.CharField()
    version = serializers.CharField()
    digest = serializers.CharField()
    image_id = serializers.CharField()


class ModelDatasetRefSerializer(serializers.Serializer):
    node = serializers.CharField()
    port = serializers.CharField()
    dataset = serializers.CharField()
    version = serializers.IntegerField(allow_null=True)
    sha256 = serializers.CharField()


class LineageIngredientSerializer(serializers.Serializer):
    node = serializers.CharField()
    step = serializers.IntegerField()
    run = serializers.IntegerField()
    module = serializers.CharField()
    version = serializers.CharField()
    digest = serializers.CharField()
    image_id = serializers.CharField()
    params = serializers.DictField()
    datasets = serializers.ListField(child=serializers.DictField())
    inputs = serializers.DictField(child=serializers.CharField())
    outputs = serializers.DictField(child=serializers.CharField())


class ModelVersionSerializer(serializers.ModelSerializer):
    model = serializers.IntegerField(source="model_id")
    ref = serializers.SerializerMethodField(help_text="team/name@N")
    step = serializers.IntegerField(source="step_id", allow_null=True)
    run = serializers.IntegerField(source="run_id", allow_null=True)
    pipeline = serializers.SerializerMethodField()
    pipeline_version = serializers.SerializerMethodField(help_text="the pipeline version's number")
    metrics = serializers.DictField(help_text="the step's metrics and those of the run's steps downstream of it")
    metric_sources = serializers.DictField(child=serializers.CharField(), help_text="metric -> the node reporting it")
    module_versions = serializers.SerializerMethodField()
    parameters = serializers.SerializerMethodField(help_text="node -> the resolved parameters of that step")
    run_parameters = serializers.DictField()
    datasets = serializers.SerializerMethodField()
    tags = serializers.ListField(child=serializers.CharField())
    created_by = serializers.SerializerMethodField()
    registered_by_step = serializers.IntegerField(source="registered_by_step_id", allow_null=True)

    class Meta:
        model = ModelVersion
        fields = [
            "id",
            "model",
            "ref",
            "version",
            "step",
            "run",
            "node",
            "port",
            "sha256",
            "pipeline",
            "pipeline_version",
            "metrics",
            "metric_sources",
            "module_versions",
            "parameters",
            "run_parameters",
            "datasets",
            "tags",
            "archived",
            "description",
            "registered_by_step",
            "created_by",
            "created_at",
        ]

    def get_ref(self, obj: ModelVersion) -> str:
        return f"{obj.model.team.name}/{obj.model.name}@{obj.version}"

    def get_pipeline(self, obj: ModelVersion) -> int | None:
        return obj.run.pipeline_id if obj.run is not None else None

    def get_pipeline_version(self, obj: ModelVersion) -> int | None:
        return obj.pipeline_version.number if obj.pipeline_version is not None else None

    @extend_schema_field(ModelModuleVersionSerializer(many=True))
    def get_module_versions(self, obj: ModelVersion) -> list[dict[str, Any]]:
        keys = ("node", "module", "version", "digest", "image_id")
        return ModelModuleVersionSerializer([{k: s[k] for k in keys} for s in obj.upstream], many=True).data

    @extend_schema_field(serializers.DictField(child=serializers.DictField()))
    def get_parameters(self, obj: ModelVersion) -> dict[str, Any]:
        return {s["node"]: s["params"] for s in obj.upstream}

    @extend_schema_field(ModelDatasetRefSerializer(many=True))
    def get_datasets(self, obj: ModelVersion) -> list[dict[str, Any]]:
        rows = [{"node": s["node"], **d} for s in obj.upstream for d in s["datasets"]]
        return ModelDatasetRefSerializer(rows, many=True).data

    def get_created_by(self, obj: ModelVersion) -> str | None:
        return obj.created_by.username if obj.created_by is not None else None


class RegisteredModelSerializer(serializers.ModelSerializer):
    team = serializers.CharField(source="team.name")
    ref = serializers.SerializerMethodField(help_text="team/name")
    latest_version = serializers.SerializerMethodField()
    version_count = serializers.SerializerMethodField()
    tags = serializers.SerializerMethodField(help_text="tag -> the version carrying it")
    created_by = serializers.SerializerMethodField()

    class Meta:
        model = RegisteredModel
        fields = [
            "id",
            "team",
            "name",
            "ref",
            "description",
            "archived",
            "latest_version",
            "version_count",
            "tags",
            "created_by",
            "created_at",
        ]

    def _versions(self, obj: RegisteredModel) -> list[ModelVersion]:
        return list(obj.versions.all())  # prefetched by the views

    def get_ref(self, obj: RegisteredModel) -> str:
        return f"{obj.team.name}/{obj.name}"

    def get_latest_version(self, obj: RegisteredModel) -> int | None:
        return max((v.version for v in self._versions(obj)), default=None)

    def get_version_count(self, obj: RegisteredModel) -> int:
        return len(self._versions(obj))

    @extend_schema_field(serializers.DictField(child=serializers.IntegerField()))
    def get_tags(self, obj: RegisteredModel) -> dict[str, int]:
        return {t: v.version for v in self._versions(obj) for t in v.tags}

    def get_created_by(self, obj: RegisteredModel) -> str | None:
        return obj.created_by.username if obj.created_by is not None else None


class ModelCompareVersionSerializer(serializers.Serializer):
    version = serializers.IntegerField()
    tags = serializers.ListField(child=serializers.CharField())
    sha256 = serializers.CharField()
    run = serializers.IntegerField(allow_null=True)
    metrics = serializers.DictField()


class ModelCompareRowSerializer(serializers.Serializer):
    metric = serializers.CharField()
    values = serializers.ListField(child=serializers.JSONField(allow_null=True), help_text="one per version, in order")
    best = serializers.IntegerField(allow_null=True, help_text="the version with the highest number, when numeric")


class ModelCompareSerializer(serializers.Serializer):
    model = serializers.IntegerField()
    versions = ModelCompareVersionSerializer(many=True)
    metrics = ModelCompareRowSerializer(many=True)


class LineageNodeSerializer(serializers.Serializer):
    id = serializers.CharField(help_text="artifact:<sha256> | step:<id> | dataset:<id> | model:<id>")
    kind = serializers.ChoiceField(choices=["artifact", "step", "dataset", "model"])
    label = serializers.CharField()
    depth = serializers.IntegerField()
    detail = serializers.DictField()


class LineageEdgeSerializer(serializers.Serializer):
    source = serializers.CharField()
    target = serializers.CharField()
    label = serializers.CharField(allow_blank=True, help_text="the port, or content / registered / reused")


class LineageSerializer(serializers.Serializer):
    root = serializers.CharField()
    direction = serializers.ChoiceField(choices=["up", "down", "both"])
    depth = serializers.IntegerField()
    max_nodes = serializers.IntegerField()
    truncated = serializers.BooleanField()
    truncated_reason = serializers.CharField(allow_blank=True)
    nodes = LineageNodeSerializer(many=True)
    edges = LineageEdgeSerializer(many=True)


class LineageDifferenceSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(
        choices=["dataset", "module_version", "digest", "image_id", "parameter", "input", "output", "step"]
    )
    node_a = serializers.CharField(allow_null=True)
    node_b = serializers.CharField(allow_null=True)
    field = serializers.CharField()
    a = serializers.JSONField(allow_null=True)
    b = serializers.JSONField(allow_null=True)
    message = serializers.CharField()


class LineageDiffSideSerializer(serializers.Serializer):
    ref = serializers.CharField()
    sha256 = serializers.CharField()
    steps = LineageIngredientSerializer(many=True)


class LineageDiffSerializer(serializers.Serializer):
    a = LineageDiffSideSerializer()
    b = LineageDiffSideSerializer()
    identical = serializers.BooleanField(help_text="both are the same bytes")
    first = LineageDifferenceSerializer(allow_null=True, help_text="the first difference, walking from the datasets")
    differences = LineageDifferenceSerializer(many=True)

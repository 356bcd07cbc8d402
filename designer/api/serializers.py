from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from compiler import CompileResult
from compiler.parameters import PARAMETER_TYPES
from compiler.plan import Plan
from compiler.serialize import plan_json
from designer import services
from designer.models import Dataset, DatasetVersion, Pipeline, PipelineVersion
from pipewright.errors import LocatedError
from pipewright.fields import NameField


def _graph(value: Any) -> Any:
    try:
        services.check_graph_shape(value)
    except LocatedError as exc:
        raise serializers.ValidationError(exc.errors[0]["message"])
    return value


class PipelineParameterSerializer(serializers.Serializer):
    name = serializers.CharField()
    type = serializers.ChoiceField(choices=list(PARAMETER_TYPES), help_text="compiler.parameters.PARAMETER_TYPES")
    default = serializers.JSONField(required=False, allow_null=True)


class ComputeSettingsSerializer(serializers.Serializer):
    """Compute settings of a node (`nodes[].compute`) or the pipeline's defaults (`compute`); every
    key optional, a node's over the pipeline's over the module's (compiler.compute)."""

    image = serializers.CharField(required=False, allow_null=True, help_text="an image override")
    cpu = serializers.FloatField(required=False, allow_null=True, help_text="CPUs (bounded by the operator)")
    memory = serializers.JSONField(
        required=False,
        allow_null=True,
        help_text="bytes, or a size such as '512m', '4g' or '4Gi' (binary units; bounded by the operator)",
    )
    gpus = serializers.IntegerField(required=False, allow_null=True, help_text="GPUs (Docker device requests)")
    timeout = serializers.IntegerField(required=False, allow_null=True, help_text="seconds per attempt")
    retries = serializers.IntegerField(required=False, allow_null=True, help_text="attempts after a failed one")
    cache = serializers.ChoiceField(choices=["on", "off"], required=False, allow_null=True)
    cache_max_age = serializers.IntegerField(
        required=False, allow_null=True, help_text="seconds: reuse only cache entries younger than this"
    )


class NotePositionSerializer(serializers.Serializer):
    x = serializers.FloatField()
    y = serializers.FloatField()


class NoteSerializer(serializers.Serializer):
    """A sticky note on the canvas (compiler.annotations): plain text, never rendered as HTML."""

    id = serializers.CharField(max_length=100)
    text = serializers.CharField(max_length=2000, allow_blank=True)
    position = NotePositionSerializer()
    width = serializers.FloatField(required=False, min_value=40, max_value=4000)
    height = serializers.FloatField(required=False, min_value=40, max_value=4000)


class GroupSerializer(serializers.Serializer):
    """A visual group of nodes (compiler.annotations): a labelled frame, collapsible; runs ignore it."""

    id = serializers.CharField(max_length=100)
    label = serializers.CharField(max_length=200, allow_blank=True, required=False, default="")
    nodes = serializers.ListField(
        child=serializers.CharField(), help_text="the member node ids (a node is in one group)"
    )
    collapsed = serializers.BooleanField(required=False, default=False)


class PipelineDocumentSerializer(serializers.Serializer):
    """The canvas document, as far as the schema types it: nodes and edges stay open JSON (see
    Pipelines in API.md); the parameters' types are the compiler's list, which the client reads."""

    schema = serializers.IntegerField(required=False)
    nodes = serializers.ListField(child=serializers.JSONField())
    edges = serializers.ListField(child=serializers.JSONField(), required=False)
    parameters = PipelineParameterSerializer(many=True, required=False)
    compute = ComputeSettingsSerializer(required=False, help_text="the pipeline's default compute settings")
    notes = NoteSerializer(many=True, required=False, help_text="sticky notes (at most 500)")
    groups = GroupSerializer(many=True, required=False, help_text="visual groups of nodes (at most 500)")


@extend_schema_field(PipelineDocumentSerializer)
class GraphField(serializers.JSONField):
    """A pipeline document (JSON), documented as PipelineDocument."""


class IssueSerializer(serializers.Serializer):
    code = serializers.CharField()
    message = serializers.CharField()
    node = serializers.CharField(required=False)
    port = serializers.CharField(required=False)
    field = serializers.CharField(required=False)
    nodes = serializers.ListField(child=serializers.CharField(), required=False)
    path = serializers.ListField(
        child=serializers.CharField(),
        required=False,
        help_text="inside a sub-pipeline: the nesting, outer node first (node is the outer one)",
    )


class PipelineCreateSerializer(serializers.Serializer):
    team = serializers.CharField(max_length=63)
    name = NameField(max_length=200)
    description = serializers.CharField(required=False, allow_blank=True, default="", max_length=10000)
    graph = GraphField(required=False, help_text="The canvas document (see Pipelines in API.md).")

    def validate_graph(self, value: Any) -> Any:
        return _graph(value)


class TextField(serializers.CharField):
    """A JSON string only (DRF's CharField would also take 7 and turn it into "7")."""

    def to_internal_value(self, data: Any) -> str:
        if not isinstance(data, str):
            self.fail("invalid")
        return str(super().to_internal_value(data))


class PipelineUpdateSerializer(serializers.Serializer):
    name = NameField(max_length=200, required=False)
    description = serializers.CharField(required=False, allow_blank=True, max_length=10000)
    graph = GraphField(required=False)
    message = TextField(
        required=False,
        allow_blank=True,
        max_length=500,
        help_text="a note kept with the version this save makes (unused when the graph did not change)",
    )

    def validate_graph(self, value: Any) -> Any:
        return _graph(value)


class GraphSerializer(serializers.Serializer):
    graph = GraphField()

    def validate_graph(self, value: Any) -> Any:
        return _graph(value)


class UpgradePreviewRequestSerializer(serializers.Serializer):
    graph = GraphField(required=False, help_text="the document to upgrade; the saved draft when absent")
    nodes = serializers.ListField(
        child=serializers.CharField(max_length=200),
        required=False,
        allow_null=True,
        default=None,
        max_length=5000,
        help_text="the node ids to upgrade; every node behind its preferred version when absent",
    )

    def validate_graph(self, value: Any) -> Any:
        return _graph(value)


class InterfaceDiffSerializer(serializers.Serializer):
    added = serializers.ListField(child=serializers.CharField())
    removed = serializers.ListField(child=serializers.CharField())
    renamed = serializers.ListField(
        child=serializers.DictField(child=serializers.CharField()), help_text="[{from, to}]"
    )
    retyped = serializers.ListField(
        child=serializers.DictField(child=serializers.CharField()), help_text="[{name, from, to}]"
    )


class NodeUpgradeSerializer(serializers.Serializer):
    node = serializers.CharField()
    module = serializers.CharField()
    from_version = serializers.CharField()
    to_version = serializers.CharField()
    inputs = InterfaceDiffSerializer()
    outputs = InterfaceDiffSerializer()
    parameters = InterfaceDiffSerializer()
    carried_params = serializers.ListField(child=serializers.CharField(), help_text="values carried (new names)")
    dropped_params = serializers.ListField(
        child=serializers.DictField(child=serializers.CharField()), help_text="[{name, reason}] values not carried"
    )
    dropped_edges = serializers.ListField(
        child=serializers.DictField(child=serializers.CharField()),
        help_text="[{source, source_port, target, target_port, reason}] edges that no longer fit",
    )


class UpgradePreviewSerializer(serializers.Serializer):
    graph = GraphField(help_text="the proposed document (not saved)")
    nodes = NodeUpgradeSerializer(many=True, help_text="one entry per upgraded node, in document order")
    diff = serializers.JSONField(
        help_text="the document diff, as the version diff: {nodes, edges, parameters, module_versions}"
    )


class DuplicateSerializer(serializers.Serializer):
    name = NameField(max_length=200)


class PipelineRowSerializer(serializers.ModelSerializer):
    team = serializers.CharField(source="team.name")
    latest_version = serializers.IntegerField(allow_null=True, read_only=True)

    class Meta:
        model = Pipeline
        fields = ["id", "team", "name", "description", "revision", "latest_version", "created_at", "updated_at"]


@dataclass(frozen=True)
class PipelineState:
    """What the designer answers about a pipeline: the row, its draft's compile result and the
    latest version number; after a save also the version it is at and whether the save made it."""

    pipeline: Pipeline
    result: CompileResult
    latest_version: int | None
    version_created: bool = False

    @property
    def version(self) -> int | None:
        return self.latest_version

    @property
    def runnable(self) -> bool:
        return self.result.ok and self.latest_version is not None


class PipelineDetailSerializer(serializers.Serializer):
    # Renders a `PipelineState`. (A comment: a docstring would become the schema's description.)

    id = serializers.IntegerField(source="pipeline.pk")
    team = serializers.CharField(source="pipeline.team.name")
    name = serializers.CharField(source="pipeline.name")
    description = serializers.CharField(source="pipeline.description")
    graph = GraphField(source="pipeline.graph")
    revision = serializers.IntegerField(source="pipeline.revision")
    errors = IssueSerializer(many=True, source="result.errors_json")
    warnings = IssueSerializer(many=True, source="result.warnings_json")
    latest_version = serializers.IntegerField(allow_null=True)
    created_at = serializers.DateTimeField(source="pipeline.created_at")
    updated_at = serializers.DateTimeField(source="pipeline.updated_at")
    etag = serializers.CharField(
        source="pipeline.etag", help_text="The same value as the ETag header; send it back as If-Match."
    )


class PipelineSaveSerializer(PipelineDetailSerializer):
    version = serializers.IntegerField(allow_null=True, help_text="The version this save corresponds to.")
    version_created = serializers.BooleanField(help_text="False when the graph did not change.")
    runnable = serializers.BooleanField()


class PlanField(serializers.JSONField):
    """A compiled `Plan` as its JSON."""

    def to_representation(self, value: Plan) -> Any:
        return plan_json(value)


class ValidateResultSerializer(serializers.Serializer):
    # Renders a `CompileResult`.

    errors = IssueSerializer(many=True, source="errors_json")
    warnings = IssueSerializer(many=True, source="warnings_json")
    graph = GraphField(source="pinned", help_text="The graph with every module version pinned.")
    plan = PlanField(allow_null=True)


class VersionRowSerializer(serializers.ModelSerializer):
    created_by = serializers.SlugRelatedField(slug_field="username", read_only=True, allow_null=True)
    runnable = serializers.SerializerMethodField()
    error_count = serializers.SerializerMethodField()
    warning_count = serializers.SerializerMethodField()

    class Meta:
        model = PipelineVersion
        fields = ["number", "runnable", "error_count", "warning_count", "message", "created_by", "created_at"]

    def get_runnable(self, v: PipelineVersion) -> bool:
        # a list defers the plan and annotates `has_plan` (reading a deferred plan is a query a row)
        has_plan = getattr(v, "has_plan", None)
        return v.runnable if has_plan is None else bool(has_plan) and not v.errors

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


class PipelineExportSerializer(serializers.Serializer):
    kind = serializers.CharField(help_text=f"always {services.EXPORT_KIND!r}")
    schema = serializers.IntegerField(help_text="the schema version of the graph (compiler.SCHEMA_VERSION)")
    name = serializers.CharField()
    description = serializers.CharField(allow_blank=True)
    team = serializers.CharField(help_text="the team it was exported from")
    graph = GraphField()


class PipelineImportFileSerializer(serializers.Serializer):
    team = serializers.CharField(max_length=63)
    name = serializers.CharField(max_length=200, required=False, allow_blank=True, help_text="the file's when omitted")
    file = serializers.FileField(help_text="an exported pipeline (JSON), at most 5 MB")


class PipelineImportJsonSerializer(serializers.Serializer):
    team = serializers.CharField(max_length=63)
    name = serializers.CharField(max_length=200, required=False, allow_blank=True, help_text="the file's when omitted")
    document = serializers.JSONField(help_text="the exported file's JSON")


class DatasetUploadSerializer(serializers.Serializer):
    team = serializers.CharField(max_length=63)
    name = serializers.RegexField(r"^[a-z0-9][a-z0-9._-]{0,62}$", max_length=63)
    file = serializers.FileField(allow_empty_file=True)


class DatasetVersionSerializer(serializers.ModelSerializer):
    created_by = serializers.SlugRelatedField(slug_field="username", read_only=True, allow_null=True)
    columns = serializers.ListField(child=serializers.CharField(allow_blank=True), help_text="The CSV header's names.")

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
        fields = ["id", "team", "name", "ref", "archived", "latest_version", "created_at", "versions"]

    def get_ref(self, d: Dataset) -> str:
        return f"{d.team.name}/{d.name}"

    def get_latest_version(self, d: Dataset) -> int | None:
        numbers = [v.version for v in d.versions.all()]
        return max(numbers) if numbers else None


class DatasetLimitsSerializer(serializers.Serializer):
    max_bytes = serializers.IntegerField(help_text="The largest upload accepted (DATASET_MAX_BYTES); larger is 413.")


class HistogramBarSerializer(serializers.Serializer):
    label = serializers.CharField(help_text="A numeric bin 'low to high', or a value of a text column.")
    count = serializers.IntegerField()


class ColumnProfileSerializer(serializers.Serializer):
    name = serializers.CharField()
    type = serializers.ChoiceField(choices=["integer", "number", "string", "empty"])
    missing = serializers.IntegerField(help_text="Empty cells and NA, NaN, null, None, n/a.")
    distinct = serializers.IntegerField()
    distinct_capped = serializers.BooleanField(help_text="True: at least `distinct` values (counting stopped).")
    min = serializers.FloatField(allow_null=True)
    max = serializers.FloatField(allow_null=True)
    mean = serializers.FloatField(allow_null=True)
    histogram = HistogramBarSerializer(
        many=True, help_text="Numeric columns: ten equal bins from min to max; text columns: the most common values."
    )


class DatasetProfileSerializer(serializers.Serializer):
    ref = serializers.CharField()
    version = serializers.IntegerField()
    artifact = serializers.CharField()
    rows = serializers.IntegerField()
    profiled_rows = serializers.IntegerField(
        required=False, help_text="The statistics cover the first this many rows (all of them up to 200,000)."
    )
    columns = ColumnProfileSerializer(many=True)

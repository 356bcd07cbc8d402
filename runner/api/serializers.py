"""Request bodies of the runs API, and the shapes of cache explanations and artifact previews.
Runs and steps themselves are `runner.serializers.RunSerializer` / `StepSerializer`."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import PolymorphicProxySerializer
from rest_framework import serializers

from designer.api.serializers import ColumnProfileSerializer
from pipewright.fields import ParametersField, StrictBooleanField, StrictIntegerField
from pipewright.serializers import ShapeSerializer
from runner import states
from runner.compare import run_metrics
from runner.models import Run
from runner.runs import RERUN_MODES
from runner.serializers import ReusedFromSerializer, RunSerializer, RunSummarySerializer, run_data


class RunCreateSerializer(serializers.Serializer):
    parameters = ParametersField(required=False, allow_null=True, help_text="overrides of the defaults")
    version = StrictIntegerField(
        required=False, allow_null=True, help_text="pipeline version number; the latest when omitted"
    )
    cache = StrictBooleanField(default=True, help_text="false: run every step, reuse nothing")
    cloned_from = StrictIntegerField(
        required=False,
        allow_null=True,
        help_text="lineage: the run of this pipeline whose version was opened in the editor to make this one",
    )


class RerunSerializer(serializers.Serializer):
    mode = serializers.ChoiceField(choices=RERUN_MODES, default="all")
    node = serializers.CharField(
        required=False, allow_null=True, max_length=100, help_text="with mode=from: rerun this node and what follows"
    )
    parameters = ParametersField(
        required=False, allow_null=True, help_text="new values (not with mode=failed); the parent's when omitted"
    )
    cache = StrictBooleanField(required=False, help_text="the parent run's setting when omitted")
    version = StrictIntegerField(
        required=False,
        allow_null=True,
        help_text="run this version of the parent's pipeline instead of the parent's own (e.g. saved after "
        "fixing a failed step); with mode=failed it resumes: every step the new version left unchanged "
        "reuses the parent's output, the changed and the failed ones run",
    )


class IngredientsSerializer(serializers.Serializer):
    module_digest = serializers.CharField()
    image = serializers.CharField(help_text="the image the step runs in (its tag, as the plan names it)")
    image_id = serializers.CharField(
        allow_null=True, help_text="the image's content digest in the key (not its tag); null when not resolved"
    )
    params = serializers.DictField()
    inputs = serializers.DictField(child=serializers.CharField(), help_text="port -> sha256 of the input")


class DifferenceSerializer(ShapeSerializer):
    ingredient = serializers.ChoiceField(choices=["module_digest", "image", "parameter", "input"])
    name = serializers.CharField(required=False, help_text="the parameter (ingredient=parameter)")
    port = serializers.CharField(required=False, help_text="the input port (ingredient=input)")
    message = serializers.CharField()
    was = serializers.JSONField(allow_null=True)
    now = serializers.JSONField(allow_null=True)


class NearestEntrySerializer(serializers.Serializer):
    cache_key = serializers.CharField()
    run = serializers.IntegerField()
    node = serializers.CharField()
    differences = DifferenceSerializer(many=True)


class CacheExplainSerializer(ShapeSerializer):
    node = serializers.CharField()
    status = serializers.ChoiceField(choices=states.STEP_STATUSES)
    cache_key = serializers.CharField(allow_null=True)
    ingredients = IngredientsSerializer()
    hit = serializers.BooleanField()
    reused_from = ReusedFromSerializer(
        required=False, allow_null=True, help_text="on a hit: the step of this team whose outputs it reused"
    )
    followed = ReusedFromSerializer(
        required=False,
        allow_null=True,
        help_text="in-flight reuse: the step of this team it waits for (queued) or waited for (cached)",
    )
    reason = serializers.CharField(
        required=False,
        help_text="why it was or was not reused; the cache belongs to the team, so it names only this team's runs",
    )
    nearest = NearestEntrySerializer(
        required=False, allow_null=True, help_text="on a miss: the closest cache entry of the team and module"
    )


class _PreviewBase(serializers.Serializer):
    sha256 = serializers.CharField()
    size = serializers.IntegerField(allow_null=True)
    files = serializers.ListField(child=serializers.CharField(), help_text="the artifact's first 50 files")


def _kind(name: str) -> serializers.ChoiceField:
    return serializers.ChoiceField(choices=[name])


class TableProfileSerializer(serializers.Serializer):
    rows = serializers.IntegerField()
    profiled_rows = serializers.IntegerField(help_text="the statistics cover the first this many rows")
    columns = ColumnProfileSerializer(many=True)


class TablePreviewSerializer(_PreviewBase):
    kind = _kind("table")
    file = serializers.CharField()
    columns = serializers.ListField(child=serializers.CharField())
    rows = serializers.ListField(child=serializers.ListField(child=serializers.CharField()), help_text="first 20")
    profile = TableProfileSerializer(
        allow_null=True,
        help_text="the column profile (type, missing, distinct, min/max/mean, histogram); null for a table over "
        "64 MiB or one that does not parse",
    )


class CurvesPreviewSerializer(_PreviewBase):
    kind = _kind("curves")
    file = serializers.CharField()
    curves = serializers.DictField(
        help_text="Evaluate Model's curves.json: {task, positive, roc: [{fpr, tpr, threshold}], auc, "
        "pr: [{recall, precision, threshold}], average_precision, confusion: {labels, matrix}}"
    )


class ImagePreviewSerializer(_PreviewBase):
    kind = _kind("image")
    file = serializers.CharField()
    url = serializers.CharField()


class MetricsPreviewSerializer(_PreviewBase):
    kind = _kind("metrics")
    metrics = serializers.DictField()


class FilesPreviewSerializer(_PreviewBase):
    kind = _kind("files")


_DOCUMENT_HELP = (
    "a complete HTML document previewing the untrusted file, only ever to be shown in "
    '`<iframe sandbox="" srcdoc=...>` (opaque origin, no script); it opens with its own '
    "Content-Security-Policy that allows no request"
)


class _DocumentPreview(_PreviewBase):
    file = serializers.CharField()
    document = serializers.CharField(help_text=_DOCUMENT_HELP)


class HtmlPreviewSerializer(_DocumentPreview):
    kind = _kind("html")


class SvgPreviewSerializer(_DocumentPreview):
    kind = _kind("svg")


class MarkdownPreviewSerializer(_DocumentPreview):
    kind = _kind("markdown")


PREVIEW_SERIALIZERS: dict[str, type[_PreviewBase]] = {
    "table": TablePreviewSerializer,
    "image": ImagePreviewSerializer,
    "metrics": MetricsPreviewSerializer,
    "curves": CurvesPreviewSerializer,
    "html": HtmlPreviewSerializer,
    "svg": SvgPreviewSerializer,
    "markdown": MarkdownPreviewSerializer,
    "files": FilesPreviewSerializer,
}

# One component, "Preview", a union on `kind`: each kind's serializer renders it (see the view).
PreviewSerializer = PolymorphicProxySerializer(
    component_name="Preview", resource_type_field_name="kind", serializers=PREVIEW_SERIALIZERS
)


class RunListItemSerializer(RunSummarySerializer):
    """A run as the run list shows it: the summary plus its steps' numeric metrics. Read runs
    with `runner.compare.with_metric_steps` (one query a page)."""

    metrics = serializers.DictField(
        child=serializers.FloatField(),
        help_text='the numeric metrics of every step, flat: {"node.key": number}',
    )

    def to_representation(self, run: Run) -> dict[str, Any]:
        return {**run_data(run, steps=False), "metrics": run_metrics(run)}


class RunDiffSerializer(serializers.Serializer):
    from_run = serializers.IntegerField()
    to_run = serializers.IntegerField()
    from_pipeline = serializers.IntegerField()
    to_pipeline = serializers.IntegerField()
    from_version = serializers.IntegerField(allow_null=True)
    to_version = serializers.IntegerField(allow_null=True)
    nodes = serializers.JSONField(help_text="{added: [id], removed: [id], changed: [{id, fields}]}")
    edges = serializers.JSONField(help_text="{added: [edge], removed: [edge]}")
    parameters = serializers.JSONField(help_text="{added: [name], removed: [name], changed: [{name, fields}]}")
    module_versions = serializers.JSONField(help_text="[{node, module, from, to}]")


class RunCompareSerializer(serializers.Serializer):
    runs = RunSerializer(many=True, help_text="the runs, in the order asked, each with every step")
    diffs = RunDiffSerializer(
        many=True, help_text="the graph diff from the first run's pipeline version to each other run's"
    )

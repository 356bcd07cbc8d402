"""The JSON of runs and steps: the one owner of the shape the API returns, the run feed sends
(`runner.events`) and the WebSocket snapshot carries (`runner.consumers`).

The declared fields are the contract (they feed /api/schema/, whose components are `Run`, `Step`,
`ArtifactRef` and `ReusedFrom`). Events are published on every state change, so `to_representation`
is a hand-written fast path over the same fields; tests/unit/test_run_serializers.py checks it
against DRF's field-driven rendering, field for field.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from runner import states
from runner.models import Artifact, Run, StepRun


class BlankAsNullField(serializers.CharField):
    """A text column whose empty value is sent as null."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("allow_null", True)
        super().__init__(**kwargs)

    def to_representation(self, value: Any) -> str | None:
        return str(value) if value else None


class IsoDateTimeField(serializers.DateTimeField):
    """A timestamp as Python's isoformat() writes it (UTC, "+00:00"), as the run feed always has."""

    def to_representation(self, value: Any) -> str | None:
        return value.isoformat() if value else None


def artifact_info(shas: list[str]) -> dict[str, dict[str, Any]]:
    """sha256 -> {sha256, size, media_type} of the artifacts among `shas`, in one query."""
    if not shas:
        return {}
    rows = Artifact.objects.filter(sha256__in=shas).values_list("sha256", "size", "media_type")
    return {sha: {"sha256": sha, "size": size, "media_type": media} for sha, size, media in rows}


def runs_for_json() -> QuerySet[Run]:
    """Runs with what `RunSerializer` reads joined in, and without the big JSON it does not read
    (plans and graphs: a 1,000-node pipeline's are megabytes)."""
    return Run.objects.select_related("team", "pipeline", "pipeline_version", "created_by").defer(
        "plan", "pipeline__graph", "pipeline_version__graph", "pipeline_version__plan"
    )


class ArtifactRefSerializer(serializers.Serializer):
    sha256 = serializers.CharField()
    size = serializers.IntegerField(allow_null=True, help_text="null when the artifact row is missing")
    media_type = serializers.CharField(allow_blank=True)


class ComputeField(serializers.ChoiceField):
    """A step's compute target, from its queue (`compute-<target>`); null when it has none."""

    def to_representation(self, value: Any) -> str | None:
        return str(value).removeprefix("compute-") or None


class ReusedFromSerializer(serializers.Serializer):
    run = serializers.IntegerField(source="run_id")
    node = serializers.CharField()
    step = serializers.IntegerField(source="pk")


TIMING_POINTS = (
    "queued_at",
    "claimed_at",
    "container_started_at",
    "container_exited_at",
    "outputs_stored_at",
    "finished_at",
)


class StepTimingsSerializer(serializers.Serializer):
    """When the step's latest attempt passed each point; a point it did not reach is absent."""

    queued_at = serializers.DateTimeField(required=False, help_text="put on its compute queue")
    claimed_at = serializers.DateTimeField(required=False, help_text="a worker claimed the attempt")
    container_started_at = serializers.DateTimeField(required=False, help_text="its container (or process) started")
    container_exited_at = serializers.DateTimeField(required=False, help_text="its container (or process) exited")
    outputs_stored_at = serializers.DateTimeField(required=False, help_text="its outputs were in the artifact store")
    finished_at = serializers.DateTimeField(required=False, help_text="its final state was committed")
    split_sent_at = serializers.DateTimeField(
        required=False, help_text="a for-each node over rows or files: the split of its input into items was asked for"
    )
    expanded_at = serializers.DateTimeField(
        required=False, help_text="a for-each node over rows or files: its items were made"
    )
    gather_sent_at = serializers.DateTimeField(
        required=False, help_text="a for-each node: the gathering of its items' outputs was asked for"
    )


def _outputs(step: StepRun, infos: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {port: infos.get(sha, {"sha256": sha, "size": None, "media_type": ""}) for port, sha in step.outputs.items()}


class StepSerializer(serializers.Serializer):
    """One step of a run."""

    # Context: `infos` (from `artifact_info`) saves a query per step.

    id = serializers.IntegerField()
    node = serializers.CharField()
    label = serializers.CharField(
        allow_blank=True, help_text="the node's label on the canvas when the run started; blank when it had none"
    )
    module = serializers.CharField(help_text="team/name")
    version = serializers.CharField(help_text="the pinned module version")
    status = serializers.ChoiceField(choices=states.STEP_STATUSES)
    cache_key = BlankAsNullField(help_text="null until the step's inputs are known")
    reused_from = ReusedFromSerializer(allow_null=True, help_text="the step whose outputs a cached step reused")
    force = serializers.BooleanField(help_text="runs even if the cache holds its result (rerun from a node)")
    attempt = serializers.IntegerField()
    started_at = IsoDateTimeField(allow_null=True)
    finished_at = IsoDateTimeField(allow_null=True)
    exit_code = serializers.IntegerField(allow_null=True)
    outputs = serializers.SerializerMethodField(help_text="port -> artifact")
    metrics = serializers.DictField()
    error = BlankAsNullField()
    compute = ComputeField(
        source="queue",
        choices=["docker", "local"],
        allow_null=True,
        help_text="where the step runs: docker (a container) or local (a host process without a container, "
        "enabled by the operator); null until it is queued, and for a step reused from the cache",
    )
    timings = StepTimingsSerializer(help_text="ISO timestamps of the latest attempt's points, for the timeline")
    cpu_seconds = serializers.FloatField(
        allow_null=True, help_text="CPU time the step's container used, from its cgroup; null when unknown"
    )
    peak_memory_bytes = serializers.IntegerField(
        allow_null=True, help_text="the container's peak memory, from its cgroup; null when unknown"
    )
    foreach = serializers.BooleanField(
        help_text="a for-each node: its items are at GET /api/runs/{id}/foreach/{node}/ (not among the run's steps)"
    )

    @extend_schema_field(serializers.DictField(child=ArtifactRefSerializer()))
    def get_outputs(self, step: StepRun) -> dict[str, dict[str, Any]]:
        return _outputs(step, self._infos(step))

    def _infos(self, step: StepRun) -> dict[str, dict[str, Any]]:
        infos = self.context.get("infos")
        return infos if infos is not None else artifact_info(list(step.outputs.values()))

    def to_representation(self, step: StepRun) -> dict[str, Any]:
        return step_data(step, self.context.get("infos"))

    @staticmethod
    def render(step: StepRun, infos: dict[str, dict[str, Any]] | None = None) -> dict[str, Any]:
        """What `StepSerializer(step, context={"infos": infos}).data` returns, as a plain dict
        and without building a serializer: the run feed's path, once per state change."""
        return step_data(step, infos)


def step_data(step: StepRun, infos: dict[str, dict[str, Any]] | None = None) -> dict[str, Any]:
    """`StepSerializer`'s fast path, for the run feed: the same fields, built directly."""
    if infos is None:
        infos = artifact_info(list(step.outputs.values()))
    origin = step.reused_from if step.reused_from_id is not None else None
    values = {f: getattr(step, f) for f in _STEP_OWN}
    values["id"] = step.pk
    values["reused_from__run_id"] = origin.run_id if origin else None
    values["reused_from__node"] = origin.node if origin else None
    return _step_json(values, infos)


# what `_step_json` reads: the step's own columns and, through a join, its origin's
_STEP_OWN = (
    "node",
    "label",
    "module",
    "version",
    "status",
    "cache_key",
    "reused_from_id",
    "force",
    "attempt",
    "started_at",
    "finished_at",
    "exit_code",
    "outputs",
    "metrics",
    "error",
    "queue",
    "timings",
    "cpu_seconds",
    "peak_memory_bytes",
    "foreach",
    "item",
)
STEP_VALUES = ("id", *_STEP_OWN, "reused_from__run_id", "reused_from__node")


def _step_json(v: dict[str, Any], infos: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """A step's JSON from `STEP_VALUES` (a `.values()` row, or read off a model by `step_data`)."""
    reused = None
    if v["reused_from_id"] is not None and v["reused_from__run_id"] is not None:
        reused = {"run": v["reused_from__run_id"], "node": v["reused_from__node"], "step": v["reused_from_id"]}
    outputs = {
        port: infos.get(sha, {"sha256": sha, "size": None, "media_type": ""}) for port, sha in v["outputs"].items()
    }
    return {
        "id": v["id"],
        "node": v["node"],
        "label": v["label"],
        "module": v["module"],
        "version": v["version"],
        "status": v["status"],
        "cache_key": v["cache_key"] or None,
        "reused_from": reused,
        "force": v["force"],
        "attempt": v["attempt"],
        "started_at": v["started_at"].isoformat() if v["started_at"] else None,
        "finished_at": v["finished_at"].isoformat() if v["finished_at"] else None,
        "exit_code": v["exit_code"],
        "outputs": outputs,
        "metrics": v["metrics"],
        "error": v["error"] or None,
        "compute": v["queue"].removeprefix("compute-") or None,
        "timings": v["timings"],
        "cpu_seconds": v["cpu_seconds"],
        "peak_memory_bytes": v["peak_memory_bytes"],
        "foreach": bool(v["foreach"]) and v["item"] is None,
    }


def steps_json(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Steps' JSON from `.values(*STEP_VALUES)` rows, their artifacts' info read in one query."""
    infos = artifact_info([sha for r in rows for sha in r["outputs"].values()])
    return [_step_json(r, infos) for r in rows]


class RunSummarySerializer(serializers.Serializer):
    """A run of a pipeline version without its steps, as the run list shows it. Read runs with
    `runs_for_json()`."""

    id = serializers.IntegerField()
    pipeline = serializers.IntegerField(source="pipeline_id")
    pipeline_name = serializers.CharField(source="pipeline.name")
    version = serializers.IntegerField(source="pipeline_version.number", allow_null=True, help_text="version number")
    pipeline_version = serializers.IntegerField(source="pipeline_version_id", allow_null=True)
    team = serializers.CharField(source="team.name")
    parent = serializers.IntegerField(source="parent_id", allow_null=True, help_text="the run this one reruns")
    rerun_mode = BlankAsNullField()
    cloned_from = serializers.IntegerField(
        source="cloned_from_id",
        allow_null=True,
        help_text="the run whose pipeline version was opened in the editor to make this run's version",
    )
    parameters = serializers.DictField(help_text="the resolved parameter values")
    cache = serializers.BooleanField(source="use_cache")
    status = serializers.ChoiceField(choices=states.RUN_STATUSES)
    error = BlankAsNullField()
    created_by = serializers.CharField(source="created_by.username", allow_null=True)
    trigger = BlankAsNullField(help_text="endpoint:<slug> or schedule:<id>, else null")
    created_at = IsoDateTimeField()
    started_at = IsoDateTimeField(allow_null=True)
    finished_at = IsoDateTimeField(allow_null=True)
    seq = serializers.IntegerField(
        source="event_seq", help_text="sequence number of the last event; resume the WebSocket after it"
    )

    def to_representation(self, run: Run) -> dict[str, Any]:
        return run_data(run, steps=False)


class RunSerializer(RunSummarySerializer):
    """A run of a pipeline version with every step."""

    steps = StepSerializer(
        many=True,
        source="steps.all",
        help_text="every step, in creation order; a for-each node's items are not among them "
        "(GET /api/runs/{id}/foreach/{node}/)",
    )

    def to_representation(self, run: Run) -> dict[str, Any]:
        return run_data(run, steps=True)

    @staticmethod
    def render(run: Run, *, steps: bool = True) -> dict[str, Any]:
        """What `RunSerializer(run).data` (or `RunSummarySerializer` without steps) returns, as a plain dict."""
        return run_data(run, steps=steps)


class RunEventSerializer(serializers.Serializer):
    """The run feed's "run" event: the run's own fields that change with its status. The frame
    around them (`type: "run"`, `seq`, `run_id`) is added by `runner.events`."""

    status = serializers.ChoiceField(choices=states.RUN_STATUSES)
    error = BlankAsNullField()
    started_at = IsoDateTimeField(allow_null=True)
    finished_at = IsoDateTimeField(allow_null=True)


# what `run_values_json` reads: the run's own columns and, through joins, four names
RUN_VALUES = (
    "id",
    "pipeline_id",
    "pipeline__name",
    "pipeline_version__number",
    "pipeline_version_id",
    "team__name",
    "parent_id",
    "rerun_mode",
    "cloned_from_id",
    "parameters",
    "use_cache",
    "status",
    "error",
    "created_by__username",
    "trigger",
    "created_at",
    "started_at",
    "finished_at",
    "event_seq",
)


def run_values_json(v: dict[str, Any]) -> dict[str, Any]:
    """A run's JSON without its steps from `RUN_VALUES` (read off a model by `run_data`, or a row
    of `runner.reads`)."""
    return {
        "id": v["id"],
        "pipeline": v["pipeline_id"],
        "pipeline_name": v["pipeline__name"],
        "version": v["pipeline_version__number"] if v["pipeline_version_id"] else None,
        "pipeline_version": v["pipeline_version_id"],
        "team": v["team__name"],
        "parent": v["parent_id"],
        "rerun_mode": v["rerun_mode"] or None,
        "cloned_from": v["cloned_from_id"],
        "parameters": v["parameters"],
        "cache": v["use_cache"],
        "status": v["status"],
        "error": v["error"] or None,
        "created_by": v["created_by__username"],
        "trigger": v["trigger"] or None,
        "created_at": v["created_at"].isoformat() if v["created_at"] else None,
        "started_at": v["started_at"].isoformat() if v["started_at"] else None,
        "finished_at": v["finished_at"].isoformat() if v["finished_at"] else None,
        "seq": v["event_seq"],
    }


def run_steps_json(run_id: int) -> list[dict[str, Any]]:
    """Every step of a run as JSON, in creation order: plain rows of the columns the JSON shows
    (no model per step, no unused JSON decoded) and their artifacts, in two queries. A for-each's
    items are not inlined (there may be thousands): GET /api/runs/{id}/foreach/{node}/."""
    rows = StepRun.objects.filter(run_id=run_id, item__isnull=True).order_by("id").values(*STEP_VALUES)
    return steps_json(list(rows))


def run_data(run: Run, *, steps: bool = True) -> dict[str, Any]:
    """`RunSerializer`'s fast path: the same fields, built directly."""
    data = run_values_json(
        {
            **{f: getattr(run, f) for f in RUN_VALUES if "__" not in f and f != "id"},
            "id": run.pk,
            "pipeline__name": run.pipeline.name,
            "pipeline_version__number": run.pipeline_version.number if run.pipeline_version_id else None,
            "team__name": run.team.name,
            "created_by__username": run.created_by.username if run.created_by_id else None,
        }
    )
    if steps:
        data["steps"] = run_steps_json(run.pk)
    return data

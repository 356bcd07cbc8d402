"""Comparing runs: several visible runs side by side, with the graph diff of their versions, and
the light numeric metrics summary the run list carries."""

from __future__ import annotations

from typing import Any

from django.db.models import Prefetch, QuerySet

from compiler.diff import diff
from designer.models import PipelineVersion
from pipewright.errors import LocatedError, NotFound
from runner.models import Run, StepRun
from runner.serializers import run_data, runs_for_json
from teams.scoping import scope

MIN_RUNS = 2
MAX_RUNS = 4


def numeric_metrics(node: str, metrics: Any) -> dict[str, float]:
    """`{"node.key": number}` for the numeric (not boolean) top-level values of a step's metrics."""
    if not isinstance(metrics, dict):
        return {}
    return {
        f"{node}.{key}": value
        for key, value in metrics.items()
        if isinstance(value, (int, float)) and not isinstance(value, bool)
    }


def with_metric_steps(runs: QuerySet[Run]) -> QuerySet[Run]:
    """Runs with their steps' node and metrics prefetched (one query for a whole page) as
    `metric_steps`, which `run_metrics` reads."""
    steps = StepRun.objects.only("id", "run_id", "node", "metrics").order_by("id")
    return runs.prefetch_related(Prefetch("steps", queryset=steps, to_attr="metric_steps"))


def run_metrics(run: Run) -> dict[str, float]:
    """The flat numeric metrics of a run read with `with_metric_steps`."""
    out: dict[str, float] = {}
    for step in getattr(run, "metric_steps", None) or []:
        out.update(numeric_metrics(step.node, step.metrics))
    return out


def parse_ids(raw: str | None) -> list[int]:
    """`ids=1,2,3`: 2 to 4 distinct run ids, in the order given; else a 400 naming `ids`."""
    parts = [p.strip() for p in (raw or "").split(",") if p.strip()]
    if not all(p.isdigit() for p in parts):
        raise LocatedError(
            f"ids {raw!r} is not a comma-separated list of run ids.",
            [{"field": "ids", "message": "run ids separated by commas, e.g. 1,2"}],
        )
    ids = list(dict.fromkeys(int(p) for p in parts))
    if not MIN_RUNS <= len(ids) <= MAX_RUNS:
        raise LocatedError(
            f"ids: compare {MIN_RUNS} to {MAX_RUNS} different runs, not {len(ids)}.",
            [{"field": "ids", "message": f"between {MIN_RUNS} and {MAX_RUNS} different run ids"}],
        )
    return ids


def compare(user: Any, ids: list[int]) -> dict[str, Any]:
    """The runs `ids` (each with its steps) and the graph diff of the first run's version against
    each other run's. A run `user` cannot see is a 404, as one that does not exist."""
    found = {run.pk: run for run in scope(runs_for_json(), user).filter(pk__in=ids)}
    for run_id in ids:
        if run_id not in found:
            raise NotFound(f"Run {run_id} not found.")
    runs = [found[i] for i in ids]
    version_ids = {r.pipeline_version_id for r in runs if r.pipeline_version_id is not None}
    graphs = dict(PipelineVersion.objects.filter(pk__in=version_ids).values_list("id", "graph"))
    first = runs[0]
    diffs = [
        {
            "from_run": first.pk,
            "to_run": other.pk,
            "from_pipeline": first.pipeline_id,
            "to_pipeline": other.pipeline_id,
            "from_version": first.pipeline_version.number if first.pipeline_version_id else None,
            "to_version": other.pipeline_version.number if other.pipeline_version_id else None,
            **diff(graphs.get(first.pipeline_version_id), graphs.get(other.pipeline_version_id)),
        }
        for other in runs[1:]
    ]
    return {"runs": [run_data(r, steps=True) for r in runs], "diffs": diffs}

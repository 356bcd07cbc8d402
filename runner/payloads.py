"""The JSON of runs and steps: one owner for the shape the API returns and the run feed sends."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from runner.models import Artifact, Run, StepRun


def artifact_info(shas: list[str]) -> dict[str, dict[str, Any]]:
    return {
        a.sha256: {"sha256": a.sha256, "size": a.size, "media_type": a.media_type}
        for a in Artifact.objects.filter(sha256__in=shas)
    }


def step_json(step: StepRun, infos: dict[str, dict[str, Any]] | None = None) -> dict[str, Any]:
    if infos is None:
        infos = artifact_info(list(step.outputs.values()))
    reused = None
    if step.reused_from_id is not None:
        origin = step.reused_from
        reused = {"run": origin.run_id, "node": origin.node, "step": origin.pk} if origin else None
    return {
        "id": step.pk,
        "node": step.node,
        "module": step.module,
        "version": step.version,
        "status": step.status,
        "cache_key": step.cache_key or None,
        "reused_from": reused,
        "force": step.force,
        "attempt": step.attempt,
        "started_at": step.started_at.isoformat() if step.started_at else None,
        "finished_at": step.finished_at.isoformat() if step.finished_at else None,
        "exit_code": step.exit_code,
        "outputs": {
            port: infos.get(sha, {"sha256": sha, "size": None, "media_type": ""}) for port, sha in step.outputs.items()
        },
        "metrics": step.metrics,
        "error": step.error or None,
    }


def runs_for_json() -> QuerySet[Run]:
    """Runs with what `run_json` reads joined in, and without the big JSON it does not read (plans
    and graphs: a 1,000-node pipeline's are megabytes)."""
    return Run.objects.select_related("team", "pipeline", "pipeline_version", "created_by").defer(
        "plan", "pipeline__graph", "pipeline_version__graph", "pipeline_version__plan"
    )


def run_json(run: Run, *, steps: bool = True) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": run.pk,
        "pipeline": run.pipeline_id,
        "pipeline_name": run.pipeline.name,
        "version": run.pipeline_version.number if run.pipeline_version_id else None,
        "pipeline_version": run.pipeline_version_id,
        "team": run.team.name,
        "parent": run.parent_id,
        "rerun_mode": run.rerun_mode or None,
        "parameters": run.parameters,
        "cache": run.use_cache,
        "status": run.status,
        "error": run.error or None,
        "created_by": run.created_by.username if run.created_by_id else None,
        "trigger": run.trigger or None,
        "created_at": run.created_at.isoformat() if run.created_at else None,
        "started_at": run.started_at.isoformat() if run.started_at else None,
        "finished_at": run.finished_at.isoformat() if run.finished_at else None,
        "seq": run.event_seq,
    }
    if steps:
        rows = list(run.steps.select_related("reused_from").order_by("id"))
        infos = artifact_info([sha for s in rows for sha in s.outputs.values()])
        data["steps"] = [step_json(s, infos) for s in rows]
    return data

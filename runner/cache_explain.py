"""Why a step was or was not reused from the cache: its ingredients and, on a miss, the nearest
cache entry of the same team and module with what differs from it.

The cache belongs to a team (`CacheEntry.team`): an explanation names only steps of the run's own
team, and says so, so it never tells one team what another team ran."""

from __future__ import annotations

from typing import Any

from runner import states
from runner.advance import plan_of
from runner.foreach import step_of
from runner.models import CacheEntry, Run, StepRun


def explain(run: Run, step: StepRun) -> dict[str, Any]:
    """What `runner.api.serializers.CacheExplainSerializer` renders."""
    plan_step = step_of(plan_of(run), step)
    ingredients = {
        "module_digest": plan_step.digest,
        "image": plan_step.runtime.image,
        "image_id": step.image_id or None,
        "params": step.params,
        "inputs": step.input_hashes,
    }
    body: dict[str, Any] = {
        "node": step.node,
        "status": step.status,
        "cache_key": step.cache_key or None,
        "ingredients": ingredients,
    }
    team = run.team.name
    if step.status == states.CACHED:
        origin = step.reused_from
        # only a step of this team: a link to another team's (reused before the cache was per team) is hidden
        if origin is not None and not StepRun.objects.filter(pk=origin.pk, run__team_id=run.team_id).exists():
            origin = None
        followed = step.following
        if followed is not None and not StepRun.objects.filter(pk=followed.pk, run__team_id=run.team_id).exists():
            followed = None
        if followed is not None:
            where = "this run" if followed.run_id == run.pk else f"run #{followed.run_id}"
            reason = (
                f"followed step '{followed.node}' of {where}, which was already executing the same ingredients "
                f"when this step became ready, and reused its outputs when it finished (in-flight reuse; the "
                f"cache belongs to team {team})."
            )
        elif origin is not None:
            reason = f"reused from run #{origin.run_id} of this team (the cache belongs to team {team})."
        else:
            reason = f"reused from an earlier step that team {team} can no longer see."
        # ReusedFromSerializer renders the StepRuns
        body.update(hit=True, reused_from=origin, followed=followed, reason=reason)
        return body
    body["hit"] = False
    waiting = step.following if step.status == states.QUEUED else None
    if waiting is not None and StepRun.objects.filter(pk=waiting.pk, run__team_id=run.team_id).exists():
        where = "this run" if waiting.run_id == run.pk else f"run #{waiting.run_id}"
        body["followed"] = waiting
        body["reason"] = (
            f"waiting for step '{waiting.node}' of {where}, which is executing the same ingredients; this step "
            "will reuse its outputs (in-flight reuse), or execute itself if that step fails."
        )
    elif not plan_step.deterministic:
        body["reason"] = f"{plan_step.module} is not deterministic; its steps are never cached."
    elif not run.use_cache:
        body["reason"] = "this run was started with the cache off."
    elif step.force:
        body["reason"] = "this step was forced to run (rerun from an upstream node)."
    elif not plan_step.runtime.cache:
        body["reason"] = "caching is off for this node (its compute settings)."
    elif not step.cache_key and step.status != states.PENDING:
        body["reason"] = (
            f"the content digest of its image {plan_step.runtime.image} could not be resolved (missing on the "
            "engine, or the engine was unreachable), so the step was neither reused nor stored."
        )
    elif not step.cache_key:
        body["reason"] = "the step has not been reached yet."
    else:
        body["reason"] = (
            f"no earlier step of team {team} had the same ingredients (the cache belongs to the team: "
            "other teams' steps are never reused)."
        )
    entries = CacheEntry.objects.filter(team_id=run.team_id, module=plan_step.module).exclude(cache_key=step.cache_key)
    nearest = (
        entries.filter(node=step.node).order_by("-created_at", "-id").first()
        or entries.order_by("-created_at", "-id").first()
    )
    body["nearest"] = None
    if nearest is not None:
        body["nearest"] = {
            "cache_key": nearest.cache_key,
            "run": nearest.step_run.run_id,
            "node": nearest.node,
            "differences": differences(ingredients, nearest),
        }
    return body


def differences(ingredients: dict[str, Any], entry: CacheEntry) -> list[dict[str, Any]]:
    diffs: list[dict[str, Any]] = []
    if entry.image_id and ingredients["image_id"] and ingredients["image_id"] != entry.image_id:
        if ingredients["image"] == entry.image:
            message = f"the image {entry.image} changed: {entry.image_id} → {ingredients['image_id']}"
        else:
            was, now = f"{entry.image} ({entry.image_id})", f"{ingredients['image']} ({ingredients['image_id']})"
            message = f"the image changed: {was} → {now}"
        diffs.append({"ingredient": "image", "message": message, "was": entry.image_id, "now": ingredients["image_id"]})
    if ingredients["module_digest"] != entry.module_digest:
        diffs.append(
            {
                "ingredient": "module_digest",
                "message": "the module version's content differs",
                "was": entry.module_digest,
                "now": ingredients["module_digest"],
            }
        )
    params, old = ingredients["params"], entry.params
    for name in sorted(set(params) | set(old)):
        if params.get(name) != old.get(name):
            diffs.append(
                {
                    "ingredient": "parameter",
                    "name": name,
                    "message": f"parameter '{name}' changed",
                    "was": old.get(name),
                    "now": params.get(name),
                }
            )
    inputs, old_in = ingredients["inputs"], entry.input_hashes
    for port in sorted(set(inputs) | set(old_in)):
        if inputs.get(port) != old_in.get(port):
            diffs.append(
                {
                    "ingredient": "input",
                    "port": port,
                    "message": f"input port '{port}' received different data",
                    "was": old_in.get(port),
                    "now": inputs.get(port),
                }
            )
    return diffs

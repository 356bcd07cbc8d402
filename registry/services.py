"""The only writes of the registry: create models, register versions from a step's output, move
tags, archive. Views check roles and scoping first; these check the input and its place.

`resolve_version(team, name, version_or_tag)` is the lookup other apps (deployments) use to turn
`team/name` + `3` | `"3"` | `"production"` into a `ModelVersion`.
"""

from __future__ import annotations

import re
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Max

from pipewright.errors import Conflict, LocatedError, NotFound
from registry import lineage
from registry.models import ModelVersion, RegisteredModel
from runner import states
from runner.models import Run, StepRun
from teams.models import Team

NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,99}")
TAG = re.compile(r"[a-z0-9][a-z0-9_.-]{0,39}")
MAX_TAGS = 10
MODEL_PORT_TYPES = ("Model", "Any")
REGISTER_MODULE = "register-model"  # builtin/register-model, and any team's module of that name


def check_name(name: Any, field: str = "name") -> str:
    if not isinstance(name, str) or not NAME.fullmatch(name):
        raise LocatedError(
            f"Model name {name!r} is not valid: letters, digits, '.', '_' and '-', at most 100.",
            [{"field": field, "message": "letters, digits, '.', '_' and '-', starting with a letter or digit"}],
        )
    return name


def check_tags(tags: Any) -> list[str]:
    if not isinstance(tags, list) or not all(isinstance(t, str) for t in tags):
        raise LocatedError("tags must be a list of strings.", [{"field": "tags", "message": "a list of strings"}])
    bad = next((t for t in tags if not TAG.fullmatch(t)), None)
    if bad is not None:
        raise LocatedError(
            f"Tag {bad!r} is not valid: lower-case letters, digits, '.', '_' and '-', at most 40.",
            [{"field": "tags", "message": f"{bad!r}: lower-case letters, digits, '.', '_', '-'"}],
        )
    if len(set(tags)) > MAX_TAGS:
        raise LocatedError(f"At most {MAX_TAGS} tags.", [{"field": "tags", "message": f"at most {MAX_TAGS}"}])
    return sorted(set(tags))


def do_create_model(team: Team, name: str, description: str = "", user: Any = None) -> RegisteredModel:
    check_name(name)
    try:
        with transaction.atomic():
            return RegisteredModel.objects.create(team=team, name=name, description=description, created_by=user)
    except IntegrityError as exc:
        raise Conflict(
            f"Team '{team.name}' already has a model '{name}'.", [{"field": "name", "message": "already exists"}]
        ) from exc


def model_step(run: Run, node: str, port: str) -> StepRun:
    """The run's step `node`, finished, with a Model (or Any) output `port`; else a 400 naming it."""
    step = StepRun.objects.select_related("run").filter(run=run, node=node).first()
    if step is None:
        raise LocatedError(f"Run {run.pk} has no step '{node}'.", [{"field": "node", "message": "no such step"}])
    if step.status not in states.STEP_DONE_OK:
        raise LocatedError(
            f"Step '{node}' of run {run.pk} is {step.status}; only a succeeded or cached step's output registers.",
            [{"field": "node", "node": node, "message": f"the step is {step.status}"}],
        )
    kind = lineage.port_type(step, port)
    if kind is None or port not in step.outputs:
        raise LocatedError(
            f"Step '{node}' has no output '{port}'.",
            [{"field": "port", "node": node, "port": port, "message": "no such output"}],
        )
    if kind not in MODEL_PORT_TYPES:
        raise LocatedError(
            f"Output '{port}' of step '{node}' is a {kind}, not a Model.",
            [{"field": "port", "node": node, "port": port, "message": f"a {kind} output, not a Model"}],
        )
    return step


def do_register_version(
    model: RegisteredModel,
    step: StepRun,
    port: str,
    *,
    user: Any = None,
    description: str = "",
    registered_by_step: StepRun | None = None,
) -> ModelVersion:
    """A new version N+1 of `model` from `step`'s output `port`, with its lineage snapshot."""
    metrics, sources = lineage.downstream_metrics(step)
    upstream = lineage.ingredients(step)
    with transaction.atomic():
        RegisteredModel.objects.select_for_update().filter(pk=model.pk).first()
        if registered_by_step is not None:
            done = ModelVersion.objects.filter(registered_by_step=registered_by_step).first()
            if done is not None:
                return done  # the hook ran already for this step (a retried signal)
        number = (ModelVersion.objects.filter(model=model).aggregate(n=Max("version"))["n"] or 0) + 1
        return ModelVersion.objects.create(
            model=model,
            version=number,
            step=step,
            node=step.node,
            port=port,
            sha256=step.outputs[port],
            run=step.run,
            pipeline_version_id=step.run.pipeline_version_id,
            metrics=metrics,
            metric_sources=sources,
            upstream=upstream,
            run_parameters=step.run.parameters,
            description=description,
            registered_by_step=registered_by_step,
            created_by=user,
        )


def check_not_archived(model: RegisteredModel) -> None:
    if model.archived:
        raise Conflict(
            f"Model '{model.team.name}/{model.name}' is archived; unarchive it to register versions.",
            [{"field": "name", "message": "archived"}],
        )


def do_register(
    team: Team, name: str, run: Run, node: str, port: str, *, user: Any = None, description: str = ""
) -> ModelVersion:
    """Register `run`'s step output as the next version of `team/name`, creating the model."""
    check_name(name)
    step = model_step(run, node, port)
    model = RegisteredModel.objects.filter(team=team, name=name).first()
    if model is None:
        try:
            model = do_create_model(team, name, user=user)
        except Conflict:  # created meanwhile by another request
            model = RegisteredModel.objects.get(team=team, name=name)
    check_not_archived(model)
    return do_register_version(model, step, port, user=user, description=description)


def do_set_tags(version: ModelVersion, tags: list[str]) -> ModelVersion:
    """Tags are unique per model: a tag given to this version leaves every other version of it."""
    tags = check_tags(tags)
    with transaction.atomic():
        RegisteredModel.objects.select_for_update().filter(pk=version.model_id).first()
        for other in ModelVersion.objects.filter(model_id=version.model_id).exclude(pk=version.pk):
            kept = [t for t in other.tags if t not in tags]
            if kept != other.tags:
                ModelVersion.objects.filter(pk=other.pk).update(tags=kept)
        ModelVersion.objects.filter(pk=version.pk).update(tags=tags)
    version.tags = tags
    return version


def do_archive_version(version: ModelVersion, archived: bool) -> ModelVersion:
    ModelVersion.objects.filter(pk=version.pk).update(archived=archived)
    version.archived = archived
    return version


def do_update_model(model: RegisteredModel, *, description: str | None, archived: bool | None) -> RegisteredModel:
    if description is not None:
        model.description = description
    if archived is not None:
        model.archived = archived
    model.save(update_fields=["description", "archived"])
    return model


def resolve_version(team: Team | str, name: str, version_or_tag: int | str) -> ModelVersion:
    """`team/name` version N (an int or digits) or the version carrying a tag ("production").
    Raises `NotFound` (a 404 through the API) naming what is missing. Archived versions resolve:
    whoever pinned one keeps it."""
    qs = ModelVersion.objects.select_related("model__team", "step", "run")
    qs = qs.filter(
        model__name=name, **({"model__team": team} if isinstance(team, Team) else {"model__team__name": team})
    )
    team_name = team.name if isinstance(team, Team) else team
    if isinstance(version_or_tag, int) or str(version_or_tag).isdigit():
        found = qs.filter(version=int(version_or_tag)).first()
    else:
        found = qs.filter(tags__contains=[str(version_or_tag)]).first()
    if found is None:
        raise NotFound(f"Model {team_name}/{name} has no version {version_or_tag!r}.")
    return found


def register_steps_of(run_id: int) -> list[StepRun]:
    """The succeeded steps of a run that ran a module named `register-model`, in node order."""
    steps = StepRun.objects.select_related("run__team", "run__created_by").filter(
        run_id=run_id, status=states.SUCCEEDED, module__endswith=f"/{REGISTER_MODULE}"
    )
    return list(steps.order_by("node"))


def register_from_step(step: StepRun) -> ModelVersion | None:
    """The register-model hook: `step` ran a module named `register-model` and succeeded; register
    the model on its `model` input (the output of the step that fed it, in the same run) as the
    next version of `<the run's team>/<params.name>`. Returns None when the step is not one."""
    if step.module.split("/")[-1] != REGISTER_MODULE:
        return None
    run = step.run
    binding = next((b for b in lineage.plan_step(step).get("inputs", []) if b["port"] == "model"), None)
    if binding is None or not binding.get("source_node"):
        return None
    source = StepRun.objects.select_related("run").get(run=run, node=binding["source_node"])
    model = RegisteredModel.objects.filter(team_id=run.team_id, name=step.params.get("name")).first()
    if model is None:
        model = do_create_model(run.team, check_name(step.params.get("name")), user=run.created_by)
    check_not_archived(model)
    description = str(step.params.get("description") or "")
    return do_register_version(
        model, source, binding["source_port"], user=run.created_by, description=description, registered_by_step=step
    )

"""Every write to endpoints and schedules, and the firing of a schedule."""

from __future__ import annotations

import json
import logging
import uuid
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils.text import slugify
from django_celery_beat.models import CrontabSchedule, PeriodicTask

from compiler.plan import Plan
from designer.models import Pipeline, PipelineVersion
from designer.services import compile_errors, saved_version
from pipewright.errors import LocatedError
from publishing.cron import Cron
from publishing.models import Endpoint, Schedule
from runner import runs
from runner.models import Run
from teams import scoping
from teams.models import Role

log = logging.getLogger(__name__)


# -- endpoints ---------------------------------------------------------------------------------

SLUG_MAX = 63


def endpoint_slug(name: str) -> str:
    """The URL slug of an endpoint called `name`, or a 400 naming `name` when nothing is left."""
    slug = slugify(name)[:SLUG_MAX].strip("-_")
    if not slug:
        raise LocatedError(
            "name: needs at least one letter or digit to make the endpoint's URL.",
            [{"field": "name", "message": "needs at least one letter or digit to make the endpoint's URL"}],
        )
    return slug


def publishable_version(pipeline: Pipeline, number: int | None) -> PipelineVersion:
    """Version `number` of `pipeline` (latest when None) if it compiled; else a 400 whose first
    error names `version` and whose others are the version's compile errors."""
    version = saved_version(pipeline, number)
    if version is None:
        message = "the pipeline has no saved version yet" if number is None else f"the pipeline has no version {number}"
        raise LocatedError(f"version: {message}.", [{"field": "version", "message": message}])
    if not version.runnable:
        errors = compile_errors(version)
        first = errors[0].get("message", "")
        raise LocatedError(
            f"Version {version.number} of pipeline '{pipeline.name}' has {len(errors)} compile error(s) "
            f"and cannot be published: {first}",
            [{"field": "version", "message": f"version {version.number} has {len(errors)} compile error(s)"}, *errors],
        )
    return version


def do_publish_pipeline(user: Any, pipeline: Pipeline, name: str, number: int | None = None) -> Endpoint:
    """A new endpoint for a runnable version of `pipeline`; a taken slug is a 409 naming `name`."""
    version = publishable_version(pipeline, number)
    slug = endpoint_slug(name)
    try:
        with transaction.atomic():
            return Endpoint.objects.create(
                slug=slug,
                name=name,
                team_id=pipeline.team_id,
                pipeline=pipeline,
                version=version,
                created_by=user if getattr(user, "is_authenticated", False) else None,
            )
    except IntegrityError:
        raise LocatedError(
            f"An endpoint with the URL slug '{slug}' already exists; choose another name.",
            [{"field": "name", "message": f"the slug '{slug}' is taken"}],
            status_code=409,
        )


def do_update_endpoint(
    endpoint: Endpoint, *, name: str | None = None, number: int | None = None, enabled: bool | None = None
) -> Endpoint:
    """Rename (the slug stays), re-point the endpoint at another runnable version, enable or disable it."""
    if number is not None:
        endpoint.version = publishable_version(endpoint.pipeline, number)
    if name is not None:
        endpoint.name = name
    if enabled is not None:
        endpoint.enabled = enabled
    endpoint.save()
    return endpoint


def do_delete_endpoint(endpoint: Endpoint) -> None:
    """The endpoint and its schedules (whose beat tasks go with them, see designer.signals)."""
    with transaction.atomic():
        endpoint.delete()


def do_run_endpoint(
    endpoint: Endpoint, parameters: Any, use_cache: bool, user: Any, *, trigger: str | None = None
) -> Any:
    """A run of the endpoint's current version (runner.runs.create_run validates parameters);
    a disabled endpoint is a 409."""
    if not endpoint.enabled:
        raise LocatedError(
            f"Endpoint '{endpoint.slug}' is disabled; enable it to start runs.",
            [{"field": "endpoint", "message": "the endpoint is disabled"}],
            status_code=409,
        )
    versions = PipelineVersion.objects.select_related("pipeline").defer("graph", "pipeline__graph")
    version = versions.get(pk=endpoint.version_id)
    return runs.create_run(version, parameters, use_cache, user, trigger=trigger or f"endpoint:{endpoint.slug}")


# -- schedules ---------------------------------------------------------------------------------

SCHEDULE_TASK = "publishing.run_schedule"
SCHEDULE_QUEUE = "pipewright"
SCHEDULE_EXPIRES = 300  # a firing no worker picks up within five minutes is dropped, not piled up


def check_schedule_parameters(endpoint: Endpoint, parameters: Any) -> dict[str, Any]:
    """`parameters` as given, or a 400 naming each value the endpoint's version would refuse."""
    if parameters is None:
        return {}
    if not isinstance(parameters, dict):
        raise LocatedError("parameters must be an object.", [{"field": "parameters", "message": "must be an object"}])
    plan = PipelineVersion.objects.filter(pk=endpoint.version_id).values_list("plan", flat=True).get()
    runs.validate_parameters(Plan.from_json(plan) if plan else Plan(steps=()), parameters)
    return parameters


def _crontab(cron: Cron) -> Any:
    spec = {**cron._asdict(), "timezone": ZoneInfo(settings.CELERY_TIMEZONE)}
    return CrontabSchedule.objects.filter(**spec).first() or CrontabSchedule.objects.create(**spec)


def drop_unused_crontab(crontab_id: int | None) -> None:
    if crontab_id is not None:
        CrontabSchedule.objects.filter(pk=crontab_id, periodictask__isnull=True).delete()


def do_create_schedule(
    user: Any, endpoint: Endpoint, cron: Cron, parameters: dict[str, Any], enabled: bool
) -> Schedule:
    """A Schedule row plus the django-celery-beat PeriodicTask that fires `publishing.run_schedule`."""
    with transaction.atomic():
        task = PeriodicTask.objects.create(
            name=f"pipewright schedule {uuid.uuid4().hex}",
            task=SCHEDULE_TASK,
            crontab=_crontab(cron),
            args="[]",
            queue=SCHEDULE_QUEUE,
            expire_seconds=SCHEDULE_EXPIRES,
            enabled=enabled,
            description=f"Runs endpoint '{endpoint.slug}'; managed by /api/schedules/.",
        )
        schedule = Schedule.objects.create(
            team_id=endpoint.team_id,
            endpoint=endpoint,
            owner=user,
            cron=str(cron),
            parameters=parameters,
            periodic_task=task,
        )
        task.name = f"pipewright schedule {schedule.pk} ({endpoint.slug})"[:200]
        task.args = json.dumps([schedule.pk])
        task.save()
    return schedule


def do_update_schedule(
    schedule: Schedule,
    *,
    cron: Cron | None = None,
    parameters: dict[str, Any] | None = None,
    enabled: bool | None = None,
) -> Schedule:
    with transaction.atomic():
        task = PeriodicTask.objects.select_for_update().get(pk=schedule.periodic_task_id)
        old_crontab = task.crontab_id
        if cron is not None:
            task.crontab = _crontab(cron)
            schedule.cron = str(cron)
        if enabled is not None:
            task.enabled = enabled
        task.save()
        if parameters is not None:
            schedule.parameters = parameters
        schedule.save()
        if task.crontab_id != old_crontab:
            drop_unused_crontab(old_crontab)
    schedule.periodic_task = task
    return schedule


def do_delete_schedule(schedule: Schedule) -> None:
    """The schedule and its PeriodicTask (removed by publishing.signals, as on every cascade)."""
    with transaction.atomic():
        schedule.delete()


def run_schedule(schedule_id: int) -> str:
    """Fire a schedule: a run of its endpoint's current version, as its owner. Quiet when gone."""

    schedule = (
        Schedule.objects.select_related("endpoint", "owner", "team", "periodic_task").filter(pk=schedule_id).first()
    )
    if schedule is None:
        return "gone"
    if not schedule.periodic_task.enabled:
        return "disabled"
    owner = schedule.owner
    scoping.forget_roles(owner)
    if not scoping.has_role(owner, schedule.team, Role.MEMBER):
        message = f"{owner.username} is no longer a member of team '{schedule.team.name}' who may run pipelines"
        Schedule.objects.filter(pk=schedule.pk).update(last_error=message)
        log.warning("schedule %s refused: %s", schedule.pk, message)
        return "refused"
    try:
        run = do_run_endpoint(schedule.endpoint, schedule.parameters, True, owner, trigger=f"schedule:{schedule.pk}")
    except LocatedError as exc:
        Schedule.objects.filter(pk=schedule.pk).update(last_error=str(exc.detail))
        log.warning("schedule %s could not start a run: %s", schedule.pk, exc.detail)
        return "refused"
    Schedule.objects.filter(pk=schedule.pk).update(last_run=run, last_error="")
    return f"run {run.pk}"


def endpoint_runs(endpoint: Endpoint) -> Any:
    """Runs started through the endpoint, by token or by one of its schedules, newest first."""
    schedule_ids = list(Schedule.objects.filter(endpoint=endpoint).values_list("pk", flat=True))
    triggers = [f"endpoint:{endpoint.slug}", *(f"schedule:{pk}" for pk in schedule_ids)]
    return Run.objects.filter(team_id=endpoint.team_id, trigger__in=triggers).order_by("-id")


def schedule_runs(schedule: Schedule) -> Any:
    """Runs this schedule started, newest first."""
    return Run.objects.filter(team_id=schedule.team_id, trigger=f"schedule:{schedule.pk}").order_by("-id")

"""Every write to pipelines and datasets goes through here (views validate, actions act)."""

from __future__ import annotations

import csv
import io
import json
import logging
import uuid
from typing import Any, BinaryIO
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils.text import slugify

from designer.compiler import CompileResult, compile, upgrade
from designer.compiler.plan import Plan
from designer.compiler.serialize import plan_json
from designer.cron import Cron
from designer.errors import Conflict, LocatedError, PreconditionFailed
from designer.lookup import DbDatasets
from designer.models import Dataset, DatasetVersion, Endpoint, Pipeline, PipelineVersion, Schedule, empty_graph
from modules import scoping
from modules.lookup import DbCatalog
from modules.models import Role, Team

log = logging.getLogger(__name__)

MAX_NODES = 5000
MAX_EDGES = 20000


def _saved_version(pipeline: Pipeline, number: int | None) -> PipelineVersion | None:
    """Version `number` of `pipeline` (the latest when None), without its graph, or None."""
    versions = PipelineVersion.objects.filter(pipeline=pipeline).defer("graph")
    return versions.order_by("-number").first() if number is None else versions.filter(number=number).first()


def _compile_errors(version: PipelineVersion) -> list[dict[str, Any]]:
    return [dict(e) for e in version.errors] or [{"field": "graph", "message": "the graph did not compile"}]


def runnable_version(pipeline: Pipeline, number: int | None = None) -> PipelineVersion:
    """The given version of `pipeline` (latest when None), or a 400 naming why it cannot run."""
    version = _saved_version(pipeline, number)
    if version is None:
        if number is None:
            raise LocatedError(
                f"Pipeline '{pipeline.name}' has no saved version yet; save it first.",
                [{"field": "version", "message": "no saved version"}],
            )
        raise LocatedError(
            f"Pipeline '{pipeline.name}' has no version {number}.",
            [{"field": "version", "message": f"no version {number}"}],
        )
    if not version.runnable:
        errors = _compile_errors(version)
        first = errors[0].get("message", "")
        raise LocatedError(
            f"Version {version.number} of pipeline '{pipeline.name}' has {len(errors)} error(s) "
            f"and cannot run: {first}",
            errors,
        )
    return version


def check_graph_shape(graph: Any, field: str = "graph") -> None:
    """Reject what is not worth compiling (not an object, absurdly large); 400 naming the field."""
    if not isinstance(graph, dict):
        raise LocatedError(
            f"{field}: must be an object.", [{"field": field, "message": "The graph must be a JSON object."}]
        )
    for key, limit in (("nodes", MAX_NODES), ("edges", MAX_EDGES)):
        items = graph.get(key)
        if isinstance(items, list) and len(items) > limit:
            raise LocatedError(
                f"{field}.{key}: at most {limit} allowed.",
                [{"field": f"{field}.{key}", "message": f"A pipeline can have at most {limit} {key}."}],
            )


def check_graph(user: Any, graph: Any) -> CompileResult:
    """Compile a canvas document against what `user` can see (no writes)."""
    doc = upgrade(graph)
    catalog = DbCatalog(user)
    datasets = DbDatasets(user)
    nodes = doc.get("nodes") if isinstance(doc, dict) else None
    if isinstance(nodes, list):
        catalog.preload(n["module"] for n in nodes if isinstance(n, dict) and isinstance(n.get("module"), str))
        datasets.preload(n["dataset"] for n in nodes if isinstance(n, dict) and isinstance(n.get("dataset"), str))
    return compile(doc, catalog, datasets)


def _stored_graph(result: CompileResult, graph: dict[str, Any]) -> dict[str, Any]:
    return result.pinned or upgrade(graph)


def _new_version(pipeline: Pipeline, user: Any, graph: dict[str, Any], result: CompileResult) -> PipelineVersion:
    last = pipeline.versions.aggregate(n=Max("number"))["n"] or 0
    return PipelineVersion.objects.create(
        pipeline=pipeline,
        number=last + 1,
        graph=graph,
        plan=plan_json(result.plan) if result.plan is not None and not result.errors else None,
        errors=result.errors_json(),
        warnings=result.warnings_json(),
        created_by=user if getattr(user, "is_authenticated", False) else None,
    )


def do_create_pipeline(
    user: Any, team: Team, name: str, description: str = "", graph: dict[str, Any] | None = None
) -> tuple[Pipeline, CompileResult, PipelineVersion | None]:
    """A new pipeline; when a graph is given it is compiled and becomes version 1."""
    source = graph if graph is not None else empty_graph()
    result = check_graph(user, source)
    stored = _stored_graph(result, source)
    with transaction.atomic():
        pipeline = Pipeline.objects.create(team=team, name=name, description=description, graph=stored, created_by=user)
        version = _new_version(pipeline, user, stored, result) if graph is not None else None
    return pipeline, result, version


def do_save_pipeline(
    user: Any,
    pipeline: Pipeline,
    *,
    expected_revision: int,
    name: str | None = None,
    description: str | None = None,
    graph: dict[str, Any] | None = None,
) -> tuple[Pipeline, CompileResult, PipelineVersion | None, bool]:
    """Save an edit made against `expected_revision` (else 412, nothing saved).

    Compiles the graph, stores it pinned, bumps the revision, and makes a new immutable version
    when the graph changed (or none exists yet). Returns (pipeline, result, latest version, created).
    """
    source = graph if graph is not None else pipeline.graph
    result = check_graph(user, source)
    stored = _stored_graph(result, source)
    with transaction.atomic():
        # The stored graph and plan are large: never decode them here, compare in the database.
        locked = Pipeline.objects.select_for_update().defer("graph").get(pk=pipeline.pk)
        if locked.revision != expected_revision:
            raise PreconditionFailed(
                f"Pipeline '{locked.name}' is at revision {locked.revision}, not {expected_revision}; "
                "reload it and apply your change again."
            )
        versions = PipelineVersion.objects.filter(pipeline=locked).defer("graph", "plan")
        latest = versions.order_by("-number").first()
        unchanged = latest is not None and versions.filter(pk=latest.pk, graph=stored).exists()
        created = not unchanged and (latest is not None or graph is not None)
        if created:
            latest = _new_version(locked, user, stored, result)
        if name is not None:
            locked.name = name
        if description is not None:
            locked.description = description
        locked.graph = stored
        locked.revision += 1
        locked.save()
    return locked, result, latest, created


def do_duplicate_pipeline(user: Any, pipeline: Pipeline, name: str) -> tuple[Pipeline, CompileResult, PipelineVersion]:
    pipeline_copy, result, version = do_create_pipeline(
        user, pipeline.team, name, pipeline.description, graph=pipeline.graph
    )
    assert version is not None
    return pipeline_copy, result, version


def do_delete_pipeline(pipeline: Pipeline) -> None:
    from django.db.models import ProtectedError, RestrictedError

    try:
        with transaction.atomic():
            pipeline.delete()
    except (ProtectedError, RestrictedError):
        raise Conflict(f"Pipeline '{pipeline.name}' has runs that keep it; it cannot be deleted.")


# -- datasets ----------------------------------------------------------------------------------

COLUMN_SNIFF_BYTES = 64 * 1024


def csv_columns(head: bytes) -> list[str]:
    """Header columns of a CSV file from its first bytes; [] when it does not look like CSV text."""
    try:
        text = head.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = head.decode("utf-8-sig", errors="ignore") if b"\x00" not in head else ""
    first_line = text.splitlines()[0] if text.strip() else ""
    if not first_line or "\x00" in first_line:
        return []
    try:
        dialect: Any = csv.Sniffer().sniff(first_line, delimiters=",;\t|")
    except csv.Error:
        dialect = csv.excel
    row = next(csv.reader(io.StringIO(first_line), dialect), [])
    return [c.strip() for c in row]


def do_upload_dataset(user: Any, team: Team, name: str, stream: BinaryIO, filename: str) -> DatasetVersion:
    """Store an upload in the artifact store and record it as the dataset's next version."""
    from runner import artifacts

    head = stream.read(COLUMN_SNIFF_BYTES)
    stream.seek(0)
    columns = csv_columns(head) if filename.lower().endswith((".csv", ".tsv", ".txt")) else []
    try:
        sha, size = artifacts.store_stream(stream, filename, max_bytes=settings.DATASET_MAX_BYTES)
    except ValueError as exc:
        raise LocatedError(f"file: {exc}.", [{"field": "file", "message": str(exc)}], status_code=413)
    for _attempt in range(3):
        try:
            with transaction.atomic():
                dataset, _ = Dataset.objects.get_or_create(team=team, name=name)
                Dataset.objects.select_for_update().filter(pk=dataset.pk).first()
                last = dataset.versions.aggregate(n=Max("version"))["n"] or 0
                return DatasetVersion.objects.create(
                    dataset=dataset,
                    version=last + 1,
                    artifact=sha,
                    size=size,
                    filename=filename[:255],
                    columns=columns,
                    created_by=user,
                )
        except IntegrityError:
            continue
    raise Conflict(f"Dataset '{team.name}/{name}' is being uploaded concurrently; try again.")


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
    version = _saved_version(pipeline, number)
    if version is None:
        message = "the pipeline has no saved version yet" if number is None else f"the pipeline has no version {number}"
        raise LocatedError(f"version: {message}.", [{"field": "version", "message": message}])
    if not version.runnable:
        errors = _compile_errors(version)
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


def do_update_endpoint(endpoint: Endpoint, *, name: str | None = None, number: int | None = None) -> Endpoint:
    """Rename (the slug stays) and/or re-point the endpoint at another runnable version."""
    if number is not None:
        endpoint.version = publishable_version(endpoint.pipeline, number)
    if name is not None:
        endpoint.name = name
    endpoint.save()
    return endpoint


def do_delete_endpoint(endpoint: Endpoint) -> None:
    """The endpoint and its schedules (whose beat tasks go with them, see designer.signals)."""
    with transaction.atomic():
        endpoint.delete()


def do_run_endpoint(
    endpoint: Endpoint, parameters: Any, use_cache: bool, user: Any, *, trigger: str | None = None
) -> Any:
    """A run of the endpoint's current version (runner.services.create_run validates parameters)."""
    from runner import services as runner

    versions = PipelineVersion.objects.select_related("pipeline").defer("graph", "pipeline__graph")
    version = versions.get(pk=endpoint.version_id)
    return runner.create_run(version, parameters, use_cache, user, trigger=trigger or f"endpoint:{endpoint.slug}")


# -- schedules ---------------------------------------------------------------------------------

SCHEDULE_TASK = "designer.run_schedule"
SCHEDULE_QUEUE = "pipewright"
SCHEDULE_EXPIRES = 300  # a firing no worker picks up within five minutes is dropped, not piled up


def check_schedule_parameters(endpoint: Endpoint, parameters: Any) -> dict[str, Any]:
    """`parameters` as given, or a 400 naming each value the endpoint's version would refuse."""
    from runner.services import validate_parameters

    if parameters is None:
        return {}
    if not isinstance(parameters, dict):
        raise LocatedError("parameters must be an object.", [{"field": "parameters", "message": "must be an object"}])
    plan = PipelineVersion.objects.filter(pk=endpoint.version_id).values_list("plan", flat=True).get()
    validate_parameters(Plan.from_json(plan) if plan else Plan(steps=()), parameters)
    return parameters


def _crontab(cron: Cron) -> Any:
    from django_celery_beat.models import CrontabSchedule

    spec = {**cron._asdict(), "timezone": ZoneInfo(settings.CELERY_TIMEZONE)}
    return CrontabSchedule.objects.filter(**spec).first() or CrontabSchedule.objects.create(**spec)


def drop_unused_crontab(crontab_id: int | None) -> None:
    from django_celery_beat.models import CrontabSchedule

    if crontab_id is not None:
        CrontabSchedule.objects.filter(pk=crontab_id, periodictask__isnull=True).delete()


def do_create_schedule(
    user: Any, endpoint: Endpoint, cron: Cron, parameters: dict[str, Any], enabled: bool
) -> Schedule:
    """A Schedule row plus the django-celery-beat PeriodicTask that fires `designer.run_schedule`."""
    from django_celery_beat.models import PeriodicTask

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
    from django_celery_beat.models import PeriodicTask

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
    """The schedule and its PeriodicTask (removed by designer.signals, as on every cascade)."""
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

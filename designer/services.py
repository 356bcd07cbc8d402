"""Every write to pipelines and datasets goes through here (views validate, actions act)."""

from __future__ import annotations

import logging
from typing import Any, BinaryIO

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Max

from artifacts.backend import current
from compiler import SCHEMA_VERSION, CompileResult, compile, upgrade
from compiler.annotations import check_annotations
from compiler.compute import ComputeLimits
from compiler.diff import diff
from compiler.document import schema_of
from compiler.serialize import plan_json
from compiler.upgrade import UpgradeProposal, propose_upgrade
from designer import datasets
from designer.lookup import DbDatasets, DbPipelines
from designer.models import Dataset, DatasetProfile, DatasetVersion, Pipeline, PipelineVersion, empty_graph
from modules.lookup import DbCatalog
from pipewright.errors import Conflict, LocatedError, NotFound, PreconditionFailed
from pipewright.fields import json_size
from pipewright.parsers import depth_over, find_bad_text, strict_loads
from teams.models import Team

log = logging.getLogger(__name__)

MAX_NODES = 5000
MAX_EDGES = 20000


def saved_version(pipeline: Pipeline, number: int | None) -> PipelineVersion | None:
    """Version `number` of `pipeline` (the latest when None), without its graph, or None."""
    versions = PipelineVersion.objects.filter(pipeline=pipeline).defer("graph")
    return versions.order_by("-number").first() if number is None else versions.filter(number=number).first()


def latest_number(pipeline: Pipeline) -> int | None:
    """The number of the pipeline's newest version; None before its first."""
    value = pipeline.versions.aggregate(n=Max("number"))["n"]
    return int(value) if value is not None else None


def version_diff(a: PipelineVersion, b: PipelineVersion) -> dict[str, Any]:
    """What changed from version `a` to version `b` (see compiler.diff)."""
    return {"from_version": a.number, "to_version": b.number, **diff(a.graph, b.graph)}


def compile_errors(version: PipelineVersion) -> list[dict[str, Any]]:
    return [dict(e) for e in version.errors] or [{"field": "graph", "message": "the graph did not compile"}]


def runnable_version(pipeline: Pipeline, number: int | None = None) -> PipelineVersion:
    """The given version of `pipeline` (latest when None), or a 400 naming why it cannot run."""
    version = saved_version(pipeline, number)
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
        errors = compile_errors(version)
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
    for key, kind, name in (("nodes", list, "a list"), ("edges", list, "a list"), ("parameters", list, "a list")):
        if key in graph and not isinstance(graph[key], kind):
            raise LocatedError(
                f"{field}.{key}: must be {name}.", [{"field": f"{field}.{key}", "message": f"must be {name}"}]
            )
    if "compute" in graph and graph["compute"] is not None and not isinstance(graph["compute"], dict):
        raise LocatedError(
            f"{field}.compute: must be an object.", [{"field": f"{field}.compute", "message": "must be an object"}]
        )
    for key, limit in (("nodes", MAX_NODES), ("edges", MAX_EDGES)):
        items = graph.get(key)
        if isinstance(items, list) and len(items) > limit:
            raise LocatedError(
                f"{field}.{key}: at most {limit} allowed.",
                [{"field": f"{field}.{key}", "message": f"A pipeline can have at most {limit} {key}."}],
            )
    _check_defaults(graph.get("parameters"), field)
    problems = check_annotations(graph, field)
    if problems:
        raise LocatedError(
            f"{problems[0][0]}: {problems[0][1]}.", [{"field": f, "message": f"{f}: {m}"} for f, m in problems[:20]]
        )


def _check_defaults(parameters: Any, field: str) -> None:
    """A parameter's default is a value every run stores: bounded like a run's parameters."""
    if not isinstance(parameters, list):
        return
    total = 0
    for i, parameter in enumerate(parameters):
        if not isinstance(parameter, dict) or "default" not in parameter:
            continue
        size = json_size(parameter["default"])
        total += size
        what = f"parameters[{i}].default (parameter {str(parameter.get('name'))[:100]!r})"
        if size > settings.RUN_PARAMETER_MAX_BYTES:
            message = f"{what} is larger than {settings.RUN_PARAMETER_MAX_BYTES} bytes as JSON."
        elif total > settings.RUN_PARAMETERS_MAX_BYTES:
            message = (
                f"{what}: the defaults together are larger than {settings.RUN_PARAMETERS_MAX_BYTES} bytes as JSON."
            )
        else:
            continue
        raise LocatedError(f"{field}.parameters[{i}].default: {message}", [{"field": field, "message": message}])


def check_graph(user: Any, graph: Any, team: Team | None = None) -> CompileResult:
    """Compile a canvas document against what `user` can see, and of the modules only those
    `team` (the pipeline's) may use: its own, built in, public or granted to it (no writes)."""
    doc = upgrade(graph)
    catalog = DbCatalog(user, team)
    datasets = DbDatasets(user)
    nodes = doc.get("nodes") if isinstance(doc, dict) else None
    if isinstance(nodes, list):
        catalog.preload(n["module"] for n in nodes if isinstance(n, dict) and isinstance(n.get("module"), str))
        datasets.preload(n["dataset"] for n in nodes if isinstance(n, dict) and isinstance(n.get("dataset"), str))
    return compile(doc, catalog, datasets, compute_limits(), DbPipelines(user, team))


def compute_limits() -> ComputeLimits:
    """The operator's bounds on per-node compute settings (settings PIPEWRIGHT_MAX_CPU/_MEMORY)."""
    return ComputeLimits(max_cpu=settings.PIPEWRIGHT_MAX_CPU, max_memory_bytes=settings.PIPEWRIGHT_MAX_MEMORY)


def upgrade_preview(user: Any, graph: Any, nodes: list[str] | None) -> UpgradeProposal:
    """The upgrade assistant's proposal for `graph` against what `user` can see (no writes):
    pinned module nodes moved to their preferred version, with the per-node interface diff."""
    doc = upgrade(graph)
    catalog = DbCatalog(user)
    raw = doc.get("nodes") if isinstance(doc, dict) else None
    if isinstance(raw, list):
        catalog.preload(n["module"] for n in raw if isinstance(n, dict) and isinstance(n.get("module"), str))
    return propose_upgrade(doc, catalog, nodes)


def _stored_graph(result: CompileResult, graph: dict[str, Any]) -> dict[str, Any]:
    return result.pinned or upgrade(graph)


def _new_version(
    pipeline: Pipeline, user: Any, graph: dict[str, Any], result: CompileResult, message: str = ""
) -> PipelineVersion:
    last = pipeline.versions.aggregate(n=Max("number"))["n"] or 0
    return PipelineVersion.objects.create(
        pipeline=pipeline,
        number=last + 1,
        graph=graph,
        plan=plan_json(result.plan) if result.plan is not None and not result.errors else None,
        errors=result.errors_json(),
        warnings=result.warnings_json(),
        message=message,
        created_by=user if getattr(user, "is_authenticated", False) else None,
    )


def do_create_pipeline(
    user: Any,
    team: Team,
    name: str,
    description: str = "",
    graph: dict[str, Any] | None = None,
    message: str = "",
) -> tuple[Pipeline, CompileResult, PipelineVersion | None]:
    """A new pipeline; when a graph is given it is compiled and becomes version 1 (carrying `message`)."""
    source = graph if graph is not None else empty_graph()
    result = check_graph(user, source, team)
    stored = _stored_graph(result, source)
    with transaction.atomic():
        pipeline = Pipeline.objects.create(team=team, name=name, description=description, graph=stored, created_by=user)
        version = _new_version(pipeline, user, stored, result, message) if graph is not None else None
    return pipeline, result, version


def do_save_pipeline(
    user: Any,
    pipeline: Pipeline,
    *,
    expected_revision: int,
    name: str | None = None,
    description: str | None = None,
    graph: dict[str, Any] | None = None,
    message: str = "",
) -> tuple[Pipeline, CompileResult, PipelineVersion | None, bool]:
    """Save an edit made against `expected_revision` (else 412, nothing saved).

    Compiles the graph, stores it pinned, bumps the revision, and makes a new immutable version
    when the graph changed (or none exists yet), carrying `message`. Returns (pipeline, result,
    latest version, created).
    """
    source = graph if graph is not None else pipeline.graph
    result = check_graph(user, source, pipeline.team)
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
            latest = _new_version(locked, user, stored, result, message)
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


def _too_big(size: int) -> LocatedError:
    limit = settings.DATASET_MAX_BYTES
    message = f"is {size} bytes; datasets are limited to {limit} bytes ({limit / 1024 / 1024:.0f} MiB)"
    return LocatedError(f"file: {message}.", [{"field": "file", "message": message}], status_code=413)


def _scan(stream: BinaryIO, filename: str) -> dict[str, Any]:
    try:
        return datasets.scan_csv(stream, filename)
    except datasets.CsvProblem as exc:
        message = f"does not parse as CSV at line {exc.line}: {str(exc).split(': ', 1)[1]}"
        raise LocatedError(f"file: {message}.", [{"field": "file", "message": message}])


def save_profile(sha: str, profile: dict[str, Any]) -> None:
    DatasetProfile.objects.bulk_create([DatasetProfile(artifact=sha, profile=profile)], ignore_conflicts=True)


def do_upload_dataset(user: Any, team: Team, name: str, stream: BinaryIO, filename: str) -> DatasetVersion:
    """Check a CSV parses (400 naming `file` and the line if not), profile it, store it in the
    artifact store and record it as the dataset's next version (unarchiving the dataset)."""
    size = getattr(stream, "size", None)
    if isinstance(size, int) and size > settings.DATASET_MAX_BYTES:
        raise _too_big(size)
    profile = _scan(stream, filename) if datasets.is_csv_name(filename) else None
    stream.seek(0)
    columns = [c["name"] for c in profile["columns"]] if profile is not None else []
    try:
        sha, size = current().put_stream(stream, filename, max_bytes=settings.DATASET_MAX_BYTES)
    except ValueError as exc:
        raise LocatedError(f"file: {exc}.", [{"field": "file", "message": str(exc)}], status_code=413)
    if profile is not None:
        save_profile(sha, profile)
    for _attempt in range(3):
        try:
            with transaction.atomic():
                dataset, _ = Dataset.objects.get_or_create(team=team, name=name)
                Dataset.objects.select_for_update().filter(pk=dataset.pk).first()
                last = dataset.versions.aggregate(n=Max("version"))["n"] or 0
                if dataset.archived:
                    Dataset.objects.filter(pk=dataset.pk).update(archived=False)
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


def do_set_dataset_archived(dataset: Dataset, archived: bool) -> Dataset:
    """Archive (hide from the default list and the palette; pinned pipelines still read it) or restore."""
    Dataset.objects.filter(pk=dataset.pk).update(archived=archived)
    dataset.archived = archived
    return dataset


def dataset_profile(version: DatasetVersion) -> dict[str, Any]:
    """The column profile of a dataset version: stored per artifact sha, computed once on demand."""
    found = DatasetProfile.objects.filter(artifact=version.artifact).values_list("profile", flat=True).first()
    if found is not None:
        return dict(found)
    if not datasets.is_csv_name(version.filename):
        raise LocatedError(
            f"Version {version.version} is '{version.filename}', not a CSV file; only CSV files have a profile.",
            [{"field": "version", "message": "not a CSV file"}],
        )
    artifacts = current()
    files = artifacts.files(version.artifact)
    if not files:
        raise NotFound(f"The stored file of version {version.version} is missing.")
    with artifacts.open(version.artifact, files[0].path) as fh:
        profile = _scan(fh, version.filename)
    save_profile(version.artifact, profile)
    return profile


# -- export and import ---------------------------------------------------------------------------

EXPORT_KIND = "pipewright.pipeline"
IMPORT_MAX_BYTES = 5 * 1024 * 1024


def export_document(pipeline: Pipeline) -> dict[str, Any]:
    """A pipeline as a file: its (pinned, current-schema) graph with the schema version it is at."""
    graph = upgrade(pipeline.graph)
    return {
        "kind": EXPORT_KIND,
        "schema": schema_of(graph) if isinstance(graph, dict) else SCHEMA_VERSION,
        "name": pipeline.name,
        "description": pipeline.description,
        "team": pipeline.team.name,
        "graph": graph,
    }


def _refuse(field: str, message: str) -> LocatedError:
    return LocatedError(f"{field}: {message}", [{"field": field, "message": message}])


def parse_import(raw: Any, field: str) -> dict[str, Any]:
    """An exported file (bytes) or its parsed JSON, checked: an object of our kind, at most
    IMPORT_MAX_BYTES, of a schema version this server knows. A 400 naming the field otherwise."""
    if isinstance(raw, (bytes, bytearray)):
        if len(raw) > IMPORT_MAX_BYTES:
            raise _refuse(field, f"the file is {len(raw)} bytes; at most {IMPORT_MAX_BYTES} are allowed.")
        try:
            doc = strict_loads(bytes(raw).decode("utf-8-sig"))
        except (UnicodeDecodeError, ValueError, RecursionError):
            raise _refuse(field, "not a pipeline file: it is not JSON text.")
        deep = depth_over(doc, settings.JSON_MAX_DEPTH)
        if deep is not None:
            raise _refuse(field, f"nested more than {settings.JSON_MAX_DEPTH} levels deep at {deep}.")
        bad = find_bad_text(doc)
        if bad is not None:
            raise _refuse(field, f"JSON strings may not contain {bad[1]}; found one at {bad[0]}.")
    else:
        doc = raw  # a JSON body: the parser has bounded its depth and text already
        if json_size(doc) > IMPORT_MAX_BYTES:
            raise _refuse(field, f"the document is larger than {IMPORT_MAX_BYTES} bytes.")
    if not isinstance(doc, dict):
        raise _refuse(field, "not a pipeline file: it must be a JSON object.")
    if doc.get("kind") != EXPORT_KIND:
        raise _refuse(f"{field}.kind", f"not a pipeline file: kind must be {EXPORT_KIND!r}.")
    graph = doc.get("graph")
    if not isinstance(graph, dict):
        raise _refuse(f"{field}.graph", "the pipeline's graph must be a JSON object.")
    version = doc.get("schema", graph.get("schema", 0))
    if not isinstance(version, int) or isinstance(version, bool) or version < 0:
        raise _refuse(f"{field}.schema", "the schema version must be a whole number.")
    if version > SCHEMA_VERSION:
        raise _refuse(
            f"{field}.schema",
            f"the file is at schema version {version}, newer than this server's {SCHEMA_VERSION}; "
            "upgrade Pipewright to import it.",
        )
    if "schema" not in graph or graph["schema"] != version:
        graph = {**graph, "schema": version} if version else {k: v for k, v in graph.items() if k != "schema"}
    check_graph_shape(graph, f"{field}.graph")
    for key in ("name", "description"):
        if key in doc and not isinstance(doc[key], str):
            raise _refuse(f"{field}.{key}", "must be text.")
    return {**doc, "graph": upgrade(graph)}


def do_import_pipeline(
    user: Any, team: Team, doc: dict[str, Any], name: str | None, message: str = ""
) -> tuple[Pipeline, CompileResult, PipelineVersion | None]:
    """A new pipeline in `team` from a checked file (`parse_import`): its graph is compiled against
    what `user` can see in `team`'s place, so a module that is missing there is a compile error
    naming its node, and the pipeline is saved as a draft with those errors."""
    title = (name or doc.get("name") or "imported pipeline")[:200]
    description = str(doc.get("description", ""))[:10000]
    return do_create_pipeline(user, team, title, description, graph=doc["graph"], message=message)

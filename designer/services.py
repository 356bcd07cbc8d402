"""Every write to pipelines and datasets goes through here (views validate, actions act)."""

from __future__ import annotations

import csv
import io
import logging
from typing import Any, BinaryIO

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Max

from artifacts import store
from compiler import CompileResult, compile, upgrade
from compiler.diff import diff
from compiler.serialize import plan_json
from compiler.upgrade import UpgradeProposal, propose_upgrade
from designer.lookup import DbDatasets
from designer.models import Dataset, DatasetVersion, Pipeline, PipelineVersion, empty_graph
from modules.lookup import DbCatalog
from pipewright.errors import Conflict, LocatedError, PreconditionFailed
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
    head = stream.read(COLUMN_SNIFF_BYTES)
    stream.seek(0)
    columns = csv_columns(head) if filename.lower().endswith((".csv", ".tsv", ".txt")) else []
    try:
        sha, size = store.store_stream(stream, filename, max_bytes=settings.DATASET_MAX_BYTES)
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

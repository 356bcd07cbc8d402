"""Runs, step logs, cache explanations and artifacts. Thin: scoping + services."""

from __future__ import annotations

import io
import json
import os
import zipfile
from pathlib import Path
from typing import Any

from django.db.models.expressions import RawSQL
from django.http import FileResponse, HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from artifacts import store
from designer.models import DatasetVersion, Pipeline
from designer.services import runnable_version
from pipewright.errors import LocatedError, NotFound
from runner import states
from runner.advance import plan_of
from runner.api import schema
from runner.models import Artifact, CacheEntry, Run, StepRun
from runner.payloads import run_json, runs_for_json
from runner.runs import cancel_run, create_run, rerun
from teams.models import Role
from teams.scoping import require_role, scope, visible_team_ids


def _bool(data: Any, name: str, default: bool) -> bool:
    value = data.get(name, default)
    if not isinstance(value, bool):
        raise LocatedError(f"{name} must be true or false.", [{"field": name, "message": "must be true or false"}])
    return value


def _run_for(request: Request, run_id: int) -> Run:
    run = scope(runs_for_json(), request.user).filter(pk=run_id).first()
    if run is None:
        raise NotFound(f"Run {run_id} not found.")
    return run


def _step_for(run: Run, node: str) -> StepRun:
    step = run.steps.select_related("reused_from").filter(node=node).first()
    if step is None:
        raise NotFound(f"Run {run.pk} has no step '{node}'.")
    return step


class PipelineRunsView(APIView):
    @extend_schema(request=schema.RunCreateSerializer, responses={201: schema.RunSerializer})
    def post(self, request: Request, pipeline_id: int) -> Response:
        pipeline = scope(Pipeline.objects.select_related("team"), request.user).filter(pk=pipeline_id).first()
        if pipeline is None:
            raise NotFound(f"Pipeline {pipeline_id} not found.")
        require_role(request.user, pipeline.team, Role.MEMBER, action="run pipelines")
        data = request.data if isinstance(request.data, dict) else {}
        number = data.get("version")
        if number is not None and (not isinstance(number, int) or isinstance(number, bool)):
            raise LocatedError("version must be an integer.", [{"field": "version", "message": "must be an integer"}])
        version = runnable_version(pipeline, number)
        run = create_run(version, data.get("parameters"), _bool(data, "cache", True), request.user)
        return Response(run_json(run), status=status.HTTP_201_CREATED)


class RunListView(APIView):
    @extend_schema(
        operation_id="runs_list",
        parameters=[OpenApiParameter("pipeline", int), OpenApiParameter("status", str)],
        responses=schema.RunSummarySerializer(many=True),
    )
    def get(self, request: Request) -> Response:
        qs = scope(runs_for_json(), request.user)
        pipeline = request.query_params.get("pipeline")
        if pipeline is not None:
            if not pipeline.isdigit():
                raise LocatedError(
                    "pipeline must be an id.", [{"field": "pipeline", "message": "must be an integer id"}]
                )
            qs = qs.filter(pipeline_id=int(pipeline))
        st = request.query_params.get("status")
        if st:
            qs = qs.filter(status=st)
        return Response([run_json(r, steps=False) for r in qs[:200]])


class RunDetailView(APIView):
    @extend_schema(responses=schema.RunSerializer)
    def get(self, request: Request, run_id: int) -> Response:
        return Response(run_json(_run_for(request, run_id)))


class RunCancelView(APIView):
    @extend_schema(request=None, responses=schema.RunSerializer)
    def post(self, request: Request, run_id: int) -> Response:
        run = _run_for(request, run_id)
        require_role(request.user, run.team, Role.MEMBER, action="cancel runs")
        return Response(run_json(cancel_run(run)))


class RunRerunView(APIView):
    @extend_schema(request=schema.RerunSerializer, responses={201: schema.RunSerializer})
    def post(self, request: Request, run_id: int) -> Response:
        parent = _run_for(request, run_id)
        require_role(request.user, parent.team, Role.MEMBER, action="rerun pipelines")
        data = request.data if isinstance(request.data, dict) else {}
        cache = _bool(data, "cache", parent.use_cache) if "cache" in data else None
        run = rerun(
            parent,
            data.get("mode", "all"),
            node=data.get("node"),
            parameters=data.get("parameters"),
            use_cache=cache,
            user=request.user,
        )
        return Response(run_json(run), status=status.HTTP_201_CREATED)


class PlainTextRenderer(BaseRenderer):
    """Lets `Accept: text/plain` through content negotiation; errors are still JSON text."""

    media_type = "text/plain"
    format = "txt"
    charset = "utf-8"

    def render(self, data: Any, accepted_media_type: str | None = None, renderer_context: Any = None) -> bytes:
        if isinstance(data, bytes):
            return data
        if isinstance(data, str):
            return data.encode()
        return json.dumps(data).encode()


class StepLogsView(APIView):
    renderer_classes = [JSONRenderer, PlainTextRenderer]

    @extend_schema(
        parameters=[
            OpenApiParameter("offset", int, description="byte offset to read from (tailing: the last X-Next-Offset)"),
            OpenApiParameter(
                "tail",
                int,
                description="without offset: only about the last N bytes, from a line start (X-Offset says where)",
            ),
        ],
        responses={(200, "text/plain"): OpenApiTypes.STR},
    )
    def get(self, request: Request, run_id: int, node: str) -> HttpResponse:
        step = _step_for(_run_for(request, run_id), node)
        offset = _byte_count(request, "offset", "0")
        tail = _byte_count(request, "tail", "")
        data = b""
        size = 0
        path = Path(step.log_path) if step.log_path else None
        if path is not None and path.is_file():
            with path.open("rb") as fh:
                size = os.fstat(fh.fileno()).st_size
                if tail is not None and "offset" not in request.query_params and size > tail:
                    fh.seek(size - tail)
                    skipped = fh.readline()  # start at a line start, not mid-line
                    offset = size - tail + len(skipped)
                fh.seek(offset)
                data = fh.read()
        response = HttpResponse(data, content_type="text/plain; charset=utf-8")
        response["X-Offset"] = str(offset)
        response["X-Next-Offset"] = str(offset + len(data))
        response["X-Log-Size"] = str(max(size, offset + len(data)))
        response["X-Step-Status"] = step.status
        return response


def _byte_count(request: Request, name: str, default: str) -> int | None:
    raw = request.query_params.get(name, default)
    if raw == "":
        return None
    if not raw.isdigit() or len(raw) > 18:
        raise LocatedError(
            f"{name} must be a non-negative integer.", [{"field": name, "message": "must be a non-negative integer"}]
        )
    return int(raw)


def _diff(ingredients: dict[str, Any], entry: CacheEntry) -> list[dict[str, Any]]:
    diffs: list[dict[str, Any]] = []
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


class StepCacheView(APIView):
    @extend_schema(responses=schema.CacheExplainSerializer)
    def get(self, request: Request, run_id: int, node: str) -> Response:
        run = _run_for(request, run_id)
        step = _step_for(run, node)
        plan_step = plan_of(run).step(node)
        ingredients = {"module_digest": plan_step.digest, "params": step.params, "inputs": step.input_hashes}
        body: dict[str, Any] = {
            "node": node,
            "status": step.status,
            "cache_key": step.cache_key or None,
            "ingredients": ingredients,
        }
        if step.status == states.CACHED:
            origin = step.reused_from
            body.update(
                hit=True, reused_from={"run": origin.run_id, "node": origin.node, "step": origin.pk} if origin else None
            )
            return Response(body)
        body["hit"] = False
        if not plan_step.deterministic:
            body["reason"] = f"{plan_step.module} is not deterministic; its steps are never cached."
        elif not run.use_cache:
            body["reason"] = "this run was started with the cache off."
        elif step.force:
            body["reason"] = "this step was forced to run (rerun from an upstream node)."
        elif not step.cache_key:
            body["reason"] = "the step has not been reached yet."
        else:
            body["reason"] = "no earlier step had the same ingredients."
        entries = CacheEntry.objects.filter(module=plan_step.module, step_run__run__team=run.team).exclude(
            cache_key=step.cache_key
        )
        nearest = (
            entries.filter(node=node).order_by("-created_at", "-id").first()
            or entries.order_by("-created_at", "-id").first()
        )
        if nearest is not None:
            body["nearest"] = {
                "cache_key": nearest.cache_key,
                "run": nearest.step_run.run_id,
                "node": nearest.node,
                "differences": _diff(ingredients, nearest),
            }
        else:
            body["nearest"] = None
        return Response(body)


def _visible_artifact(request: Request, sha: str) -> Path:
    if len(sha) != 64 or any(c not in "0123456789abcdef" for c in sha):
        raise NotFound("Artifact not found.")
    teams = list(visible_team_ids(request.user))
    referenced = (
        StepRun.objects.filter(run__team_id__in=teams)
        .filter(
            pk__in=RawSQL(
                "SELECT id FROM runner_steprun WHERE outputs::jsonb @? %s::jsonpath", (f'$.* ? (@ == "{sha}")',)
            )
        )
        .exists()
    )
    if not referenced:
        referenced = DatasetVersion.objects.filter(dataset__team_id__in=teams, artifact=sha).exists()
    if not referenced or not store.exists(sha):
        raise NotFound("Artifact not found.")
    return store.path_for(sha)


def _files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.is_file())


class ArtifactView(APIView):
    @extend_schema(
        parameters=[OpenApiParameter("file", str)], responses={(200, "application/octet-stream"): OpenApiTypes.BINARY}
    )
    def get(self, request: Request, sha256: str) -> HttpResponse:
        folder = _visible_artifact(request, sha256)
        files = _files(folder)
        wanted = request.query_params.get("file")
        if wanted is not None:
            match = [f for f in files if f.relative_to(folder).as_posix() == wanted]
            if not match:
                raise NotFound(f"The artifact has no file '{wanted}'.")
            files = match
        if len(files) == 1:
            return FileResponse(files[0].open("rb"), as_attachment=wanted is None, filename=files[0].name)
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
            for f in files:
                zf.write(f, f.relative_to(folder).as_posix())
        response = HttpResponse(buf.getvalue(), content_type="application/zip")
        response["Content-Disposition"] = f'attachment; filename="{sha256[:12]}.zip"'
        return response


class ArtifactPreviewView(APIView):
    @extend_schema(responses=schema.PreviewSerializer)
    def get(self, request: Request, sha256: str) -> Response:
        folder = _visible_artifact(request, sha256)
        files = _files(folder)
        info = Artifact.objects.filter(pk=sha256).values("size", "media_type").first() or {}
        base = {
            "sha256": sha256,
            "size": info.get("size"),
            "files": [f.relative_to(folder).as_posix() for f in files[:50]],
        }
        for f in files:
            rel = f.relative_to(folder).as_posix()
            if f.name == "metrics.json":
                try:
                    return Response({**base, "kind": "metrics", "metrics": json.loads(f.read_text())})
                except ValueError:
                    continue
            if f.suffix.lower() in {".csv", ".tsv"}:
                import csv

                with f.open(newline="", encoding="utf-8", errors="replace") as fh:
                    reader = csv.reader(fh, delimiter="\t" if f.suffix.lower() == ".tsv" else ",")
                    columns = next(reader, [])
                    rows = [row for _, row in zip(range(20), reader, strict=False)]
                return Response({**base, "kind": "table", "file": rel, "columns": columns, "rows": rows})
            if f.suffix.lower() in {".png", ".jpg", ".jpeg", ".gif", ".svg"}:
                return Response({**base, "kind": "image", "file": rel, "url": f"/api/artifacts/{sha256}/?file={rel}"})
        return Response({**base, "kind": "files"})

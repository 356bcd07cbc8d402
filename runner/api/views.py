"""Runs, step logs, cache explanations and artifacts. Thin: scoping, permissions, serializers and
services (`runner.runs`, `runner.logs`, `runner.cache_explain`, `runner.previews`)."""

from __future__ import annotations

import json
from pathlib import PurePosixPath
from typing import Any

from django.db.models import Q, QuerySet
from django.http import FileResponse, HttpResponse, HttpResponseBase, StreamingHttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, status
from rest_framework.permissions import IsAuthenticated
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from designer.models import Pipeline
from designer.services import runnable_version
from pipewright import downloads, queryparams
from pipewright.errors import LocatedError, NotFound
from runner import cache_explain, compare, logs, previews, reads, states, steplogs
from runner.api.serializers import (
    PREVIEW_SERIALIZERS,
    CacheExplainSerializer,
    PreviewSerializer,
    RerunSerializer,
    RunCompareSerializer,
    RunCreateSerializer,
    RunListItemSerializer,
)
from runner.models import Run, StepRun
from runner.runs import cancel_run, create_run, rerun
from runner.serializers import RunSerializer, runs_for_json
from teams.models import Role
from teams.permissions import TeamRole
from teams.scoping import scope


class RunObjectMixin:
    # A visible run from the URL's `run_id` (404 naming it otherwise), checked by the view's
    # permission classes. (A comment, not a docstring: views would inherit it in the schema.)

    request: Request
    kwargs: dict[str, Any]

    def get_queryset(self) -> QuerySet[Run]:
        return scope(runs_for_json(), self.request.user)

    def get_object(self) -> Run:
        run_id = self.kwargs["run_id"]
        run = self.get_queryset().filter(pk=run_id).first()
        if run is None:
            raise NotFound(f"Run {run_id} not found.")
        self.check_object_permissions(self.request, run)  # type: ignore[attr-defined]
        return run

    def get_step(self) -> StepRun:
        run = self.get_object()
        node = self.kwargs["node"]
        step = run.steps.select_related("reused_from").filter(node=node).first()
        if step is None:
            raise NotFound(f"Run {run.pk} has no step '{node}'.")
        step.run = run
        return step


def created(run: Run) -> Response:
    return Response(RunSerializer(run).data, status=status.HTTP_201_CREATED)


class PipelineRunsView(APIView):
    permission_classes = [IsAuthenticated, TeamRole(Role.MEMBER, "run pipelines")]

    @extend_schema(request=RunCreateSerializer, responses={201: RunSerializer})
    def post(self, request: Request, pipeline_id: int) -> Response:
        pipeline = scope(Pipeline.objects.select_related("team"), request.user).filter(pk=pipeline_id).first()
        if pipeline is None:
            raise NotFound(f"Pipeline {pipeline_id} not found.")
        self.check_object_permissions(request, pipeline)
        body = RunCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        version = runnable_version(pipeline, data.get("version"))
        cloned_from = None
        if data.get("cloned_from") is not None:
            cloned_from = (
                scope(Run.objects.all(), request.user).filter(pk=data["cloned_from"], pipeline=pipeline).first()
            )
            if cloned_from is None:
                raise LocatedError(
                    f"Pipeline {pipeline.pk} has no run {data['cloned_from']}.",
                    [{"field": "cloned_from", "message": f"no run {data['cloned_from']} of this pipeline"}],
                )
        run = create_run(version, data.get("parameters"), data["cache"], request.user, cloned_from=cloned_from)
        return created(run)


TRIGGER_KINDS = ("manual", "endpoint", "schedule")


def trigger_filter(raw: str) -> Q:
    """`manual` (started from the canvas or the API), `endpoint` or `schedule` (any), or an exact
    `endpoint:<slug>` / `schedule:<id>`."""
    kind, _, which = raw.partition(":")
    if (
        kind not in TRIGGER_KINDS
        or (kind == "manual" and which)
        or (kind == "schedule" and which and not which.isdigit())
    ):
        raise LocatedError(
            f"trigger {raw!r} is not manual, endpoint, schedule, endpoint:<slug> or schedule:<id>.",
            [{"field": "trigger", "message": "one of manual, endpoint, schedule, endpoint:<slug>, schedule:<id>"}],
        )
    if kind == "manual":
        return Q(trigger="")
    return Q(trigger=raw) if which else Q(trigger__startswith=f"{kind}:")


class RunListView(RunObjectMixin, generics.ListAPIView):
    serializer_class = RunListItemSerializer
    ordering = ("-created_at", "-id")

    def get_queryset(self) -> QuerySet[Run]:
        qs = super().get_queryset()
        pipeline = queryparams.integer_id(self.request, "pipeline")
        if pipeline is not None:
            qs = qs.filter(pipeline_id=pipeline)
        statuses = queryparams.choices(self.request, "status", states.RUN_STATUSES)
        if statuses:
            qs = qs.filter(status__in=statuses)
        trigger = queryparams.text(self.request, "trigger")
        if trigger:
            qs = qs.filter(trigger_filter(trigger))
        return compare.with_metric_steps(qs)

    @extend_schema(
        operation_id="runs_list",
        parameters=[
            OpenApiParameter("pipeline", int, description="only this pipeline's runs"),
            OpenApiParameter(
                "status", str, description="only runs in this status, or in any of several: `queued,running`"
            ),
            OpenApiParameter(
                "trigger",
                str,
                description="`manual`, `endpoint`, `schedule`, or exactly `endpoint:<slug>` / `schedule:<id>`",
            ),
        ],
        description="The runs you can see, newest first, without their steps.",
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)


class RunCompareView(APIView):
    @extend_schema(
        operation_id="runs_compare",
        parameters=[OpenApiParameter("ids", str, required=True, description="2 to 4 run ids: `1,2,3`")],
        responses=RunCompareSerializer,
        description="Several runs side by side (parameters, steps, metrics) and the graph diff of the "
        "first run's pipeline version against each other run's. A run you cannot see is a 404.",
    )
    def get(self, request: Request) -> Response:
        ids = compare.parse_ids(request.query_params.get("ids"))
        return Response(compare.compare(request.user, ids))  # already JSON, shaped as RunCompareSerializer


class RunDetailView(RunObjectMixin, generics.RetrieveAPIView):
    serializer_class = RunSerializer

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        # the lean read pollers hit (runner.reads): RunSerializer's JSON in two queries at most
        data = reads.visible_run_json(request.user, self.kwargs["run_id"])
        if data is None:
            raise NotFound(f"Run {self.kwargs['run_id']} not found.")
        return Response(data)


class RunCancelView(RunObjectMixin, generics.GenericAPIView):
    serializer_class = RunSerializer
    permission_classes = [IsAuthenticated, TeamRole(Role.MEMBER, "cancel runs")]

    @extend_schema(request=None, responses=RunSerializer)
    def post(self, request: Request, run_id: int) -> Response:
        return Response(RunSerializer(cancel_run(self.get_object())).data)


class RunRerunView(RunObjectMixin, generics.GenericAPIView):
    serializer_class = RunSerializer
    permission_classes = [IsAuthenticated, TeamRole(Role.MEMBER, "rerun pipelines")]

    @extend_schema(request=RerunSerializer, responses={201: RunSerializer})
    def post(self, request: Request, run_id: int) -> Response:
        parent = self.get_object()
        body = RerunSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        number = data.get("version")
        version = None if number is None else runnable_version(parent.pipeline, number)
        run = rerun(
            parent,
            data["mode"],
            node=data.get("node"),
            parameters=data.get("parameters"),
            use_cache=data.get("cache"),
            user=request.user,
            version=version,
        )
        return created(run)


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


class StepLogsView(RunObjectMixin, APIView):
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
        step = self.get_step()
        given = "offset" in request.query_params
        offset = logs.byte_count(request.query_params.get("offset", "0"), "offset")
        tail = logs.byte_count(request.query_params.get("tail", ""), "tail")
        chunk = steplogs.read(step, offset=offset if given else None, tail=tail)
        response = HttpResponse(chunk.data, content_type="text/plain; charset=utf-8")
        response["X-Offset"] = str(chunk.offset)
        response["X-Next-Offset"] = str(chunk.next_offset)
        response["X-Log-Size"] = str(chunk.size)
        response["X-Step-Status"] = step.status
        return response


class StepCacheView(RunObjectMixin, APIView):
    @extend_schema(responses=CacheExplainSerializer)
    def get(self, request: Request, run_id: int, node: str) -> Response:
        step = self.get_step()
        return Response(CacheExplainSerializer(cache_explain.explain(step.run, step)).data)


class ArtifactView(APIView):
    @extend_schema(
        parameters=[OpenApiParameter("file", str)], responses={(200, "application/octet-stream"): OpenApiTypes.BINARY}
    )
    def get(self, request: Request, sha256: str) -> HttpResponseBase:
        sha = previews.visible_artifact(request.user, sha256)
        wanted = request.query_params.get("file")
        files = previews.chosen_files(sha, wanted)
        # Always an attachment with a sandboxing policy, whatever the file: an HTML or SVG output
        # must never render as a document of our origin (pipewright.downloads). Streamed from the
        # store (a local folder or S3) through this server, so those headers always hold.
        if len(files) == 1:
            name = PurePosixPath(files[0]).name
            response = FileResponse(previews.open_file(sha, files[0]), content_type=downloads.download_type(name))
            return downloads.as_attachment(response, name)
        streamed = StreamingHttpResponse(previews.zip_stream(sha, files), content_type="application/zip")
        return downloads.as_attachment(streamed, f"{sha256[:12]}.zip")


class ArtifactPreviewView(APIView):
    @extend_schema(responses=PreviewSerializer)
    def get(self, request: Request, sha256: str) -> Response:
        data = previews.preview(previews.visible_artifact(request.user, sha256))
        return Response(PREVIEW_SERIALIZERS[data["kind"]](data).data)

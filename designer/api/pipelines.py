"""Pipelines: the canvas document with optimistic concurrency (ETag / If-Match), versions, diff.

Thin: `get_queryset` scopes through `teams.scoping` (another team's pipeline is a 404), role
checks are declared with `TeamRole`, writes go to `designer.services` and every answer is rendered
by a serializer in `designer.api.serializers`."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db.models import Max, Q, QuerySet
from django.shortcuts import get_object_or_404
from django.utils.text import slugify
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, status
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from compiler import CompileResult
from designer import services
from designer.api.serializers import (
    DiffSerializer,
    DuplicateSerializer,
    GraphSerializer,
    PipelineCreateSerializer,
    PipelineDetailSerializer,
    PipelineExportSerializer,
    PipelineImportFileSerializer,
    PipelineImportJsonSerializer,
    PipelineRowSerializer,
    PipelineSaveSerializer,
    PipelineState,
    PipelineUpdateSerializer,
    UpgradePreviewRequestSerializer,
    UpgradePreviewSerializer,
    ValidateResultSerializer,
    VersionDetailSerializer,
    VersionRowSerializer,
)
from designer.models import Pipeline, PipelineVersion
from pipewright import queryparams
from pipewright.errors import LocatedError, PreconditionFailed, PreconditionRequired
from teams import scoping
from teams.models import Role
from teams.permissions import TeamRole

IF_MATCH = OpenApiParameter(
    "If-Match",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    required=True,
    description='The ETag from your last GET/PUT, e.g. "3". Missing: 428; stale: 412 and nothing is saved.',
)


def parse_if_match(request: Request) -> int:
    raw = request.headers.get("If-Match")
    if raw is None or not raw.strip():
        raise PreconditionRequired()
    value = raw.strip()
    if value.startswith("W/"):
        value = value[2:]
    value = value.strip('"')
    if not (value.isascii() and value.isdigit()) or len(value) > 18:
        raise PreconditionFailed(f"If-Match {raw!r} is not an ETag this server issued; reload the pipeline.")
    return int(value)


def answer(serializer: type[PipelineDetailSerializer], state: PipelineState, code: int = 200) -> Response:
    """A pipeline's answer, with its ETag header."""
    response = Response(serializer(state).data, status=code)
    response["ETag"] = state.pipeline.etag
    return response


def saved(pipeline: Pipeline, result: CompileResult, version: PipelineVersion | None, created: bool) -> PipelineState:
    """The answer to a save: the pipeline at the version it is at, and whether the save made it."""
    return PipelineState(pipeline, result, version.number if version is not None else None, created)


def visible_pipelines(user: Any, *, light: bool = False) -> QuerySet[Pipeline]:
    """The pipelines `user` can see; `light` defers the graph (megabytes on a big canvas)."""
    rows = scoping.scope(Pipeline.objects.select_related("team"), user)
    return rows.defer("graph") if light else rows


class PipelineObjectMixin:
    # The visible pipeline of the URL's `pk` (404 otherwise), checked by the view's permission
    # classes. `light`: the view does not read the graph. (A comment, not a docstring: views
    # would inherit it in the schema.)

    request: Request
    light = False

    def get_queryset(self) -> QuerySet[Pipeline]:
        return visible_pipelines(self.request.user, light=self.light)


class PipelineListView(generics.ListAPIView):
    serializer_class = PipelineRowSerializer
    ordering = ("team_id", "name", "id")

    def get_queryset(self) -> QuerySet[Pipeline]:
        rows = visible_pipelines(self.request.user, light=True)
        team = queryparams.text(self.request, "team")
        if team:
            rows = rows.filter(team__name=team)
        q = queryparams.text(self.request, "q")
        if q:
            rows = rows.filter(Q(name__icontains=q) | Q(description__icontains=q))
        return rows.annotate(latest_version=Max("versions__number"))

    @extend_schema(
        parameters=[
            OpenApiParameter("q", str, description="text in the name or description"),
            OpenApiParameter("team", str, description="only this team's pipelines"),
        ],
        description="The pipelines you can see (without their graphs), by team and name.",
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    @extend_schema(request=PipelineCreateSerializer, responses={201: PipelineSaveSerializer})
    def post(self, request: Request) -> Response:
        body = PipelineCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        team = scoping.team_for_write(request.user, data["team"], Role.MEMBER, action="create pipelines")
        pipeline, result, version = services.do_create_pipeline(
            request.user, team, data["name"], data.get("description", ""), data.get("graph")
        )
        state = saved(pipeline, result, version, created=version is not None)
        return answer(PipelineSaveSerializer, state, status.HTTP_201_CREATED)


class PipelineDetailView(PipelineObjectMixin, generics.GenericAPIView):
    permission_classes = [
        IsAuthenticated,
        TeamRole(Role.MEMBER, "change this pipeline", methods=["PUT"]),
        TeamRole(Role.MEMBER, "delete this pipeline", methods=["DELETE"]),
    ]

    def get_queryset(self) -> QuerySet[Pipeline]:
        self.light = self.request.method != "GET"
        return super().get_queryset()

    @extend_schema(responses=PipelineDetailSerializer)
    def get(self, request: Request, pk: int) -> Response:
        pipeline = self.get_object()
        result = services.check_graph(request.user, pipeline.graph, pipeline.team)
        return answer(PipelineDetailSerializer, PipelineState(pipeline, result, services.latest_number(pipeline)))

    @extend_schema(parameters=[IF_MATCH], request=PipelineUpdateSerializer, responses=PipelineSaveSerializer)
    def put(self, request: Request, pk: int) -> Response:
        pipeline = self.get_object()
        body = PipelineUpdateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        expected = parse_if_match(request)
        data = body.validated_data
        pipeline, result, version, created = services.do_save_pipeline(
            request.user,
            pipeline,
            expected_revision=expected,
            name=data.get("name"),
            description=data.get("description"),
            graph=data.get("graph"),
            message=data.get("message", ""),
        )
        return answer(PipelineSaveSerializer, saved(pipeline, result, version, created))

    @extend_schema(responses={204: None})
    def delete(self, request: Request, pk: int) -> Response:
        services.do_delete_pipeline(self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)


class PipelineDuplicateView(PipelineObjectMixin, generics.GenericAPIView):
    permission_classes = [IsAuthenticated, TeamRole(Role.MEMBER, "duplicate this pipeline")]

    @extend_schema(request=DuplicateSerializer, responses={201: PipelineSaveSerializer})
    def post(self, request: Request, pk: int) -> Response:
        pipeline = self.get_object()
        body = DuplicateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        copy, result, version = services.do_duplicate_pipeline(request.user, pipeline, body.validated_data["name"])
        return answer(PipelineSaveSerializer, saved(copy, result, version, created=True), status.HTTP_201_CREATED)


class PipelineValidateView(PipelineObjectMixin, generics.GenericAPIView):
    light = True

    @extend_schema(request=GraphSerializer, responses=ValidateResultSerializer)
    def post(self, request: Request, pk: int) -> Response:
        pipeline = self.get_object()
        body = GraphSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        result = services.check_graph(request.user, body.validated_data["graph"], pipeline.team)
        return Response(ValidateResultSerializer(result).data)


class PipelineUpgradePreviewView(PipelineObjectMixin, generics.GenericAPIView):
    @extend_schema(
        operation_id="pipelines_upgrade_preview",
        request=UpgradePreviewRequestSerializer,
        responses=UpgradePreviewSerializer,
        description="The upgrade assistant: the pipeline's draft (or `graph`) with its pinned module nodes moved "
        "to their module's preferred version, edges and parameter values carried over where names (or declared "
        "`renamed_from`) and types match, and per node the interface diff. Nothing is saved.",
    )
    def post(self, request: Request, pk: int) -> Response:
        pipeline = self.get_object()
        body = UpgradePreviewRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        graph = body.validated_data.get("graph")
        proposal = services.upgrade_preview(
            request.user, pipeline.graph if graph is None else graph, body.validated_data["nodes"]
        )
        return Response(UpgradePreviewSerializer(proposal.as_json()).data)


class VersionMixin:
    # Versions of the visible pipeline of the URL's `pk` (a 404 for the pipeline comes first).

    request: Request
    kwargs: dict[str, Any]

    def get_pipeline(self) -> Pipeline:
        return get_object_or_404(visible_pipelines(self.request.user, light=True), pk=self.kwargs["pk"])

    def versions(self) -> QuerySet[PipelineVersion]:
        return PipelineVersion.objects.filter(pipeline=self.get_pipeline())

    def get_version(self, number: int) -> PipelineVersion:
        return get_object_or_404(self.versions().select_related("created_by"), number=number)


class VersionListView(VersionMixin, generics.ListAPIView):
    serializer_class = VersionRowSerializer
    ordering = ("-number", "-id")

    def get_queryset(self) -> QuerySet[PipelineVersion]:
        if getattr(self, "swagger_fake_view", False):  # the schema generator has no pipeline
            return PipelineVersion.objects.none()
        rows = self.versions().select_related("created_by").defer("graph", "plan")
        return rows.annotate(has_plan=Q(plan__isnull=False))


class VersionDetailView(VersionMixin, generics.GenericAPIView):
    @extend_schema(responses=VersionDetailSerializer)
    def get(self, request: Request, pk: int, number: int) -> Response:
        return Response(VersionDetailSerializer(self.get_version(number)).data)


class VersionDiffView(VersionMixin, generics.GenericAPIView):
    @extend_schema(responses=DiffSerializer)
    def get(self, request: Request, pk: int, number: int, other: int) -> Response:
        a = self.get_version(number)
        b = self.get_version(other)
        return Response(DiffSerializer(services.version_diff(a, b)).data)


class PipelineExportView(PipelineObjectMixin, generics.GenericAPIView):
    @extend_schema(
        responses=PipelineExportSerializer,
        description="The pipeline as a file (a download): its graph and the schema version it is at. "
        "Import it with POST /api/pipelines/import.",
    )
    def get(self, request: Request, pk: int) -> Response:
        pipeline = self.get_object()
        response = Response(PipelineExportSerializer(services.export_document(pipeline)).data)
        filename = slugify(pipeline.name) or f"pipeline-{pipeline.pk}"
        response["Content-Disposition"] = f'attachment; filename="{filename}.pipeline.json"'
        return response


class PipelineImportView(generics.GenericAPIView):
    @extend_schema(
        request={
            "application/json": PipelineImportJsonSerializer,
            "multipart/form-data": PipelineImportFileSerializer,
        },
        responses={201: PipelineSaveSerializer},
        description="A new pipeline from an exported file (multipart `file`, or the file's JSON as "
        "`document`). An older schema version is upgraded; modules missing in the team are compile "
        "errors naming their node (the pipeline is saved as a draft). A file that is not a pipeline, "
        "is larger than 5 MB or comes from a newer schema version is a 400 naming the field; nothing "
        "is saved.",
    )
    def post(self, request: Request) -> Response:
        given = request.data if isinstance(request.data, Mapping) else {}  # a body of null or [] is refused below
        is_file = "file" in request.FILES or "document" not in given
        body_class = PipelineImportFileSerializer if is_file else PipelineImportJsonSerializer
        body = body_class(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        team = scoping.team_for_write(request.user, data["team"], Role.MEMBER, action="import pipelines")
        if is_file:
            upload = data["file"]
            if upload.size > services.IMPORT_MAX_BYTES:
                raise LocatedError(
                    f"file: the file is {upload.size} bytes; at most {services.IMPORT_MAX_BYTES} are allowed.",
                    [{"field": "file", "message": f"at most {services.IMPORT_MAX_BYTES} bytes"}],
                )
            doc = services.parse_import(upload.read(), "file")
        else:
            doc = services.parse_import(data["document"], "document")
        pipeline, result, version = services.do_import_pipeline(request.user, team, doc, data.get("name") or None)
        state = saved(pipeline, result, version, created=version is not None)
        return answer(PipelineSaveSerializer, state, status.HTTP_201_CREATED)

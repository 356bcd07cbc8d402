"""Pipelines: the canvas document with optimistic concurrency (ETag / If-Match), versions, diff."""

from __future__ import annotations

from typing import Any

from django.db.models import Max, Q, QuerySet
from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from compiler import CompileResult
from compiler.diff import diff
from compiler.serialize import plan_json
from designer import services
from designer.api.serializers import (
    DiffSerializer,
    DuplicateSerializer,
    GraphSerializer,
    PipelineCreateSerializer,
    PipelineDetailSerializer,
    PipelineRowSerializer,
    PipelineSaveSerializer,
    PipelineUpdateSerializer,
    ValidateResultSerializer,
    VersionDetailSerializer,
    VersionRowSerializer,
)
from designer.models import Pipeline, PipelineVersion
from pipewright.errors import PreconditionFailed, PreconditionRequired
from teams import scoping
from teams.models import Role

IF_MATCH = OpenApiParameter(
    "If-Match",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    required=True,
    description='The ETag from your last GET/PUT, e.g. "3". Missing: 428; stale: 412 and nothing is saved.',
)


def visible_pipelines(request: Request) -> QuerySet[Pipeline]:
    return scoping.scope(Pipeline.objects.select_related("team"), request.user)


def get_pipeline(
    request: Request, pk: int, *, write: bool = False, action: str = "change this pipeline", light: bool = False
) -> Pipeline:
    """A visible pipeline (404 otherwise); `write` needs member or up; `light` defers the graph."""
    rows = visible_pipelines(request)
    pipeline = get_object_or_404(rows.defer("graph") if light else rows, pk=pk)
    if write:
        scoping.require_role(request.user, pipeline.team, Role.MEMBER, action=action)
    return pipeline


def parse_if_match(request: Request) -> int:
    raw = request.headers.get("If-Match")
    if raw is None or not raw.strip():
        raise PreconditionRequired()
    value = raw.strip()
    if value.startswith("W/"):
        value = value[2:]
    value = value.strip('"')
    if not value.isdigit():
        raise PreconditionFailed(f"If-Match {raw!r} is not an ETag this server issued; reload the pipeline.")
    return int(value)


def latest_number(pipeline: Pipeline) -> int | None:
    value = pipeline.versions.aggregate(n=Max("number"))["n"]
    return int(value) if value is not None else None


def detail_body(pipeline: Pipeline, result: CompileResult, latest: int | None) -> dict[str, Any]:
    return PipelineDetailSerializer(_detail(pipeline, result, latest)).data


def _detail(pipeline: Pipeline, result: CompileResult, latest: int | None) -> dict[str, Any]:
    return {
        "id": pipeline.pk,
        "team": pipeline.team.name,
        "name": pipeline.name,
        "description": pipeline.description,
        "graph": pipeline.graph,
        "revision": pipeline.revision,
        "errors": result.errors_json(),
        "warnings": result.warnings_json(),
        "latest_version": latest,
        "created_at": pipeline.created_at,
        "updated_at": pipeline.updated_at,
        "etag": pipeline.etag,
    }


def with_etag(response: Response, pipeline: Pipeline) -> Response:
    response["ETag"] = pipeline.etag
    return response


class PipelineListView(APIView):
    @extend_schema(responses=PipelineRowSerializer(many=True))
    def get(self, request: Request) -> Response:
        rows = visible_pipelines(request).annotate(latest_version=Max("versions__number"))
        team = request.query_params.get("team")
        if team:
            rows = rows.filter(team__name=team)
        return Response(PipelineRowSerializer(rows, many=True).data)

    @extend_schema(request=PipelineCreateSerializer, responses={201: PipelineSaveSerializer})
    def post(self, request: Request) -> Response:
        body = PipelineCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        team = scoping.team_for_write(request.user, data["team"], Role.MEMBER, action="create pipelines")
        pipeline, result, version = services.do_create_pipeline(
            request.user, team, data["name"], data.get("description", ""), data.get("graph")
        )
        out = save_body(pipeline, result, version, created=version is not None)
        return with_etag(Response(out, status=status.HTTP_201_CREATED), pipeline)


def save_body(
    pipeline: Pipeline, result: CompileResult, version: PipelineVersion | None, *, created: bool
) -> dict[str, Any]:
    """The answer to a save: the pipeline's detail plus the version it is at and whether it runs."""
    number = version.number if version is not None else None
    out = _detail(pipeline, result, number)
    out.update(version=number, version_created=created, runnable=result.ok and number is not None)
    return PipelineSaveSerializer(out).data


class PipelineDetailView(APIView):
    @extend_schema(responses=PipelineDetailSerializer)
    def get(self, request: Request, pk: int) -> Response:
        pipeline = get_pipeline(request, pk)
        result = services.check_graph(request.user, pipeline.graph)
        return with_etag(Response(detail_body(pipeline, result, latest_number(pipeline))), pipeline)

    @extend_schema(parameters=[IF_MATCH], request=PipelineUpdateSerializer, responses=PipelineSaveSerializer)
    def put(self, request: Request, pk: int) -> Response:
        pipeline = get_pipeline(request, pk, write=True, light=True)
        body = PipelineUpdateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        expected = parse_if_match(request)
        data = body.validated_data
        saved, result, version, created = services.do_save_pipeline(
            request.user,
            pipeline,
            expected_revision=expected,
            name=data.get("name"),
            description=data.get("description"),
            graph=data.get("graph"),
        )
        return with_etag(Response(save_body(saved, result, version, created=created)), saved)

    @extend_schema(responses={204: None})
    def delete(self, request: Request, pk: int) -> Response:
        pipeline = get_pipeline(request, pk, write=True, action="delete this pipeline", light=True)
        services.do_delete_pipeline(pipeline)
        return Response(status=status.HTTP_204_NO_CONTENT)


class PipelineDuplicateView(APIView):
    @extend_schema(request=DuplicateSerializer, responses={201: PipelineSaveSerializer})
    def post(self, request: Request, pk: int) -> Response:
        pipeline = get_pipeline(request, pk, write=True, action="duplicate this pipeline")
        body = DuplicateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        copy, result, version = services.do_duplicate_pipeline(request.user, pipeline, body.validated_data["name"])
        out = save_body(copy, result, version, created=True)
        return with_etag(Response(out, status=status.HTTP_201_CREATED), copy)


class PipelineValidateView(APIView):
    @extend_schema(request=GraphSerializer, responses=ValidateResultSerializer)
    def post(self, request: Request, pk: int) -> Response:
        get_pipeline(request, pk, light=True)
        body = GraphSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        result = services.check_graph(request.user, body.validated_data["graph"])
        answer = {
            "errors": result.errors_json(),
            "warnings": result.warnings_json(),
            "graph": result.pinned,
            "plan": plan_json(result.plan) if result.plan is not None else None,
        }
        return Response(ValidateResultSerializer(answer).data)


def get_version(request: Request, pk: int, number: int) -> PipelineVersion:
    pipeline = get_pipeline(request, pk, light=True)
    return get_object_or_404(PipelineVersion.objects.select_related("created_by"), pipeline=pipeline, number=number)


class VersionListView(APIView):
    @extend_schema(responses=VersionRowSerializer(many=True))
    def get(self, request: Request, pk: int) -> Response:
        pipeline = get_pipeline(request, pk, light=True)
        rows = (
            pipeline.versions.select_related("created_by")
            .defer("graph", "plan")
            .annotate(has_plan=Q(plan__isnull=False))
            .order_by("-number")
        )
        return Response(VersionRowSerializer(rows, many=True).data)


class VersionDetailView(APIView):
    @extend_schema(responses=VersionDetailSerializer)
    def get(self, request: Request, pk: int, number: int) -> Response:
        return Response(VersionDetailSerializer(get_version(request, pk, number)).data)


class VersionDiffView(APIView):
    @extend_schema(responses=DiffSerializer)
    def get(self, request: Request, pk: int, number: int, other: int) -> Response:
        a = get_version(request, pk, number)
        b = get_version(request, pk, other)
        return Response(
            DiffSerializer({"from_version": a.number, "to_version": b.number, **diff(a.graph, b.graph)}).data
        )

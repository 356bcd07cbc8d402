"""Published endpoints: a stable slug that runs a chosen pipeline version, by token or schedule."""

from __future__ import annotations

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from designer.api.pipelines import get_pipeline
from pipewright.errors import LocatedError
from publishing import services
from publishing.api.serializers import (
    EndpointRunSerializer,
    EndpointSerializer,
    EndpointUpdateSerializer,
    PipelinePublishSerializer,
)
from publishing.models import Endpoint
from runner.serializers import RunSerializer
from teams import scoping
from teams.models import Role


def visible_endpoints(request: Request) -> QuerySet[Endpoint]:
    rows = Endpoint.objects.select_related("team", "pipeline", "version", "created_by")
    return scoping.scope(rows.defer("pipeline__graph", "version__graph", "version__plan"), request.user)


def get_endpoint(request: Request, slug: str, *, write: bool = False, action: str = "change this endpoint") -> Endpoint:
    """A visible endpoint (404 otherwise); `write` needs member or up."""
    endpoint = get_object_or_404(visible_endpoints(request), slug=slug)
    if write:
        scoping.require_role(request.user, endpoint.team, Role.MEMBER, action=action)
    return endpoint


def endpoint_body(request: Request, endpoint: Endpoint) -> dict[str, object]:
    return dict(EndpointSerializer(endpoint, context={"request": request}).data)


class PublishView(APIView):
    @extend_schema(
        request=PipelinePublishSerializer,
        responses={201: EndpointSerializer},
        description=(
            "Publish a runnable version (the latest when `version` is omitted) as an endpoint whose slug is "
            "derived from `name`. Slugs are global: a taken one is 409 naming `name`. A version with compile "
            "errors is 400; the first error names `version`, the rest are the compile errors."
        ),
    )
    def post(self, request: Request, pk: int) -> Response:
        pipeline = get_pipeline(request, pk, write=True, action="publish this pipeline", light=True)
        body = PipelinePublishSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        endpoint = services.do_publish_pipeline(request.user, pipeline, data["name"], data.get("version"))
        return Response(endpoint_body(request, endpoint), status=status.HTTP_201_CREATED)


class EndpointListView(APIView):
    @extend_schema(
        parameters=[OpenApiParameter("team", str), OpenApiParameter("pipeline", int)],
        responses=EndpointSerializer(many=True),
    )
    def get(self, request: Request) -> Response:
        rows = visible_endpoints(request)
        team = request.query_params.get("team")
        if team:
            rows = rows.filter(team__name=team)
        pipeline = request.query_params.get("pipeline")
        if pipeline is not None:
            if not pipeline.isdigit():
                raise LocatedError(
                    "pipeline must be an id.", [{"field": "pipeline", "message": "must be an integer id"}]
                )
            rows = rows.filter(pipeline_id=int(pipeline))
        return Response(EndpointSerializer(rows, many=True, context={"request": request}).data)


class EndpointDetailView(APIView):
    @extend_schema(responses=EndpointSerializer)
    def get(self, request: Request, slug: str) -> Response:
        return Response(endpoint_body(request, get_endpoint(request, slug)))

    @extend_schema(
        request=EndpointUpdateSerializer,
        responses=EndpointSerializer,
        description="Re-point at another runnable version of the same pipeline, and/or rename (the slug stays).",
    )
    def patch(self, request: Request, slug: str) -> Response:
        endpoint = get_endpoint(request, slug, write=True)
        body = EndpointUpdateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        endpoint = services.do_update_endpoint(endpoint, name=data.get("name"), number=data.get("version"))
        return Response(endpoint_body(request, endpoint))

    @extend_schema(responses={204: None}, description="Deletes the endpoint and its schedules.")
    def delete(self, request: Request, slug: str) -> Response:
        endpoint = get_endpoint(request, slug, write=True, action="delete this endpoint")
        services.do_delete_endpoint(endpoint)
        return Response(status=status.HTTP_204_NO_CONTENT)


class EndpointRunsView(APIView):
    @extend_schema(
        request=EndpointRunSerializer,
        responses={201: RunSerializer},
        description="Start a run of the endpoint's current version; the same permissions as running the pipeline.",
    )
    def post(self, request: Request, slug: str) -> Response:
        endpoint = get_endpoint(request, slug, write=True, action="run pipelines")
        body = EndpointRunSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        run = services.do_run_endpoint(endpoint, data["parameters"], data["cache"], request.user)
        return Response(RunSerializer(run).data, status=status.HTTP_201_CREATED)

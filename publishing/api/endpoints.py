"""Published endpoints: a stable slug that runs a chosen pipeline version, by token or schedule.

Thin: `get_queryset` scopes through `teams.scoping` (another team's endpoint is a 404), role checks
are declared with `TeamRole`, writes go to `publishing.services`, serializers render."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, status
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from designer.models import Pipeline
from pipewright import queryparams
from publishing import services
from publishing.api.serializers import (
    EndpointRunSerializer,
    EndpointSerializer,
    EndpointUpdateSerializer,
    PipelinePublishSerializer,
)
from publishing.models import Endpoint
from runner.models import Run
from runner.serializers import RunSerializer, RunSummarySerializer, runs_for_json
from teams import scoping
from teams.models import Role
from teams.permissions import TeamRole


def visible_endpoints(user: Any) -> QuerySet[Endpoint]:
    """The endpoints `user` can see, with what `EndpointSerializer` reads and without big JSON."""
    rows = Endpoint.objects.select_related("team", "pipeline", "version", "created_by")
    return scoping.scope(rows.defer("pipeline__graph", "version__graph", "version__plan"), user)


class EndpointObjectMixin:
    # The visible endpoint of the URL's `slug` (404 otherwise), checked by the view's permission
    # classes. (A comment, not a docstring: views would inherit it in the schema.)

    request: Request
    lookup_field = "slug"

    def get_queryset(self) -> QuerySet[Endpoint]:
        return visible_endpoints(self.request.user)


class PublishView(generics.GenericAPIView):
    permission_classes = [IsAuthenticated, TeamRole(Role.MEMBER, "publish this pipeline")]

    def get_queryset(self) -> QuerySet[Pipeline]:
        return scoping.scope(Pipeline.objects.select_related("team").defer("graph"), self.request.user)

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
        pipeline = self.get_object()
        body = PipelinePublishSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        endpoint = services.do_publish_pipeline(request.user, pipeline, data["name"], data.get("version"))
        return Response(EndpointSerializer(endpoint, context={"request": request}).data, status=status.HTTP_201_CREATED)


class EndpointListView(EndpointObjectMixin, generics.ListAPIView):
    serializer_class = EndpointSerializer
    ordering = ("slug", "id")

    def get_queryset(self) -> QuerySet[Endpoint]:
        rows = super().get_queryset()
        team = queryparams.text(self.request, "team")
        if team:
            rows = rows.filter(team__name=team)
        pipeline = queryparams.integer_id(self.request, "pipeline")
        if pipeline is not None:
            rows = rows.filter(pipeline_id=pipeline)
        return rows

    @extend_schema(
        parameters=[
            OpenApiParameter("team", str, description="only this team's endpoints"),
            OpenApiParameter("pipeline", int, description="only endpoints of this pipeline"),
        ],
        description="The endpoints you can see, by slug.",
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)


class EndpointDetailView(EndpointObjectMixin, generics.RetrieveDestroyAPIView):
    serializer_class = EndpointSerializer
    permission_classes = [
        IsAuthenticated,
        TeamRole(Role.MEMBER, "change this endpoint", methods=["PATCH"]),
        TeamRole(Role.MEMBER, "delete this endpoint", methods=["DELETE"]),
    ]

    @extend_schema(
        request=EndpointUpdateSerializer,
        responses=EndpointSerializer,
        description=(
            "Re-point at another runnable version of the same pipeline, rename (the slug stays), and/or "
            "enable or disable (a disabled endpoint answers 409 to runs, and its schedules record an error)."
        ),
    )
    def patch(self, request: Request, slug: str) -> Response:
        endpoint = self.get_object()
        body = EndpointUpdateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        endpoint = services.do_update_endpoint(
            endpoint, name=data.get("name"), number=data.get("version"), enabled=data.get("enabled")
        )
        return Response(self.get_serializer(endpoint).data)

    @extend_schema(responses={204: None}, description="Deletes the endpoint and its schedules.")
    def delete(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().delete(request, *args, **kwargs)

    def perform_destroy(self, instance: Endpoint) -> None:
        services.do_delete_endpoint(instance)


class EndpointRunsView(generics.ListAPIView):
    ordering = ("-created_at", "-id")
    permission_classes = [IsAuthenticated, TeamRole(Role.MEMBER, "run pipelines")]
    serializer_class = RunSummarySerializer

    def endpoint(self) -> Endpoint:
        found = get_object_or_404(visible_endpoints(self.request.user), slug=self.kwargs["slug"])
        self.check_object_permissions(self.request, found)
        return found

    def get_queryset(self) -> QuerySet[Run]:
        return runs_for_json().filter(pk__in=services.endpoint_runs(self.endpoint()).values("pk"))

    @extend_schema(
        operation_id="endpoints_runs_list",
        description="The newest 50 runs started through this endpoint (by token or by its schedules).",
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    @extend_schema(
        request=EndpointRunSerializer,
        responses={201: RunSerializer},
        description="Start a run of the endpoint's current version; the same permissions as running the pipeline.",
    )
    def post(self, request: Request, slug: str) -> Response:
        endpoint = self.endpoint()
        body = EndpointRunSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        run = services.do_run_endpoint(endpoint, data["parameters"], data["cache"], request.user)
        return Response(RunSerializer(run).data, status=status.HTTP_201_CREATED)

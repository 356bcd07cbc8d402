"""Schedules: run an endpoint's current version on a cron, as the schedule's owner.

Thin: `get_queryset` scopes through `teams.scoping`, role checks are declared with `TeamRole`,
writes go to `publishing.services`, serializers render."""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.conf import settings
from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, status
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from pipewright import queryparams
from pipewright.errors import LocatedError
from publishing import services
from publishing.api.endpoints import visible_endpoints
from publishing.api.serializers import (
    CronPreviewSerializer,
    ScheduleCreateSerializer,
    ScheduleSerializer,
    ScheduleUpdateSerializer,
)
from publishing.cron import CronError, next_fire_times, parse_cron
from publishing.models import Schedule
from runner.models import Run
from runner.serializers import RunSummarySerializer, runs_for_json
from teams import scoping
from teams.models import Role
from teams.permissions import TeamRole


def visible_schedules(user: Any) -> QuerySet[Schedule]:
    """The schedules `user` can see, with what `ScheduleSerializer` reads."""
    rows = Schedule.objects.select_related("team", "endpoint", "owner", "periodic_task__crontab")
    return scoping.scope(rows, user)


class ScheduleListView(generics.ListAPIView):
    serializer_class = ScheduleSerializer
    # checked on the endpoint a new schedule runs
    permission_classes = [IsAuthenticated, TeamRole(Role.MEMBER, "schedule runs")]

    ordering = ("id",)

    def get_queryset(self) -> QuerySet[Schedule]:
        rows = visible_schedules(self.request.user)
        team = queryparams.text(self.request, "team")
        if team:
            rows = rows.filter(team__name=team)
        endpoint = queryparams.text(self.request, "endpoint")
        return rows.filter(endpoint__slug=endpoint) if endpoint else rows

    @extend_schema(
        parameters=[
            OpenApiParameter("team", str, description="only this team's schedules"),
            OpenApiParameter("endpoint", str, description="only schedules of the endpoint with this slug"),
        ],
        description="The schedules you can see, oldest first.",
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    @extend_schema(
        request=ScheduleCreateSerializer,
        responses={201: ScheduleSerializer},
        description=(
            "Run the endpoint's current version on a five-field cron (UTC), as you. A bad cron is 400 naming "
            "`cron` and, in the message, the field of the expression that is wrong."
        ),
    )
    def post(self, request: Request) -> Response:
        body = ScheduleCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        endpoint = get_object_or_404(visible_endpoints(request.user), slug=data["endpoint"])
        self.check_object_permissions(request, endpoint)
        parameters = services.check_schedule_parameters(endpoint, data["parameters"])
        schedule = services.do_create_schedule(request.user, endpoint, data["cron"], parameters, data["enabled"])
        found = visible_schedules(request.user).get(pk=schedule.pk)
        return Response(ScheduleSerializer(found).data, status=status.HTTP_201_CREATED)


class ScheduleDetailView(generics.RetrieveDestroyAPIView):
    serializer_class = ScheduleSerializer
    permission_classes = [
        IsAuthenticated,
        TeamRole(Role.MEMBER, "change this schedule", methods=["PATCH"]),
        TeamRole(Role.MEMBER, "delete this schedule", methods=["DELETE"]),
    ]

    def get_queryset(self) -> QuerySet[Schedule]:
        return visible_schedules(self.request.user)

    @extend_schema(request=ScheduleUpdateSerializer, responses=ScheduleSerializer)
    def patch(self, request: Request, pk: int) -> Response:
        schedule = self.get_object()
        body = ScheduleUpdateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        parameters = data.get("parameters")
        if parameters is not None:
            parameters = services.check_schedule_parameters(schedule.endpoint, parameters)
        services.do_update_schedule(schedule, cron=data.get("cron"), parameters=parameters, enabled=data.get("enabled"))
        return Response(self.get_serializer(self.get_queryset().get(pk=pk)).data)

    @extend_schema(responses={204: None}, description="Deletes the schedule and its beat task.")
    def delete(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().delete(request, *args, **kwargs)

    def perform_destroy(self, instance: Schedule) -> None:
        services.do_delete_schedule(instance)


class ScheduleRunsView(generics.ListAPIView):
    ordering = ("-created_at", "-id")
    serializer_class = RunSummarySerializer

    def get_queryset(self) -> QuerySet[Run]:
        schedule = get_object_or_404(visible_schedules(self.request.user), pk=self.kwargs["pk"])
        return runs_for_json().filter(pk__in=services.schedule_runs(schedule).values("pk"))

    @extend_schema(operation_id="schedules_runs_list", description="The newest 50 runs this schedule started.")
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)


class CronPreviewView(APIView):
    @extend_schema(
        parameters=[
            OpenApiParameter("cron", str, required=True, description="Five fields, as a schedule's `cron`."),
            OpenApiParameter("tz", str, description="An IANA time zone to show the times in; UTC when omitted."),
        ],
        responses=CronPreviewSerializer,
        description=(
            "The next five times a schedule with this cron would fire (schedules run in UTC), shown in `tz`. "
            "A bad cron is 400 naming `cron` and the field of the expression; an unknown zone is 400 naming `tz`."
        ),
    )
    def get(self, request: Request) -> Response:
        text = request.query_params.get("cron", "")
        zone = request.query_params.get("tz") or "UTC"
        try:
            cron = parse_cron(text[:600])
        except CronError as exc:
            raise LocatedError(f"cron: {exc}.", [{"field": "cron", "message": str(exc)}])
        if len(zone) > 64 or not _known_zone(zone):
            raise LocatedError(
                f"tz: '{zone[:64]}' is not a known time zone.",
                [{"field": "tz", "message": "not a known IANA time zone, e.g. Europe/Berlin"}],
            )
        times = next_fire_times(cron, timezone.now(), 5, settings.CELERY_TIMEZONE)
        shown = [t.astimezone(ZoneInfo(zone)).isoformat() for t in times]
        return Response(CronPreviewSerializer({"cron": str(cron), "timezone": zone, "next": shown}).data)


def _known_zone(name: str) -> bool:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True

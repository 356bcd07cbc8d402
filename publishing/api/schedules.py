"""Schedules: run an endpoint's current version on a cron, as the schedule's owner."""

from __future__ import annotations

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from publishing import services
from publishing.api.endpoints import get_endpoint
from publishing.api.serializers import ScheduleCreateSerializer, ScheduleSerializer, ScheduleUpdateSerializer
from publishing.models import Schedule
from teams import scoping
from teams.models import Role


def visible_schedules(request: Request) -> QuerySet[Schedule]:
    rows = Schedule.objects.select_related("team", "endpoint", "owner", "periodic_task__crontab")
    return scoping.scope(rows, request.user)


def get_schedule(request: Request, pk: int, *, write: bool = False, action: str = "change this schedule") -> Schedule:
    schedule = get_object_or_404(visible_schedules(request), pk=pk)
    if write:
        scoping.require_role(request.user, schedule.team, Role.MEMBER, action=action)
    return schedule


class ScheduleListView(APIView):
    @extend_schema(parameters=[OpenApiParameter("endpoint", str)], responses=ScheduleSerializer(many=True))
    def get(self, request: Request) -> Response:
        rows = visible_schedules(request)
        endpoint = request.query_params.get("endpoint")
        if endpoint:
            rows = rows.filter(endpoint__slug=endpoint)
        return Response(ScheduleSerializer(rows, many=True).data)

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
        endpoint = get_endpoint(request, data["endpoint"], write=True, action="schedule runs")
        parameters = services.check_schedule_parameters(endpoint, data["parameters"])
        schedule = services.do_create_schedule(request.user, endpoint, data["cron"], parameters, data["enabled"])
        return Response(ScheduleSerializer(get_schedule(request, schedule.pk)).data, status=status.HTTP_201_CREATED)


class ScheduleDetailView(APIView):
    @extend_schema(responses=ScheduleSerializer)
    def get(self, request: Request, pk: int) -> Response:
        return Response(ScheduleSerializer(get_schedule(request, pk)).data)

    @extend_schema(request=ScheduleUpdateSerializer, responses=ScheduleSerializer)
    def patch(self, request: Request, pk: int) -> Response:
        schedule = get_schedule(request, pk, write=True)
        body = ScheduleUpdateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        parameters = data.get("parameters")
        if parameters is not None:
            parameters = services.check_schedule_parameters(schedule.endpoint, parameters)
        services.do_update_schedule(schedule, cron=data.get("cron"), parameters=parameters, enabled=data.get("enabled"))
        return Response(ScheduleSerializer(get_schedule(request, pk)).data)

    @extend_schema(responses={204: None}, description="Deletes the schedule and its beat task.")
    def delete(self, request: Request, pk: int) -> Response:
        schedule = get_schedule(request, pk, write=True, action="delete this schedule")
        services.do_delete_schedule(schedule)
        return Response(status=status.HTTP_204_NO_CONTENT)

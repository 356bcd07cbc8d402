"""Teams, their members and the signed-in user."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema
from rest_framework import generics, status
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from pipewright.errors import NotFound
from teams import scoping, services
from teams.api.serializers import (
    MemberRowSerializer,
    MemberSerializer,
    MeSerializer,
    TeamCreateSerializer,
    TeamSerializer,
)
from teams.models import Membership, Role, Team
from teams.permissions import TeamRole


def my_teams(user: Any) -> QuerySet[Team]:
    return Team.objects.filter(id__in=scoping.visible_team_ids(user))


class TeamListView(generics.ListAPIView):
    serializer_class = TeamSerializer
    ordering = ("name", "id")

    def get_queryset(self) -> QuerySet[Team]:
        return my_teams(self.request.user)

    @extend_schema(request=TeamCreateSerializer, responses={201: TeamSerializer})
    def post(self, request: Request) -> Response:
        body = TeamCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        team = services.do_create_team(request.user, body.validated_data["name"])
        scoping.forget_roles(request.user)
        return Response(TeamSerializer(team, context={"request": request}).data, status=status.HTTP_201_CREATED)


class TeamMembersView(generics.ListAPIView):
    serializer_class = MemberRowSerializer
    permission_classes = [IsAuthenticated, TeamRole(Role.OWNER, "manage members")]
    ordering = ("user__username", "id")

    def get_team(self) -> Team:
        name = self.kwargs["team"]
        team = my_teams(self.request.user).filter(name=name).first()
        if team is None:
            raise NotFound(f"Team '{name}' not found.")
        self.check_object_permissions(self.request, team)
        return team

    def get_queryset(self) -> QuerySet[Membership]:
        return Membership.objects.filter(team=self.get_team()).select_related("user")

    @extend_schema(request=MemberSerializer, responses={201: MemberRowSerializer})
    def post(self, request: Request, team: str) -> Response:
        found = self.get_team()
        body = MemberSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        membership = services.do_set_membership(found, body.validated_data["username"], body.validated_data["role"])
        return Response(MemberRowSerializer(membership).data, status=status.HTTP_201_CREATED)


class MeView(APIView):
    @extend_schema(responses=MeSerializer)
    def get(self, request: Request) -> Response:
        user: Any = request.user
        me = {"username": user.username, "teams": my_teams(user)}
        return Response(MeSerializer(me, context={"request": request}).data)

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from pipewright.errors import NotFound
from teams import scoping, services
from teams.models import SLUG, Membership, Role, Team


class TeamSerializer(serializers.ModelSerializer):
    role = serializers.SerializerMethodField()

    class Meta:
        model = Team
        fields = ["name", "role", "created_at"]

    @extend_schema_field(serializers.ChoiceField(choices=Role.choices, allow_null=True))
    def get_role(self, team: Team) -> str | None:
        return scoping.role_in(self.context["request"].user, team)


class TeamCreateSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=63, validators=[SLUG])


class MemberSerializer(serializers.Serializer):
    username = serializers.CharField(max_length=150)
    role = serializers.ChoiceField(choices=Role.choices)

    def validate_username(self, value: str) -> str:
        if not get_user_model().objects.filter(username=value).exists():
            raise serializers.ValidationError(f"No user named '{value}'.")
        return value


class MemberRowSerializer(serializers.Serializer):
    username = serializers.CharField()
    role = serializers.CharField()


class MeSerializer(serializers.Serializer):
    username = serializers.CharField()
    teams = TeamSerializer(many=True)


class TeamListView(APIView):
    @extend_schema(responses=TeamSerializer(many=True))
    def get(self, request: Request) -> Response:
        teams = Team.objects.filter(id__in=scoping.visible_team_ids(request.user))
        return Response(TeamSerializer(teams, many=True, context={"request": request}).data)

    @extend_schema(request=TeamCreateSerializer, responses={201: TeamSerializer})
    def post(self, request: Request) -> Response:
        body = TeamCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        team = services.do_create_team(request.user, body.validated_data["name"])
        scoping.forget_roles(request.user)
        return Response(TeamSerializer(team, context={"request": request}).data, status=status.HTTP_201_CREATED)


def _visible_team(request: Request, name: str) -> Team:
    team = Team.objects.filter(name=name, id__in=scoping.visible_team_ids(request.user)).first()
    if team is None:
        raise NotFound(f"Team '{name}' not found.")
    return team


class TeamMembersView(APIView):
    @extend_schema(responses=MemberRowSerializer(many=True))
    def get(self, request: Request, team: str) -> Response:
        found = _visible_team(request, team)
        rows = Membership.objects.filter(team=found).select_related("user").order_by("user__username")
        return Response([{"username": m.user.username, "role": m.role} for m in rows])

    @extend_schema(request=MemberSerializer, responses={201: MemberRowSerializer})
    def post(self, request: Request, team: str) -> Response:
        found = _visible_team(request, team)
        scoping.require_role(request.user, found, Role.OWNER, action="manage members")
        body = MemberSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        membership = services.do_set_membership(found, body.validated_data["username"], body.validated_data["role"])
        return Response({"username": membership.user.username, "role": membership.role}, status=status.HTTP_201_CREATED)


class MeView(APIView):
    @extend_schema(responses=MeSerializer)
    def get(self, request: Request) -> Response:
        user: Any = request.user
        teams = Team.objects.filter(id__in=scoping.visible_team_ids(user))
        return Response(
            {
                "username": user.username,
                "teams": TeamSerializer(teams, many=True, context={"request": request}).data,
            }
        )

"""Teams, their members and audit trail, the signed-in user and their API tokens."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import authenticate
from django.db.models import QuerySet
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import generics, status
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from pipewright import authlimits
from pipewright.errors import LocatedError, NotFound
from teams import scoping, services, tokens
from teams.api.serializers import (
    ApiTokenCreatedSerializer,
    ApiTokenCreateSerializer,
    ApiTokenSerializer,
    AuditEventSerializer,
    LoginSerializer,
    MemberRoleSerializer,
    MemberRowSerializer,
    MemberSerializer,
    MeSerializer,
    TeamCreateSerializer,
    TeamSerializer,
    TokenAnswerSerializer,
)
from teams.models import ApiToken, AuditEvent, Membership, Role, Team
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


def visible_team(user: Any, name: str) -> Team:
    team = my_teams(user).filter(name=name).first()
    if team is None:
        raise NotFound(f"Team '{name}' not found.")
    return team


class TeamMembersView(generics.ListAPIView):
    """Every member reads the list; owners add members (or change a member's role)."""

    serializer_class = MemberRowSerializer
    permission_classes = [IsAuthenticated, TeamRole(Role.OWNER, "manage members")]
    ordering = ("user__username", "id")

    def get_team(self) -> Team:
        team = visible_team(self.request.user, self.kwargs["team"])
        self.check_object_permissions(self.request, team)
        return team

    def get_queryset(self) -> QuerySet[Membership]:
        return Membership.objects.filter(team=self.get_team()).select_related("user")

    @extend_schema(request=MemberSerializer, responses={201: MemberRowSerializer})
    def post(self, request: Request, team: str) -> Response:
        found = self.get_team()
        body = MemberSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        membership = services.do_set_membership(found, data["username"], data["role"], actor=request.user)
        scoping.forget_roles(request.user)
        return Response(MemberRowSerializer(membership).data, status=status.HTTP_201_CREATED)


class TeamMemberView(APIView):
    """One member: owners change roles and remove members; any member may leave (DELETE of
    their own membership). The last owner can be neither demoted nor removed (400 naming `role`)."""

    @extend_schema(request=MemberRoleSerializer, responses={200: MemberRowSerializer})
    def patch(self, request: Request, team: str, username: str) -> Response:
        found = visible_team(request.user, team)
        scoping.require_role(request.user, found, Role.OWNER, action="change members' roles")
        body = MemberRoleSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        membership = services.do_change_role(found, username, body.validated_data["role"], actor=request.user)
        scoping.forget_roles(request.user)
        return Response(MemberRowSerializer(membership).data)

    @extend_schema(request=None, responses={204: None})
    def delete(self, request: Request, team: str, username: str) -> Response:
        found = visible_team(request.user, team)
        if username != request.user.get_username():
            scoping.require_role(request.user, found, Role.OWNER, action="remove members")
        services.do_remove_member(found, username, actor=request.user)
        scoping.forget_roles(request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class TeamAuditView(generics.ListAPIView):
    """The team's audit trail, newest first: membership changes and catalog lifecycle changes,
    each with who, what and when. Owners only."""

    serializer_class = AuditEventSerializer

    def get_queryset(self) -> QuerySet[AuditEvent]:
        found = visible_team(self.request.user, self.kwargs["team"])
        scoping.require_role(self.request.user, found, Role.OWNER, action="read the audit trail")
        return AuditEvent.objects.filter(team=found).order_by("-created_at", "-id")


class TokenListView(generics.ListAPIView):
    """The signed-in user's personal API tokens (never their keys), newest first."""

    serializer_class = ApiTokenSerializer

    def get_queryset(self) -> QuerySet[ApiToken]:
        return ApiToken.objects.filter(user=self.request.user).order_by("-created_at", "-id")

    @extend_schema(request=ApiTokenCreateSerializer, responses={201: ApiTokenCreatedSerializer})
    def post(self, request: Request) -> Response:
        body = ApiTokenCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        token, key = tokens.create_token(request.user, body.validated_data["name"])
        token.token = key  # type: ignore[attr-defined]
        return Response(ApiTokenCreatedSerializer(token).data, status=status.HTTP_201_CREATED)


class TokenDetailView(APIView):
    @extend_schema(request=None, responses={204: None})
    def delete(self, request: Request, pk: int) -> Response:
        if not tokens.revoke(request.user, pk):
            raise NotFound("Token not found.")
        return Response(status=status.HTTP_204_NO_CONTENT)


class ObtainTokenView(APIView):
    """{"username", "password"} -> {"token"}: a new personal API token named "api" (listed and
    revoked like any other). Rate limited per client address; a username + address with too many
    recent failures is refused (429) without checking the password."""

    authentication_classes: list[Any] = []
    permission_classes = [AllowAny]
    throttle_classes = [authlimits.AuthRateThrottle]

    @extend_schema(
        request=LoginSerializer,
        responses={
            200: TokenAnswerSerializer,
            400: OpenApiResponse(description="Wrong username or password"),
            429: OpenApiResponse(description="Too many attempts"),
        },
        auth=[],
    )
    def post(self, request: Request) -> Response:
        body = LoginSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        username, password = body.validated_data["username"], body.validated_data["password"]
        ip = authlimits.client_ip(request)
        authlimits.refuse_if_locked(username, ip)
        user = authenticate(request._request, username=username, password=password)
        if user is None:  # counted and logged by the user_login_failed receiver
            raise LocatedError(
                "Unable to sign in with the username and password given.",
                [{"field": None, "message": "Unable to sign in with the username and password given."}],
            )
        authlimits.clear(username, ip)
        _, key = tokens.create_token(user, "api")
        return Response({"token": key})


class MeView(APIView):
    @extend_schema(responses=MeSerializer)
    def get(self, request: Request) -> Response:
        user: Any = request.user
        me = {"username": user.username, "teams": my_teams(user)}
        return Response(MeSerializer(me, context={"request": request}).data)

"""Deployments: create, route (default, canary split, rollback), scale, tokens, and scoring.

Thin: scoping through `teams.scoping` (another team's deployment is a 404), roles declared with
`TeamRole`, writes in `serving.services`. Scoring itself is `score_view`, a plain async Django
view (DRF has no async views): see serving.scoring.
"""

from __future__ import annotations

import json
from typing import Any

from asgiref.sync import async_to_sync
from django.db.models import Prefetch, QuerySet
from django.http import HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, status
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from designer.api.pipelines import visible_pipelines
from pipewright import queryparams
from pipewright.errors import NotFound
from runner.models import Run
from serving import metrics, scoring, services
from serving.api.serializers import (
    DeploymentCreateSerializer,
    DeploymentDetailSerializer,
    DeploymentSerializer,
    DeploymentVersionCreateSerializer,
    DeploymentVersionUpdateSerializer,
    InferenceCreatedSerializer,
    InferenceCreateSerializer,
    RoutingSerializer,
    ScoreAnswerSerializer,
    ScoreRequestSerializer,
    TokenCreatedSerializer,
    TokenCreateSerializer,
    TokenSerializer,
    VersionSerializer,
)
from serving.inference import derive
from serving.models import Deployment, DeploymentToken, DeploymentVersion, Replica
from teams import scoping
from teams.models import Role
from teams.permissions import TeamRole


def visible_deployments(user: Any) -> QuerySet[Deployment]:
    rows = Deployment.objects.select_related("team", "default_version", "canary_version", "previous_version")
    return scoping.scope(rows, user)


class InferenceCreateView(generics.GenericAPIView):
    permission_classes = [IsAuthenticated, TeamRole(Role.MEMBER, "create pipelines")]

    def get_queryset(self) -> QuerySet[Any]:
        return visible_pipelines(self.request.user)

    @extend_schema(
        request=InferenceCreateSerializer,
        responses={201: InferenceCreatedSerializer},
        description=(
            "Derive an inference pipeline from a finished run of this training pipeline: Web Service Input (typed by "
            "the training data, label removed), the preprocessing steps bound to their fitted state, Score Model "
            "bound to the run's model, Web Service Output. A new pipeline of the same team; edit it on the canvas."
        ),
    )
    def post(self, request: Request, pk: int) -> Response:
        pipeline = self.get_object()
        body = InferenceCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        run = Run.objects.filter(pk=data["run"], pipeline=pipeline).first()
        if run is None:
            return Response(
                {
                    "detail": f"Run {data['run']} is not a run of this pipeline.",
                    "errors": [{"field": "run", "message": "not a run of this pipeline"}],
                },
                status=status.HTTP_400_BAD_REQUEST,
            )
        name = data.get("name") or f"{pipeline.name} (inference)"[:200]
        created = derive(request.user, pipeline, run, data.get("node"), name)
        version = created.versions.order_by("-number").first()
        answer = {
            "id": created.pk,
            "name": created.name,
            "team": pipeline.team.name,
            "latest_version": version.number if version else None,
            "graph": created.graph,
        }
        return Response(InferenceCreatedSerializer(answer).data, status=status.HTTP_201_CREATED)


class DeploymentMixin:
    request: Request
    lookup_field = "slug"

    def get_queryset(self) -> QuerySet[Deployment]:
        return visible_deployments(self.request.user)


class DeploymentListView(DeploymentMixin, generics.ListAPIView):
    serializer_class = DeploymentSerializer
    ordering = ("slug", "id")

    def get_queryset(self) -> QuerySet[Deployment]:
        rows = super().get_queryset()
        team = queryparams.text(self.request, "team")
        return rows.filter(team__name=team) if team else rows

    @extend_schema(
        parameters=[OpenApiParameter("team", str, description="only this team's deployments")],
        description="The deployments you can see, by slug.",
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    @extend_schema(
        request=DeploymentCreateSerializer,
        responses={201: DeploymentDetailSerializer},
        description="Deploy an inference pipeline version as `team/slug` version 1 (the default). A taken slug is 409.",
    )
    def post(self, request: Request) -> Response:
        body = DeploymentCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        team = scoping.team_for_write(request.user, data["team"], Role.MEMBER, action="deploy models")
        pipeline = visible_pipelines(request.user).filter(pk=data["pipeline"], team=team).first()
        if pipeline is None:
            return Response(
                {
                    "detail": "No such pipeline in this team.",
                    "errors": [{"field": "pipeline", "message": "not found in this team"}],
                },
                status=400,
            )
        deployment = services.do_create_deployment(
            request.user, team, data["slug"], pipeline, data.get("version"), data["replicas"], data["memory_mb"]
        )
        return Response(detail(deployment), status=status.HTTP_201_CREATED)


def detail(deployment: Deployment) -> dict[str, Any]:
    fresh = visible_rows(deployment.pk)
    ids = [v.pk for v in fresh.versions.all()]
    return DeploymentDetailSerializer(fresh, context={"metrics": metrics.summary(ids)}).data


def visible_rows(pk: int) -> Deployment:
    versions = DeploymentVersion.objects.select_related("pipeline_version").prefetch_related(
        Prefetch("replica_rows", queryset=Replica.objects.order_by("index"))
    )
    rows = Deployment.objects.select_related("team", "default_version", "canary_version", "previous_version")
    return rows.prefetch_related(Prefetch("versions", queryset=versions)).get(pk=pk)


class DeploymentDetailView(DeploymentMixin, generics.GenericAPIView):
    serializer_class = DeploymentDetailSerializer
    permission_classes = [
        IsAuthenticated,
        TeamRole(Role.MEMBER, "change this deployment", methods=["PATCH"]),
        TeamRole(Role.MEMBER, "delete this deployment", methods=["DELETE"]),
    ]

    @extend_schema(description="The deployment, its versions (replicas, schema, metrics of the last hour).")
    def get(self, request: Request, slug: str) -> Response:
        return Response(detail(self.get_object()))

    @extend_schema(
        request=RoutingSerializer,
        responses=DeploymentDetailSerializer,
        description=(
            "Routing: make a version the default (the former default stays warm for a rollback), and/or send "
            "`canary_percent` % of the requests to `canary_version` (0 ends the split)."
        ),
    )
    def patch(self, request: Request, slug: str) -> Response:
        deployment = self.get_object()
        body = RoutingSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        deployment = services.do_update_routing(
            deployment,
            default=data.get("default_version"),
            canary=data.get("canary_version"),
            canary_percent=data.get("canary_percent"),
        )
        scoring.forget(deployment.slug)
        return Response(detail(deployment))

    @extend_schema(responses={204: None}, description="Deletes the deployment; its replicas stop.")
    def delete(self, request: Request, slug: str) -> Response:
        deployment = self.get_object()
        services.do_delete_deployment(deployment)
        scoring.forget(slug)
        return Response(status=status.HTTP_204_NO_CONTENT)


class RollbackView(DeploymentMixin, generics.GenericAPIView):
    serializer_class = DeploymentDetailSerializer
    permission_classes = [IsAuthenticated, TeamRole(Role.MEMBER, "roll back this deployment")]

    @extend_schema(
        request=None,
        responses=DeploymentDetailSerializer,
        description="The previous default version becomes the default again at once; any canary split ends.",
    )
    def post(self, request: Request, slug: str) -> Response:
        deployment = services.do_rollback(self.get_object())
        scoring.forget(slug)
        return Response(detail(deployment))


class VersionListView(DeploymentMixin, generics.GenericAPIView):
    serializer_class = VersionSerializer
    permission_classes = [IsAuthenticated, TeamRole(Role.MEMBER, "add deployment versions")]

    @extend_schema(
        request=DeploymentVersionCreateSerializer,
        responses={201: VersionSerializer},
        description="A new version from an inference pipeline version of the same team; `make_default` routes to it.",
    )
    def post(self, request: Request, slug: str) -> Response:
        deployment = self.get_object()
        body = DeploymentVersionCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        pipeline = visible_pipelines(request.user).filter(pk=data["pipeline"], team=deployment.team).first()
        if pipeline is None:
            return Response(
                {
                    "detail": "No such pipeline in this team.",
                    "errors": [{"field": "pipeline", "message": "not found in this team"}],
                },
                status=400,
            )
        version = services.do_add_version(
            request.user,
            deployment,
            pipeline,
            data.get("version"),
            replicas=data["replicas"],
            memory_mb=data["memory_mb"],
            make_default=data["make_default"],
        )
        scoring.forget(slug)
        return Response(VersionSerializer(version, context={"metrics": {}}).data, status=status.HTTP_201_CREATED)


class VersionDetailView(DeploymentMixin, generics.GenericAPIView):
    serializer_class = VersionSerializer
    permission_classes = [IsAuthenticated, TeamRole(Role.MEMBER, "scale deployments")]

    @extend_schema(
        request=DeploymentVersionUpdateSerializer,
        responses=VersionSerializer,
        description="Scale a version's replicas up or down (0 stops them).",
    )
    def patch(self, request: Request, slug: str, number: int) -> Response:
        deployment = self.get_object()
        version = services.version_of(deployment, number, "number")
        body = DeploymentVersionUpdateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        version = services.do_scale(version, body.validated_data["replicas"])
        scoring.forget(slug)
        return Response(VersionSerializer(version, context={"metrics": {}}).data)


class TokenListView(generics.ListAPIView):
    serializer_class = TokenSerializer
    permission_classes = [IsAuthenticated, TeamRole(Role.MEMBER, "manage deployment tokens", safe_methods=False)]
    ordering = ("id",)

    def deployment(self) -> Deployment:
        found = visible_deployments(self.request.user).filter(slug=self.kwargs["slug"]).first()
        if found is None:
            raise NotFound("Not found.")
        self.check_object_permissions(self.request, found)
        return found

    def get_queryset(self) -> QuerySet[DeploymentToken]:
        return DeploymentToken.objects.filter(deployment=self.deployment()).order_by("id")

    @extend_schema(operation_id="deployments_tokens_list", description="The deployment's tokens (never their keys).")
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    @extend_schema(
        request=TokenCreateSerializer,
        responses={201: TokenCreatedSerializer},
        description="A token that scores this deployment only; the key appears only in this answer.",
    )
    def post(self, request: Request, slug: str) -> Response:
        deployment = self.deployment()
        body = TokenCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        token, key = services.do_create_token(request.user, deployment, body.validated_data["name"])
        token.token = key  # type: ignore[attr-defined]
        return Response(TokenCreatedSerializer(token).data, status=status.HTTP_201_CREATED)


class TokenDetailView(DeploymentMixin, generics.GenericAPIView):
    serializer_class = TokenSerializer
    permission_classes = [IsAuthenticated, TeamRole(Role.MEMBER, "manage deployment tokens", safe_methods=False)]

    @extend_schema(responses={204: None}, description="Revoke a token; it is refused within a second.")
    def delete(self, request: Request, slug: str, token_id: int) -> Response:
        deployment = self.get_object()
        if not services.do_revoke_token(deployment, token_id):
            return Response({"detail": "Not found."}, status=404)
        scoring.forget(slug)
        return Response(status=status.HTTP_204_NO_CONTENT)


class TryView(DeploymentMixin, generics.GenericAPIView):
    serializer_class = ScoreAnswerSerializer
    permission_classes = [IsAuthenticated, TeamRole(Role.MEMBER, "score this deployment")]

    @extend_schema(
        request=ScoreRequestSerializer,
        responses={200: ScoreAnswerSerializer},
        description="Score rows as a signed-in member (the deployment page's Try it box); same answers as /score.",
    )
    def post(self, request: Request, slug: str) -> Response:
        deployment = self.get_object()
        code, answer = async_to_sync(scoring.score_as_member)(deployment.slug, request.data)
        return Response(answer, status=code)


@csrf_exempt
async def score_view(request: HttpRequest, slug: str) -> JsonResponse:
    """POST /api/deployments/<slug>/score with `Authorization: Token <key>` and {"rows": [...]}."""
    if request.method != "POST":
        return JsonResponse(
            {"detail": f'Method "{request.method}" not allowed.'}, status=405, headers={"Allow": "POST"}
        )
    parts = request.headers.get("Authorization", "").split()
    key = parts[1] if len(parts) == 2 and parts[0].lower() == "token" else None
    if key is None:
        return JsonResponse(
            {"detail": "Authentication credentials were not provided."},
            status=401,
            headers={"WWW-Authenticate": "Token"},
        )
    try:
        body = json.loads(request.body or b"null")
    except ValueError as exc:
        return JsonResponse(
            {"detail": f"JSON parse error: {exc}", "errors": [{"field": "rows", "message": "not JSON"}]}, status=400
        )
    code, answer = await scoring.score(slug, key, body)
    headers = {"WWW-Authenticate": "Token"} if code == 401 else None
    return JsonResponse(answer, status=code, headers=headers)

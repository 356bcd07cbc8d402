"""The registry and lineage API. Thin: scoping (`teams.scoping`), role checks (`TeamRole`),
serializers, and the services `registry.services` / `registry.lineage`.

Roles: every member of a team reads its models and lineage; members register models and versions
(they run the pipelines that make them, and a register-model step registers on their run);
maintainers tag, archive and edit models and versions (like a module version's lifecycle)."""

from __future__ import annotations

from typing import Any

from django.db.models import Prefetch, Q, QuerySet
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, status
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from designer.models import DatasetVersion
from pipewright import queryparams
from pipewright.errors import LocatedError, NotFound
from registry import lineage, services
from registry.api.serializers import (
    LineageDiffSerializer,
    LineageSerializer,
    ModelCompareSerializer,
    ModelCreateSerializer,
    ModelUpdateSerializer,
    ModelVersionSerializer,
    RegisteredModelSerializer,
    RegisterSerializer,
    VersionCreateSerializer,
    VersionUpdateSerializer,
)
from registry.models import ModelVersion, RegisteredModel
from runner.models import Run
from teams import scoping
from teams.models import Role
from teams.permissions import TeamRole

ARCHIVED_CHOICES = {"false": False, "true": True, "all": None}
DIRECTIONS = ("up", "down", "both")


def visible_models(user: Any) -> QuerySet[RegisteredModel]:
    versions = ModelVersion.objects.only("id", "model_id", "version", "tags", "archived").order_by("version")
    rows = scoping.scope(RegisteredModel.objects.select_related("team", "created_by"), user)
    return rows.prefetch_related(Prefetch("versions", queryset=versions))


def visible_versions(user: Any) -> QuerySet[ModelVersion]:
    rows = ModelVersion.objects.select_related("model__team", "run", "pipeline_version", "created_by")
    return scoping.scope(rows, user, field="model__team")


def archived_filter(request: Request) -> bool | None:
    given = (queryparams.text(request, "archived") or "false").lower()
    if given not in ARCHIVED_CHOICES:
        raise LocatedError(
            "archived must be true, false or all.", [{"field": "archived", "message": "must be true, false or all"}]
        )
    return ARCHIVED_CHOICES[given]


ARCHIVED_PARAM = OpenApiParameter(
    "archived", str, enum=list(ARCHIVED_CHOICES), description="false (default), true or all"
)


class ModelListView(generics.ListAPIView):
    serializer_class = RegisteredModelSerializer
    ordering = ("team_id", "name", "id")

    def get_queryset(self) -> QuerySet[RegisteredModel]:
        rows = visible_models(self.request.user)
        team = queryparams.text(self.request, "team")
        if team:
            rows = rows.filter(team__name=team)
        q = queryparams.text(self.request, "q")
        if q:
            rows = rows.filter(Q(name__icontains=q) | Q(description__icontains=q))
        tag = queryparams.text(self.request, "tag")
        if tag:
            rows = rows.filter(versions__tags__contains=[tag]).distinct()
        archived = archived_filter(self.request)
        return rows if archived is None else rows.filter(archived=archived)

    @extend_schema(
        parameters=[
            OpenApiParameter("q", str, description="text in the name or description"),
            OpenApiParameter("team", str, description="only this team's models"),
            OpenApiParameter("tag", str, description="only models with a version carrying this tag"),
            ARCHIVED_PARAM,
        ],
        description="Your teams' registered models; archived ones only when asked for.",
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    @extend_schema(
        request=ModelCreateSerializer,
        responses={201: RegisteredModelSerializer},
        description="Create an empty model (members). A name the team already has is 409 naming `name`.",
    )
    def post(self, request: Request) -> Response:
        body = ModelCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        team = scoping.team_for_write(request.user, data["team"], Role.MEMBER, action="register models")
        model = services.do_create_model(team, data["name"], data["description"], request.user)
        return Response(RegisteredModelSerializer(visible_models(request.user).get(pk=model.pk)).data, status=201)


def run_for_write(user: Any, run_id: int, team_id: int | None = None) -> Run:
    run = scoping.scope(Run.objects.select_related("team"), user).filter(pk=run_id).first()
    if run is None or (team_id is not None and run.team_id != team_id):
        raise LocatedError(f"Run {run_id} not found.", [{"field": "run", "message": "no such run"}], status_code=404)
    scoping.require_role(user, run.team, Role.MEMBER, action="register models")
    return run


class RegisterView(APIView):
    @extend_schema(
        request=RegisterSerializer,
        responses={201: ModelVersionSerializer},
        description="Register a run's step output (a Model port) as the next version of `<run's team>/<name>`, "
        "creating the model when new. Members of the run's team. The version keeps its metrics, run, pipeline "
        "version, upstream module versions, parameters and input datasets.",
    )
    def post(self, request: Request) -> Response:
        body = RegisterSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        run = run_for_write(request.user, data["run"])
        version = services.do_register(
            run.team, data["name"], run, data["node"], data["port"], user=request.user, description=data["description"]
        )
        return Response(ModelVersionSerializer(visible_versions(request.user).get(pk=version.pk)).data, status=201)


class ModelObjectMixin:
    # The visible model of the URL's `id` (404 otherwise). (A comment: not in the schema.)

    request: Request
    kwargs: dict[str, Any]

    def get_model(self) -> RegisteredModel:
        model = visible_models(self.request.user).filter(pk=self.kwargs["id"]).first()
        if model is None:
            raise NotFound(f"Model {self.kwargs['id']} not found.")
        self.check_object_permissions(self.request, model)  # type: ignore[attr-defined]
        return model

    def get_version(self) -> ModelVersion:
        model = self.get_model()
        number = self.kwargs["version"]
        version = visible_versions(self.request.user).filter(model=model, version=number).first()
        if version is None:
            raise NotFound(f"Model {model.pk} has no version {number}.")
        return version


class ModelDetailView(ModelObjectMixin, generics.GenericAPIView):
    serializer_class = RegisteredModelSerializer
    permission_classes = [IsAuthenticated, TeamRole(Role.MAINTAINER, "edit or archive models")]

    def get(self, request: Request, id: int) -> Response:
        return Response(RegisteredModelSerializer(self.get_model()).data)

    @extend_schema(
        request=ModelUpdateSerializer,
        description="Change the description, archive or unarchive (maintainers). An archived model leaves the "
        "default list and takes no new versions; its versions still resolve.",
    )
    def patch(self, request: Request, id: int) -> Response:
        model = self.get_model()
        body = ModelUpdateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        services.do_update_model(model, description=data.get("description"), archived=data.get("archived"))
        return Response(RegisteredModelSerializer(visible_models(request.user).get(pk=model.pk)).data)


class VersionListView(ModelObjectMixin, generics.ListAPIView):
    serializer_class = ModelVersionSerializer
    ordering = ("-version", "id")
    permission_classes = [IsAuthenticated, TeamRole(Role.MEMBER, "register models")]

    def get_queryset(self) -> QuerySet[ModelVersion]:
        rows = visible_versions(self.request.user).filter(model=self.get_model())
        archived = archived_filter(self.request)
        tag = queryparams.text(self.request, "tag")
        if tag:
            rows = rows.filter(tags__contains=[tag])
        return rows if archived is None else rows.filter(archived=archived)

    @extend_schema(
        parameters=[ARCHIVED_PARAM, OpenApiParameter("tag", str, description="only the version carrying this tag")],
        description="The model's versions, newest first.",
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    @extend_schema(
        request=VersionCreateSerializer,
        responses={201: ModelVersionSerializer},
        description="Register a step output of a run of the model's team as the model's next version (members).",
    )
    def post(self, request: Request, id: int) -> Response:
        model = self.get_model()
        body = VersionCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        run = run_for_write(request.user, data["run"], model.team_id)
        services.check_not_archived(model)
        step = services.model_step(run, data["node"], data["port"])
        version = services.do_register_version(
            model, step, data["port"], user=request.user, description=data["description"]
        )
        return Response(
            ModelVersionSerializer(visible_versions(request.user).get(pk=version.pk)).data,
            status=status.HTTP_201_CREATED,
        )


class VersionDetailView(ModelObjectMixin, generics.GenericAPIView):
    serializer_class = ModelVersionSerializer
    permission_classes = [IsAuthenticated, TeamRole(Role.MAINTAINER, "tag or archive model versions")]

    def get(self, request: Request, id: int, version: int) -> Response:
        return Response(ModelVersionSerializer(self.get_version()).data)

    @extend_schema(
        request=VersionUpdateSerializer,
        description="Set the version's tags (a tag moves here from any other version of the model) or archive "
        "it (maintainers).",
    )
    def patch(self, request: Request, id: int, version: int) -> Response:
        row = self.get_version()
        body = VersionUpdateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        if "tags" in data:
            services.do_set_tags(row, data["tags"])
        if "archived" in data:
            services.do_archive_version(row, data["archived"])
        return Response(ModelVersionSerializer(self.get_version()).data)


def version_numbers(raw: str) -> list[int]:
    parts = [p.strip() for p in (raw or "").split(",") if p.strip()]
    if not 1 <= len(parts) <= 10 or not all(p.isascii() and p.isdigit() and len(p) < 10 for p in parts):
        raise LocatedError(
            "versions must be 1 to 10 version numbers: `1,2,3`.",
            [{"field": "versions", "message": "1 to 10 comma-separated version numbers"}],
        )
    return list(dict.fromkeys(int(p) for p in parts))


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


class CompareView(ModelObjectMixin, APIView):
    @extend_schema(
        parameters=[
            OpenApiParameter(
                "versions", str, description="version numbers: `1,2,3` (at most 10); the newest ten when absent"
            )
        ],
        responses=ModelCompareSerializer,
        description="The versions' metrics side by side: one row per metric any of them has.",
    )
    def get(self, request: Request, id: int) -> Response:
        model = self.get_model()
        raw = request.query_params.get("versions", "")
        if raw.strip():
            numbers = version_numbers(raw)
        else:  # the newest ten
            numbers = sorted(model.versions.values_list("version", flat=True).order_by("-version")[:10])
        rows = {v.version: v for v in visible_versions(request.user).filter(model=model, version__in=numbers)}
        missing = [n for n in numbers if n not in rows]
        if missing:
            raise NotFound(f"Model {model.pk} has no version {missing[0]}.")
        versions = [rows[n] for n in numbers]
        names = list(dict.fromkeys(k for v in versions for k in v.metrics))
        table = []
        for name in names:
            values = [v.metrics.get(name) for v in versions]
            numeric = [(_number(x), v.version) for x, v in zip(values, versions, strict=True) if _number(x) is not None]
            best = max(numeric)[1] if numeric else None
            table.append({"metric": name, "values": values, "best": best})
        body = {
            "model": model.pk,
            "versions": [
                {"version": v.version, "tags": v.tags, "sha256": v.sha256, "run": v.run_id, "metrics": v.metrics}
                for v in versions
            ],
            "metrics": table,
        }
        return Response(ModelCompareSerializer(body).data)


def walk_params(request: Request) -> tuple[str, int | None]:
    direction = queryparams.text(request, "direction") or "both"
    if direction not in DIRECTIONS:
        raise LocatedError(
            "direction must be up, down or both.", [{"field": "direction", "message": "up, down or both"}]
        )
    raw = queryparams.text(request, "depth")
    depth = None
    if raw:
        if not raw.isascii() or not raw.isdigit() or not 1 <= int(raw) <= lineage.MAX_DEPTH:
            raise LocatedError(
                f"depth must be 1 to {lineage.MAX_DEPTH}.",
                [{"field": "depth", "message": f"an integer from 1 to {lineage.MAX_DEPTH}"}],
            )
        depth = int(raw)
    return direction, depth


WALK_PARAMS = [
    OpenApiParameter("direction", str, enum=list(DIRECTIONS), description="up, down or both (the default)"),
    OpenApiParameter(
        "depth", int, description=f"step hops to walk (default {lineage.DEFAULT_DEPTH}, at most {lineage.MAX_DEPTH})"
    ),
]


class ArtifactLineageView(APIView):
    @extend_schema(
        parameters=WALK_PARAMS,
        responses=LineageSerializer,
        description="The lineage graph of an artifact your teams produced, read or uploaded (else 404): upstream "
        "the step that made it, its module version, digest, image, parameters and inputs, recursively to "
        f"datasets; downstream the steps and models that used it. At most {lineage.MAX_NODES} nodes; a cut "
        "walk says `truncated` and why.",
    )
    def get(self, request: Request, sha256: str) -> Response:
        direction, depth = walk_params(request)
        return Response(LineageSerializer(lineage.artifact_lineage(request.user, sha256, direction, depth)).data)


class ModelVersionLineageView(ModelObjectMixin, APIView):
    @extend_schema(
        parameters=WALK_PARAMS,
        responses=LineageSerializer,
        description="The lineage graph of a model version (as for an artifact, rooted at the version).",
    )
    def get(self, request: Request, id: int, version: int) -> Response:
        direction, depth = walk_params(request)
        return Response(
            LineageSerializer(lineage.model_lineage(request.user, self.get_version(), direction, depth)).data
        )


class DatasetVersionLineageView(APIView):
    @extend_schema(
        parameters=WALK_PARAMS,
        responses=LineageSerializer,
        description="The lineage graph of a dataset version: an upload has no upstream; downstream the steps, "
        "runs and models that read it.",
    )
    def get(self, request: Request, team: str, name: str, number: int) -> Response:
        direction, depth = walk_params(request)
        rows = scoping.scope(
            DatasetVersion.objects.select_related("dataset__team"), request.user, field="dataset__team"
        )
        dv = rows.filter(dataset__team__name=team, dataset__name=name, version=number).first()
        if dv is None:
            raise NotFound(f"Dataset {team}/{name} version {number} not found.")
        return Response(LineageSerializer(lineage.dataset_lineage(request.user, dv, direction, depth)).data)


class LineageDiffView(APIView):
    @extend_schema(
        parameters=[
            OpenApiParameter(
                "a", str, required=True, description="`<sha256>`, `artifact:<sha256>` or `model:<id>/<n>`"
            ),
            OpenApiParameter("b", str, required=True, description="the same, for the other side"),
        ],
        responses=LineageDiffSerializer,
        description="Why two artifacts or model versions differ: both upstream walks aligned step by step (by "
        "node, then module) in plan order, every differing ingredient (dataset version, module version, digest, "
        "image, parameter; else an input or a non-deterministic output), and the first one from the datasets on.",
    )
    def get(self, request: Request) -> Response:
        body = lineage.diff(request.user, request.query_params.get("a", ""), request.query_params.get("b", ""))
        return Response(LineageDiffSerializer(body).data)

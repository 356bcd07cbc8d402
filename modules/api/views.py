"""The module catalog API: list/create modules, publish versions, lifecycle, spec export.

Views validate, check roles through `teams.permissions` and delegate writes to `modules.services`;
reads go through `modules.queries` (scoped by `teams.scoping`)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db.models import QuerySet
from django.http import HttpResponse
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, status
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from modules import queries, services
from modules import spec as specs
from modules.api import multipart
from modules.api.serializers import (
    DefaultSerializer,
    DeprecateSerializer,
    ModuleCreateSerializer,
    ModuleListItemSerializer,
    ModuleVersionDetailSerializer,
    PublishSerializer,
    VersionSummarySerializer,
)
from modules.models import Module, ModuleVersion
from pipewright import queryparams
from pipewright.parsers import BoundedFormParser, BoundedMultiPartParser, SafeJSONParser
from teams import scoping
from teams.models import Role
from teams.permissions import TeamRole


class ModuleObjectMixin:
    # The visible module named by the URL's `team` and `name` (404 otherwise), checked by the
    # view's permission classes. (A comment: views would inherit a docstring in the schema.)

    request: Request
    kwargs: dict[str, Any]

    def get_module(self) -> Module:
        module = queries.get_module(self.request.user, self.kwargs["team"], self.kwargs["name"])
        self.check_object_permissions(self.request, module)  # type: ignore[attr-defined]
        return module


class ModuleListView(generics.ListAPIView):
    serializer_class = ModuleListItemSerializer
    ordering = queries.CATALOG_ORDER

    def get_queryset(self) -> QuerySet[Module]:
        return queries.search(
            queries.visible_modules(self.request.user),
            q=queryparams.text(self.request, "q"),
            category=queryparams.text(self.request, "category"),
            team=queryparams.text(self.request, "team"),
        )

    @extend_schema(
        operation_id="modules_list",
        parameters=[
            OpenApiParameter("q", str, description="text in the name, display name, description or category"),
            OpenApiParameter("category", str, description="this category (any case)"),
            OpenApiParameter("team", str, description="this team's modules (`builtin` for the library)"),
        ],
        description="The modules you can see, in catalog order (category, display name, team, name).",
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    @extend_schema(request=ModuleCreateSerializer, responses={201: ModuleListItemSerializer})
    def post(self, request: Request) -> Response:
        body = ModuleCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        team = scoping.team_for_write(request.user, data["team"], Role.MAINTAINER, action="create modules")
        module = services.do_create_module(
            team,
            data["name"],
            display_name=data["display_name"],
            category=data["category"],
            description=data["description"],
        )
        found = queries.get_module(request.user, team.name, module.name)
        return Response(ModuleListItemSerializer(found).data, status=status.HTTP_201_CREATED)


class ModuleDetailView(ModuleObjectMixin, APIView):
    @extend_schema(responses={200: ModuleListItemSerializer})
    def get(self, request: Request, team: str, name: str) -> Response:
        return Response(ModuleListItemSerializer(self.get_module()).data)


class VersionListView(ModuleObjectMixin, generics.ListAPIView):
    parser_classes = [SafeJSONParser, BoundedMultiPartParser, BoundedFormParser]
    permission_classes = [IsAuthenticated, TeamRole(Role.MAINTAINER, "publish module versions")]
    serializer_class = VersionSummarySerializer
    ordering = ("-created_at", "-id")

    def upload_limit(self) -> tuple[int, str]:
        return settings.MODULE_UPLOAD_MAX_BYTES, "files"

    def get_queryset(self) -> QuerySet[ModuleVersion]:
        if getattr(self, "swagger_fake_view", False):  # the schema generator has no module
            return ModuleVersion.objects.none()
        module = self.get_module()
        return queries.versions_of(module)

    @extend_schema(operation_id="modules_versions_list", description="The module's versions, newest published first.")
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    @extend_schema(
        request={"application/json": PublishSerializer, "multipart/form-data": PublishSerializer},
        responses={201: ModuleVersionDetailSerializer},
        description="JSON {spec, files, is_default} or multipart: `spec` (a YAML file) plus source files "
        "(the form field name is the path; fields named file/files use the upload's file name).",
    )
    def post(self, request: Request, team: str, name: str) -> Response:
        module = self.get_module()
        raw = multipart.publish_body(request) if request.content_type.startswith("multipart/") else request.data
        body = PublishSerializer(data=raw)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        version = services.do_publish_version(
            module, data["spec"], data.get("files") or {}, user=request.user, is_default=data["is_default"]
        )
        module.refresh_from_db(fields=["default_version"])
        version.module = module
        return Response(ModuleVersionDetailSerializer(version).data, status=status.HTTP_201_CREATED)


class VersionDetailView(ModuleObjectMixin, APIView):
    @extend_schema(responses={200: ModuleVersionDetailSerializer})
    def get(self, request: Request, team: str, name: str, version: str) -> Response:
        found = queries.get_version(self.get_module(), version)
        return Response(ModuleVersionDetailSerializer(found).data)


class VersionSpecYamlView(ModuleObjectMixin, APIView):
    @extend_schema(responses={(200, "text/yaml"): str})
    def get(self, request: Request, team: str, name: str, version: str) -> HttpResponse:
        module = self.get_module()
        found = queries.get_version(module, version)
        response = HttpResponse(specs.dump_yaml(found.spec), content_type="text/yaml; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{module.name}-{found.version}.yaml"'
        return response


class _LifecycleView(APIView):
    permission_classes = [IsAuthenticated, TeamRole(Role.MAINTAINER, "change the lifecycle of module versions")]

    def get_version(self) -> ModuleVersion:
        """The visible version (404 before any 403), then the role check on its module."""
        module = queries.get_module(self.request.user, self.kwargs["team"], self.kwargs["name"])
        found = queries.get_version(module, self.kwargs["version"])
        self.check_object_permissions(self.request, module)
        return found

    def respond(self, version: ModuleVersion) -> Response:
        version.module.refresh_from_db(fields=["default_version"])
        version.refresh_from_db()
        return Response(ModuleVersionDetailSerializer(version).data)


class DeprecateView(_LifecycleView):
    @extend_schema(request=DeprecateSerializer, responses={200: ModuleVersionDetailSerializer})
    def post(self, request: Request, team: str, name: str, version: str) -> Response:
        found = self.get_version()
        body = DeprecateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        services.do_deprecate(
            found, body.validated_data["message"], body.validated_data["successor"] or None, actor=request.user
        )
        return self.respond(found)


class DisableView(_LifecycleView):
    @extend_schema(request=None, responses={200: ModuleVersionDetailSerializer})
    def post(self, request: Request, team: str, name: str, version: str) -> Response:
        found = self.get_version()
        services.do_disable(found, actor=request.user)
        return self.respond(found)


class EnableView(_LifecycleView):
    @extend_schema(request=None, responses={200: ModuleVersionDetailSerializer})
    def post(self, request: Request, team: str, name: str, version: str) -> Response:
        found = self.get_version()
        services.do_enable(found, actor=request.user)
        return self.respond(found)


class DefaultView(ModuleObjectMixin, APIView):
    permission_classes = [IsAuthenticated, TeamRole(Role.MAINTAINER, "choose the default version")]

    @extend_schema(request=DefaultSerializer, responses={200: ModuleListItemSerializer})
    def post(self, request: Request, team: str, name: str) -> Response:
        module = self.get_module()
        body = DefaultSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        services.do_set_default(module, body.validated_data["version"], actor=request.user)
        return Response(ModuleListItemSerializer(queries.get_module(request.user, team, name)).data)

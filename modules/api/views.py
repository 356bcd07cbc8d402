"""The module catalog API: list/create modules, publish versions, lifecycle, spec export.

Views validate, check roles through `teams.permissions` and delegate writes to `modules.services`;
reads go through `modules.queries` (scoped by `teams.scoping`)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db.models import QuerySet
from django.http import HttpResponse
from drf_spectacular.utils import extend_schema
from rest_framework import generics, status
from rest_framework.permissions import SAFE_METHODS, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from modules import kfp, queries, services
from modules import spec as specs
from modules.api import multipart
from modules.api.filters import FACET_PARAMETERS, catalog_filters
from modules.api.serializers import (
    DefaultSerializer,
    DeprecateSerializer,
    GrantCreateSerializer,
    GrantSerializer,
    KfpImportSerializer,
    ModuleCreateSerializer,
    ModuleListItemSerializer,
    ModuleVersionDetailSerializer,
    PublishSerializer,
    VersionSummarySerializer,
    VisibilitySerializer,
)
from modules.models import Module, ModuleGrant, ModuleVersion
from pipewright import queryparams
from pipewright.errors import Forbidden, LocatedError, NotFound
from pipewright.parsers import BoundedFormParser, BoundedMultiPartParser, SafeJSONParser
from teams import scoping
from teams.models import Role, Team
from teams.permissions import TeamRole


class ModuleRole(TeamRole):
    """`TeamRole` for a module another team shares with the user: they can see it, so a write is a
    403 naming the role needed in the owning team (an invisible module stays a 404)."""

    def has_object_permission(self, request: Request, view: Any, obj: Any) -> bool:
        checked = (self.methods is None or request.method in self.methods) and not (
            self.safe_methods and request.method in SAFE_METHODS
        )
        team = obj.team
        if checked and scoping.role_in(request.user, team) is None and not team.is_builtin:
            raise Forbidden(
                f"Only a {self.minimum} or higher of team '{team.name}' can {self.action}; "
                f"team '{team.name}' shares {obj.ref} with you to read and use."
            )
        return super().has_object_permission(request, view, obj)


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
        chosen = catalog_filters(self.request)
        return queries.search(
            queries.visible_modules(self.request.user),
            q=queryparams.text(self.request, "q"),
            category=chosen["category"],
            team=chosen["team"],
            port_type=chosen["port_type"],
            status=chosen["status"],
        )

    @extend_schema(
        operation_id="modules_list",
        parameters=FACET_PARAMETERS,
        description="The modules you can see, in catalog order (category, display name, team, name); "
        "filters of different facets all apply, repeated values of one facet are alternatives.",
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
    permission_classes = [IsAuthenticated, ModuleRole(Role.MAINTAINER, "change who sees this module")]

    @extend_schema(responses={200: ModuleListItemSerializer})
    def get(self, request: Request, team: str, name: str) -> Response:
        return Response(ModuleListItemSerializer(self.get_module()).data)

    @extend_schema(
        request=VisibilitySerializer,
        responses={200: ModuleListItemSerializer},
        description="Set the module's visibility: `private` (the owning team and the teams it is "
        "granted to) or `public` (every team). Maintainers of the owning team.",
    )
    def patch(self, request: Request, team: str, name: str) -> Response:
        module = self.get_module()
        body = VisibilitySerializer(data=request.data, partial=True)
        body.is_valid(raise_exception=True)
        if "visibility" in body.validated_data:  # a partial update: nothing named, nothing changed
            services.do_set_visibility(module, body.validated_data["visibility"], actor=request.user)
        return Response(ModuleListItemSerializer(queries.get_module(request.user, team, name)).data)


class GrantListView(ModuleObjectMixin, generics.ListAPIView):
    permission_classes = [
        IsAuthenticated,
        ModuleRole(Role.MAINTAINER, "see or change who the module is shared with", safe_methods=False),
    ]
    serializer_class = GrantSerializer
    ordering = ("team__name", "id")

    def get_queryset(self) -> QuerySet[ModuleGrant]:
        if getattr(self, "swagger_fake_view", False):  # the schema generator has no module
            return ModuleGrant.objects.none()
        return queries.grants_of(self.get_module())

    @extend_schema(
        operation_id="modules_grants_list",
        description="The teams this module is shared with (maintainers of the owning team).",
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    @extend_schema(
        request=GrantCreateSerializer,
        responses={201: GrantSerializer},
        description="Share the module with another team: its members see the module and its versions "
        "in their catalog and use it in their pipelines; they cannot change it.",
    )
    def post(self, request: Request, team: str, name: str) -> Response:
        module = self.get_module()
        body = GrantCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        wanted = body.validated_data["team"]
        grantee = Team.objects.filter(name=wanted).first()
        if grantee is None:
            raise LocatedError(f"There is no team '{wanted}'.", [{"field": "team", "message": "no such team"}])
        grant = services.do_grant(module, grantee, actor=request.user)
        return Response(GrantSerializer(grant).data, status=status.HTTP_201_CREATED)


class GrantDetailView(ModuleObjectMixin, APIView):
    permission_classes = [IsAuthenticated, ModuleRole(Role.MAINTAINER, "revoke a share of this module")]

    @extend_schema(
        responses={204: None},
        description="Stop sharing the module with a team: pipeline versions it already saved keep "
        "running; new saves and validations of its pipelines refuse the module.",
    )
    def delete(self, request: Request, team: str, name: str, grantee: str) -> Response:
        module = self.get_module()
        grant = queries.grants_of(module).filter(team__name=grantee).first()
        if grant is None:
            raise NotFound(f"{module.ref} is not shared with team '{grantee}'.")
        services.do_revoke(grant, actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class VersionListView(ModuleObjectMixin, generics.ListAPIView):
    parser_classes = [SafeJSONParser, BoundedMultiPartParser, BoundedFormParser]
    permission_classes = [IsAuthenticated, ModuleRole(Role.MAINTAINER, "publish module versions")]
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
            module,
            data["spec"],
            data.get("files") or {},
            user=request.user,
            is_default=data["is_default"],
            changelog=data["changelog"],
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


class VersionComponentYamlView(ModuleObjectMixin, APIView):
    @extend_schema(
        operation_id="modules_versions_component_yaml",
        responses={(200, "text/yaml"): str},
        description="The version as a Kubeflow Pipelines component.yaml: an imported component's own file, "
        "any other module as a v1 component that runs it (see docs/modules.md).",
    )
    def get(self, request: Request, team: str, name: str, version: str) -> HttpResponse:
        module = self.get_module()
        found = queries.get_version(module, version)
        response = HttpResponse(kfp.export_component(found.spec, found.files), content_type="text/yaml; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{module.name}-{found.version}.component.yaml"'
        return response


class KfpImportView(APIView):
    parser_classes = [SafeJSONParser, BoundedMultiPartParser, BoundedFormParser]

    @extend_schema(
        operation_id="modules_import_kfp",
        request={"application/json": KfpImportSerializer, "multipart/form-data": KfpImportSerializer},
        responses={201: ModuleVersionDetailSerializer},
        description="Import a Kubeflow Pipelines component.yaml as a module version (maintainers and owners). "
        "JSON {team, name?, yaml, version?, is_default?} or multipart with the file as `file` (or `yaml`). "
        "Creates the module when needed; unsupported features are a 400 naming the component's field.",
    )
    def post(self, request: Request) -> Response:
        raw: Any = request.data
        if request.content_type.startswith("multipart/"):
            raw = {k: request.data[k] for k in ("team", "name", "version", "is_default") if k in request.data}
            upload = request.FILES.get("file") or request.FILES.get("yaml")
            if upload is not None:
                raw["yaml"] = multipart.utf8(upload.read(), "yaml")
            elif "yaml" in request.data:
                raw["yaml"] = request.data["yaml"]
        body = KfpImportSerializer(data=raw)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        team = scoping.team_for_write(request.user, data["team"], Role.MAINTAINER, action="publish module versions")
        try:
            spec, files = kfp.import_component(data["yaml"], name=data["name"] or None, version=data["version"] or None)
        except kfp.KfpError as exc:
            raise LocatedError(f"The component cannot be imported: {exc}", exc.errors)
        version = services.do_import_component(team, spec, files, user=request.user, is_default=data["is_default"])
        version.module.refresh_from_db(fields=["default_version"])
        return Response(ModuleVersionDetailSerializer(version).data, status=status.HTTP_201_CREATED)


class _LifecycleView(APIView):
    permission_classes = [IsAuthenticated, ModuleRole(Role.MAINTAINER, "change the lifecycle of module versions")]

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
    permission_classes = [IsAuthenticated, ModuleRole(Role.MAINTAINER, "choose the default version")]

    @extend_schema(request=DefaultSerializer, responses={200: ModuleListItemSerializer})
    def post(self, request: Request, team: str, name: str) -> Response:
        module = self.get_module()
        body = DefaultSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        services.do_set_default(module, body.validated_data["version"], actor=request.user)
        return Response(ModuleListItemSerializer(queries.get_module(request.user, team, name)).data)

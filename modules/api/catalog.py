"""The module catalog API: list/create modules, publish versions, lifecycle, spec export.

Views validate and delegate writes to `modules.services`; scoping goes through `teams.scoping`.
"""

from __future__ import annotations

import posixpath
from typing import Any

from django.db.models import Prefetch, Q, QuerySet
from django.http import HttpResponse
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from compiler.versions import preferred_version, version_key
from modules import services
from modules import spec as specs
from modules.models import Module, ModuleVersion, VersionStatus
from pipewright.errors import LocatedError, NotFound
from pipewright.parsers import SafeJSONParser
from teams import scoping
from teams.models import SLUG, Role

MAX_FILES = 200
MAX_FILE_CHARS = 1_000_000

# --- reading ---------------------------------------------------------------------------------------


def visible_modules(user: Any) -> QuerySet[Module]:
    return scoping.scope(Module.objects.all(), user, include_builtin=True).select_related("team", "default_version")


def with_versions(qs: QuerySet[Module]) -> QuerySet[Module]:
    return qs.prefetch_related(Prefetch("versions", queryset=ModuleVersion.objects.defer("files")))


def get_module(user: Any, team: str, name: str) -> Module:
    module = with_versions(visible_modules(user)).filter(team__name=team, name=name).first()
    if module is None:
        raise NotFound(f"Module '{team}/{name}' not found.")
    return module


def get_version(module: Module, version: str) -> ModuleVersion:
    found = ModuleVersion.objects.filter(module=module, version=version).first()
    if found is None:
        raise NotFound(f"{module.ref} has no version {version}.")
    found.module = module
    return found


def _sorted_versions(module: Module) -> list[ModuleVersion]:
    return sorted(module.versions.all(), key=lambda v: version_key(v.version), reverse=True)


def featured_version(module: Module, versions: list[ModuleVersion]) -> ModuleVersion | None:
    """The version a new node gets (compiler.versions.preferred_version), else for display the
    newest version that is not disabled."""
    default = next((v.version for v in versions if v.pk == module.default_version_id), None)
    chosen = preferred_version(((v.version, v.status) for v in versions), default)
    for v in versions:
        if v.version == chosen or (chosen is None and v.status != VersionStatus.DISABLED):
            return v
    return None


def version_summary(module: Module, v: ModuleVersion) -> dict[str, Any]:
    return {
        "version": v.version,
        "status": v.status,
        "is_default": v.pk == module.default_version_id,
        "digest": v.digest,
        "deprecation_message": v.deprecation_message,
        "successor": v.successor,
        "created_at": v.created_at.isoformat().replace("+00:00", "Z"),
    }


def module_item(module: Module) -> dict[str, Any]:
    versions = _sorted_versions(module)
    item: dict[str, Any] = {
        "ref": module.ref,
        "team": module.team.name,
        "name": module.name,
        "display_name": module.display_name,
        "category": module.category,
        "description": module.description,
        "default_version": module.default_version.version if module.default_version else None,
        "versions": [version_summary(module, v) for v in versions],
        "preferred_version": None,
    }
    featured = featured_version(module, versions)
    if featured is not None:
        item["spec"] = featured.spec
        item["preferred_version"] = featured.version
    return item


def version_detail(module: Module, v: ModuleVersion) -> dict[str, Any]:
    return {
        "ref": module.ref,
        **version_summary(module, v),
        "spec": v.spec,
        "files": sorted(v.files),
    }


# --- serializers -----------------------------------------------------------------------------------


class ModuleCreateSerializer(serializers.Serializer):
    team = serializers.CharField(max_length=63)
    name = serializers.CharField(max_length=63, validators=[SLUG])
    display_name = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    category = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    description = serializers.CharField(required=False, allow_blank=True, default="")


def _clean_path(path: str) -> str | None:
    if not path or path.startswith("/") or "\\" in path or "\x00" in path:
        return None
    norm = posixpath.normpath(path)
    if norm.startswith("..") or norm == "." or norm != path:
        return None
    return norm


class PublishSerializer(serializers.Serializer):
    spec = serializers.JSONField()
    files = serializers.DictField(child=serializers.CharField(allow_blank=True, trim_whitespace=False), required=False)
    is_default = serializers.BooleanField(required=False, default=False)

    def validate_spec(self, value: Any) -> dict[str, Any]:
        try:
            if isinstance(value, str):
                return specs.load_yaml(value)
            return specs.validate_spec(value)
        except specs.SpecError as exc:
            raise serializers.ValidationError({e["field"]: [e["message"]] for e in exc.errors})

    def validate_files(self, value: dict[str, str]) -> dict[str, str]:
        if len(value) > MAX_FILES:
            raise serializers.ValidationError(f"at most {MAX_FILES} files")
        errors: dict[str, list[str]] = {}
        for path, text in value.items():
            if _clean_path(path) is None:
                errors[path] = ["must be a relative path inside the module (no '..', no leading '/')"]
            elif len(text) > MAX_FILE_CHARS:
                errors[path] = [f"is larger than {MAX_FILE_CHARS} characters"]
        if errors:
            raise serializers.ValidationError(errors)
        return value


class DeprecateSerializer(serializers.Serializer):
    message = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000)
    successor = serializers.CharField(required=False, allow_null=True, allow_blank=True, default=None, max_length=100)


class DefaultSerializer(serializers.Serializer):
    version = serializers.CharField(max_length=100)


# Response shapes, for the OpenAPI schema (frontend/src/api/modules.ts mirrors them).


class VersionSummarySerializer(serializers.Serializer):
    version = serializers.CharField()
    status = serializers.ChoiceField(choices=VersionStatus.choices)
    is_default = serializers.BooleanField()
    digest = serializers.CharField(help_text="sha256 of interface + runtime + files + image")
    deprecation_message = serializers.CharField()
    successor = serializers.CharField(allow_null=True)
    created_at = serializers.DateTimeField()


class ModuleListItemSerializer(serializers.Serializer):
    ref = serializers.CharField(help_text="team/name")
    team = serializers.CharField()
    name = serializers.CharField()
    display_name = serializers.CharField()
    category = serializers.CharField()
    description = serializers.CharField()
    default_version = serializers.CharField(allow_null=True)
    versions = VersionSummarySerializer(many=True, help_text="newest first")
    preferred_version = serializers.CharField(
        allow_null=True,
        help_text="the version a new node gets: the default unless disabled, else the newest active "
        "(else, for display only, the newest not disabled)",
    )
    spec = serializers.JSONField(required=False, help_text="spec of the preferred version")


class ModuleVersionDetailSerializer(VersionSummarySerializer):
    ref = serializers.CharField()
    spec = serializers.JSONField(help_text="the normalized spec")
    files = serializers.ListField(child=serializers.CharField(), help_text="relative paths of the module files")


# --- views -----------------------------------------------------------------------------------------


class ModuleListView(APIView):
    @extend_schema(responses={200: ModuleListItemSerializer(many=True)}, operation_id="modules_list")
    def get(self, request: Request) -> Response:
        qs = visible_modules(request.user)
        q = request.query_params.get("q", "").strip()
        if q:
            qs = qs.filter(
                Q(name__icontains=q)
                | Q(display_name__icontains=q)
                | Q(description__icontains=q)
                | Q(category__icontains=q)
            )
        category = request.query_params.get("category", "").strip()
        if category:
            qs = qs.filter(category__iexact=category)
        team = request.query_params.get("team", "").strip()
        if team:
            qs = qs.filter(team__name=team)
        modules = with_versions(qs.order_by("category", "display_name", "team__name", "name"))
        return Response([module_item(m) for m in modules])

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
        return Response(module_item(get_module(request.user, team.name, module.name)), status=status.HTTP_201_CREATED)


class ModuleDetailView(APIView):
    @extend_schema(responses={200: ModuleListItemSerializer})
    def get(self, request: Request, team: str, name: str) -> Response:
        return Response(module_item(get_module(request.user, team, name)))


def _multipart_body(request: Request) -> dict[str, Any]:
    upload = request.FILES.get("spec")
    if upload is not None:
        spec_text: Any = _decode(upload.read(), "spec")
    elif "spec" in request.data:
        spec_text = request.data["spec"]
    else:
        raise LocatedError("A spec is required.", [{"field": "spec", "message": "upload the spec.yaml as 'spec'"}])
    files: dict[str, str] = {}
    for key in request.FILES:
        if key == "spec":
            continue
        for f in request.FILES.getlist(key):
            path = f.name if key in {"file", "files"} else key
            files[path] = _decode(f.read(), f"files.{path}")
    is_default = str(request.data.get("is_default", "")).lower() in {"1", "true", "yes", "on"}
    return {"spec": spec_text, "files": files, "is_default": is_default}


def _decode(raw: bytes, field: str) -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        raise LocatedError("Module files must be UTF-8 text.", [{"field": field, "message": "is not UTF-8 text"}])


class VersionListView(APIView):
    parser_classes = [SafeJSONParser, MultiPartParser, FormParser]

    @extend_schema(responses={200: VersionSummarySerializer(many=True)}, operation_id="modules_versions_list")
    def get(self, request: Request, team: str, name: str) -> Response:
        module = get_module(request.user, team, name)
        return Response([version_summary(module, v) for v in _sorted_versions(module)])

    @extend_schema(
        request={"application/json": PublishSerializer, "multipart/form-data": PublishSerializer},
        responses={201: ModuleVersionDetailSerializer},
        description="JSON {spec, files, is_default} or multipart: `spec` (a YAML file) plus source files "
        "(the form field name is the path; fields named file/files use the upload's file name).",
    )
    def post(self, request: Request, team: str, name: str) -> Response:
        module = get_module(request.user, team, name)
        scoping.require_role(request.user, module.team, Role.MAINTAINER, action="publish module versions")
        raw = _multipart_body(request) if request.content_type.startswith("multipart/") else request.data
        body = PublishSerializer(data=raw)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        version = services.do_publish_version(
            module, data["spec"], data.get("files") or {}, user=request.user, is_default=data["is_default"]
        )
        module.refresh_from_db(fields=["default_version"])
        return Response(version_detail(module, version), status=status.HTTP_201_CREATED)


class VersionDetailView(APIView):
    @extend_schema(responses={200: ModuleVersionDetailSerializer})
    def get(self, request: Request, team: str, name: str, version: str) -> Response:
        module = get_module(request.user, team, name)
        return Response(version_detail(module, get_version(module, version)))


class VersionSpecYamlView(APIView):
    @extend_schema(responses={(200, "text/yaml"): str})
    def get(self, request: Request, team: str, name: str, version: str) -> HttpResponse:
        module = get_module(request.user, team, name)
        found = get_version(module, version)
        response = HttpResponse(specs.dump_yaml(found.spec), content_type="text/yaml; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{module.name}-{found.version}.yaml"'
        return response


class _LifecycleView(APIView):
    action_name = "change the lifecycle of module versions"

    def _target(self, request: Request, team: str, name: str, version: str) -> tuple[Module, ModuleVersion]:
        module = get_module(request.user, team, name)
        found = get_version(module, version)
        scoping.require_role(request.user, module.team, Role.MAINTAINER, action=self.action_name)
        return module, found

    def respond(self, module: Module, version: ModuleVersion) -> Response:
        module.refresh_from_db(fields=["default_version"])
        version.refresh_from_db()
        return Response(version_detail(module, version))


class DeprecateView(_LifecycleView):
    @extend_schema(request=DeprecateSerializer, responses={200: ModuleVersionDetailSerializer})
    def post(self, request: Request, team: str, name: str, version: str) -> Response:
        module, found = self._target(request, team, name, version)
        body = DeprecateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        successor = body.validated_data["successor"] or None
        services.do_deprecate(found, body.validated_data["message"], successor)
        return self.respond(module, found)


class DisableView(_LifecycleView):
    @extend_schema(request=None, responses={200: ModuleVersionDetailSerializer})
    def post(self, request: Request, team: str, name: str, version: str) -> Response:
        module, found = self._target(request, team, name, version)
        services.do_disable(found)
        return self.respond(module, found)


class EnableView(_LifecycleView):
    @extend_schema(request=None, responses={200: ModuleVersionDetailSerializer})
    def post(self, request: Request, team: str, name: str, version: str) -> Response:
        module, found = self._target(request, team, name, version)
        services.do_enable(found)
        return self.respond(module, found)


class DefaultView(APIView):
    @extend_schema(request=DefaultSerializer, responses={200: ModuleListItemSerializer})
    def post(self, request: Request, team: str, name: str) -> Response:
        module = get_module(request.user, team, name)
        scoping.require_role(request.user, module.team, Role.MAINTAINER, action="choose the default version")
        body = DefaultSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        services.do_set_default(module, body.validated_data["version"])
        return Response(module_item(get_module(request.user, team, name)))

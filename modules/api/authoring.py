"""Authoring modules in the browser: templates (a script, or a function whose signature becomes
the interface), the publish proposal (which version bump the interface change calls for),
comparing two versions, and the catalog's facets."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from compiler.upgrade import BUMPS, bumped, spec_diff
from compiler.versions import version_key
from modules import queries, templates
from modules import spec as specs
from modules.api.filters import FACET_PARAMETERS, catalog_filters
from modules.api.serializers import (
    CompareSerializer,
    DraftSerializer,
    FacetsSerializer,
    ProposalRequestSerializer,
    ProposalSerializer,
    SourcesSerializer,
    TemplateRequestSerializer,
)
from modules.api.views import ModuleObjectMixin, ModuleRole
from pipewright import queryparams
from pipewright.errors import LocatedError
from teams.models import Role


class FacetsView(APIView):
    @extend_schema(
        operation_id="modules_facets",
        parameters=FACET_PARAMETERS,
        responses={200: FacetsSerializer},
        description="Per facet (category, team, port type, status), each value with the number of "
        "modules `GET /api/modules/` would list with it chosen too: the text and the other facets' "
        "choices applied, not the facet's own (values within a facet are alternatives).",
    )
    def get(self, request: Request) -> Response:
        counts = queries.facet_counts(
            queries.visible_modules(request.user), queryparams.text(request, "q"), catalog_filters(request)
        )
        return Response(FacetsSerializer(counts).data)


class TemplateView(APIView):
    @extend_schema(
        operation_id="modules_templates_create",
        request=TemplateRequestSerializer,
        responses={200: DraftSerializer},
        description="A new module's spec and files from a template (nothing is saved). The `function` "
        "template reads `def main(...)` in `code` with Python's ast (never executing it): DataFrame/Path "
        "arguments become input ports, int/float/bool/str/Literal arguments with defaults become "
        "parameters, the return annotation the outputs; a generated run.py calls it. A signature it "
        "cannot turn into an interface is a 400 naming `code` and the line.",
    )
    def post(self, request: Request) -> Response:
        body = TemplateRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        if not specs.is_semver(data["version"]):
            raise LocatedError(
                "The version must be a semantic version.", [{"field": "version", "message": "must be like 1.0.0"}]
            )
        try:
            spec, files = templates.generate(
                data["template"],
                name=data["name"],
                version=data["version"],
                display_name=data["display_name"],
                category=data["category"],
                description=data["description"],
                code=data["code"],
            )
            spec = specs.validate_spec(spec)
        except templates.SignatureError as exc:
            raise LocatedError(f"The function's signature cannot become an interface: {exc}", exc.errors)
        except specs.SpecError as exc:
            raise LocatedError("The generated spec is not valid.", [{"field": "code", **e} for e in exc.errors][:1])
        return Response(DraftSerializer({"spec": spec, "files": files}).data)


class ProposalView(ModuleObjectMixin, APIView):
    permission_classes = [IsAuthenticated, ModuleRole(Role.MAINTAINER, "publish module versions")]

    @extend_schema(
        operation_id="modules_publish_proposal",
        request=ProposalRequestSerializer,
        responses={200: ProposalSerializer},
        description="Which version a draft should be published as: its interface compared with the "
        "highest published version (removed or retyped port or parameter, or a new required input: "
        "major; added or renamed: minor; else patch), with the diff and the three candidate versions. "
        "Nothing is saved (maintainers and owners).",
    )
    def post(self, request: Request, team: str, name: str) -> Response:
        module = self.get_module()
        body = ProposalRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        versions = list(module.versions.all())
        latest = max(versions, key=lambda v: version_key(v.version)) if versions else None
        if latest is None:
            answer: dict[str, Any] = {
                "latest": None,
                "proposed": "minor",
                "versions": {b: bumped(None, b) for b in BUMPS},
                "diff": None,
            }
        else:
            diff = spec_diff(latest.spec, body.validated_data["spec"])
            answer = {
                "latest": latest.version,
                "proposed": diff.bump,
                "versions": {b: bumped(latest.version, b) for b in BUMPS},
                "diff": diff.as_json(),
            }
        return Response(ProposalSerializer(answer).data)


class CompareView(ModuleObjectMixin, APIView):
    @extend_schema(
        operation_id="modules_versions_compare",
        parameters=[
            OpenApiParameter("base", str, description="the older version (default: the one before head)"),
            OpenApiParameter("head", str, description="the newer version (default: the newest)"),
        ],
        responses={200: CompareSerializer},
        description="Two versions side by side and the interface diff from `base` to `head`.",
    )
    def get(self, request: Request, team: str, name: str) -> Response:
        module = self.get_module()
        ordered = queries.newest_first(module)
        if not ordered:
            raise LocatedError(f"{module.ref} has no versions yet.", [{"field": "head", "message": "no versions"}])
        found = {}
        for field in ("head", "base"):
            wanted = queryparams.text(request, field)
            if not wanted:  # head: the newest; base: the one before head (head itself when alone)
                at = ordered.index(found["head"]) + 1 if field == "base" else 0
                version = ordered[min(at, len(ordered) - 1)]
            else:
                version = next((v for v in ordered if v.version == wanted), None)
            if version is None:
                message = f"{module.ref} has no version {wanted}"
                raise LocatedError(f"{field}: {message}.", [{"field": field, "message": message}])
            version.module = module
            found[field] = version
        # the prefetched versions defer their files; the detail lists their names
        for v in found.values():
            v.refresh_from_db(fields=["files"])
        diff = spec_diff(found["base"].spec, found["head"].spec)
        return Response(CompareSerializer({"base": found["base"], "head": found["head"], "diff": diff.as_json()}).data)


class SourcesView(ModuleObjectMixin, APIView):
    @extend_schema(
        operation_id="modules_versions_sources",
        responses={200: SourcesSerializer},
        description="The version's files with their text (the module editor opens a version with them).",
    )
    def get(self, request: Request, team: str, name: str, version: str) -> Response:
        found = queries.get_version(self.get_module(), version)
        return Response(SourcesSerializer({"files": found.files}).data)

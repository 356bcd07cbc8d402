"""Where a module is used: the pipelines of your teams whose current graph has a node of it, and
which version each node pins."""

from __future__ import annotations

import json
from typing import Any

from django.db.models import QuerySet
from django.db.models.expressions import RawSQL
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import generics, serializers
from rest_framework.request import Request
from rest_framework.response import Response

from designer.models import Pipeline
from modules import queries
from teams import scoping


class UsageNodeSerializer(serializers.Serializer):
    node = serializers.CharField(help_text="the node's id in the pipeline's graph")
    version = serializers.CharField(allow_null=True, help_text="the version it pins (null: the default)")


def _nodes(graph: Any, ref: str) -> list[dict[str, Any]]:
    nodes = graph.get("nodes") if isinstance(graph, dict) else None
    return [
        {"node": str(n.get("id")), "version": n.get("version")}
        for n in (nodes if isinstance(nodes, list) else [])
        if isinstance(n, dict) and n.get("module") == ref
    ]


class ModuleUsageSerializer(serializers.Serializer):
    # Renders a `Pipeline` whose graph uses the module named in the context (`ref`).

    pipeline = serializers.IntegerField(source="pk", help_text="the pipeline's id (its canvas: /pipelines/{id})")
    name = serializers.CharField()
    team = serializers.CharField(source="team.name")
    revision = serializers.IntegerField(help_text="the graph's revision the nodes are read from")
    nodes = serializers.SerializerMethodField(help_text="the module's nodes and the version each pins")
    versions = serializers.SerializerMethodField(help_text="the distinct versions pinned, sorted")

    @extend_schema_field(UsageNodeSerializer(many=True))
    def get_nodes(self, obj: Pipeline) -> list[dict[str, Any]]:
        return _nodes(obj.graph, self.context["ref"])

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_versions(self, obj: Pipeline) -> list[str]:
        return sorted({str(n["version"]) for n in _nodes(obj.graph, self.context["ref"]) if n["version"]})


class ModuleUsageView(generics.ListAPIView):
    serializer_class = ModuleUsageSerializer
    ordering = ("name", "id")

    def ref(self) -> str:
        module = queries.get_module(self.request.user, self.kwargs["team"], self.kwargs["name"])  # 404 first
        return module.ref

    def get_queryset(self) -> QuerySet[Pipeline]:
        if getattr(self, "swagger_fake_view", False):
            return Pipeline.objects.none()
        path = "$.nodes[*] ? (@.module == " + json.dumps(self.ref()) + ")"
        rows = scoping.scope(Pipeline.objects.select_related("team"), self.request.user)
        return rows.filter(pk__in=RawSQL("SELECT id FROM designer_pipeline WHERE graph @? %s::jsonpath", (path,)))

    def get_serializer_context(self) -> dict[str, Any]:
        context = super().get_serializer_context()
        if not getattr(self, "swagger_fake_view", False):
            context["ref"] = f"{self.kwargs['team']}/{self.kwargs['name']}"
        return context

    @extend_schema(
        operation_id="modules_usage_list",
        description="The pipelines of your teams whose current graph uses this module, with the version "
        "each of its nodes pins (another team's pipelines are never listed).",
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

"""Sample pipelines: the list, and opening one into a team (a new pipeline and its datasets)."""

from __future__ import annotations

import base64
import binascii
import json
from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.utils.urls import replace_query_param

from designer import sample_pipelines
from designer.api.pipelines import answer, saved
from designer.api.serializers import PipelineSaveSerializer
from pipewright.errors import LocatedError
from pipewright.fields import NameField
from pipewright.pagination import CursorPage
from teams import scoping
from teams.models import Role


class SampleSerializer(serializers.Serializer):
    slug = serializers.CharField()
    name = serializers.CharField()
    description = serializers.CharField(allow_blank=True)
    task = serializers.CharField(help_text="classification, regression, clustering, ...")
    datasets = serializers.ListField(
        child=serializers.CharField(), help_text="the datasets opening it creates (or reuses) in the team"
    )
    modules = serializers.ListField(child=serializers.CharField(), help_text="the modules its nodes use")
    nodes = serializers.IntegerField()
    subpipelines = serializers.ListField(
        child=serializers.CharField(),
        help_text="the names of the sub-pipelines opening it also opens in the team (once; later openings reuse them)",
    )


class OpenSampleSerializer(serializers.Serializer):
    team = serializers.CharField(max_length=63, help_text="the team that gets the pipeline and its datasets")
    name = NameField(max_length=200, required=False, allow_blank=True, help_text="the sample's name when omitted")


class SamplePage(CursorPage):
    """The same paging as every list (`next`/`previous`/`results`, `?page_size=`, opaque cursors)
    over the samples in slug order; a cursor holds the slug it follows or precedes."""

    def paginate_queryset(self, queryset: Any, request: Request, view: Any = None) -> list[Any]:
        self.request = request
        self.base_url = request.build_absolute_uri()
        self.page_size = self.get_page_size(request)
        rows = sorted(queryset, key=lambda s: s.slug)
        raw = request.query_params.get(self.cursor_query_param)
        after, reverse = None, False
        if raw is not None:
            try:
                data = json.loads(base64.urlsafe_b64decode(raw.encode("ascii") + b"=" * (-len(raw) % 4)))
                after, reverse = str(data["s"]), bool(data["r"])
            except (ValueError, UnicodeError, binascii.Error, KeyError, TypeError):
                raise LocatedError(
                    "cursor is not a cursor of this list; follow the next/previous links as given.",
                    [{"field": "cursor", "message": "invalid cursor"}],
                ) from None
        if after is None:
            page, self.has_previous = rows[: self.page_size], False
            self.has_next = len(rows) > self.page_size
        elif reverse:
            before = [s for s in rows if s.slug < after]
            page = before[-self.page_size :]
            self.has_previous, self.has_next = len(before) > self.page_size, True
        else:
            rest = [s for s in rows if s.slug > after]
            page = rest[: self.page_size]
            self.has_previous, self.has_next = True, len(rest) > self.page_size
        self.page = page
        return page

    def _link(self, slug: str, reverse: bool) -> str:
        raw = json.dumps({"s": slug, "r": reverse}, separators=(",", ":")).encode()
        token = base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")
        return str(replace_query_param(self.base_url, self.cursor_query_param, token))

    def get_next_link(self) -> str | None:
        return self._link(self.page[-1].slug, False) if self.has_next and self.page else None

    def get_previous_link(self) -> str | None:
        return self._link(self.page[0].slug, True) if self.has_previous and self.page else None


class SampleListView(generics.ListAPIView):
    serializer_class = SampleSerializer
    pagination_class = SamplePage

    def get_queryset(self) -> Any:
        return list(sample_pipelines.all_samples())

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        page = self.paginate_queryset(self.get_queryset())
        assert page is not None
        return self.get_paginated_response([sample_pipelines.sample_json(s) for s in page])

    @extend_schema(
        description="The sample pipelines shipped with the built-in library (classification, regression, "
        "clustering, text classification, conditions and an exit step, sub-pipelines), in slug order. "
        "Open one with POST /api/samples/{slug}/open."
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)


class SampleOpenView(generics.GenericAPIView):
    serializer_class = OpenSampleSerializer

    @extend_schema(
        request=OpenSampleSerializer,
        responses={201: PipelineSaveSerializer},
        description="A new pipeline of the team from the sample (members and above), compiled like an "
        "import; the sample's data files become the team's datasets `sample-<name>` (the latest version is "
        "reused when its bytes are the same), and the sub-pipelines it places are opened into the team first "
        "(once: a later opening reuses the version the first one made). An unknown team is 404, a viewer 403; "
        "an unknown sample 404.",
    )
    def post(self, request: Request, slug: str) -> Response:
        body = OpenSampleSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        team = scoping.team_for_write(request.user, body.validated_data["team"], Role.MEMBER, action="open samples")
        sample = sample_pipelines.get_sample(slug)
        pipeline, result, version = sample_pipelines.do_open_sample(
            request.user, team, sample, body.validated_data.get("name") or None
        )
        return answer(PipelineSaveSerializer, saved(pipeline, result, version, True), status.HTTP_201_CREATED)

"""Datasets: each upload of `team/name` is a new immutable version in the artifact store."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db.models import Prefetch, QuerySet
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, status
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from designer import services
from designer.api.serializers import (
    DatasetLimitsSerializer,
    DatasetProfileSerializer,
    DatasetSerializer,
    DatasetUploadSerializer,
)
from designer.models import Dataset, DatasetVersion
from pipewright import queryparams
from pipewright.errors import LocatedError, NotFound
from pipewright.middleware import UPLOAD_FRAMING_BYTES
from pipewright.parsers import BoundedFormParser, BoundedMultiPartParser, SafeJSONParser
from teams import scoping
from teams.models import Role
from teams.permissions import TeamRole

ARCHIVED_CHOICES = {"false": False, "true": True, "all": None}


def visible_datasets(user: Any) -> QuerySet[Dataset]:
    """The datasets `user` can see, with what `DatasetSerializer` reads."""
    versions = DatasetVersion.objects.select_related("created_by").order_by("version")
    rows = scoping.scope(Dataset.objects.select_related("team"), user)
    return rows.prefetch_related(Prefetch("versions", queryset=versions))


class DatasetListView(generics.ListAPIView):
    parser_classes = [BoundedMultiPartParser, BoundedFormParser, SafeJSONParser]
    serializer_class = DatasetSerializer

    ordering = ("team_id", "name", "id")

    def upload_limit(self) -> tuple[int, str]:
        # the file plus the form's other fields and the multipart framing
        return settings.DATASET_MAX_BYTES + UPLOAD_FRAMING_BYTES, "file"

    def get_queryset(self) -> QuerySet[Dataset]:
        rows = visible_datasets(self.request.user)
        team = queryparams.text(self.request, "team")
        if team:
            rows = rows.filter(team__name=team)
        q = queryparams.text(self.request, "q")
        if q:
            rows = rows.filter(name__icontains=q)
        given = (queryparams.text(self.request, "archived") or "false").lower()
        if given not in ARCHIVED_CHOICES:
            raise LocatedError(
                "archived must be true, false or all.", [{"field": "archived", "message": "must be true, false or all"}]
            )
        archived = ARCHIVED_CHOICES[given]
        return rows if archived is None else rows.filter(archived=archived)

    @extend_schema(
        parameters=[
            OpenApiParameter("q", str, description="text in the name"),
            OpenApiParameter("team", str, description="only this team's datasets"),
            OpenApiParameter(
                "archived", str, enum=list(ARCHIVED_CHOICES), description="false (the default), true or all."
            ),
        ],
        description="Your teams' datasets with their versions; archived ones only when asked for.",
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    @extend_schema(
        request={"multipart/form-data": DatasetUploadSerializer},
        responses={201: DatasetSerializer},
        description=(
            "Upload a new version. A CSV (.csv, .tsv, .txt) must parse: otherwise 400 naming `file` and the line. "
            "Larger than `GET /api/datasets/limits/` max_bytes is 413 naming `file`. Uploading to an archived "
            "dataset restores it."
        ),
    )
    def post(self, request: Request) -> Response:
        body = DatasetUploadSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        team = scoping.team_for_write(request.user, data["team"], Role.MEMBER, action="upload datasets")
        upload = data["file"]
        version = services.do_upload_dataset(request.user, team, data["name"], upload, upload.name or "data")
        dataset = visible_datasets(request.user).get(pk=version.dataset_id)
        return Response(DatasetSerializer(dataset).data, status=status.HTTP_201_CREATED)


class DatasetLimitsView(APIView):
    @extend_schema(
        responses=DatasetLimitsSerializer, description="What an upload may be, so a client can refuse early."
    )
    def get(self, request: Request) -> Response:
        return Response(DatasetLimitsSerializer({"max_bytes": settings.DATASET_MAX_BYTES}).data)


class DatasetObjectMixin:
    # The visible dataset `team/name` of the URL (404 otherwise). (A comment: not in the schema.)

    request: Request
    kwargs: dict[str, Any]

    def get_queryset(self) -> QuerySet[Dataset]:
        return visible_datasets(self.request.user)

    def get_object(self) -> Dataset:
        dataset = get_object_or_404(self.get_queryset(), team__name=self.kwargs["team"], name=self.kwargs["name"])
        self.check_object_permissions(self.request, dataset)  # type: ignore[attr-defined]
        return dataset


class DatasetDetailView(DatasetObjectMixin, generics.GenericAPIView):
    serializer_class = DatasetSerializer

    @extend_schema(responses=DatasetSerializer)
    def get(self, request: Request, team: str, name: str) -> Response:
        return Response(DatasetSerializer(self.get_object()).data)


class DatasetArchiveView(DatasetObjectMixin, generics.GenericAPIView):
    serializer_class = DatasetSerializer
    permission_classes = [IsAuthenticated, TeamRole(Role.MEMBER, "archive datasets")]
    archived = True

    @extend_schema(
        request=None,
        responses=DatasetSerializer,
        description=(
            "Archive: the dataset leaves the default list and the palette; pipelines that read it still "
            "compile and run. Unarchive restores it."
        ),
    )
    def post(self, request: Request, team: str, name: str) -> Response:
        dataset = services.do_set_dataset_archived(self.get_object(), self.archived)
        return Response(DatasetSerializer(dataset).data)


class DatasetUnarchiveView(DatasetArchiveView):
    archived = False


class DatasetProfileView(DatasetObjectMixin, generics.GenericAPIView):
    serializer_class = DatasetProfileSerializer

    @extend_schema(
        responses=DatasetProfileSerializer,
        description=(
            "The column profile of a CSV version: per column its type, missing and distinct counts, "
            "min/max/mean and a small histogram. Computed on upload (or once on first request), kept per content."
        ),
    )
    def get(self, request: Request, team: str, name: str, number: int) -> Response:
        dataset = self.get_object()
        version = next((v for v in dataset.versions.all() if v.version == int(number)), None)
        if version is None:
            raise NotFound(f"Dataset '{team}/{name}' has no version {number}.")
        profile = services.dataset_profile(version)
        body = {"ref": f"{team}/{name}", "version": version.version, "artifact": version.artifact, **profile}
        return Response(DatasetProfileSerializer(body).data)

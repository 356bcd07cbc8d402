"""Datasets: each upload of `team/name` is a new immutable version in the artifact store."""

from __future__ import annotations

from typing import Any

from django.db.models import Prefetch, QuerySet
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, status
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from designer import services
from designer.api.serializers import DatasetSerializer, DatasetUploadSerializer
from designer.models import Dataset, DatasetVersion
from pipewright import queryparams
from pipewright.parsers import SafeJSONParser
from teams import scoping
from teams.models import Role


def visible_datasets(user: Any) -> QuerySet[Dataset]:
    """The datasets `user` can see, with what `DatasetSerializer` reads."""
    versions = DatasetVersion.objects.select_related("created_by").order_by("version")
    rows = scoping.scope(Dataset.objects.select_related("team"), user)
    return rows.prefetch_related(Prefetch("versions", queryset=versions))


class DatasetListView(generics.ListAPIView):
    parser_classes = [MultiPartParser, FormParser, SafeJSONParser]
    serializer_class = DatasetSerializer

    ordering = ("team_id", "name", "id")

    def get_queryset(self) -> QuerySet[Dataset]:
        rows = visible_datasets(self.request.user)
        team = queryparams.text(self.request, "team")
        if team:
            rows = rows.filter(team__name=team)
        q = queryparams.text(self.request, "q")
        return rows.filter(name__icontains=q) if q else rows

    @extend_schema(
        parameters=[
            OpenApiParameter("q", str, description="text in the name"),
            OpenApiParameter("team", str, description="only this team's datasets"),
        ],
        description="The datasets you can see, by team and name, each with its versions.",
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    @extend_schema(request={"multipart/form-data": DatasetUploadSerializer}, responses={201: DatasetSerializer})
    def post(self, request: Request) -> Response:
        body = DatasetUploadSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        team = scoping.team_for_write(request.user, data["team"], Role.MEMBER, action="upload datasets")
        upload = data["file"]
        version = services.do_upload_dataset(request.user, team, data["name"], upload, upload.name or "data")
        dataset = visible_datasets(request.user).get(pk=version.dataset_id)
        return Response(DatasetSerializer(dataset).data, status=status.HTTP_201_CREATED)

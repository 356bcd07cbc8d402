"""Datasets: each upload of `team/name` is a new immutable version in the artifact store."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db.models import Prefetch, QuerySet
from drf_spectacular.utils import extend_schema
from rest_framework import generics, status
from rest_framework.request import Request
from rest_framework.response import Response

from designer import services
from designer.api.serializers import DatasetSerializer, DatasetUploadSerializer
from designer.models import Dataset, DatasetVersion
from pipewright.middleware import UPLOAD_FRAMING_BYTES
from pipewright.parsers import BoundedFormParser, BoundedMultiPartParser, SafeJSONParser
from teams import scoping
from teams.models import Role


def visible_datasets(user: Any) -> QuerySet[Dataset]:
    """The datasets `user` can see, with what `DatasetSerializer` reads."""
    versions = DatasetVersion.objects.select_related("created_by").order_by("version")
    rows = scoping.scope(Dataset.objects.select_related("team"), user)
    return rows.prefetch_related(Prefetch("versions", queryset=versions))


class DatasetListView(generics.ListAPIView):
    parser_classes = [BoundedMultiPartParser, BoundedFormParser, SafeJSONParser]
    serializer_class = DatasetSerializer

    def upload_limit(self) -> tuple[int, str]:
        # the file plus the form's other fields and the multipart framing
        return settings.DATASET_MAX_BYTES + UPLOAD_FRAMING_BYTES, "file"

    def get_queryset(self) -> QuerySet[Dataset]:
        rows = visible_datasets(self.request.user)
        team = self.request.query_params.get("team")
        return rows.filter(team__name=team) if team else rows

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

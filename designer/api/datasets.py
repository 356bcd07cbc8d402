"""Datasets: each upload of `team/name` is a new immutable version in the artifact store."""

from __future__ import annotations

from django.db.models import Prefetch
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from designer import services
from designer.api.serializers import DatasetSerializer, DatasetUploadSerializer
from designer.models import Dataset, DatasetVersion
from pipewright.parsers import SafeJSONParser
from teams import scoping
from teams.models import Role


class DatasetListView(APIView):
    parser_classes = [MultiPartParser, FormParser, SafeJSONParser]

    @extend_schema(responses=DatasetSerializer(many=True))
    def get(self, request: Request) -> Response:
        rows = scoping.scope(Dataset.objects.select_related("team"), request.user).prefetch_related(
            Prefetch("versions", queryset=DatasetVersion.objects.select_related("created_by").order_by("version"))
        )
        team = request.query_params.get("team")
        if team:
            rows = rows.filter(team__name=team)
        return Response(DatasetSerializer(rows, many=True).data)

    @extend_schema(request={"multipart/form-data": DatasetUploadSerializer}, responses={201: DatasetSerializer})
    def post(self, request: Request) -> Response:
        body = DatasetUploadSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        team = scoping.team_for_write(request.user, data["team"], Role.MEMBER, action="upload datasets")
        upload = data["file"]
        version = services.do_upload_dataset(request.user, team, data["name"], upload, upload.name or "data")
        dataset = (
            Dataset.objects.select_related("team")
            .prefetch_related(
                Prefetch("versions", queryset=DatasetVersion.objects.select_related("created_by").order_by("version"))
            )
            .get(pk=version.dataset_id)
        )
        return Response(DatasetSerializer(dataset).data, status=status.HTTP_201_CREATED)

"""Request bodies and answers of the teams API."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from teams import scoping
from teams.models import SLUG, Role, Team


class TeamSerializer(serializers.ModelSerializer):
    role = serializers.SerializerMethodField()

    class Meta:
        model = Team
        fields = ["name", "role", "created_at"]

    @extend_schema_field(serializers.ChoiceField(choices=Role.choices, allow_null=True))
    def get_role(self, team: Team) -> str | None:
        return scoping.role_in(self.context["request"].user, team)


class TeamCreateSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=63, validators=[SLUG])


class MemberSerializer(serializers.Serializer):
    username = serializers.CharField(max_length=150)
    role = serializers.ChoiceField(choices=Role.choices)

    def validate_username(self, value: str) -> str:
        if not get_user_model().objects.filter(username=value).exists():
            raise serializers.ValidationError(f"No user named '{value}'.")
        return value


class MemberRowSerializer(serializers.Serializer):
    username = serializers.CharField(source="user.username")
    role = serializers.CharField()


class MeSerializer(serializers.Serializer):
    username = serializers.CharField()
    teams = TeamSerializer(many=True)

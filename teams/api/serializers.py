"""Request bodies and answers of the teams API."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from teams import scoping
from teams.audit import ACTIONS
from teams.models import SLUG, ApiToken, AuditEvent, Role, Team


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
    role = serializers.ChoiceField(choices=Role.choices)


class MeSerializer(serializers.Serializer):
    username = serializers.CharField()
    teams = TeamSerializer(many=True)


class MemberRoleSerializer(serializers.Serializer):
    role = serializers.ChoiceField(choices=Role.choices)


class ApiTokenSerializer(serializers.ModelSerializer):
    """A token as lists show it: never its key, only the key's first characters (`prefix`)."""

    class Meta:
        model = ApiToken
        fields = ["id", "name", "prefix", "created_at", "last_used_at"]


class ApiTokenCreatedSerializer(ApiTokenSerializer):
    token = serializers.CharField(help_text="The key: shown this once, never again.")

    class Meta(ApiTokenSerializer.Meta):
        fields = ["id", "name", "token", "prefix", "created_at", "last_used_at"]


class ApiTokenCreateSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=100)


class LoginSerializer(serializers.Serializer):
    username = serializers.CharField(max_length=150)
    password = serializers.CharField(max_length=1024, write_only=True, trim_whitespace=False)


class TokenAnswerSerializer(serializers.Serializer):
    token = serializers.CharField()


class AuditEventSerializer(serializers.ModelSerializer):
    action = serializers.ChoiceField(choices=ACTIONS)
    actor = serializers.SerializerMethodField()
    details = serializers.DictField()

    class Meta:
        model = AuditEvent
        fields = ["id", "action", "actor", "target", "details", "created_at"]

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_actor(self, event: AuditEvent) -> str | None:
        return event.actor_name or None

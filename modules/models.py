"""The versioned module catalog: modules owned by teams and their immutable versions."""

from __future__ import annotations

import json
from typing import Any

from django.conf import settings
from django.db import models

from teams.models import SLUG, Team


class VersionStatus(models.TextChoices):
    ACTIVE = "active"
    DEPRECATED = "deprecated"
    DISABLED = "disabled"


class ImmutableVersionError(ValueError):
    """A published module version's content cannot change; publish a new version instead."""


class OrderedJSONField(models.TextField):
    """JSON kept as text so key order survives (PostgreSQL's jsonb reorders keys; a spec's
    parameter order is the order of the form fields)."""

    def from_db_value(self, value: Any, expression: Any, connection: Any) -> Any:
        return None if value is None else json.loads(value)

    def to_python(self, value: Any) -> Any:
        return json.loads(value) if isinstance(value, str) else value

    def get_prep_value(self, value: Any) -> Any:
        return None if value is None else json.dumps(value, ensure_ascii=False)

    def value_to_string(self, obj: Any) -> str:
        return json.dumps(self.value_from_object(obj), ensure_ascii=False)


class Visibility(models.TextChoices):
    PRIVATE = "private"  # the owning team (and the teams it is granted to)
    PUBLIC = "public"  # every team


class Module(models.Model):
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="modules")
    name = models.CharField(max_length=63, validators=[SLUG])
    display_name = models.CharField(max_length=200, blank=True, default="")
    category = models.CharField(max_length=100, blank=True, default="")
    description = models.TextField(blank=True, default="")
    visibility = models.CharField(max_length=16, choices=Visibility.choices, default=Visibility.PRIVATE)
    default_version = models.ForeignKey(
        "ModuleVersion", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["team__name", "name"]
        constraints = [models.UniqueConstraint(fields=["team", "name"], name="one_module_name_per_team")]

    def __str__(self) -> str:
        return self.ref

    @property
    def ref(self) -> str:
        return f"{self.team.name}/{self.name}"


class ModuleGrant(models.Model):
    """Read access to a module for another team: its members see the module and its versions and
    compile pipelines with it; only the owning team changes it."""

    module = models.ForeignKey(Module, on_delete=models.CASCADE, related_name="grants")
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="module_grants")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["module_id", "team__name"]
        constraints = [models.UniqueConstraint(fields=["module", "team"], name="one_grant_per_module_and_team")]

    def __str__(self) -> str:
        return f"{self.module_id} -> {self.team_id}"


CHANGELOG_MAX = 5000


class ModuleVersion(models.Model):
    """One published version. Immutable except for its lifecycle fields."""

    MUTABLE_FIELDS = frozenset({"status", "deprecation_message", "successor"})

    module = models.ForeignKey(Module, on_delete=models.CASCADE, related_name="versions")
    version = models.CharField(max_length=100)
    spec = OrderedJSONField()
    files = OrderedJSONField(default=dict, blank=True)
    digest = models.CharField(max_length=64)
    status = models.CharField(max_length=16, choices=VersionStatus.choices, default=VersionStatus.ACTIVE)
    deprecation_message = models.TextField(blank=True, default="")
    successor = models.CharField(max_length=100, null=True, blank=True)
    # what changed in this version, in the publisher's words (plain text, at most CHANGELOG_MAX)
    changelog = models.TextField(blank=True, default="")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["module_id", "created_at"]
        constraints = [models.UniqueConstraint(fields=["module", "version"], name="one_version_string_per_module")]

    def __str__(self) -> str:
        return f"{self.module_id}@{self.version}"

    def save(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        if self.pk is not None and not self._state.adding:
            update_fields = kwargs.get("update_fields")
            if update_fields is None or not set(update_fields) <= self.MUTABLE_FIELDS:
                stored = (
                    ModuleVersion.objects.filter(pk=self.pk)
                    .values("module_id", "version", "spec", "files", "digest")
                    .first()
                )
                if stored is not None:
                    current = {
                        "module_id": self.module_id,
                        "version": self.version,
                        "spec": self.spec,
                        "files": self.files,
                        "digest": self.digest,
                    }
                    changed = sorted(k for k, v in stored.items() if current[k] != v)
                    if changed:
                        raise ImmutableVersionError(
                            f"Version {self.version} is immutable ({', '.join(changed)}); publish a new version."
                        )
        super().save(*args, **kwargs)

    @property
    def is_default(self) -> bool:
        return self.module.default_version_id == self.pk

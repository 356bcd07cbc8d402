"""Request bodies of the catalog API and the shapes it answers with (components
`ModuleListItem`, `VersionSummary`, `ModuleVersionDetail`)."""

from __future__ import annotations

import posixpath
from typing import Any

from rest_framework import serializers

from compiler.upgrade import BUMPS
from modules import spec as specs
from modules.models import CHANGELOG_MAX, Module, VersionStatus, Visibility
from modules.queries import catalog_entry
from pipewright.fields import NameField
from teams.models import SLUG

MAX_FILES = 200
MAX_FILE_CHARS = 1_000_000


class ModuleCreateSerializer(serializers.Serializer):
    team = serializers.CharField(max_length=63)
    name = serializers.CharField(max_length=63, validators=[SLUG])
    display_name = NameField(max_length=200, required=False, allow_blank=True, default="")
    category = NameField(max_length=100, required=False, allow_blank=True, default="")
    description = serializers.CharField(required=False, allow_blank=True, default="", max_length=10000)


def clean_path(path: str) -> str | None:
    if not path or path.startswith("/") or "\\" in path or "\x00" in path:
        return None
    norm = posixpath.normpath(path)
    if norm.startswith("..") or norm == "." or norm != path:
        return None
    return norm


class PublishSerializer(serializers.Serializer):
    spec = serializers.JSONField()
    files = serializers.DictField(child=serializers.CharField(allow_blank=True, trim_whitespace=False), required=False)
    is_default = serializers.BooleanField(required=False, default=False)
    changelog = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        max_length=CHANGELOG_MAX,
        trim_whitespace=True,
        help_text="what changed in this version (plain text, shown on the module page)",
    )

    def validate_changelog(self, value: str) -> str:
        if "\x00" in value:
            raise serializers.ValidationError("must be text without NUL characters")
        return value

    def validate_spec(self, value: Any) -> dict[str, Any]:
        try:
            if isinstance(value, str):
                return specs.load_yaml(value)
            return specs.validate_spec(value)
        except specs.SpecError as exc:
            raise serializers.ValidationError({e["field"]: [e["message"]] for e in exc.errors})

    def validate_files(self, value: dict[str, str]) -> dict[str, str]:
        if len(value) > MAX_FILES:
            raise serializers.ValidationError(f"at most {MAX_FILES} files")
        errors: dict[str, list[str]] = {}
        for path, text in value.items():
            if clean_path(path) is None:
                errors[path] = ["must be a relative path inside the module (no '..', no leading '/')"]
            elif len(text) > MAX_FILE_CHARS:
                errors[path] = [f"is larger than {MAX_FILE_CHARS} characters"]
            elif "\x00" in text:
                errors[path] = ["is binary: module files are text without NUL characters"]
        if errors:
            raise serializers.ValidationError(errors)
        return value


class KfpImportSerializer(serializers.Serializer):
    team = serializers.CharField(max_length=63, help_text="the team that will own the module")
    name = serializers.CharField(
        max_length=63,
        validators=[SLUG],
        required=False,
        allow_blank=True,
        default="",
        help_text="the module's name; by default a slug of the component's name",
    )
    yaml = serializers.CharField(
        trim_whitespace=False, help_text="the component.yaml text (KFP v1, or the v2 IR of one container component)"
    )
    version = serializers.CharField(
        max_length=100, required=False, allow_blank=True, default="", help_text="semantic version; 1.0.0 by default"
    )
    is_default = serializers.BooleanField(
        required=False, default=False, help_text="make it the default (the module's first version always is)"
    )


class DeprecateSerializer(serializers.Serializer):
    message = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000)
    successor = serializers.CharField(required=False, allow_null=True, allow_blank=True, default=None, max_length=100)


class DefaultSerializer(serializers.Serializer):
    version = serializers.CharField(max_length=100)


class GrantCreateSerializer(serializers.Serializer):
    team = serializers.CharField(max_length=63, help_text="the team to share the module with")


class VisibilitySerializer(serializers.Serializer):
    visibility = serializers.ChoiceField(
        choices=Visibility.choices, help_text="private: the owning team and its grantees; public: every team"
    )


# --- answers ---------------------------------------------------------------------------------------


class VersionSummarySerializer(serializers.Serializer):
    version = serializers.CharField()
    status = serializers.ChoiceField(choices=VersionStatus.choices)
    is_default = serializers.BooleanField()
    digest = serializers.CharField(help_text="sha256 of interface + runtime + files + image")
    deprecation_message = serializers.CharField(allow_blank=True)
    successor = serializers.CharField(allow_null=True)
    changelog = serializers.CharField(allow_blank=True, help_text="what changed in this version (plain text)")
    created_at = serializers.DateTimeField()


class SortedKeysField(serializers.ListField):
    """A mapping sent as the sorted list of its keys."""

    def to_representation(self, data: Any) -> list[str]:
        return sorted(data)


class ModuleVersionDetailSerializer(VersionSummarySerializer):
    ref = serializers.CharField(source="module.ref", help_text="team/name")
    spec = serializers.JSONField(help_text="the normalized spec")
    files = SortedKeysField(child=serializers.CharField(), help_text="relative paths of the module files")

    def get_fields(self) -> dict[str, serializers.Field]:
        fields = super().get_fields()
        return {"ref": fields.pop("ref"), **fields}


class ModuleListItemSerializer(serializers.Serializer):
    # Renders a `Module` read through `modules.queries` (versions prefetched), as its CatalogEntry.

    ref = serializers.CharField(source="module.ref", help_text="team/name")
    team = serializers.CharField(source="module.team.name")
    name = serializers.CharField(source="module.name")
    display_name = serializers.CharField(source="module.display_name", allow_blank=True)
    category = serializers.CharField(source="module.category", allow_blank=True)
    description = serializers.CharField(source="module.description", allow_blank=True)
    default_version = serializers.CharField(source="module.default_version.version", allow_null=True)
    visibility = serializers.ChoiceField(
        source="module.visibility",
        choices=Visibility.choices,
        help_text="private: the owning team and the teams it is granted to; public: every team",
    )
    versions = VersionSummarySerializer(many=True, help_text="newest first")
    preferred_version = serializers.CharField(
        source="featured.version",
        allow_null=True,
        help_text="the version a new node gets: the default unless disabled, else the newest active "
        "(else, for display only, the newest not disabled)",
    )
    spec = serializers.JSONField(source="featured.spec", required=False, help_text="spec of the preferred version")

    def to_representation(self, instance: Module) -> Any:
        return super().to_representation(catalog_entry(instance))


class GrantSerializer(serializers.Serializer):
    # Renders a `ModuleGrant`.

    module = serializers.CharField(source="module.ref", help_text="team/name")
    team = serializers.CharField(source="team.name", help_text="the team that may read and use the module")
    created_at = serializers.DateTimeField()


# --- authoring: templates, the publish proposal, version compare, facets ---------------------------


class TemplateRequestSerializer(serializers.Serializer):
    template = serializers.ChoiceField(
        choices=[("script", "script"), ("function", "function")],
        help_text="script: main.py reads /in and writes /out itself; function: def main(...) whose "
        "signature and type hints become the ports and parameters, called by a generated run.py",
    )
    name = serializers.CharField(max_length=63, validators=[SLUG], help_text="the module's name (a slug)")
    version = serializers.CharField(max_length=100, required=False, default="0.1.0")
    display_name = NameField(max_length=200, required=False, allow_blank=True, default="")
    category = NameField(max_length=100, required=False, allow_blank=True, default="")
    description = serializers.CharField(required=False, allow_blank=True, default="", max_length=10000)
    code = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        trim_whitespace=False,
        max_length=200_000,
        help_text="the script, or the function's source (the template's example when empty); "
        "read with Python's ast, never executed",
    )


class DraftSerializer(serializers.Serializer):
    spec = serializers.JSONField(help_text="the normalized spec")
    files = serializers.DictField(child=serializers.CharField(allow_blank=True), help_text="path -> text")


class PortDiffSerializer(serializers.Serializer):
    added = serializers.ListField(child=serializers.CharField())
    removed = serializers.ListField(child=serializers.CharField())
    renamed = serializers.ListField(child=serializers.DictField(child=serializers.CharField()))
    retyped = serializers.ListField(child=serializers.DictField(child=serializers.CharField()))


class SpecDiffSerializer(serializers.Serializer):
    inputs = PortDiffSerializer()
    outputs = PortDiffSerializer()
    parameters = PortDiffSerializer()
    bump = serializers.ChoiceField(
        choices=BUMPS,
        help_text="major: a port or parameter removed or retyped, or a new required input; "
        "minor: something added or renamed; patch: the interface is the same",
    )
    reasons = serializers.ListField(child=serializers.CharField(), help_text="why the bump")


class ProposalRequestSerializer(serializers.Serializer):
    spec = serializers.JSONField(help_text="the draft spec (object or YAML text); its version is ignored")

    def validate_spec(self, value: Any) -> dict[str, Any]:
        return PublishSerializer().validate_spec(value)


class ProposalSerializer(serializers.Serializer):
    latest = serializers.CharField(allow_null=True, help_text="the highest published version (null: none yet)")
    proposed = serializers.ChoiceField(choices=BUMPS)
    versions = serializers.DictField(child=serializers.CharField(), help_text="patch/minor/major -> version string")
    diff = SpecDiffSerializer(allow_null=True, help_text="from the latest version to the draft (null: no version yet)")


class CompareSerializer(serializers.Serializer):
    base = ModuleVersionDetailSerializer()
    head = ModuleVersionDetailSerializer()
    diff = SpecDiffSerializer()


class FacetValueSerializer(serializers.Serializer):
    value = serializers.CharField(allow_blank=True)
    count = serializers.IntegerField()


class FacetsSerializer(serializers.Serializer):
    category = FacetValueSerializer(many=True)
    team = FacetValueSerializer(many=True)
    port_type = FacetValueSerializer(many=True, help_text="types of the featured version's inputs and outputs")
    status = FacetValueSerializer(many=True, help_text="the featured version's status, or `unpublished`")


class SourcesSerializer(serializers.Serializer):
    files = serializers.DictField(child=serializers.CharField(allow_blank=True), help_text="path -> text")

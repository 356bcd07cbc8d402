"""Reading the catalog for the API: what a user sees, one module or version, and which version
the catalog features."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db.models import Prefetch, Q, QuerySet

from compiler.versions import preferred_version, version_key
from modules.models import Module, ModuleGrant, ModuleVersion, VersionStatus, Visibility
from pipewright.errors import NotFound
from teams import scoping
from teams.models import BUILTIN_TEAM


def readable_by(team_ids: Iterable[int]) -> Q:
    """The one rule for who reads a module: teams `team_ids` read their own modules, the builtin
    team's, public ones and the ones granted to one of them."""
    ids = list(team_ids)
    return (
        Q(team_id__in=ids)
        | Q(team__name=BUILTIN_TEAM)
        | Q(visibility=Visibility.PUBLIC)
        | Q(pk__in=ModuleGrant.objects.filter(team_id__in=ids).values("module_id"))
    )


def visible_modules(user: Any) -> QuerySet[Module]:
    if not getattr(user, "is_authenticated", False):
        return Module.objects.none()
    ids = scoping.visible_team_ids(user)
    return Module.objects.filter(readable_by(ids)).select_related("team", "default_version")


def grants_of(module: Module) -> QuerySet[ModuleGrant]:
    return ModuleGrant.objects.filter(module=module).select_related("team", "module__team")


def with_versions(qs: QuerySet[Module]) -> QuerySet[Module]:
    return qs.prefetch_related(Prefetch("versions", queryset=ModuleVersion.objects.defer("files")))


# The catalog's display order; the id settles ties, so the order is total (a cursor relies on it).
CATALOG_ORDER = ("category", "display_name", "team__name", "name", "id")


def search(qs: QuerySet[Module], *, q: str = "", category: str = "", team: str = "") -> QuerySet[Module]:
    """The catalog's filters (free text, category, team) in its display order, versions joined."""
    if q:
        qs = qs.filter(
            Q(name__icontains=q) | Q(display_name__icontains=q) | Q(description__icontains=q) | Q(category__icontains=q)
        )
    if category:
        qs = qs.filter(category__iexact=category)
    if team:
        qs = qs.filter(team__name=team)
    return with_versions(qs.order_by(*CATALOG_ORDER))


def get_module(user: Any, team: str, name: str) -> Module:
    module = with_versions(visible_modules(user)).filter(team__name=team, name=name).first()
    if module is None:
        raise NotFound(f"Module '{team}/{name}' not found.")
    return module


def get_version(module: Module, version: str) -> ModuleVersion:
    found = ModuleVersion.objects.filter(module=module, version=version).first()
    if found is None:
        raise NotFound(f"{module.ref} has no version {version}.")
    found.module = module
    return found


def versions_of(module: Module) -> QuerySet[ModuleVersion]:
    """A module's versions as the version list shows them (summaries: no spec, no files)."""
    return ModuleVersion.objects.filter(module=module).select_related("module").defer("spec", "files")


def newest_first(module: Module) -> list[ModuleVersion]:
    return sorted(module.versions.all(), key=lambda v: version_key(v.version), reverse=True)


def featured_version(module: Module, versions: list[ModuleVersion]) -> ModuleVersion | None:
    """The version a new node gets (compiler.versions.preferred_version), else for display the
    newest version that is not disabled."""
    default = next((v.version for v in versions if v.pk == module.default_version_id), None)
    chosen = preferred_version(((v.version, v.status) for v in versions), default)
    for v in versions:
        if v.version == chosen or (chosen is None and v.status != VersionStatus.DISABLED):
            return v
    return None


@dataclass(frozen=True)
class CatalogEntry:
    """A module as the catalog lists it: its versions newest first and the featured one."""

    module: Module
    versions: list[ModuleVersion]
    featured: ModuleVersion | None


def catalog_entry(module: Module) -> CatalogEntry:
    versions = newest_first(module)
    return CatalogEntry(module, versions, featured_version(module, versions))

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


FACETS = ("category", "team", "port_type", "status")
UNPUBLISHED = "unpublished"  # the status facet's value for a module without versions


def _text(qs: QuerySet[Module], q: str) -> QuerySet[Module]:
    if not q:
        return qs
    return qs.filter(
        Q(name__icontains=q) | Q(display_name__icontains=q) | Q(description__icontains=q) | Q(category__icontains=q)
    )


def facet_values(module: Module) -> dict[str, set[str]]:
    """The values a module has for each facet: its category and team, the port types of its
    featured version's inputs and outputs, and that version's status (`unpublished` without one)."""
    entry = catalog_entry(module)
    spec = entry.featured.spec if entry.featured is not None else {}
    ports = [*(spec.get("inputs") or []), *(spec.get("outputs") or [])]
    return {
        "category": {module.category},
        "team": {module.team.name},
        "port_type": {str(p.get("type")) for p in ports if isinstance(p, dict)},
        "status": {entry.featured.status if entry.featured is not None else UNPUBLISHED},
    }


def _matches(values: dict[str, set[str]], chosen: dict[str, list[str]], skip: str | None = None) -> bool:
    for facet, wanted in chosen.items():
        if facet == skip or not wanted:
            continue
        have = {v.lower() for v in values[facet]} if facet == "category" else values[facet]
        want = {w.lower() for w in wanted} if facet == "category" else set(wanted)
        if not have & want:
            return False
    return True


def search(
    qs: QuerySet[Module],
    *,
    q: str = "",
    category: str | list[str] = "",
    team: str | list[str] = "",
    port_type: list[str] | None = None,
    status: list[str] | None = None,
) -> QuerySet[Module]:
    """The catalog's filters (free text; any of the chosen categories, teams, port types and
    statuses) in its display order, versions joined."""
    categories = [category] if isinstance(category, str) else list(category)
    teams = [team] if isinstance(team, str) else list(team)
    qs = _text(qs, q)
    categories, teams = [c for c in categories if c], [t for t in teams if t]
    if categories:
        any_of = Q()
        for c in categories:
            any_of |= Q(category__iexact=c)
        qs = qs.filter(any_of)
    if teams:
        qs = qs.filter(team__name__in=teams)
    if port_type or status:
        chosen = {"port_type": list(port_type or []), "status": list(status or [])}
        ids = [m.pk for m in with_versions(qs) if _matches(facet_values(m), chosen)]
        qs = qs.filter(pk__in=ids)
    return with_versions(qs.order_by(*CATALOG_ORDER))


def facet_counts(qs: QuerySet[Module], q: str, chosen: dict[str, list[str]]) -> dict[str, list[dict[str, Any]]]:
    """Per facet, each value with the number of modules the list would show if it were chosen too
    (the other facets' choices applied, not its own: choices within a facet are alternatives).
    Values are sorted by name; a chosen value with no module is still listed (count 0)."""
    rows = [facet_values(m) for m in with_versions(_text(qs, q))]
    out: dict[str, list[dict[str, Any]]] = {}
    for facet in FACETS:
        counts: dict[str, int] = {}
        for values in rows:
            if _matches(values, chosen, skip=facet):
                for value in values[facet]:
                    counts[value] = counts.get(value, 0) + 1
        for value in chosen.get(facet) or []:
            if facet != "category" and value not in counts:
                counts[value] = 0
        out[facet] = [{"value": v, "count": n} for v, n in sorted(counts.items(), key=lambda kv: kv[0].lower())]
    return out


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

"""The database-backed catalog the compiler reads (`compiler.catalog.Catalog`).

`DbCatalog(user, team)` sees what `team` (a pipeline's team) may use: its own modules, the builtin
team's, public ones and the ones granted to it (`modules.queries.readable_by`); without a team, what
the user's teams may use. `preload(refs)` fetches
every module and version a graph needs in two queries; lookups are memoized per instance, so a
2,000-node graph costs two queries however many nodes share a module.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from compiler.catalog import ModuleInfo, ModuleVersions, PortSpec
from compiler.plan import Runtime
from modules import spec as specs
from modules.models import Module, ModuleVersion
from modules.queries import readable_by
from teams import scoping
from teams.models import Team


def _ports(raw: list[dict[str, Any]]) -> tuple[PortSpec, ...]:
    return tuple(
        PortSpec(
            name=p["name"],
            type=p["type"],
            optional=bool(p.get("optional", False)),
            description=p.get("description", ""),
            renamed_from=renamed_names(p.get("renamed_from")),
            columns_from=p.get("columns_from") if isinstance(p.get("columns_from"), str) else None,
        )
        for p in raw
    )


def renamed_names(value: Any) -> tuple[str, ...]:
    if isinstance(value, str):
        return (value,)
    return tuple(v for v in value if isinstance(v, str)) if isinstance(value, list) else ()


def runtime_of(spec: dict[str, Any]) -> Runtime:
    rt = spec["runtime"]
    return Runtime(
        image=rt["image"],
        command=tuple(rt["command"]),
        env=tuple(sorted((str(k), str(v)) for k, v in (rt.get("env") or {}).items())),
        cpu=float(rt["resources"]["cpu"]),
        memory_bytes=specs.runtime_memory_bytes(spec),
        timeout=int(rt["timeout"]),
        retries=int(rt["retries"]),
    )


def module_info(ref: str, row: dict[str, Any]) -> ModuleInfo:
    spec = row["spec"]
    return ModuleInfo(
        ref=ref,
        version=row["version"],
        module_version_id=row["id"],
        status=row["status"],
        digest=row["digest"],
        inputs=_ports(spec.get("inputs", [])),
        outputs=_ports(spec.get("outputs", [])),
        parameters=spec.get("parameters", {}),
        runtime=runtime_of(spec),
        deterministic=bool(spec.get("deterministic", True)),
        display_name=spec.get("display_name", ""),
        category=spec.get("category", ""),
        deprecation_message=row["deprecation_message"],
        successor=row["successor"],
    )


def _split(ref: str) -> tuple[str, str] | None:
    team, sep, name = ref.partition("/")
    if not sep or not team or not name or "/" in name:
        return None
    return team, name


class DbCatalog:
    def __init__(self, user: Any, team: Team | None = None):
        self.user = user
        self.team = team
        self._cache: dict[str, ModuleVersions | None] = {}

    def preload(self, refs: Iterable[str]) -> None:
        """Fetch all not-yet-known refs: one query for modules, one for their versions."""
        wanted = {r for r in refs if r not in self._cache}
        if not wanted:
            return
        pairs = {r: p for r in wanted if (p := _split(r)) is not None}
        for r in wanted - set(pairs):
            self._cache[r] = None
        if not pairs:
            return
        names = {name for _, name in pairs.values()}
        teams = {team for team, _ in pairs.values()}
        if self.team is not None:
            readers = [self.team.pk] if scoping.role_in(self.user, self.team) is not None else []
        else:
            readers = list(scoping.visible_team_ids(self.user))
        modules = (
            Module.objects.filter(name__in=names, team__name__in=teams)
            .filter(readable_by(readers))
            .values_list("id", "team__name", "name", "default_version__version")
        )
        by_id: dict[int, tuple[str, str | None]] = {}
        for mid, team, name, default in modules:
            ref = f"{team}/{name}"
            if ref in pairs:
                by_id[mid] = (ref, default)
        versions: dict[int, list[ModuleInfo]] = {mid: [] for mid in by_id}
        if by_id:
            rows = ModuleVersion.objects.filter(module_id__in=list(by_id)).values(
                "id", "module_id", "version", "spec", "status", "digest", "deprecation_message", "successor"
            )
            for row in rows:
                versions[row["module_id"]].append(module_info(by_id[row["module_id"]][0], row))
        found: set[str] = set()
        for mid, (ref, default) in by_id.items():
            self._cache[ref] = ModuleVersions(ref=ref, versions=tuple(versions[mid]), default_version=default)
            found.add(ref)
        for r in set(pairs) - found:
            self._cache[r] = None

    def unknown_module(self, ref: str) -> str:
        """Why `ref` cannot be used, without telling whether another team's module exists."""
        if self.team is None:
            return f"uses module '{ref}', which does not exist or is not visible to you"
        return f"uses module '{ref}', which does not exist or is not shared with team '{self.team.name}'"

    def module(self, ref: str) -> ModuleVersions | None:
        if ref not in self._cache:
            self.preload([ref])
        return self._cache[ref]


def module_files(module_version_id: int) -> dict[str, str]:
    """{relative path: text} of a module version, for the runner to mount at /module/."""
    files = ModuleVersion.objects.filter(pk=module_version_id).values_list("files", flat=True).first()
    return dict(files or {})

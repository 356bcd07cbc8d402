"""The database-backed dataset lookup the compiler reads (`compiler.catalog.Datasets`).

`DbDatasets(user)` sees the datasets of the user's teams (and the builtin team's). `preload(refs)`
fetches every version of the named datasets in one query; lookups are memoized per instance.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from compiler.catalog import DatasetInfo
from designer.models import DatasetVersion
from teams import scoping


def _split(ref: str) -> tuple[str, str] | None:
    team, sep, name = ref.partition("/")
    if not sep or not team or not name or "/" in name:
        return None
    return team, name


class DbDatasets:
    def __init__(self, user: Any):
        self.user = user
        self._versions: dict[str, dict[int, DatasetInfo]] = {}

    def preload(self, refs: Iterable[str]) -> None:
        wanted = {r for r in refs if r not in self._versions}
        pairs = {r: p for r in wanted if (p := _split(r)) is not None}
        for r in wanted:
            self._versions[r] = {}
        if not pairs:
            return
        rows = scoping.scope(
            DatasetVersion.objects.filter(
                dataset__name__in={n for _, n in pairs.values()},
                dataset__team__name__in={t for t, _ in pairs.values()},
            ),
            self.user,
            field="dataset__team",
            include_builtin=True,
        ).values_list("dataset__team__name", "dataset__name", "version", "artifact", "columns")
        for team, name, version, artifact, columns in rows:
            ref = f"{team}/{name}"
            if ref in pairs:
                self._versions[ref][version] = DatasetInfo(ref, version, artifact, tuple(columns or ()))

    def dataset(self, ref: str, version: int | None) -> DatasetInfo | None:
        if ref not in self._versions:
            self.preload([ref])
        found = self._versions[ref]
        if not found:
            return None
        if version is None:
            return found[max(found)]
        return found.get(version)

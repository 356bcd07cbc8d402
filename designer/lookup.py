"""The database-backed dataset lookup the compiler reads (`compiler.catalog.Datasets`).

`DbDatasets(user)` sees the datasets of the user's teams (and the builtin team's). `preload(refs)`
fetches every version of the named datasets in one query; lookups are memoized per instance.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db.models import Max

from compiler.catalog import DatasetInfo
from compiler.nesting import PipelineInfo
from designer.models import DatasetVersion, Pipeline, PipelineVersion
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


class DbPipelines:
    """Sub-pipelines the compiler may expand (`compiler.nesting.Pipelines`): saved versions of the
    pipelines of `team` (the outer pipeline's), or of every team `user` belongs to when no team is
    given (validating a draft). Memoized per instance."""

    def __init__(self, user: Any, team: Any = None):
        self.user = user
        self.team = team
        self._found: dict[tuple[int, int | None], PipelineInfo | None] = {}

    def pipeline(self, pipeline_id: int, version: int | None) -> PipelineInfo | None:
        key = (pipeline_id, version)
        if key not in self._found:
            self._found[key] = self._load(pipeline_id, version)
        return self._found[key]

    def _load(self, pipeline_id: int, version: int | None) -> PipelineInfo | None:
        pipelines = scoping.scope(Pipeline.objects.filter(pk=pipeline_id), self.user, field="team")
        if self.team is not None:
            pipelines = pipelines.filter(team=self.team)
        pipeline = pipelines.first()
        if pipeline is None:
            return None
        numbers = PipelineVersion.objects.filter(pipeline=pipeline)
        latest = numbers.aggregate(n=Max("number"))["n"]
        if latest is None:
            return None
        found = numbers.filter(number=version if version is not None else latest).only("number", "graph").first()
        if found is None:
            return None
        return PipelineInfo(pipeline.pk, pipeline.name, found.number, found.graph, latest)

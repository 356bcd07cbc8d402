"""runner migration 0002_cache_per_team on a database that has a global cache: each entry gets its run's team, and
a step that reused another team's step loses the link and that step's log (a step that reused its
own team's keeps both)."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor


def _targets() -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """The runner migration before the per-team cache, and that migration (found by name, so a
    renumbering when branches merge needs no change here)."""
    loader = MigrationExecutor(connection).loader
    (name,) = [n for app, n in loader.disk_migrations if app == "runner" and n.endswith("_cache_per_team")]
    (before,) = [d for d in loader.disk_migrations["runner", name].dependencies if d[0] == "runner"]
    return [before], [("runner", name)]


def _migrate(targets: list[tuple[str, str]]) -> Any:
    """Migrate runner to `targets`; the models as they are then, with every other app at its
    latest migration (as the database holds them)."""
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    graph = executor.loader.graph
    # the other apps at their latest, less those built on the runner (registry, serving, ...): their
    # state would need the runner's later migrations
    others = [
        node
        for node in graph.leaf_nodes()
        if node[0] != "runner" and not any(app == "runner" for app, _ in graph.forwards_plan(node))
    ]
    return executor.loader.project_state(targets + others).apps


@pytest.fixture
def back_to_latest() -> Any:
    """Leave the database at every app's latest migration, as the rest of the session expects."""
    yield
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())


@pytest.fixture(autouse=True)
def _latest_schema_after() -> Any:
    """Back to the latest migrations afterwards (not to this one: later migrations of the runner
    exist), so the tests that follow on the same database see today's schema."""
    yield
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("back_to_latest")
def test_it_gives_entries_their_team_and_cuts_links_across_teams() -> None:
    before, after = _targets()
    old = _migrate(before)
    try:
        team, pipeline, version, run_model, step_model, entry_model = (
            old.get_model(*name.split("."))
            for name in (
                "teams.Team",
                "designer.Pipeline",
                "designer.PipelineVersion",
                "runner.Run",
                "runner.StepRun",
                "runner.CacheEntry",
            )
        )
        runs = []
        for name in ("acme", "other"):
            t = team.objects.create(name=name)
            p = pipeline.objects.create(team=t, name="p")
            v = version.objects.create(pipeline=p, number=1, graph={}, plan={})
            runs.append(run_model.objects.create(pipeline=p, pipeline_version=v, team=t, plan={}))
        acme_run, other_run = runs

        def step(run: Any, node: str, **extra: Any) -> Any:
            return step_model.objects.create(run=run, node=node, module="m", version="1", cache_key="k", **extra)

        origin = step(acme_run, "a", status="succeeded", log_path="/logs/a.log")
        own = step(acme_run, "b", status="cached", reused_from=origin, log_path="/logs/a.log")
        foreign = step(other_run, "a", status="cached", reused_from=origin, log_path="/logs/a.log")
        entry = entry_model.objects.create(cache_key="k", step_run=origin, module_digest="d")
    finally:
        new = _migrate(after)
    entry_model, step_model = new.get_model("runner", "CacheEntry"), new.get_model("runner", "StepRun")
    assert entry_model.objects.get(pk=entry.pk).team_id == acme_run.team_id
    kept = step_model.objects.get(pk=own.pk)
    assert kept.reused_from_id == origin.pk and kept.log_path == "/logs/a.log"
    cut = step_model.objects.get(pk=foreign.pk)
    assert cut.reused_from_id is None and cut.log_path == "" and cut.status == "cached"
    # the key alone is no longer unique: another team may hold an entry with the same key
    entry_model.objects.create(team_id=other_run.team_id, cache_key="k", step_run_id=foreign.pk, module_digest="d")
    assert entry_model.objects.filter(cache_key="k").count() == 2

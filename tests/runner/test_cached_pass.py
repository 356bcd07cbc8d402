"""A run whose steps the cache holds moves them all in its first pass, with a fixed number of
queries whatever its length: its predecessor's keys find the entries in one query, one UPDATE
moves the hits (runner.advance._Hits)."""

from __future__ import annotations

from typing import Any

from django.db import connection
from django.test.utils import CaptureQueriesContext

from runner import advance, tasks
from runner.models import Run, RunEvent
from tests.runner.fixtures import make_version, publish_module, step

WRITE = "import os\nopen(os.environ['PIPEWRIGHT_OUT'] + '/data/t.csv', 'w').write('a\\n1\\n')\n"


def chain(acme: Any, n: int) -> Any:
    emit = publish_module(acme, "emit", WRITE)
    take = publish_module(acme, "take", WRITE, inputs=1)
    steps = [step("s0", emit)] + [step(f"s{i}", take, upstream=(f"s{i - 1}",)) for i in range(1, n)]
    return make_version(acme, steps)


def test_a_cached_rerun_moves_every_step_in_one_pass(
    eager: Any, as_alice: Any, acme: Any, local: Any, monkeypatch: Any
) -> None:
    version = chain(acme, 12)
    first = as_alice.post(f"/api/pipelines/{version.pipeline_id}/runs/", {}, format="json").json()
    assert Run.objects.get(pk=first["id"]).status == "succeeded"
    seen: list[int] = []
    original = advance.advance_run

    def counted(run_id: int) -> str | None:
        with CaptureQueriesContext(connection) as queries:
            result = original(run_id)
        seen.append(len(queries.captured_queries))
        return result

    monkeypatch.setattr(tasks, "advance_run", counted)
    again = as_alice.post(f"/api/runs/{first['id']}/rerun", {"mode": "all"}, format="json").json()
    run = Run.objects.get(pk=again["id"])
    assert run.status == "succeeded"
    steps = list(run.steps.order_by("node"))
    assert {s.status for s in steps} == {"cached"}
    # (the chain's later steps share one key: the first run already reused s1 for them)
    origin = {s.pk for s in Run.objects.get(pk=first["id"]).steps.all()}
    assert all(s.reused_from_id in origin for s in steps)
    assert all(s.outputs and s.finished_at and s.timings.get("finished_at") for s in steps)
    # one pass, and its queries do not grow with the chain (a query and an UPDATE per step before)
    assert len(seen) == 1 and seen[0] <= 16, seen
    # every step's move was published, with the step as it is now
    published = [e.data for e in RunEvent.objects.filter(run=run) if e.data.get("type") == "step"]
    assert sorted(e["node"] for e in published) == sorted(s.node for s in steps)
    assert all(e["status"] == "cached" and e["step"]["reused_from"] for e in published)


def test_an_entry_older_than_the_steps_max_age_is_not_reused(eager: Any, as_alice: Any, acme: Any, local: Any) -> None:
    from runner.models import CacheEntry

    version = chain(acme, 3)
    first = as_alice.post(f"/api/pipelines/{version.pipeline_id}/runs/", {}, format="json").json()
    from datetime import timedelta

    from django.utils import timezone

    CacheEntry.objects.filter(team=acme).update(created_at=timezone.now() - timedelta(days=2))
    # (as if the steps' compute settings said "reuse only entries younger than an hour")
    plan = Run.objects.get(pk=first["id"]).plan
    for s in plan["steps"]:
        s["runtime"]["cache_max_age"] = 3600
    Run.objects.filter(pk=first["id"]).update(plan=plan)
    type(version).objects.filter(pk=version.pk).update(plan=plan)
    again = as_alice.post(f"/api/runs/{first['id']}/rerun", {"mode": "all"}, format="json").json()
    run = Run.objects.get(pk=again["id"])
    assert run.status == "succeeded"
    steps = {s.node: s for s in run.steps.all()}
    assert steps["s0"].status == steps["s1"].status == "succeeded"
    # s2's key is s1's (same module, same bytes in): it reuses this run's fresh s1, never the old
    old = set(Run.objects.get(pk=first["id"]).steps.values_list("pk", flat=True))
    assert not any(s.reused_from_id in old for s in steps.values())

"""The runner's orchestration (advance, cache, rerun modes, skips, retries, timeouts, cancel) on
the real database with Celery in eager mode, every step played by the in-process fake backend
(tests/runner/fake_compute.py): no subprocess, no container, no Redis. The same behaviours on the
real backends: test_local.py and test_docker.py."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

from artifacts import store
from compiler.plan import PipelineParameter
from runner import advance, events, execute, runs, steplogs, transitions
from runner.compute.base import StepJob
from runner.models import CacheEntry, Run, StepRun
from tests.runner.fake_compute import Act, FakeBackend, params, rows
from tests.runner.fixtures import make_version, step


def _steps(run: Run) -> dict[str, StepRun]:
    return {s.node: s for s in StepRun.objects.filter(run=run)}


def emit(job: StepJob, say: Callable[[str], None]) -> None:
    """What fixtures.EMIT does: n rows of x,x*x and metrics {rows: n}."""
    n = int(params(job).get("n", 3))
    say(f"emitting {n}")
    body = "".join(f"{i},{i * i}\n" for i in range(n))
    (job.out_dir / "data" / "data.csv").write_text("x,y\n" + body)
    (job.out_dir / "metrics.json").write_text(f'{{"rows": {n}}}')


def add(job: StepJob, say: Callable[[str], None]) -> None:
    """What fixtures.ADD does: every input row, then a row `k,0`."""
    found = rows(job)
    say(f"read {len(found)} rows")
    body = "".join(r + "\n" for r in found)
    (job.out_dir / "data" / "data.csv").write_text(f"x,y\n{body}{params(job).get('k', 0)},0\n")


def test_it_runs_a_fan_out_fan_in_pipeline_to_success(
    eager: Any, fake_compute: FakeBackend, alice: Any, acme: Any, modules_acme: Any
) -> None:
    m = modules_acme
    version = make_version(
        acme,
        [
            step("a", m["emit"], params={"n": {"$param": "n"}}),
            step("b", m["add1"], upstream=("a",), params={"k": 1}),
            step("c", m["add1"], upstream=("a",), params={"k": 2}),
            step("d", m["add"], upstream=("b", "c"), params={"k": 3}),
        ],
        parameters=(PipelineParameter("n", "integer", 3),),
    )
    fake_compute.script("a", Act(write=emit))
    for node in "bcd":
        fake_compute.script(node, Act(write=add))
    run = runs.create_run(version, {"n": 4}, True, alice)
    run.refresh_from_db()
    assert run.status == "succeeded", run.error
    steps = _steps(run)
    assert {s.status for s in steps.values()} == {"succeeded"}
    assert steps["a"].metrics == {"rows": 4}
    out = store.path_for(steps["d"].outputs["data"]) / "data.csv"
    assert out.read_text().count("\n") == 1 + 5 + 5 + 1
    assert "emitting 4" in steplogs.text(steps["a"])
    assert run.event_seq == run.events.count() and run.event_seq > 8
    # topological order: a first, d last, each once; d saw both branches' outputs as its inputs
    nodes = fake_compute.nodes()
    assert nodes[0] == "a" and nodes[-1] == "d" and sorted(nodes) == ["a", "b", "c", "d"]
    [d_job] = [j for j in fake_compute.jobs if j.labels["pipewright.steprun"] == str(steps["d"].pk)]
    assert d_job.inputs == {
        "in0": store.path_for(steps["b"].outputs["data"]),
        "in1": store.path_for(steps["c"].outputs["data"]),
    }


def test_it_reuses_cached_steps_on_a_rerun_and_links_the_origin(
    eager: Any, fake_compute: FakeBackend, alice: Any, acme: Any, modules_acme: Any
) -> None:
    m = modules_acme
    version = make_version(acme, [step("a", m["emit"], params={"n": 2}), step("b", m["add1"], upstream=("a",))])
    first = runs.create_run(version, {}, True, alice)
    again = runs.rerun(Run.objects.get(pk=first.pk), "all", node=None, parameters=None, use_cache=None, user=alice)
    again.refresh_from_db()
    assert again.status == "succeeded" and again.parent_id == first.pk
    steps = _steps(again)
    assert {s.status for s in steps.values()} == {"cached"}
    origin = _steps(first)
    assert steps["b"].reused_from_id == origin["b"].pk
    assert steps["b"].outputs == origin["b"].outputs
    assert CacheEntry.objects.count() == 2
    assert fake_compute.nodes() == ["a", "b"]  # the rerun ran nothing


def test_it_skips_downstream_of_a_failed_step(
    eager: Any, fake_compute: FakeBackend, alice: Any, acme: Any, modules_acme: Any
) -> None:
    m = modules_acme
    version = make_version(acme, [step("a", m["fail"]), step("b", m["add1"], upstream=("a",)), step("c", m["emit"])])
    fake_compute.script("a", Act(lines=["about to fail"], exit_code=3))
    run = runs.create_run(version, {}, True, alice)
    run.refresh_from_db()
    steps = _steps(run)
    assert run.status == "failed" and "a" in run.error
    assert steps["a"].status == "failed" and steps["a"].exit_code == 3
    assert steps["b"].status == "skipped"
    assert steps["c"].status == "succeeded"
    assert "b" not in fake_compute.nodes()


def test_it_retries_a_failing_step_per_its_runtime(
    eager: Any, fake_compute: FakeBackend, alice: Any, acme: Any, modules_acme: Any
) -> None:
    version = make_version(acme, [step("a", modules_acme["sleep"], retries=1)])
    fake_compute.script("a", Act(lines=["first attempt fails"], exit_code=1), Act(lines=["ok"]))
    run = runs.create_run(version, {}, True, alice)
    a = _steps(run)["a"]
    assert a.status == "succeeded" and a.attempt == 2
    assert "attempt 2" in steplogs.text(a)
    assert fake_compute.calls == [("a", 1), ("a", 2)]
    # every live log event says where its lines start in the file, across both attempts
    logged = [e for e in events.since(run.pk, 0) if e["type"] == "log"]
    content = steplogs.text(a).encode()
    assert len(logged) >= 2 and logged[0]["offset"] == 0
    for e in logged:
        text = "".join(line + "\n" for line in e["lines"]).encode()
        assert content[e["offset"] : e["offset"] + len(text)] == text, e
    assert any(e["offset"] > 0 and "--- attempt 2 ---" in e["lines"] for e in logged)


def test_it_fails_a_step_whose_retries_run_out(
    eager: Any, fake_compute: FakeBackend, alice: Any, acme: Any, modules_acme: Any
) -> None:
    version = make_version(acme, [step("a", modules_acme["sleep"], retries=2)])
    fake_compute.script("a", Act(exit_code=1))
    run = runs.create_run(version, {}, True, alice)
    a = _steps(run)["a"]
    assert a.status == "failed" and a.attempt == 3 and a.exit_code == 1
    assert a.error == "exited with code 1"
    assert fake_compute.calls == [("a", 1), ("a", 2), ("a", 3)]


def test_it_times_out_a_step(eager: Any, fake_compute: FakeBackend, alice: Any, acme: Any, modules_acme: Any) -> None:
    version = make_version(acme, [step("a", modules_acme["sleep"], params={"seconds": 30}, timeout=1)])
    fake_compute.script("a", Act(seconds=30))
    run = runs.create_run(version, {}, True, alice)
    a = _steps(run)["a"]
    assert a.status == "failed"
    assert a.error == "timed out after 1 s"


def test_it_reruns_only_failed_steps_reusing_the_parents_outputs(
    eager: Any, fake_compute: FakeBackend, alice: Any, acme: Any, modules_acme: Any
) -> None:
    m = modules_acme
    version = make_version(acme, [step("a", m["emit"]), step("b", m["fail"], upstream=())])
    fake_compute.script("b", Act(exit_code=3))
    first = runs.create_run(version, {}, False, alice)
    first.refresh_from_db()
    second = runs.rerun(first, "failed", node=None, parameters=None, use_cache=False, user=alice)
    steps = _steps(second)
    assert steps["a"].status == "cached" and steps["a"].reused_from_id == _steps(first)["a"].pk
    assert steps["b"].status == "failed" and steps["b"].attempt == 1
    assert sorted(fake_compute.nodes()) == ["a", "b", "b"]


def test_it_forces_a_node_and_its_descendants_in_mode_from(
    eager: Any, fake_compute: FakeBackend, alice: Any, acme: Any, modules_acme: Any
) -> None:
    m = modules_acme
    version = make_version(
        acme, [step("a", m["emit"]), step("b", m["add1"], upstream=("a",)), step("c", m["add1"], upstream=("b",))]
    )
    first = runs.create_run(version, {}, True, alice)
    second = runs.rerun(Run.objects.get(pk=first.pk), "from", node="b", parameters=None, use_cache=None, user=alice)
    steps = _steps(second)
    assert steps["a"].status == "cached"
    assert steps["b"].status == "succeeded" and steps["b"].force
    assert steps["c"].status == "succeeded" and steps["c"].force
    assert fake_compute.nodes() == ["a", "b", "c", "b", "c"]


def test_it_cancels_a_pending_run(db: Any, fake_compute: FakeBackend, alice: Any, acme: Any, modules_acme: Any) -> None:
    version = make_version(acme, [step("a", modules_acme["emit"])])
    run = runs.create_run(version, {}, True, alice)  # not committed: nothing was enqueued
    run = runs.cancel_run(run)
    assert run.status == "canceled"
    assert _steps(run)["a"].status == "canceled"
    assert advance.advance_run(run.pk) == "canceled"
    assert fake_compute.calls == []


def test_it_never_lets_two_workers_claim_one_step(
    db: Any, fake_compute: FakeBackend, alice: Any, acme: Any, modules_acme: Any
) -> None:
    version = make_version(acme, [step("a", modules_acme["emit"])])
    run = runs.create_run(version, {}, True, alice)
    advance.advance_run(run.pk)
    a = _steps(run)["a"]
    assert a.status == "queued"
    assert transitions.move_step(a.pk, "running", worker_id="w1")
    assert not transitions.move_step(a.pk, "running", worker_id="w2")
    assert execute.execute_step(a.pk) is None  # a redelivered message finds it taken
    assert StepRun.objects.get(pk=a.pk).worker_id == "w1"
    assert fake_compute.calls == []


def test_it_cancels_a_running_step_and_stops_it(
    eager: Any, fake_compute: FakeBackend, settings: Any, alice: Any, acme: Any, modules_acme: Any
) -> None:
    settings.PIPEWRIGHT_HEARTBEAT = 0.2
    version = make_version(
        acme, [step("a", modules_acme["sleep"], params={"seconds": 30}), step("b", modules_acme["emit"])]
    )
    fake_compute.script("a", Act(lines=["sleeping 30"], seconds=30))
    holder: dict[str, Any] = {}
    worker = threading.Thread(target=lambda: holder.setdefault("run", runs.create_run(version, {}, True, alice)))
    started = time.monotonic()
    worker.start()
    deadline = time.monotonic() + 20
    while not StepRun.objects.filter(node="a", status="running", run__pipeline_version=version).exists():
        assert time.monotonic() < deadline, "step a never started"
        time.sleep(0.05)
    run = Run.objects.get(pipeline_version=version)
    runs.cancel_run(run)
    worker.join(timeout=20)
    assert not worker.is_alive() and time.monotonic() - started < 20
    run.refresh_from_db()
    a = _steps(run)["a"]
    assert run.status == "canceled" and a.status == "canceled" and a.error == "canceled"
    assert advance.advance_run(run.pk) == "canceled"
    assert fake_compute.killed == [a.container_name]  # cancel asked the backend to stop it
    assert fake_compute.nodes() == ["a"]  # b never ran


def test_cancel_takes_the_same_statements_for_five_steps_as_for_forty(
    db: Any, fake_compute: FakeBackend, alice: Any, acme: Any, modules_acme: Any
) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from runner.models import RunEvent

    def cancel(n: int) -> tuple[Run, int]:
        version = make_version(acme, [step(f"s{i}", modules_acme["emit"], params={"n": i}) for i in range(n)])
        run = runs.create_run(version, {}, False, alice)
        advance.advance_run(run.pk)  # all queued (not committed: nothing was sent)
        assert {s.status for s in _steps(run).values()} == {"queued"}
        with CaptureQueriesContext(connection) as queries:
            run = runs.cancel_run(Run.objects.get(pk=run.pk))
        return run, len(queries.captured_queries)

    (small, few), (big, many) = cancel(5), cancel(40)
    assert few == many, (few, many)
    for run, n in ((small, 5), (big, 40)):
        assert run.status == "canceled"
        assert [s.status for s in _steps(run).values()] == ["canceled"] * n
        events = [
            e["node"]
            for e in RunEvent.objects.filter(run=run).values_list("data", flat=True)
            if e.get("type") == "step" and e.get("status") == "canceled"
        ]
        assert sorted(events) == sorted(f"s{i}" for i in range(n))  # each step's change went out

"""The runner on the real local backend (a subprocess per step), Celery in eager mode: one
integration test per behaviour that depends on the backend (outputs and logs, exit codes,
retries, timeouts, stopping a running step). The orchestration logic itself is tested on the fake
backend in test_services.py; the Docker backend in test_docker.py."""

from __future__ import annotations

from typing import Any

from artifacts import store
from compiler.plan import PipelineParameter
from runner import advance, runs, steplogs
from runner.models import Run, StepRun
from tests.runner.fixtures import make_version, step


def _steps(run: Run) -> dict[str, StepRun]:
    return {s.node: s for s in StepRun.objects.filter(run=run)}


def test_it_runs_a_fan_out_fan_in_pipeline_to_success(
    eager: Any, local: Any, alice: Any, acme: Any, modules_acme: Any
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


def test_it_skips_downstream_of_a_failed_step(eager: Any, local: Any, alice: Any, acme: Any, modules_acme: Any) -> None:
    m = modules_acme
    version = make_version(acme, [step("a", m["fail"]), step("b", m["add1"], upstream=("a",)), step("c", m["emit"])])
    run = runs.create_run(version, {}, True, alice)
    run.refresh_from_db()
    steps = _steps(run)
    assert run.status == "failed" and "a" in run.error
    assert steps["a"].status == "failed" and steps["a"].exit_code == 3
    assert steps["b"].status == "skipped"
    assert steps["c"].status == "succeeded"


def test_it_retries_a_failing_step_per_its_runtime(
    eager: Any, local: Any, alice: Any, acme: Any, runner_dirs: Any
) -> None:
    from tests.runner.fixtures import FLAKY, publish_module

    flaky = publish_module(acme, "flaky", FLAKY, deterministic=False)
    version = make_version(acme, [step("a", flaky, retries=1, env=(("FLAKY_DIR", str(runner_dirs)),))])
    run = runs.create_run(version, {}, True, alice)
    a = _steps(run)["a"]
    assert a.status == "succeeded" and a.attempt == 2
    assert "attempt 2" in steplogs.text(a)
    # every live log event says where its lines start in the file, across both attempts
    from runner import events

    logged = [e for e in events.since(run.pk, 0) if e["type"] == "log"]
    content = steplogs.text(a).encode()
    assert len(logged) >= 2 and logged[0]["offset"] == 0
    for e in logged:
        text = "".join(line + "\n" for line in e["lines"]).encode()
        assert content[e["offset"] : e["offset"] + len(text)] == text, e
    assert any(e["offset"] > 0 and "--- attempt 2 ---" in e["lines"] for e in logged)


def test_it_times_out_a_step(eager: Any, local: Any, alice: Any, acme: Any, modules_acme: Any) -> None:
    version = make_version(acme, [step("a", modules_acme["sleep"], params={"seconds": 30}, timeout=1)])
    run = runs.create_run(version, {}, True, alice)
    a = _steps(run)["a"]
    assert a.status == "failed"
    assert a.error == "timed out after 1 s"


def test_it_cancels_a_running_step_and_stops_its_process(
    eager: Any, local: Any, alice: Any, acme: Any, modules_acme: Any
) -> None:
    import threading
    import time

    local.PIPEWRIGHT_HEARTBEAT = 0.2
    version = make_version(
        acme, [step("a", modules_acme["sleep"], params={"seconds": 30}), step("b", modules_acme["emit"])]
    )
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

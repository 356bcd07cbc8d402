"""Conditions and exit steps in the runner: a step whose condition does not hold is `skipped`
with the reason and its downstream steps after it; the run still succeeds; an exit step runs
once the rest has finished, whatever its outcome, and is told that outcome. Logic on the fake
backend; one walk on real containers."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

import pytest

from compiler.conditions import parse
from compiler.plan import PipelineParameter, Step
from runner import runs
from runner.compute.base import StepJob
from runner.models import Run, StepRun
from tests.runner.fake_compute import Act, FakeBackend
from tests.runner.fixtures import EMIT, make_version, publish_module, step
from tests.runner.test_services import emit


def _steps(run: Run) -> dict[str, StepRun]:
    return {s.node: s for s in StepRun.objects.filter(run=run)}


def when(s: Step, text: str, *, exit: bool = False) -> Step:
    cond, problem = parse(text)
    assert problem is None and cond is not None
    after = (cond.node,) if cond.node else ()
    return dataclasses.replace(s, condition=cond, after=after, exit=exit)


def as_exit(s: Step) -> Step:
    return dataclasses.replace(s, exit=True)


def _metrics(value: float) -> Callable[[StepJob, Callable[[str], None]], None]:
    def write(job: StepJob, say: Callable[[str], None]) -> None:
        emit(job, say)
        (job.out_dir / "metrics.json").write_text(f'{{"accuracy": {value}}}')

    return write


@pytest.mark.parametrize(("accuracy", "ran"), [(0.95, True), (0.5, False)])
def test_a_metric_condition_decides_whether_the_step_and_its_downstream_run(
    eager: Any, fake_compute: FakeBackend, alice: Any, acme: Any, modules_acme: Any, accuracy: float, ran: bool
) -> None:
    m = modules_acme
    version = make_version(
        acme,
        [
            step("eval", m["emit"]),
            when(step("deploy", m["emit"], params={"n": 5}), "eval.accuracy >= 0.9"),
            step("report", m["add1"], upstream=("deploy",)),
        ],
    )
    fake_compute.script("eval", Act(write=_metrics(accuracy)))
    run = runs.create_run(version, {}, True, alice)
    run.refresh_from_db()
    assert run.status == "succeeded", run.error
    steps = _steps(run)
    if ran:
        assert steps["deploy"].status == "succeeded" and steps["report"].status == "succeeded"
        assert fake_compute.nodes() == ["eval", "deploy", "report"]
    else:
        assert steps["deploy"].status == "skipped"
        assert (
            steps["deploy"].error == "condition eval.accuracy >= 0.9 does not hold: metric 'accuracy' of 'eval' is 0.5"
        )
        assert (steps["report"].status, steps["report"].error) == ("skipped", "upstream step 'deploy' was skipped")
        assert fake_compute.nodes() == ["eval"]


def test_a_parameter_condition_is_read_from_the_runs_values(
    eager: Any, fake_compute: FakeBackend, alice: Any, acme: Any, modules_acme: Any
) -> None:
    version = make_version(
        acme,
        [when(step("full", modules_acme["emit"]), "params.mode == 'full'")],
        parameters=(PipelineParameter("mode", "string", "quick"),),
    )
    quick = runs.create_run(version, {}, True, alice)
    full = runs.create_run(version, {"mode": "full"}, True, alice)
    assert _steps(quick)["full"].status == "skipped"
    assert "parameter 'mode' is \"quick\"" in _steps(quick)["full"].error
    assert _steps(full)["full"].status == "succeeded"
    assert {r.status for r in Run.objects.filter(pk__in=[quick.pk, full.pk])} == {"succeeded"}


def test_an_exit_step_runs_after_a_failure_and_the_run_still_fails(
    eager: Any, fake_compute: FakeBackend, alice: Any, acme: Any, modules_acme: Any
) -> None:
    m = modules_acme
    version = make_version(
        acme,
        [
            step("a", m["emit"]),
            step("boom", m["fail"], upstream=()),
            step("after", m["add1"], upstream=("boom",)),
            as_exit(step("cleanup", m["emit"], params={"n": 7})),
            as_exit(step("notify", m["add1"], upstream=("a",))),
            as_exit(step("needs_boom", m["add1"], upstream=("boom",))),
        ],
    )
    fake_compute.script("boom", Act(exit_code=3))
    run = runs.create_run(version, {}, True, alice)
    run.refresh_from_db()
    steps = _steps(run)
    assert run.status == "failed"
    assert steps["after"].status == "skipped" and steps["after"].error == "upstream step 'boom' failed"
    assert steps["cleanup"].status == "succeeded" and steps["notify"].status == "succeeded"
    assert steps["needs_boom"].status == "skipped"
    assert steps["needs_boom"].error == "input 'in0' has no data: upstream step 'boom' failed"
    nodes = fake_compute.nodes()
    assert set(nodes[-2:]) == {"cleanup", "notify"}  # after every ordinary step
    job = next(j for j in fake_compute.jobs if j.labels["pipewright.steprun"] == str(steps["cleanup"].pk))
    assert job.env["PIPEWRIGHT_RUN_OUTCOME"] == "failed" and job.env["PIPEWRIGHT_RUN_ID"] == str(run.pk)
    # an exit step is never reused from the cache: a second run runs it again
    again = runs.create_run(version, {}, True, alice)
    assert _steps(again)["cleanup"].status == "succeeded" and _steps(again)["a"].status == "cached"


def test_an_exit_step_with_a_false_condition_is_skipped_and_the_run_succeeds(
    eager: Any, fake_compute: FakeBackend, alice: Any, acme: Any, modules_acme: Any
) -> None:
    version = make_version(
        acme,
        [step("a", modules_acme["emit"]), when(step("notify", modules_acme["emit"]), "params.notify", exit=True)],
        parameters=(PipelineParameter("notify", "boolean", False),),
    )
    run = runs.create_run(version, {}, True, alice)
    run.refresh_from_db()
    assert run.status == "succeeded"
    assert _steps(run)["notify"].status == "skipped"
    assert _steps(run)["notify"].error == "condition params.notify does not hold: parameter 'notify' is false"


OUTCOME = """
import os
print("outcome", os.environ["PIPEWRIGHT_RUN_OUTCOME"])
open(os.path.join(os.environ["PIPEWRIGHT_OUT"], "data", "outcome.txt"), "w").write(os.environ["PIPEWRIGHT_RUN_OUTCOME"])
"""


@pytest.mark.docker
def test_on_real_containers_a_skip_and_an_exit_step_told_the_outcome(
    eager: Any, docker_compute: Any, alice: Any, acme: Any, modules_acme: Any
) -> None:
    from artifacts import store

    emit_mod = publish_module(acme, "emit-metric", EMIT)
    outcome = publish_module(acme, "outcome", OUTCOME)
    version = make_version(
        acme,
        [
            step("eval", emit_mod, params={"n": 2}),  # records {"rows": 2}
            when(step("big", emit_mod, params={"n": 9}), "eval.rows > 5"),
            as_exit(step("tell", outcome)),
        ],
    )
    run = runs.create_run(version, {}, True, alice)
    run.refresh_from_db()
    steps = _steps(run)
    assert run.status == "succeeded", run.error
    assert steps["big"].status == "skipped" and "metric 'rows' of 'eval' is 2" in steps["big"].error
    assert steps["tell"].status == "succeeded"
    assert (store.path_for(steps["tell"].outputs["data"]) / "outcome.txt").read_text() == "succeeded"

"""Operators, not module authors, decide where and how steps run: the compute target comes from
the installation's settings (optionally per team), never from a spec's runtime.env; reserved
names a stored spec still holds are dropped at run time; local compute runs only when enabled,
and then says so at the top of every step's log."""

from __future__ import annotations

from typing import Any

from runner import runs, steplogs
from runner.compute.local import ANNOUNCE, DISABLED
from runner.models import StepRun
from runner.serializers import StepSerializer
from tests.runner.fake_compute import FakeBackend
from tests.runner.fixtures import make_version, step

# as a spec published before the rule could have stored them
HOSTILE_ENV = (("PIPEWRIGHT_COMPUTE", "local"), ("LD_PRELOAD", "/out/evil.so"), ("PATH", "/out"), ("MINE", "1"))


def test_a_spec_cannot_choose_its_compute_target(
    eager: Any, fake_compute: FakeBackend, settings: Any, alice: Any, acme: Any, modules_acme: Any
) -> None:
    settings.PIPEWRIGHT_COMPUTE = "docker"
    version = make_version(acme, [step("a", modules_acme["emit"], env=HOSTILE_ENV)])
    run = runs.create_run(version, {}, True, alice)
    a = StepRun.objects.get(run=run, node="a")
    assert a.status == "succeeded" and a.queue == "compute-docker"
    assert StepSerializer(a).data["compute"] == "docker"  # what the API and the run feed show
    (job,) = fake_compute.jobs
    assert job.env == {"MINE": "1"}  # the reserved names never reach the step


def test_the_operator_may_choose_a_target_per_team(
    eager: Any, fake_compute: FakeBackend, settings: Any, alice: Any, acme: Any, modules_acme: Any
) -> None:
    settings.PIPEWRIGHT_COMPUTE = "docker"
    settings.PIPEWRIGHT_COMPUTE_TEAMS = ["acme=local", "other=docker"]
    version = make_version(acme, [step("a", modules_acme["emit"])])
    run = runs.create_run(version, {}, True, alice)
    assert StepRun.objects.get(run=run, node="a").queue == "compute-local"
    settings.PIPEWRIGHT_COMPUTE_TEAMS = ["other=local"]
    run = runs.create_run(version, {}, False, alice)
    assert StepRun.objects.get(run=run, node="a").queue == "compute-docker"


def test_local_compute_runs_only_when_enabled_and_announces_itself(
    eager: Any, local: Any, alice: Any, acme: Any, modules_acme: Any
) -> None:
    local.PIPEWRIGHT_ALLOW_LOCAL_COMPUTE = False
    version = make_version(acme, [step("a", modules_acme["emit"], params={"n": 2})])
    run = runs.create_run(version, {}, True, alice)
    a = StepRun.objects.get(run=run, node="a")
    assert (a.status, a.error) == ("failed", DISABLED)
    assert "PIPEWRIGHT_ALLOW_LOCAL_COMPUTE" in a.error
    log = steplogs.text(a).splitlines()
    assert log == [f"pipewright: {DISABLED}"]  # the step's command never ran

    local.PIPEWRIGHT_ALLOW_LOCAL_COMPUTE = True
    run = runs.create_run(version, {}, False, alice)
    a = StepRun.objects.get(run=run, node="a")
    assert a.status == "succeeded", a.error
    assert StepSerializer(a).data["compute"] == "local"
    log = steplogs.text(a).splitlines()
    assert (
        log[0]
        == ANNOUNCE
        == ("pipewright: this step runs as a host process without a container (local compute, enabled by the operator)")
    )
    assert log[1:] == ["emitting 2"]

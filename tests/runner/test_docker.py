"""Docker compute: the locked-down container, inputs/outputs through mounts, timeout, engine down."""

from __future__ import annotations

import threading
import time
from typing import Any

import docker
import pytest

from artifacts import store
from runner import installation, runs
from runner.models import StepRun
from tests.runner.fixtures import make_version, step

pytestmark = pytest.mark.docker


def _gone(client: Any, filters: dict[str, str], timeout: float = 10) -> None:
    """Containers are removed in the background right after a step ends."""
    deadline = time.monotonic() + timeout
    while client.containers.list(all=True, filters=filters, ignore_removed=True):
        assert time.monotonic() < deadline, f"containers {filters} still exist"
        time.sleep(0.1)


def test_it_runs_steps_in_locked_down_containers(
    eager: Any, docker_compute: Any, alice: Any, acme: Any, modules_acme: Any
) -> None:
    m = modules_acme
    version = make_version(
        acme,
        [
            step("a", m["emit"], params={"n": 2}),
            step("s", m["sleep"], params={"seconds": 1.5}, memory=300 * 1024**2),
            step("b", m["add1"], upstream=("a",)),
        ],
    )
    client = docker.from_env()
    seen: dict[str, Any] = {}
    ours = f"{installation.LABEL}={installation.installation_id()}"  # not another installation's

    def watch() -> None:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and not seen:
            for c in client.containers.list(filters={"label": ours}, ignore_removed=True):
                try:
                    c.reload()
                except docker.errors.NotFound:
                    continue  # a step that ended between the list and the look: the next one
                if (
                    c.attrs["Config"]["Image"] == "pipewright/python-ml:1" and "sleep" in str(c.attrs["Mounts"])
                ) or c.name:
                    seen.update(c.attrs)
                    break
            time.sleep(0.05)

    watcher = threading.Thread(target=watch)
    watcher.start()
    run = runs.create_run(version, {}, True, alice)
    watcher.join()
    run.refresh_from_db()
    b = StepRun.objects.get(run=run, node="b")
    assert run.status == "succeeded", (b.status, b.error, b.attempt)
    host = seen["HostConfig"]
    install = installation.installation_id()
    names = {f"/pw-{install}-{s.pk}-{s.attempt}" for s in StepRun.objects.filter(run=run)}
    assert seen["Name"] in names  # names carry the installation's id
    assert seen["Config"]["Labels"]["pipewright.installation"] == install
    assert seen["Config"]["User"] == "65534:65534"
    assert host["NetworkMode"] == "none"
    assert host["SecurityOpt"] == ["no-new-privileges"]
    assert host["CapDrop"] == ["ALL"]
    assert host["ReadonlyRootfs"] is True
    assert "/tmp" in host["Tmpfs"] and "size=64m" in host["Tmpfs"]["/tmp"]
    assert host["Memory"] > 0 and host["NanoCpus"] == 10**9 and host["PidsLimit"] == 256
    binds = {m["Destination"]: m for m in seen["Mounts"]}
    assert binds["/module"]["RW"] is False and binds["/in/params.json"]["RW"] is False and binds["/out"]["RW"] is True
    assert not any("docker.sock" in (m.get("Source") or "") for m in seen["Mounts"])
    b = StepRun.objects.get(run=run, node="b")
    assert (store.path_for(b.outputs["data"]) / "data.csv").read_text().startswith("x,y\n0,0\n1,1\n")
    _gone(client, {"label": f"pipewright.run={run.pk}"})


def test_it_kills_a_container_past_its_timeout(
    eager: Any, docker_compute: Any, alice: Any, acme: Any, modules_acme: Any
) -> None:
    version = make_version(acme, [step("a", modules_acme["sleep"], params={"seconds": 60}, timeout=1)])
    started = time.monotonic()
    run = runs.create_run(version, {}, True, alice)
    a = StepRun.objects.get(run=run, node="a")
    assert a.status == "failed" and a.error == "timed out after 1 s"
    assert time.monotonic() - started < 15
    _gone(docker.from_env(), {"name": a.container_name})


def test_it_fails_fast_when_the_engine_is_unreachable(
    eager: Any, docker_compute: Any, alice: Any, acme: Any, modules_acme: Any
) -> None:
    docker_compute.DOCKER_HOST = "tcp://127.0.0.1:1"
    version = make_version(acme, [step("a", modules_acme["emit"]), step("b", modules_acme["add1"], upstream=("a",))])
    started = time.monotonic()
    run = runs.create_run(version, {}, True, alice)
    run.refresh_from_db()
    assert time.monotonic() - started < 10
    a = StepRun.objects.get(run=run, node="a")
    assert a.status == "failed" and "Docker engine is unreachable at tcp://127.0.0.1:1" in a.error
    assert StepRun.objects.get(run=run, node="b").status == "skipped"
    assert run.status == "failed"


def test_it_cancels_a_running_step_and_kills_its_container(
    eager: Any, docker_compute: Any, alice: Any, acme: Any, modules_acme: Any
) -> None:
    docker_compute.PIPEWRIGHT_HEARTBEAT = 0.2
    version = make_version(
        acme, [step("a", modules_acme["sleep"], params={"seconds": 60}), step("b", modules_acme["emit"])]
    )
    worker = threading.Thread(target=lambda: runs.create_run(version, {}, True, alice))
    started = time.monotonic()
    worker.start()
    client = docker.from_env()
    deadline = time.monotonic() + 30
    while not StepRun.objects.filter(node="a", status="running", run__pipeline_version=version).exists():
        assert time.monotonic() < deadline, "step a never started"
        time.sleep(0.05)
    run = version.runs.get()
    while not client.containers.list(filters={"label": f"pipewright.run={run.pk}"}, ignore_removed=True):
        assert time.monotonic() < deadline, "step a's container never started"
        time.sleep(0.1)
    run = runs.cancel_run(run)
    worker.join(timeout=30)
    assert not worker.is_alive() and time.monotonic() - started < 40
    a = StepRun.objects.get(run=run, node="a")
    assert run.status == "canceled" and a.status == "canceled" and a.error == "canceled"
    assert StepRun.objects.get(run=run, node="b").status == "canceled"
    _gone(client, {"name": a.container_name})

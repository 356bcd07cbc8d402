"""The Kubernetes Job backend, through the real `kubernetes` client, against tests/k8s_fake: a fake
API server WRITTEN FROM THE KUBERNETES API REFERENCE, NOT RECORDED FROM A CLUSTER (none is
reachable here). What it proves: the Job we post, the calls we make and how we read the answers
the reference documents (success with logs, image pull errors, OOM kills, evictions, the deadline,
cancel, the janitor's label selection)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from runner import hosts, installation, runs, states, steplogs
from runner.compute import kubernetes as kb
from runner.compute.base import StepJob
from runner.models import Run, StepRun
from tests.k8s_fake import FakeCluster, Scenario
from tests.runner.fixtures import IMAGE, make_version, step

INSTALL = {"pipewright.installation": "abc123abc123"}


class _Transfer:
    """Stands in for the S3 store's side of the contract (another component): the URLs it would
    presign, and the outputs it would unpack after the pod uploaded them."""

    def __init__(self) -> None:
        self.received: list[str] = []

    def send(self, job: StepJob) -> kb.StepTransfer:
        inputs = {"/module": "http://store.example/get/module.tgz", "/in/data": "http://store.example/get/data.tgz"}
        return kb.StepTransfer(inputs=inputs, output_put_url=f"http://store.example/put/{job.name}.tgz")

    def receive(self, job: StepJob, transfer: kb.StepTransfer) -> None:
        self.received.append(transfer.output_put_url)
        (job.out_dir / "data").mkdir(parents=True, exist_ok=True)
        (job.out_dir / "data" / "x.csv").write_text("a\n1\n")
        (job.out_dir / "data" / "x.csv").chmod(0o644)

    def forget(self, job: StepJob) -> None:
        self.forgotten = [*getattr(self, "forgotten", []), job.name]


@pytest.fixture
def cluster(settings: Any) -> Iterator[FakeCluster]:
    fake = FakeCluster().start()
    settings.PIPEWRIGHT_K8S_API = fake.url
    settings.PIPEWRIGHT_K8S_NAMESPACE = "pw"
    yield fake
    fake.stop()


@pytest.fixture
def transfer() -> Iterator[_Transfer]:
    t = _Transfer()
    kb.use_transfer(t)
    yield t
    kb.use_transfer(None)


def _job(tmp_path: Path, image: str, name: str = "pw-abc123abc123-7-1", timeout: int = 30) -> StepJob:
    for d in ("module", "in", "out"):
        (tmp_path / d).mkdir(exist_ok=True)
    return StepJob(
        name=name,
        image=image,
        command=["python", "/module/main.py"],
        env={"A": "1"},
        cpu=0.5,
        memory_bytes=256 * 2**20,
        timeout=timeout,
        module_dir=tmp_path / "module",
        inputs={"data": tmp_path / "in"},
        params_file=tmp_path / "in" / "params.json",
        out_dir=tmp_path / "out",
        labels={**INSTALL, "pipewright.run": "3", "pipewright.steprun": "7", "pipewright.attempt": "1"},
    )


def _run(job: StepJob, stop: Any = lambda: False) -> tuple[Any, list[str]]:
    lines: list[str] = []
    return kb.KubernetesBackend().run(job, lines.append, stop), lines


def test_it_runs_a_step_as_a_locked_down_job_and_streams_its_log(
    cluster: FakeCluster, transfer: _Transfer, tmp_path: Path
) -> None:
    cluster.script("img/ok", Scenario(lines=["one", "two", "three"], seconds=0.4))
    outcome, lines = _run(_job(tmp_path, "img/ok"))
    assert (outcome.exit_code, outcome.error) == (0, "")
    assert lines == ["one", "two", "three"]
    assert transfer.received == ["http://store.example/put/pw-abc123abc123-7-1.tgz"]
    assert (tmp_path / "out" / "data" / "x.csv").read_text() == "a\n1\n"
    body = cluster.created[0]
    spec, pod = body["spec"], body["spec"]["template"]["spec"]
    assert (spec["backoffLimit"], spec["activeDeadlineSeconds"]) == (0, 30)
    assert spec["ttlSecondsAfterFinished"] > 0
    assert body["metadata"]["labels"]["pipewright.installation"] == "abc123abc123"
    assert body["metadata"]["labels"]["pipewright.attempt"] == "1"
    assert pod["automountServiceAccountToken"] is False and pod["restartPolicy"] == "Never"
    assert pod["securityContext"]["runAsNonRoot"] is True
    assert pod["securityContext"]["seccompProfile"] == {"type": "RuntimeDefault"}
    for c in pod["containers"] + pod["initContainers"]:
        sc = c["securityContext"]
        assert sc["readOnlyRootFilesystem"] is True and sc["allowPrivilegeEscalation"] is False
        assert sc["capabilities"] == {"drop": ["ALL"]} and sc["runAsNonRoot"] is True
    step = pod["containers"][0]
    assert step["resources"]["limits"] == {"cpu": "500m", "memory": str(256 * 2**20)}
    assert step["command"][-2:] == ["python", "/module/main.py"]
    env = {e["name"]: e["value"] for e in step["env"]}
    assert env["PIPEWRIGHT_PUT"].endswith(".tgz") and env["A"] == "1"
    assert {m["mountPath"]: m.get("readOnly", False) for m in step["volumeMounts"]}["/in"] is True
    assert cluster.deleted == [("pw-abc123abc123-7-1", "Background")]  # ttl aside, gone at once


def test_a_non_zero_exit_is_the_steps_exit_code(cluster: FakeCluster, transfer: _Transfer, tmp_path: Path) -> None:
    cluster.script("img/bad", Scenario(lines=["Traceback", "ValueError: no"], exit_code=3))
    outcome, lines = _run(_job(tmp_path, "img/bad"))
    assert (outcome.exit_code, outcome.error) == (3, "")
    assert lines == ["Traceback", "ValueError: no"]
    assert transfer.received == []


def test_it_names_an_image_that_cannot_be_pulled(cluster: FakeCluster, transfer: _Transfer, tmp_path: Path) -> None:
    cluster.script("registry.example/missing:1", Scenario(kind="pull"))
    outcome, lines = _run(_job(tmp_path, "registry.example/missing:1"))
    assert outcome.exit_code is None
    assert "registry.example/missing:1 could not be pulled (ErrImagePull)" in outcome.error
    assert lines == []
    assert cluster.deleted == [("pw-abc123abc123-7-1", "Background")]


def test_it_names_an_oom_kill(cluster: FakeCluster, transfer: _Transfer, tmp_path: Path) -> None:
    cluster.script("img/hungry", Scenario(kind="oom", lines=["allocating"]))
    outcome, lines = _run(_job(tmp_path, "img/hungry"))
    assert outcome.exit_code == 137
    assert outcome.error == "killed: out of memory (OOMKilled at its 256 MiB limit)"
    assert lines == ["allocating"]


def test_it_names_an_eviction(cluster: FakeCluster, transfer: _Transfer, tmp_path: Path) -> None:
    cluster.script("img/evicted", Scenario(kind="evict"))
    outcome, _ = _run(_job(tmp_path, "img/evicted"))
    assert outcome.exit_code is None
    assert outcome.error.startswith("The step's pod was evicted from its node: The node was low on resource: memory")


def test_the_jobs_deadline_is_the_steps_timeout(cluster: FakeCluster, transfer: _Transfer, tmp_path: Path) -> None:
    cluster.script("img/forever", Scenario(kind="hang", lines=["still going"]))
    outcome, _ = _run(_job(tmp_path, "img/forever", timeout=1))
    assert outcome.timed_out and outcome.error == "timed out after 1 s"
    assert cluster.created[0]["spec"]["activeDeadlineSeconds"] == 1


def test_cancel_deletes_the_job(cluster: FakeCluster, transfer: _Transfer, tmp_path: Path) -> None:
    cluster.script("img/forever", Scenario(kind="hang", lines=["working"]))
    lines: list[str] = []
    outcome = kb.KubernetesBackend().run(_job(tmp_path, "img/forever"), lines.append, lambda: bool(lines))
    assert outcome.stopped
    assert cluster.deleted == [("pw-abc123abc123-7-1", "Foreground")]
    assert cluster.jobs == {}


def test_a_leftover_job_of_the_same_attempt_is_replaced(
    cluster: FakeCluster, transfer: _Transfer, tmp_path: Path
) -> None:
    cluster.script("img/ok", Scenario(lines=["fresh"]))
    job = _job(tmp_path, "img/ok")
    backend = kb.KubernetesBackend()
    # a Job of this very attempt exists (its worker died after creating it): a create is 409
    kb.k8s.BatchV1Api(backend.api).create_namespaced_job("pw", kb.job_manifest(job, transfer.send(job), "pw", 60))
    outcome, lines = _run(job)
    assert outcome.exit_code == 0 and lines == ["fresh"]
    assert cluster.deleted[0] == ("pw-abc123abc123-7-1", "Foreground")
    assert len(cluster.created) == 2


def test_the_janitor_lists_only_this_installations_jobs(
    cluster: FakeCluster, transfer: _Transfer, tmp_path: Path
) -> None:
    cluster.script("img/forever", Scenario(kind="hang"))
    backend = kb.KubernetesBackend()
    mine = _job(tmp_path, "img/forever", name="pw-abc123abc123-8-1")
    other = _job(tmp_path, "img/forever", name="pw-0000000000ff-8-1")
    other.labels = {**other.labels, "pipewright.installation": "0000000000ff"}
    for job in (mine, other):
        body = kb.job_manifest(job, transfer.send(job), "pw", 60)
        kb.k8s.BatchV1Api(backend.api).create_namespaced_job("pw", body)
    assert backend.running_names(labels=INSTALL) == ["pw-abc123abc123-8-1"]
    backend.remove("pw-abc123abc123-8-1")
    assert backend.running_names(labels=INSTALL) == []
    assert [name for _, name in cluster.jobs] == ["pw-0000000000ff-8-1"]
    backend.remove("pw-abc123abc123-8-1")  # gone already: nothing to do, no error


def test_it_says_so_when_no_store_transfer_is_configured(cluster: FakeCluster, tmp_path: Path) -> None:
    outcome, _ = _run(_job(tmp_path, "img/ok"))
    assert outcome.exit_code is None and "needs the S3 artifact store" in outcome.error
    assert cluster.created == []


def test_an_unpinned_image_has_no_digest() -> None:
    backend = kb.KubernetesBackend()
    assert backend.image_id("pipewright/python-ml:1") is None
    assert backend.image_id("reg/x@sha256:" + "a" * 64) == "sha256:" + "a" * 64


def test_a_run_executes_its_steps_as_jobs(
    eager: Any,
    cluster: FakeCluster,
    transfer: _Transfer,
    settings: Any,
    runner_dirs: Any,
    alice: Any,
    acme: Any,
    modules_acme: Any,
) -> None:
    settings.PIPEWRIGHT_COMPUTE = "kubernetes"
    cluster.script(IMAGE, Scenario(lines=["emitting 3"]))
    version = make_version(acme, [step("a", modules_acme["emit"]), step("b", modules_acme["add1"], upstream=("a",))])
    run = runs.create_run(version, {}, True, alice)
    run.refresh_from_db()
    assert run.status == states.SUCCEEDED, [(s.node, s.error) for s in run.steps.all()]
    a = StepRun.objects.get(run=run, node="a")
    assert a.queue == "compute-kubernetes" and a.host == settings.PIPEWRIGHT_HOST_ID
    assert [b["metadata"]["name"] for b in cluster.created] == [
        a.container_name,
        StepRun.objects.get(run=run, node="b").container_name,
    ]
    assert "emitting 3" in steplogs.text(a)


def test_a_step_killed_for_memory_fails_naming_it(
    eager: Any,
    cluster: FakeCluster,
    transfer: _Transfer,
    settings: Any,
    runner_dirs: Any,
    alice: Any,
    acme: Any,
    modules_acme: Any,
) -> None:
    settings.PIPEWRIGHT_COMPUTE = "kubernetes"
    cluster.script(IMAGE, Scenario(kind="oom"))
    run = runs.create_run(make_version(acme, [step("a", modules_acme["emit"])]), {}, True, alice)
    a = StepRun.objects.get(run=run, node="a")
    assert a.status == states.FAILED and a.exit_code == 137
    assert a.error == "killed: out of memory (OOMKilled at its 256 MiB limit)"


def test_the_janitor_deletes_orphan_jobs_of_this_installation_only(
    db: Any, cluster: FakeCluster, transfer: _Transfer, settings: Any, tmp_path: Path, acme: Any, modules_acme: Any
) -> None:
    settings.PIPEWRIGHT_COMPUTE = "kubernetes"
    cluster.script("img/forever", Scenario(kind="hang"))
    inst = installation.installation_id()
    version = make_version(acme, [step("a", modules_acme["emit"])])
    run = Run.objects.create(
        pipeline=version.pipeline, pipeline_version=version, team=acme, plan=version.plan, status=states.RUNNING
    )
    live = StepRun.objects.create(run=run, node="a", module="acme/emit", version="1.0.0", queue="compute-kubernetes")
    live_name = installation.container_name(live.pk, 1)
    StepRun.objects.filter(pk=live.pk).update(status=states.RUNNING, attempt=1, container_name=live_name)
    batch = kb.k8s.BatchV1Api(kb.KubernetesBackend().api)
    for name, key in (
        (live_name, inst),
        (installation.container_name(live.pk, 0), inst),
        ("pw-0000000000ff-1-1", "0000000000ff"),
    ):
        job = _job(tmp_path, "img/forever", name=name)
        job.labels = {**job.labels, "pipewright.installation": key}
        batch.create_namespaced_job("pw", kb.job_manifest(job, transfer.send(job), "pw", 60))
    assert hosts.fan_out()["cluster"] == 1
    assert sorted(name for _, name in cluster.jobs) == sorted([live_name, "pw-0000000000ff-1-1"])
    assert cluster.deleted == [(installation.container_name(live.pk, 0), "Background")]


def test_a_job_deleted_behind_the_workers_back_fails_the_step_saying_so(
    cluster: FakeCluster, transfer: _Transfer, tmp_path: Path
) -> None:
    cluster.script("img/forever", Scenario(kind="hang", lines=["working"]))
    lines: list[str] = []

    def operator_deletes_it() -> bool:
        if lines and cluster.jobs:
            kb.k8s.BatchV1Api(kb.KubernetesBackend().api).delete_namespaced_job("pw-abc123abc123-7-1", "pw")
        return False

    outcome = kb.KubernetesBackend().run(_job(tmp_path, "img/forever"), lines.append, operator_deletes_it)
    assert not outcome.stopped and outcome.exit_code is None
    assert outcome.error == "The step's Job was deleted from the cluster while it ran."

"""The S3 store on real containers: a step's inputs are fetched by hash into the worker's cache and
mounted read-only, its outputs hashed on the worker, uploaded and committed before it succeeds;
a bind mount whose source is missing fails the step loudly instead of showing an empty /in."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from rest_framework.test import APIClient

from artifacts.backend import current
from artifacts.s3 import S3Store
from runner import runs, steplogs
from runner.compute.base import StepJob
from runner.compute.docker import DockerBackend
from runner.models import StepRun
from tests.runner.fixtures import IMAGE, make_version, step

pytestmark = pytest.mark.docker


def test_a_pipeline_runs_on_the_s3_store(
    eager: Any, docker_compute: Any, s3_store: Any, alice: Any, acme: Any, modules_acme: Any, tmp_path: Path
) -> None:
    m = modules_acme
    version = make_version(acme, [step("a", m["emit"], params={"n": 3}), step("b", m["add1"], upstream=("a",))])
    run = runs.create_run(version, {}, True, alice)
    run.refresh_from_db()
    a, b = StepRun.objects.get(run=run, node="a"), StepRun.objects.get(run=run, node="b")
    assert run.status == "succeeded", (a.error, b.error)
    artifacts = current()
    assert isinstance(artifacts, S3Store)
    assert artifacts.exists(a.outputs["data"]) and artifacts.exists(b.outputs["data"])  # committed
    with artifacts.open(b.outputs["data"], "data.csv") as fh:
        assert fh.read().startswith(b"x,y\n0,0\n1,1\n")
    # b's input came by hash through this worker's cache; nothing went to the local folder store
    assert (Path(s3_store.PIPEWRIGHT_INPUT_CACHE_DIR) / a.outputs["data"]).is_dir()
    assert not any(Path(s3_store.ARTIFACT_ROOT).glob("??/*"))
    assert "emitting 3" in steplogs.text(a)
    # downloads and previews stream from S3 through the API
    client = APIClient()
    client.force_authenticate(alice)
    got = client.get(f"/api/artifacts/{b.outputs['data']}/")
    assert got.status_code == 200 and b"".join(got.streaming_content).startswith(b"x,y\n")
    preview = client.get(f"/api/artifacts/{b.outputs['data']}/preview").json()
    assert preview["kind"] == "table" and preview["columns"] == ["x", "y"]


def test_a_missing_mount_source_fails_the_step_loudly(docker_compute: Any, tmp_path: Path) -> None:
    (tmp_path / "module").mkdir()
    (tmp_path / "module" / "main.py").write_text("import os\nprint(os.listdir('/in/in0'))\n")
    (tmp_path / "params.json").write_text("{}")
    (tmp_path / "out").mkdir()
    job = StepJob(
        name=f"pw-store-missing-{tmp_path.name[-8:]}",
        image=IMAGE,
        command=["python3", "/module/main.py"],
        env={},
        cpu=0.5,
        memory_bytes=128 * 1024**2,
        timeout=60,
        module_dir=tmp_path / "module",
        inputs={"in0": tmp_path / "not-fetched"},  # e.g. a folder on another host
        params_file=tmp_path / "params.json",
        out_dir=tmp_path / "out",
    )
    lines: list[str] = []
    outcome = DockerBackend().run(job, lines.append, lambda: False)
    assert outcome.exit_code is None and "bind source path does not exist" in outcome.error, outcome
    assert not (tmp_path / "not-fetched").exists() and lines == []  # nothing created, nothing ran

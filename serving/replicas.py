"""Replica containers on the Docker engine: start, stop, list, ping.

A replica runs `serving/runtime/server.py` in the step image with the runner's hardening (no
network, read-only root, all capabilities dropped, no new privileges, nobody, memory / CPU / pids
limits). Mounts, all read-only but the socket folder: the runtime at /serving, the version's spec
at /spec/spec.json, the model artifact at /model; the socket folder `SERVING_ROOT/sock/<replica id>-<generation>/`
at /sock, where the replica makes `replica.sock` for the web process to connect to.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import shutil
import socket
import tempfile
from pathlib import Path
from typing import Any

import docker
from django.conf import settings

from artifacts import store
from artifacts.backend import current
from runner.compute.docker import TMPFS, client
from runner.installation import LABEL as INSTALLATION_LABEL
from runner.installation import installation_id
from serving.models import DeploymentVersion, Replica

log = logging.getLogger(__name__)

LABEL = "pipewright.replica"
RUNTIME_DIR = Path(__file__).resolve().parent / "runtime"


def container_name(replica: Replica) -> str:
    return f"pw-{installation_id()}-serve-{replica.version_id}-{replica.index}-{replica.generation}"


def spec_file(version: DeploymentVersion) -> Path:
    folder = Path(settings.SERVING_ROOT) / "specs"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{version.pk}.json"
    if not path.exists():
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(version.spec))
        tmp.chmod(0o644)
        os.replace(tmp, path)
    return path


def socket_dir(name: str) -> Path:
    root = Path(settings.SERVING_ROOT)
    root.mkdir(parents=True, exist_ok=True)
    root.chmod(0o755)
    folder = root / "sock" / name
    folder.mkdir(parents=True, exist_ok=True)
    folder.parent.chmod(0o755)
    folder.chmod(0o777)  # the replica runs as nobody and makes its socket here
    return folder


def model_folder(sha: str) -> Path:
    """A local folder holding the model for as long as replicas mount it: the local store's own
    folder, or (another store, e.g. S3) a copy under SERVING_ROOT/models, made once per model."""
    chosen = current()
    if chosen.kind == "local":
        return store.path_for(sha)
    target = Path(settings.SERVING_ROOT) / "models" / sha
    if not target.is_dir():
        target.parent.mkdir(parents=True, exist_ok=True)
        with chosen.local_folder(sha) as folder, tempfile.TemporaryDirectory(dir=target.parent) as tmp:
            staged = Path(tmp) / "model"
            shutil.copytree(folder, staged)
            for p in [staged, *staged.rglob("*")]:
                p.chmod(0o755 if p.is_dir() else 0o644)  # the replica runs as nobody
            with contextlib.suppress(OSError):  # another process made it meanwhile: same bytes
                staged.rename(target)
    return target


def _bind(source: Path, target: str, *, read_only: bool) -> docker.types.Mount:
    """A bind mount that fails loudly when its source is missing (a `volumes` bind would create an
    empty folder in its place: a replica would start without its model and only fail to load it)."""
    return docker.types.Mount(target=target, source=str(source), type="bind", read_only=read_only)


def run_kwargs(replica: Replica, version: DeploymentVersion, name: str, sock: Path) -> dict[str, Any]:
    model = model_folder(version.spec["model"]["sha256"])
    return {
        "image": settings.SERVING_IMAGE,
        "command": ["python3", "-u", "/serving/server.py"],
        "name": name,
        "user": "65534:65534",
        "network_mode": "none",
        "security_opt": ["no-new-privileges"],
        "cap_drop": ["ALL"],
        "read_only": True,
        "tmpfs": TMPFS,
        "mem_limit": int(version.memory_mb) * 1024 * 1024,
        "nano_cpus": int(version.cpu * 1e9),
        "pids_limit": 64,
        "mounts": [
            _bind(RUNTIME_DIR, "/serving", read_only=True),
            _bind(spec_file(version), "/spec/spec.json", read_only=True),
            _bind(model, "/model", read_only=True),
            _bind(sock, "/sock", read_only=False),
        ],
        "environment": {
            "HOME": "/tmp",
            "OMP_NUM_THREADS": "1",
            "OPENBLAS_NUM_THREADS": "1",
            "PYTHONDONTWRITEBYTECODE": "1",
        },
        "labels": {INSTALLATION_LABEL: installation_id(), LABEL: str(replica.pk)},
        "detach": True,
    }


SOCKET_PATH_MAX = 107  # sun_path of a unix socket address


def start(replica: Replica, version: DeploymentVersion) -> tuple[str, str]:
    """Start the container of the replica's current generation; (container name, socket path)."""
    name = container_name(replica)
    sock = socket_dir(f"{replica.pk}-{replica.generation}")
    if len(str(sock / "replica.sock")) > SOCKET_PATH_MAX:
        raise ValueError(
            f"the socket path {sock}/replica.sock is longer than {SOCKET_PATH_MAX} bytes; "
            "set SERVING_ROOT to a shorter folder"
        )
    with contextlib.suppress(FileNotFoundError):
        (sock / "replica.sock").unlink()
    c = client()
    with contextlib.suppress(docker.errors.NotFound):
        c.containers.get(name).remove(force=True)
    c.containers.run(**run_kwargs(replica, version, name, sock))
    return name, str(sock / "replica.sock")


def stop(name: str, socket_path: str = "") -> None:
    if not name:
        return
    try:
        client().containers.get(name).remove(force=True)
    except docker.errors.NotFound:
        pass
    except docker.errors.APIError as exc:
        log.warning("could not remove replica %s: %s", name, exc)
    if not socket_path:
        return
    folder = Path(socket_path).parent
    with contextlib.suppress(OSError):
        for entry in folder.iterdir():
            entry.unlink()
        folder.rmdir()


def containers() -> dict[str, str]:
    """This installation's replica containers: name -> status (running, exited, ...)."""
    found = client().containers.list(
        all=True, filters={"label": [f"{INSTALLATION_LABEL}={installation_id()}", LABEL]}, ignore_removed=True
    )
    return {c.name: c.status for c in found}


def logs_tail(name: str, lines: int = 5) -> str:
    try:
        return client().containers.get(name).logs(tail=lines).decode(errors="replace").strip()
    except Exception:
        return ""


def ping(path: str, timeout: float = 1.0) -> bool:
    """True when a replica answers a ping on its socket within `timeout` seconds."""
    if not path:
        return False
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
            s.settimeout(timeout)
            s.connect(path)
            s.sendall(b'{"op":"ping"}\n')
            data = b""
            while not data.endswith(b"\n"):
                chunk = s.recv(4096)
                if not chunk:
                    return False
                data += chunk
        return bool(json.loads(data).get("ok"))
    except (OSError, ValueError):
        return False

"""Outputs are data, never links: a step that leaves a symbolic link, a second hard link, a FIFO or
a socket under /out fails with an error naming the path, and the host file such a link points at
keeps its content and mode (the worker runs as root and would otherwise read and chmod through
it). Real containers, as the hardened Docker backend runs them."""

from __future__ import annotations

import stat
from pathlib import Path
from typing import Any

import pytest

from artifacts import store
from runner import runs, steplogs
from runner.models import StepRun
from tests.runner.fixtures import make_version, publish_module, step

pytestmark = pytest.mark.docker

PLANT = """
import json, os, socket
params = json.load(open(os.environ["PIPEWRIGHT_PARAMS"]))
out = os.environ["PIPEWRIGHT_OUT"]
kind, host = params["kind"], params["host"]
open(os.path.join(out, "data", "ok.csv"), "w").write("a\\n1\\n")
if kind == "symlink-file":
    os.symlink(host, os.path.join(out, "data", "leak.txt"))
elif kind == "symlink-dir":
    os.makedirs(os.path.join(out, "data", "sub"))
    os.symlink(os.path.dirname(host), os.path.join(out, "data", "sub", "host"))
elif kind == "hardlink":  # /in is another (read-only) mount: a link can only reach the step's own files
    open(os.path.join(out, "other.txt"), "w").write("x")
    os.link(os.path.join(out, "other.txt"), os.path.join(out, "data", "link.txt"))
elif kind == "fifo":
    os.mkfifo(os.path.join(out, "data", "pipe"))
elif kind == "socket":
    s = socket.socket(socket.AF_UNIX)
    s.bind(os.path.join(out, "data", "sock"))
elif kind == "port-link":  # the port's folder itself replaced by a link to a host folder
    os.remove(os.path.join(out, "data", "ok.csv"))
    os.rmdir(os.path.join(out, "data"))
    os.symlink(os.path.dirname(host), os.path.join(out, "data"))
elif kind == "metrics-link":
    os.symlink(host, os.path.join(out, "metrics.json"))
print("planted", kind, flush=True)
"""

CASES = {
    "symlink-file": "output port 'data': leak.txt is a symbolic link; outputs must be regular files and folders",
    "symlink-dir": "output port 'data': sub/host is a symbolic link; outputs must be regular files and folders",
    "hardlink": "output port 'data': link.txt is a hard link (it has other names outside the output); "
    "outputs must be regular files and folders",
    "fifo": "output port 'data': pipe is a FIFO (named pipe); outputs must be regular files and folders",
    "socket": "output port 'data': sock is a socket; outputs must be regular files and folders",
    "port-link": "output port 'data': data is a symbolic link; outputs must be regular files and folders",
    "metrics-link": "output folder /out: metrics.json is a symbolic link; outputs must be regular files and folders",
}


@pytest.fixture
def host_file(runner_dirs: Path) -> Path:
    secret = runner_dirs / "host" / "secret.txt"
    secret.parent.mkdir()
    secret.write_text("the host's secret\n")
    secret.chmod(0o600)
    return secret


@pytest.mark.parametrize("kind", list(CASES))
def test_a_step_that_leaves_anything_but_files_and_folders_fails_naming_it(
    eager: Any, docker_compute: Any, alice: Any, acme: Any, host_file: Path, kind: str
) -> None:
    mv = publish_module(acme, "plant", PLANT)
    version = make_version(acme, [step("a", mv, params={"kind": kind, "host": str(host_file)})])
    run = runs.create_run(version, {}, True, alice)
    run.refresh_from_db()
    a = StepRun.objects.get(run=run, node="a")
    assert (a.status, a.error) == ("failed", CASES[kind])
    assert run.status == "failed" and a.outputs == {}
    assert steplogs.text(a).startswith(f"planted {kind}")
    assert host_file.read_text() == "the host's secret\n"
    assert stat.S_IMODE(host_file.stat().st_mode) == 0o600
    stored = [p for p in store.root().rglob("*") if p.is_file() or p.is_symlink()]
    assert stored == []  # nothing of the step's output reached the store


def test_local_compute_refuses_links_the_same_way(
    eager: Any, local: Any, alice: Any, acme: Any, host_file: Path
) -> None:
    mv = publish_module(acme, "plant", PLANT)
    version = make_version(acme, [step("a", mv, params={"kind": "symlink-file", "host": str(host_file)})])
    run = runs.create_run(version, {}, True, alice)
    a = StepRun.objects.get(run=run, node="a")
    assert (a.status, a.error) == ("failed", CASES["symlink-file"])
    assert host_file.read_text() == "the host's secret\n"
    assert stat.S_IMODE(host_file.stat().st_mode) == 0o600

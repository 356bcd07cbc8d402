"""The simulated hosts are what the multi-host tests need them to be: separate networks that reach
the control plane only through its address, separate file systems, separate Docker engines, and
a death that takes every process of the host, its containers' included, and nothing else."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import CI
from tests.multihost.hosts import Forward, SimHost, hosts, unsupported

TINY = "pw-mh-tiny:1"


def running(pid: int) -> bool:
    """Alive and not a zombie (a killed container's process may wait a moment to be reaped)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state not in {"Z", "X"}


@pytest.fixture(scope="module")
def two_hosts(tmp_path_factory: pytest.TempPathFactory) -> Iterator[list[SimHost]]:
    why = unsupported()
    if why:
        if CI:
            pytest.fail(f"under CI=true: {why}")
        pytest.skip(why)
    root = tmp_path_factory.mktemp("hosts")
    with hosts(root, "a", "b") as made:
        for h in made:
            h.build_tiny_image(TINY, root / "image")
        yield made


def test_each_host_has_its_own_engine_and_files(two_hosts: list[SimHost]) -> None:
    a, b = two_hosts
    a.docker("run", "-d", "--name", "long-a", "--network", "none", TINY, "600")
    assert a.docker("ps", "-q", "--filter", "name=long-a").stdout.strip()
    assert not b.docker("ps", "-aq").stdout.strip()  # B's engine never saw it
    # the same path is a different folder on each host (a private tmpfs per mount namespace)
    assert a.run(["sh", "-c", f"echo from-a > {a.var}/x && cat {a.var}/x"]).stdout == "from-a\n"
    assert b.run(["cat", f"{a.var}/x"]).returncode != 0
    assert not (a.var / "x").exists()  # nor is it this machine's folder


def test_a_host_reaches_the_control_plane_only_through_its_address(two_hosts: list[SimHost]) -> None:
    a, _ = two_hosts
    probe = "import socket,sys; socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=2).close()"
    # PostgreSQL listens on this machine's loopback: the host's own loopback is not it
    assert a.run([sys.executable, "-c", probe, "127.0.0.1", "5432"]).returncode != 0
    forward = Forward(a.gateway, 5432, "127.0.0.1", 5432)
    try:
        check = "import psycopg,sys; c = psycopg.connect(sys.argv[1]); print(c.execute('select 41 + 1').fetchone()[0])"
        done = a.run([sys.executable, "-c", check, f"postgres://postgres@{a.gateway}:5432/postgres"])
        assert done.returncode == 0, done.stderr
        assert done.stdout.strip() == "42"
    finally:
        forward.close()


def test_a_host_dies_with_every_process_and_the_other_lives_on(two_hosts: list[SimHost], tmp_path: Path) -> None:
    a, b = two_hosts
    b.docker("run", "-d", "--name", "long-b", "--network", "none", TINY, "600")
    worker = a.spawn(["sleep", "600"])
    a.docker("run", "-d", "--name", "doomed", "--network", "none", TINY, "600")
    container_pid = int(a.docker("inspect", "-f", "{{.State.Pid}}", "doomed").stdout)
    assert Path(f"/proc/{container_pid}").exists()
    a.kill()
    assert worker.poll() is not None
    assert not running(container_pid)
    assert not a.alive
    assert b.docker("ps", "-q", "--filter", "name=long-b").stdout.strip()  # B is untouched
    # it comes back: same engine state on disk, its containers no longer running
    a.boot()
    assert not a.docker("ps", "-q").stdout.strip()
    assert "doomed" in a.docker("ps", "-a", "--format", "{{.Names}}").stdout

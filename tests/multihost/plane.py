"""A Pipewright control plane on this machine and step workers on simulated hosts (hosts.py): what
the multi-host test (test_two_hosts.py) and bench/multihost_bench.py share.

The control plane runs as `make run` starts it, without step workers: a fresh PostgreSQL database
(from the stack layer's template), Redis, SeaweedFS (the S3 store), Daphne, the control worker and
beat. Each host gets Forwards for those services on its gateway address, the step image (built
once, `docker load`ed everywhere: the same image id on every engine) and, on demand, a step worker
that reaches the control plane only through that address.
"""

from __future__ import annotations

import contextlib
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import psycopg

from scripts import embedded_s3
from tests.multihost.hosts import Forward, SimHost, hosts
from tests.stack.graphs import TEAM
from tests.stack.stack import POSTGRES, ROOT, Api, Stack, drop_database, prepared_template

IMAGE = "pw-mh-step:1"
MODULE = "ticker"
# the control plane's sweep, as fast as a test may make it: a dead host's step is retried ~5 s after
FAST = {
    "PIPEWRIGHT_HEARTBEAT": "1",
    "PIPEWRIGHT_HEARTBEAT_TIMEOUT": "4",
    "PIPEWRIGHT_REAP_EVERY": "1",
    "PIPEWRIGHT_QUEUED_GRACE": "4",
}


def wait(check: Callable[[], Any], timeout: float, what: str, dump: Callable[[], str] = lambda: "") -> Any:
    """`check()`'s first truthy value within `timeout` seconds, or a failure saying what was awaited."""
    deadline = time.monotonic() + timeout
    while True:
        got = check()
        if got:
            return got
        if time.monotonic() > deadline:
            raise AssertionError(f"{what}: not within {timeout} s\n{dump()}")
        time.sleep(0.3)


class Plane:
    """The control plane, the hosts' step workers, and what a failure message shows."""

    def __init__(self, stack: Stack, s3: embedded_s3.S3Server, root: Path) -> None:
        self.stack = stack
        self.s3 = s3
        self.root = root
        self.workers: dict[str, Any] = {}
        self.forwards: list[Forward] = []

    def worker_env(self, host: SimHost) -> dict[str, str]:
        env = self.stack.env()
        env.update(self.s3.env())
        env.update(  # the control plane's services, at the host's gateway address (its Forwards)
            DATABASE_URL=self.via(host, env["DATABASE_URL"]),
            REDIS_URL=self.via(host, env["REDIS_URL"]),
            PIPEWRIGHT_S3_ENDPOINT=self.via(host, self.s3.endpoint),
            DOCKER_HOST=f"unix://{host.socket}",
            PIPEWRIGHT_HOST_ID=host.name,
            PIPEWRIGHT_COMPUTE="docker",
            PIPEWRIGHT_VAR=str(host.var),
            WORK_ROOT=str(host.var / "work"),
            PIPEWRIGHT_INPUT_CACHE_DIR=str(host.var / "input-cache"),
            PIPEWRIGHT_LOG_DIR=str(host.var / "logs"),
            PYTHONPATH=str(ROOT),
        )
        env.pop("PORT", None)
        return env

    def services(self) -> list[str]:
        return [self.stack.env()["DATABASE_URL"], self.stack.redis_url, self.s3.endpoint]

    @staticmethod
    def via(host: SimHost, url: str) -> str:
        """`url` (a service on this machine's loopback) as the host reaches it: its gateway."""
        parts = urlsplit(url)
        assert parts.hostname in {"127.0.0.1", "localhost"}, f"{url}: the forwards serve loopback services"
        netloc = parts.netloc.rsplit("@", 1)
        netloc[-1] = f"{host.gateway}:{parts.port}"
        return urlunsplit(parts._replace(netloc="@".join(netloc)))

    def forward(self, host: SimHost) -> None:
        for url in self.services():
            port = urlsplit(url).port
            assert port, f"{url}: no port"
            self.forwards.append(Forward(host.gateway, port, "127.0.0.1", port))

    def start_worker(self, host: SimHost, concurrency: int = 1, ready: bool = True) -> None:
        """The host's step worker, as operations.md's step host runs it; with `ready`, returns once
        it is up (its janitor at worker start recorded the host as seen)."""
        before = self.last_seen(host)
        log = (self.root / f"worker-{host.name}.log").open("ab")
        queues = f"compute-docker,host.{host.name}"
        argv = [sys.executable, "-m", "celery", "-A", "pipewright", "worker", "-l", "INFO", "-Q", queues]
        argv += ["-c", str(concurrency), "-n", f"steps-{host.name}@%h"]
        self.workers[host.name] = host.spawn(argv, env=self.worker_env(host), cwd=ROOT, stdout=log, stderr=log)
        log.close()
        if ready:
            wait(lambda: self.last_seen(host) != before, 90, f"host {host.name}'s worker to start", self.dump)

    def stop_worker(self, host: SimHost) -> None:
        """Stop the host's worker as a supervisor does (SIGTERM: it finishes its tasks)."""
        proc = self.workers.pop(host.name)
        proc.terminate()
        try:
            proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()

    def last_seen(self, host: SimHost) -> Any:
        with psycopg.connect(f"{POSTGRES}/{self.stack.database}") as conn:
            row = conn.execute("SELECT last_seen FROM runner_workerhost WHERE host_id = %s", [host.name]).fetchone()
        return row[0] if row else None

    def dump(self) -> str:
        parts = [f"--- control plane ({self.stack.log_path}):\n{self.stack.log()[-4000:]}"]
        for log in sorted(self.root.glob("worker-*.log")):
            parts.append(f"--- {log.name}:\n{log.read_text(errors='replace')[-4000:]}")
        return "\n".join(parts)

    def steps(self, run_id: int) -> dict[str, dict[str, Any]]:
        """The run's step records straight from the database: node -> status, attempt, host."""
        with psycopg.connect(f"{POSTGRES}/{self.stack.database}") as conn:
            rows = conn.execute(
                "SELECT node, status, attempt, host, container_name FROM runner_steprun WHERE run_id = %s",
                [run_id],
            ).fetchall()
        return {r[0]: {"status": r[1], "attempt": r[2], "host": r[3], "container": r[4]} for r in rows}

    def close(self) -> None:
        for f in self.forwards:
            f.close()


def ticker_spec() -> dict[str, Any]:
    return {
        "name": MODULE,
        "version": "1.0.0",
        "display_name": "Ticker",
        "category": "Data Transformation",
        "description": "Ticks for `seconds`, then writes its parameters and inputs.",
        "inputs": [{"name": f"in{k}", "type": "Any", "optional": True} for k in range(1, 5)],
        "outputs": [{"name": "result", "type": "Any"}],
        "parameters": {"seconds": {"type": "integer", "default": 1}, "tag": {"type": "string", "default": ""}},
        "runtime": {"image": IMAGE, "command": ["/tiny"], "timeout": 120},
        "deterministic": True,
    }


def publish_ticker(api: Api) -> str:
    """`demo/ticker` (its image: the static binary of hosts.TINY_C), published through the API."""
    api.ok(
        "POST",
        "/api/modules/",
        {"team": TEAM, "name": MODULE, "display_name": "Ticker", "category": "Data Transformation",
         "description": "Ticks, then writes its parameters and inputs."},
        status=201,
    )  # fmt: skip
    body = {"spec": ticker_spec(), "files": {"README.md": "a static binary in the image\n"}, "is_default": True}
    api.ok("POST", f"/api/modules/{TEAM}/{MODULE}/versions/", body, status=201)
    return f"{TEAM}/{MODULE}"


def leftovers(h: SimHost) -> list[str]:
    """Step containers on the host's engine (any: the engine is the host's own) and this
    installation's work folders on its disk."""
    names = h.docker("ps", "-a", "--format", "{{.Names}}").stdout.split()
    listed = h.run(["ls", "-A", str(h.var / "work")])
    folders = [f"{h.var}/work/{n}" for n in listed.stdout.split() if n.startswith("pw-")]
    return names + folders


@contextlib.contextmanager
def control_plane(
    root: Path, redis_db: int, names: tuple[str, ...] = ("a", "b"), settings: dict[str, str] | None = None
) -> Iterator[tuple[Plane, list[SimHost]]]:
    """The control plane and hosts `names` with the step image and their forwards (no worker yet).
    Everything is removed on exit, whatever happened: hosts, processes, databases, the S3 data."""
    root.mkdir(parents=True, exist_ok=True)
    root.chmod(0o755)
    template = prepared_template(root / "template-var")
    s3 = embedded_s3.start(root / "s3")
    extra = {**s3.env(), **(FAST if settings is None else settings), "PIPEWRIGHT_WORKERS": "0"}
    extra["PIPEWRIGHT_COMPUTE"] = "docker"
    extra["PIPEWRIGHT_HOST_ID"] = "control"
    stack = Stack("multihost", root / "control", redis_db, extra)
    stack.step_pools = []  # no step worker on the control plane
    made: Plane | None = None
    try:
        with hosts(root / "hosts", *names) as made_hosts:
            first, *others = made_hosts
            first.build_tiny_image(IMAGE, root / "image")
            first.copy_image(IMAGE, others, root / "image")
            stack.start(template)
            made = Plane(stack, s3, root)
            for h in made_hosts:
                made.forward(h)
            yield made, made_hosts
            stack.stop()
    finally:
        if made is not None:
            made.close()
        with contextlib.suppress(Exception):
            stack.close()
        s3.stop()
        drop_database(template)

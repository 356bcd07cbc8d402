"""Two worker hosts and a control plane, one of the hosts killed mid-step (issue 19, point 4).

The control plane runs on this machine as `make run` starts it, without step workers: a fresh
PostgreSQL database, Redis, SeaweedFS (the S3 store), Daphne, the control worker and beat. Each of
two simulated hosts (tests/multihost/hosts.py: own network, own disk, own Docker engine, every
process in one cgroup) runs one step worker that reaches the control plane only through its
gateway address, and has the step image loaded (same image id on both engines).

A fan-out of four steps and a join runs once as a baseline. The second run, cache off, has its long
step running on one host when that host dies (SIGKILL to every process of it: engine, shim,
container, worker). The sweep retries the step on the other host as attempt 2; the run succeeds
with outputs identical to the baseline's; while the dead host is still down, the step's log
(read from the database through the API) holds attempt 1's ticks and attempt 2's. Then the host
comes back, its worker's janitor removes the dead attempt's container and work folder, and no
container and no work folder is left on either engine or host.
"""

from __future__ import annotations

import contextlib
import os
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import psycopg
import pytest

from scripts import embedded_s3
from tests.conftest import CI
from tests.multihost.hosts import Forward, SimHost, hosts, unsupported
from tests.stack.graphs import TEAM, create_pipeline, edge, graph, node
from tests.stack.stack import POSTGRES, ROOT, Stack, drop_database, prepared_template

pytestmark = [pytest.mark.docker, pytest.mark.redis, pytest.mark.slow]

# its own Redis database number (the stack layer uses 7-10, `make test` 13)
REDIS_DB = int(os.environ.get("MULTIHOST_REDIS_DB", "11"))
IMAGE = "pw-mh-step:1"
MODULE = "ticker"
LONG = 12  # seconds of the step that is running when its host dies
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
    """The control plane plus the two hosts' step workers, and what a failure message shows."""

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

    def start_worker(self, host: SimHost) -> None:
        """The host's step worker, as operations.md's step host runs it (one step at a time)."""
        log = (self.root / f"worker-{host.name}.log").open("ab")
        queues = f"compute-docker,host.{host.name}"
        argv = [sys.executable, "-m", "celery", "-A", "pipewright", "worker", "-l", "INFO", "-Q", queues]
        argv += ["-c", "1", "-n", f"steps-{host.name}@%h"]
        self.workers[host.name] = host.spawn(argv, env=self.worker_env(host), cwd=ROOT, stdout=log, stderr=log)
        log.close()

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


def fan_out(api: Any) -> int:
    """Four parallel tickers (one of them long) into a join."""
    api.ok(
        "POST",
        "/api/modules/",
        {"team": TEAM, "name": MODULE, "display_name": "Ticker", "category": "Data Transformation",
         "description": "Ticks, then writes its parameters and inputs."},
        status=201,
    )  # fmt: skip
    body = {"spec": ticker_spec(), "files": {"README.md": "a static binary in the image\n"}, "is_default": True}
    api.ok("POST", f"/api/modules/{TEAM}/{MODULE}/versions/", body, status=201)
    mod = f"{TEAM}/{MODULE}"
    seconds = {"s1": 2, "s2": 2, "s3": 2, "long": LONG}
    nodes = [node(n, mod, {"seconds": s, "tag": n}) for n, s in seconds.items()]
    nodes.append(node("join", mod, {"seconds": 1, "tag": "join"}))
    edges = [edge(n, "join", f"in{k}") for k, n in enumerate(seconds, start=1)]
    return create_pipeline(api, "two hosts", graph(nodes, edges))


def outputs(run: dict[str, Any]) -> dict[str, str]:
    return {s["node"]: s["outputs"]["result"]["sha256"] for s in run["steps"]}


@pytest.fixture
def plane(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Plane, list[SimHost]]]:
    why = unsupported()
    if why:
        if CI:
            pytest.fail(f"under CI=true: {why}")
        pytest.skip(why)
    root = tmp_path_factory.mktemp("two-hosts")
    root.chmod(0o755)
    template = prepared_template(root / "template-var")
    s3 = embedded_s3.start(root / "s3")
    extra = {**s3.env(), **FAST, "PIPEWRIGHT_WORKERS": "0", "PIPEWRIGHT_COMPUTE": "docker"}
    extra["PIPEWRIGHT_HOST_ID"] = "control"
    stack = Stack("multihost", root / "control", REDIS_DB, extra)
    stack.step_pools = []  # no step worker on the control plane
    made: Plane | None = None
    try:
        with hosts(root / "hosts", "a", "b") as (a, b):
            a.build_tiny_image(IMAGE, root / "image")
            a.copy_image(IMAGE, [b], root / "image")
            stack.start(template)
            made = Plane(stack, s3, root)
            for h in (a, b):
                made.forward(h)
                made.start_worker(h)
            yield made, [a, b]
            stack.stop()
    finally:
        if made is not None:
            made.close()
        with contextlib.suppress(Exception):
            stack.close()
        s3.stop()
        drop_database(template)


def leftovers(h: SimHost) -> list[str]:
    """Step containers on the host's engine (any: the engine is the host's own) and this
    installation's work folders on its disk."""
    names = h.docker("ps", "-a", "--format", "{{.Names}}").stdout.split()
    listed = h.run(["ls", "-A", str(h.var / "work")])
    folders = [f"{h.var}/work/{n}" for n in listed.stdout.split() if n.startswith("pw-")]
    return names + folders


@pytest.mark.timeout(300)
def test_a_host_dies_mid_step_and_the_run_finishes_on_the_other(plane: tuple[Plane, list[SimHost]]) -> None:
    p, (a, b) = plane
    api = p.stack.api
    by_name = {"a": a, "b": b}
    pipeline = fan_out(api)
    began = time.monotonic()

    # the baseline: every step succeeds, on both hosts
    base_id = api.ok("POST", f"/api/pipelines/{pipeline}/runs/", {}, status=201)["id"]
    base = wait(lambda: (r := api.run(base_id))["status"] in {"succeeded", "failed", "canceled"} and r, 120,
                f"baseline run {base_id} to end", p.dump)  # fmt: skip
    assert base["status"] == "succeeded", ([(s["node"], s["error"]) for s in base["steps"]], p.dump())
    hosts_used = {s["host"] for s in p.steps(base_id).values()}
    assert hosts_used == {"a", "b"}, f"the baseline's steps ran on {hosts_used}, not on both hosts"
    expected = outputs(base)
    baseline = time.monotonic() - began
    for h in (a, b):
        wait(lambda h=h: not leftovers(h), 20, f"host {h.name} clean after the baseline: {leftovers(h)}", p.dump)

    # the second run, cache off: kill the host that runs the long step while it ticks
    run_id = api.ok("POST", f"/api/pipelines/{pipeline}/runs/", {"cache": False}, status=201)["id"]
    api.wait_log(run_id, "long", "tick 2", timeout=90)
    first = p.steps(run_id)["long"]
    assert first["status"] == "running" and first["attempt"] == 1, first
    dead, survivor = by_name[first["host"]], by_name[{"a": "b", "b": "a"}[first["host"]]]
    dead.kill()
    killed = time.monotonic()
    assert not dead.alive

    run = wait(lambda: (r := api.run(run_id))["status"] in {"succeeded", "failed", "canceled"} and r, 120,
               f"run {run_id} to end after host {dead.name} died", p.dump)  # fmt: skip
    assert run["status"] == "succeeded", ([(s["node"], s["error"]) for s in run["steps"]], p.dump())
    long = p.steps(run_id)["long"]
    assert long["attempt"] == 2 and long["host"] == survivor.name, long
    assert outputs(run) == expected
    recovered = time.monotonic() - killed
    assert not dead.alive  # everything above happened while it was down
    log = api.get(f"/api/runs/{run_id}/steps/long/logs")
    assert log.status_code == 200, log.text
    before, marker, after = log.text.partition("--- attempt 2 ---")
    assert marker, f"no attempt 2 in the log:\n{log.text}"
    assert "tick 2" in before, f"attempt 1's ticks are not in the log:\n{log.text}"
    assert f"tick {LONG - 1}" in after and "wrote result" in after, f"attempt 2's ticks:\n{log.text}"
    wait(lambda: not leftovers(survivor), 20, f"host {survivor.name} clean: {leftovers(survivor)}", p.dump)

    # the dead host comes back: its worker's janitor removes the dead attempt's container and folder
    dead.boot()
    booted = time.monotonic()
    stale = leftovers(dead)
    assert any(first["container"] in x for x in stale), f"the dead attempt left nothing to clean: {stale}"
    p.start_worker(dead)
    wait(lambda: not leftovers(dead), 60, f"host {dead.name}'s janitor to clean {stale}", p.dump)
    assert leftovers(survivor) == []
    print(
        f"\n[multihost] baseline {baseline:.1f} s on hosts a and b; host {dead.name} killed at tick 2 of {LONG}: "
        f"the run succeeded {recovered:.1f} s later on {survivor.name} (attempt 2); host {dead.name} back and "
        f"clean {time.monotonic() - booted:.1f} s after it booted (removed {stale})"
    )

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

import os
import time
from collections.abc import Iterator
from typing import Any

import pytest

from tests.conftest import CI
from tests.multihost.hosts import SimHost, unsupported
from tests.multihost.plane import Plane, control_plane, leftovers, publish_ticker, wait
from tests.stack.graphs import create_pipeline, edge, graph, node

pytestmark = [pytest.mark.docker, pytest.mark.redis, pytest.mark.slow]

# its own Redis database number (the stack layer uses 7-10, `make test` 13)
REDIS_DB = int(os.environ.get("MULTIHOST_REDIS_DB", "11"))
LONG = 12  # seconds of the step that is running when its host dies


def fan_out(api: Any) -> int:
    """Four parallel tickers (one of them long) into a join."""
    mod = publish_ticker(api)
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
    with control_plane(tmp_path_factory.mktemp("two-hosts"), REDIS_DB) as (made, two):
        for h in two:
            made.start_worker(h)  # one step at a time on each host
        yield made, two


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

#!/usr/bin/env python
"""Scale-out across worker hosts: a 20-wide fan-out of fixed-length container steps on one worker
host against two, the same concurrency on each host (issue 19, point 5).

The hosts are simulated on this machine as the multi-host test makes them (tests/multihost: a
network and mount namespace, its own Docker engine and one step worker per host, reaching the
control plane through forwarders); each step is the static `ticker` binary sleeping STEP seconds in
its container. One host with C slots needs about 20 * STEP / C seconds; two hosts half that: the
ratio of the two runs' wall times (POST of the run to its terminal state, cache off) is the
scale-out, target >= 1.8x. Needs root, `ip`, `nsenter`, `unshare`, `dockerd` and `gcc`; without
them it says why and measures nothing.
"""

from __future__ import annotations

import os
import shutil
import statistics
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.multihost.hosts import unsupported  # noqa: E402
from tests.multihost.plane import Plane, control_plane, publish_ticker, wait  # noqa: E402
from tests.stack.graphs import create_pipeline, graph, node  # noqa: E402

WIDE = 20
STEP = 2  # seconds each step sleeps in its container
SLOTS = 2  # steps at once per host (the worker's -c)
ROUNDS = 2  # one host, then two, each round (the machine is shared: medians)
TERMINAL = {"succeeded", "failed", "canceled"}


def at(stamp: str) -> float:
    return datetime.fromisoformat(stamp.replace("Z", "+00:00")).timestamp()


def timed_run(plane: Plane, pipeline: int) -> tuple[float, float, float, set[str]]:
    """One run, cache off: its wall time; the span from its first step's claim to its last step's
    end (the steps' own timestamps: the fan-out's work without the run's start and close); each
    step's median time in its slot beyond its STEP seconds; the hosts its steps ran on."""
    api = plane.stack.api
    started = time.monotonic()
    run_id = api.ok("POST", f"/api/pipelines/{pipeline}/runs/", {"cache": False}, status=201)["id"]
    run = wait(lambda: (r := api.run(run_id))["status"] in TERMINAL and r, 600, f"run {run_id} to end", plane.dump)
    wall = time.monotonic() - started
    if run["status"] != "succeeded":
        raise SystemExit(
            f"run {run_id} {run['status']}: {[(s['node'], s['error']) for s in run['steps'] if s['error']]}"
        )
    timings = [s["timings"] for s in run["steps"]]
    span = max(at(t["finished_at"]) for t in timings) - min(at(t["claimed_at"]) for t in timings)
    extra = statistics.median(at(t["finished_at"]) - at(t["claimed_at"]) - STEP for t in timings)
    return wall, span, extra, {s["host"] for s in plane.steps(run_id).values()}


def rounds(results: list[tuple[float, float, float, set[str]]]) -> str:
    return ", ".join(f"{r[0]:.1f}" for r in results)


def main() -> int:
    why = unsupported()
    if why:
        print(f"multihost bench not run: {why}")
        return 0
    default_db = (os.environ.get("REDIS_URL", "").rsplit("/", 1)[-1:] or ["14"])[0]
    redis_db = int(os.environ.get("BENCH_MULTIHOST_REDIS_DB") or (default_db if default_db.isdigit() else "14"))
    root = Path(tempfile.mkdtemp(prefix="pw-multihost-bench-"))
    try:
        return measure(root, redis_db)
    finally:
        shutil.rmtree(root, ignore_errors=True)


def measure(root: Path, redis_db: int) -> int:
    with control_plane(root, redis_db, settings={}) as (plane, (a, b)):
        mod = publish_ticker(plane.stack.api)
        nodes = [node(f"s{i:02d}", mod, {"seconds": STEP, "tag": f"s{i:02d}"}) for i in range(WIDE)]
        wide = create_pipeline(plane.stack.api, "fan-out", graph(nodes))
        warm = create_pipeline(plane.stack.api, "warm-up", graph(nodes[: 2 * SLOTS]))

        plane.start_worker(a, SLOTS)
        timed_run(plane, warm)  # the engine's first containers, the worker's first tasks
        ones: list[tuple[float, float, float, set[str]]] = []
        twos: list[tuple[float, float, float, set[str]]] = []
        for _ in range(ROUNDS):
            ones.append(timed_run(plane, wide))
            plane.start_worker(b, SLOTS)
            timed_run(plane, warm)
            twos.append(timed_run(plane, wide))
            plane.stop_worker(b)
        one, one_span, one_extra = (statistics.median(r[i] for r in ones) for i in range(3))
        two, two_span, two_extra = (statistics.median(r[i] for r in twos) for i in range(3))
        on_one = set().union(*(r[3] for r in ones))
        on_two = set().union(*(r[3] for r in twos))
    ideal = WIDE * STEP / SLOTS
    print(
        f"(a) {WIDE}-wide fan-out of {STEP} s container steps, {SLOTS} slots per host: one host {one:.1f} s"
        f" (ideal {ideal:.0f} s), two hosts {two:.1f} s (ideal {ideal / 2:.0f} s) -> throughput ratio {one / two:.2f}x"
        f" (target >= 1.8x; medians of {ROUNDS} rounds: {rounds(ones)} s vs {rounds(twos)} s)"
    )
    print(
        f"    first claim -> last step's end: one host {one_span:.1f} s, two hosts {two_span:.1f} s -> ratio"
        f" {one_span / two_span:.2f}x; a step's median time in its slot beyond its {STEP} s: {one_extra:.2f} s on"
        f" one host, {two_extra:.2f} s on two (claim, container, outputs, record)"
    )
    print(f"    steps ran on {sorted(on_one)}, then on {sorted(on_two)}; machine: {os.cpu_count()} cores")
    return 0


if __name__ == "__main__":
    sys.exit(main())

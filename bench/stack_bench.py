#!/usr/bin/env python
"""The runner as users run it: the whole `make run` stack (scripts/run.py on a fresh database, with
its default workers), driven only over HTTP and the WebSocket, against floors measured in the
same run.

(a) a 10-step chain of a tiny container (a static binary on `FROM scratch` that writes one byte)
    vs a plain sequential `docker run --rm --network none` loop of the same image, in interleaved
    rounds: the per-step overhead, and where it goes (from each step's `timings`);
(b) container exit (Docker's `die` event) -> the step's event on the WebSocket, p50/p95;
(c) the same chain while a client polls the run every 10 ms;
(d) a fully cached rerun of a 50-step chain, from the server's own timestamps;
(e) the web process's CPU per `GET /api/runs/{id}/` of that 50-step run (from /proc);
(f) a 50-wide fan-out of the tiny container vs the same containers by a pool of as many threads
    as the stack has step slots (each a `docker run`).
The image is built locally (no registry): gcc -static, then `docker build` of FROM scratch.
"""

# ruff: noqa: E501  (lines of the printed report)
from __future__ import annotations

import itertools
import json
import math
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import docker  # noqa: E402
import psutil  # noqa: E402
import websocket  # noqa: E402

from tests.stack.stack import Stack, drop_database, prepared_template  # noqa: E402

IMAGE = "pipewright/bench-tiny:1"
TEAM = "demo"
N, ROUNDS, WIDE, FAN_ROUNDS = 10, 5, 50, 3
TINY_C = r"""
#include <fcntl.h>
#include <unistd.h>
int main(void) {
    int fd = open("/out/data/x", O_CREAT | O_WRONLY | O_TRUNC, 0644);
    if (fd >= 0) { if (write(fd, "1", 1) != 1) return 1; close(fd); }
    return 0;
}
"""
SEGMENTS = [
    ("queued -> claimed (commit, hand-over, claim)", "queued_at", "claimed_at"),
    ("claimed -> container started (prepare, create, attach)", "claimed_at", "container_started_at"),
    ("container started -> exit seen", "container_started_at", "container_exited_at"),
    ("exit seen -> outputs stored", "container_exited_at", "outputs_stored_at"),
    ("outputs stored -> finishing (outcome recorded)", "outputs_stored_at", "finished_at"),
]
EDGES: dict[str, list[float]] = {
    "Docker die event -> worker sees the exit": [],
    "finishing -> succeeded event on the WebSocket": [],
}


def ts(value: str) -> float:
    return datetime.fromisoformat(value).timestamp()


def build_image() -> None:
    """The tiny step image, built here from a static binary (no registry needed)."""
    with tempfile.TemporaryDirectory() as tmp:
        t = Path(tmp)
        (t / "tiny.c").write_text(TINY_C)
        subprocess.run(["gcc", "-static", "-Os", "-s", "-o", str(t / "tiny"), str(t / "tiny.c")], check=True)
        (t / "Dockerfile").write_text('FROM scratch\nCOPY tiny /tiny\nCMD ["/tiny"]\n')
        subprocess.run(["docker", "build", "-q", "-t", IMAGE, str(t)], check=True, capture_output=True)


class BenchStack(Stack):
    """The stack with `make run`'s defaults for the workers (one step worker of two slots)."""

    def __init__(self, var: Path, redis_db: int) -> None:
        super().__init__("bench", var, redis_db)
        self.step_pools = [2]

    def env(self) -> dict[str, str]:
        env = super().env()
        env.pop("PIPEWRIGHT_WORKERS")
        env.pop("PIPEWRIGHT_WORKER_CONCURRENCY")
        return env


def publish(stack: Stack) -> None:
    api = stack.api
    api.ok("POST", "/api/modules/", {"team": TEAM, "name": "tiny", "display_name": "Tiny", "category": "Bench"},
           status=201)  # fmt: skip
    spec = {
        "name": "tiny",
        "version": "1.0.0",
        "display_name": "Tiny",
        "category": "Bench",
        "inputs": [{"name": "in0", "type": "Any", "optional": True}],
        "outputs": [{"name": "data", "type": "Any"}],
        "runtime": {"image": IMAGE, "command": ["/tiny"], "timeout": 60},
        "deterministic": True,
    }
    api.ok("POST", f"/api/modules/{TEAM}/tiny/versions/", {"spec": spec, "files": {}, "is_default": True}, status=201)


def chain(stack: Stack, name: str, n: int) -> int:
    nodes = [
        {"id": f"s{i}", "module": f"{TEAM}/tiny", "version": None, "params": {}, "position": {"x": 0, "y": i * 80}}
        for i in range(n)
    ]
    edges = [
        {"source": f"s{i - 1}", "source_port": "data", "target": f"s{i}", "target_port": "in0"} for i in range(1, n)
    ]
    body = stack.api.ok(
        "POST",
        "/api/pipelines/",
        {"team": TEAM, "name": name, "graph": {"schema": 1, "nodes": nodes, "edges": edges, "parameters": []}},
        status=201,
    )
    assert not body["errors"], body["errors"]
    return int(body["id"])


def fanout(stack: Stack, name: str, n: int) -> int:
    """n independent nodes of the tiny module: a fan-out as wide as the workers let it be."""
    nodes = [
        {"id": f"f{i}", "module": f"{TEAM}/tiny", "version": None, "params": {}, "position": {"x": i * 40, "y": 0}}
        for i in range(n)
    ]
    body = stack.api.ok(
        "POST",
        "/api/pipelines/",
        {"team": TEAM, "name": name, "graph": {"schema": 1, "nodes": nodes, "edges": [], "parameters": []}},
        status=201,
    )
    assert not body["errors"], body["errors"]
    return int(body["id"])


def pool_floor(n: int, workers: int) -> float:
    """The floor of a fan-out: the same n containers by a plain pool of `workers` threads, each a
    `docker run --rm --network none`."""
    from concurrent.futures import ThreadPoolExecutor

    def one(_: int) -> None:
        subprocess.run(["docker", "run", "--rm", "--network", "none", IMAGE], check=True, capture_output=True)

    start = time.perf_counter()
    with ThreadPoolExecutor(workers) as pool:
        list(pool.map(one, range(n)))
    return time.perf_counter() - start


class Dies:
    """Docker `die` events of step containers: steprun id -> when (seconds since the epoch)."""

    def __init__(self) -> None:
        self.at: dict[int, float] = {}
        self.stream = docker.from_env().events(decode=True, filters={"event": "die", "label": "pipewright.steprun"})
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        try:
            for ev in self.stream:
                step = ev.get("Actor", {}).get("Attributes", {}).get("pipewright.steprun")
                if step:
                    self.at[int(step)] = ev["timeNano"] / 1e9
        except Exception:  # closed at the end
            pass

    def close(self) -> None:
        self.stream.close()


class Feed:
    """The run's WebSocket, read by a thread: when each step's succeeded event arrived."""

    def __init__(self, stack: Stack, run_id: int) -> None:
        self.ws = websocket.create_connection(f"ws://127.0.0.1:{stack.port}/ws/runs/{run_id}/?token={stack.token}")
        self.succeeded: dict[int, float] = {}
        self.done = threading.Event()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        try:
            while True:
                msg = json.loads(self.ws.recv())
                now = time.time()
                if msg.get("type") == "step" and msg.get("status") == "succeeded":
                    self.succeeded[int(msg["step"]["id"])] = now
                if msg.get("type") == "run" and msg.get("status") in ("succeeded", "failed", "canceled"):
                    self.done.set()
        except Exception:
            self.done.set()

    def close(self) -> None:
        self.ws.close()


def start_run(stack: Stack, pipeline: int, cache: bool) -> tuple[int, float]:
    began = time.time()
    run = stack.api.ok("POST", f"/api/pipelines/{pipeline}/runs/", {"cache": cache}, status=201)
    return int(run["id"]), began


def finished(stack: Stack, run_id: int, timeout: float = 120) -> dict[str, Any]:
    run = stack.api.wait_run(run_id, timeout)
    assert run["status"] == "succeeded", run
    return dict(run)


def floor_loop(n: int) -> float:
    """The floor: a plain sequential `docker run` loop of the same image."""
    start = time.perf_counter()
    for _ in range(n):
        subprocess.run(["docker", "run", "--rm", "--network", "none", IMAGE], check=True, capture_output=True)
    return time.perf_counter() - start


def sdk_start_floor(n: int) -> tuple[list[float], list[float]]:
    """The floor of "claimed -> container started": the engine's own create (with the step's
    locked-down settings and a bind-mounted output folder) and attach, as the worker's Docker
    backend calls them, timed directly through the SDK; returns (create, attach) seconds each, for
    n containers (each then started, waited for and removed off the clock)."""
    api = docker.from_env().api
    api.trust_env = False  # as the runner's client on a unix socket
    created, attached = [], []
    for _ in range(n):
        with tempfile.TemporaryDirectory() as tmp:
            out = Path(tmp) / "out"
            (out / "data").mkdir(parents=True)
            os.chmod(out, 0o777)
            os.chmod(out / "data", 0o777)
            host = api.create_host_config(
                network_mode="none",
                security_opt=["no-new-privileges"],
                cap_drop=["ALL"],
                read_only=True,
                tmpfs={"/tmp": "rw,size=64m,mode=1777"},
                mem_limit=256 * 1024**2,
                nano_cpus=10**9,
                pids_limit=256,
                mounts=[docker.types.Mount(target="/out", source=str(out), type="bind", read_only=False)],
            )
            t0 = time.perf_counter()
            cid = api.create_container(IMAGE, ["/tiny"], user="65534:65534", working_dir="/out", host_config=host)["Id"]
            t1 = time.perf_counter()
            # attached as the Docker backend attaches (the SDK's attach without its TTY inspect)
            params = {"logs": 1, "stdout": 1, "stderr": 1, "stream": 1}
            upgrade = {"Connection": "Upgrade", "Upgrade": "tcp"}
            response = api._post(api._url("/containers/{0}/attach", cid), headers=upgrade, params=params, stream=True)
            stream = api._read_from_socket(response, True, False, demux=False)
            t2 = time.perf_counter()
            api.start(cid)
            for _chunk in stream:
                pass
            api.wait(cid)
            api.remove_container(cid, force=True)
            created.append(t1 - t0)
            attached.append(t2 - t1)
    return created, attached


def chain_round(
    stack: Stack, pipeline: int, dies: Dies, poll: bool = False
) -> tuple[float, dict[str, Any], list[float]]:
    """One run of the chain: its wall time (POST -> the server's finished_at), the run, and exit ->
    WebSocket latencies of its steps."""
    stop = threading.Event()
    holder: dict[str, int] = {}

    def poller() -> None:
        while not stop.is_set():
            if "id" in holder:
                stack.api.get(f"/api/runs/{holder['id']}/")
            time.sleep(0.01)

    thread = threading.Thread(target=poller, daemon=True)
    if poll:
        thread.start()
    run_id, began = start_run(stack, pipeline, cache=False)
    holder["id"] = run_id
    feed = Feed(stack, run_id)
    feed.done.wait(120)
    stop.set()
    run = finished(stack, run_id)
    time.sleep(0.2)  # the last die events
    feed.close()
    lat = [
        feed.succeeded[s["id"]] - dies.at[s["id"]]
        for s in run["steps"]
        if s["id"] in feed.succeeded and s["id"] in dies.at
    ]
    for s in run["steps"]:  # the two ends the step's own timings cannot see
        t = s["timings"]
        if s["id"] in dies.at and "container_exited_at" in t:
            EDGES["Docker die event -> worker sees the exit"].append(ts(t["container_exited_at"]) - dies.at[s["id"]])
        if s["id"] in feed.succeeded:
            EDGES["finishing -> succeeded event on the WebSocket"].append(
                feed.succeeded[s["id"]] - ts(t["finished_at"])
            )
    return ts(run["finished_at"]) - began, run, lat


def pct(values: list[float], q: float) -> float:
    s = sorted(values)
    return s[min(len(s) - 1, max(0, math.ceil(q * len(s)) - 1))]


def breakdown(runs: list[dict[str, Any]]) -> None:
    per: dict[str, list[float]] = {label: [] for label, _, _ in SEGMENTS}
    handoff, first, last = [], [], []
    cpu = [s["cpu_seconds"] for r in runs for s in r["steps"] if s["cpu_seconds"] is not None]
    for run in runs:
        steps = sorted(run["steps"], key=lambda s: int(s["node"][1:]))
        for s in steps:
            t = s["timings"]
            for label, a, b in SEGMENTS:
                if a in t and b in t:
                    per[label].append(ts(t[b]) - ts(t[a]))
        for prev, nxt in itertools.pairwise(steps):
            handoff.append(ts(nxt["timings"]["queued_at"]) - ts(prev["timings"]["finished_at"]))
        first.append(ts(steps[0]["timings"]["queued_at"]) - ts(run["created_at"]))
        last.append(ts(run["finished_at"]) - ts(steps[-1]["timings"]["finished_at"]))
    per["finishing -> next step queued (outcome committed, advance)"] = handoff
    per.update(EDGES)
    print("    per step, median (p95) over every step of every round, ms:")
    for label, values in per.items():
        if values:
            print(f"      {label:<62} {statistics.median(values) * 1000:6.1f} ({pct(values, 0.95) * 1000:.1f})")
    print(
        f"    per run: created -> first step queued {statistics.median(first) * 1000:.1f} ms, last step finishing -> run finished {statistics.median(last) * 1000:.1f} ms"
    )
    print(
        f"    cpu_seconds known for {len(cpu)} of {sum(len(r['steps']) for r in runs)} steps (the tiny container exits before its cgroup is sampled)"
    )


def web_cpu_per_get(stack: Stack, path: str, n: int = 200) -> float:
    """CPU seconds the Daphne process spends per GET of `path`, from /proc (whose clock ticks are
    10 ms: enough requests that a tick is noise, not a figure)."""
    root = psutil.Process(stack.proc.pid)  # type: ignore[union-attr]
    web = next(p for p in root.children(recursive=True) if "daphne" in " ".join(p.cmdline()))
    stack.api.ok("GET", path)
    before = sum(web.cpu_times()[:2])
    for _ in range(n):
        stack.api.ok("GET", path)
    return (sum(web.cpu_times()[:2]) - before) / n


def main() -> int:
    print(f"    load average at the start: {', '.join(f'{x:.1f}' for x in os.getloadavg())} on {os.cpu_count()} cores")
    build_image()
    var = Path(tempfile.mkdtemp(prefix="pw-stack-bench-"))
    # the stack flushes its Redis database at start: the one REDIS_URL names (make bench: the test
    # Redis), unless BENCH_STACK_REDIS_DB says otherwise
    default_db = (os.environ.get("REDIS_URL", "").rsplit("/", 1)[-1:] or ["14"])[0]
    redis_db = int(os.environ.get("BENCH_STACK_REDIS_DB") or (default_db if default_db.isdigit() else "14"))
    template = prepared_template(var / "template")
    stack = BenchStack(var / "stack", redis_db)
    dies = None
    try:
        stack.start(template)
        publish(stack)
        dies = Dies()
        short = chain(stack, "bench chain", N)
        finished(stack, start_run(stack, short, cache=False)[0])  # warm the workers
        floors, ours, runs, lat = [], [], [], []
        for _ in range(ROUNDS):
            floors.append(floor_loop(N))
            wall, run, got = chain_round(stack, short, dies)
            ours.append(wall)
            runs.append(run)
            lat += got
        f, o = statistics.median(floors), statistics.median(ours)
        paired = statistics.median((x - y) / N for x, y in zip(ours, floors, strict=True))
        print(
            f"(a) 10-step container chain through the API: {o:.2f} s vs `docker run --rm --network none` loop {f:.2f} s"
            f" -> {paired * 1000:.0f} ms per step above the loop (median of the rounds' differences; target <= 25,"
            f" stretch <= 10), ratio {o / f:.2f}x"
        )
        print(
            f"    medians of {ROUNDS} interleaved rounds; ours {', '.join(f'{x:.2f}' for x in ours)}; loop {', '.join(f'{x:.2f}' for x in floors)}"
        )
        print(f"    floor: {f / N * 1000:.0f} ms per `docker run` of the tiny image")
        breakdown(runs)
        created, attached = sdk_start_floor(2 * N)
        print(
            f"    floor of claimed -> container started: the SDK's create {statistics.median(created) * 1000:.1f} ms"
            f" + attach {statistics.median(attached) * 1000:.1f} ms of the same locked-down container (medians of {len(created)})"
        )
        if lat:
            print(
                f"(b) container exit (Docker die event) -> step event on the WebSocket: p50 {statistics.median(lat) * 1000:.0f} ms,"
                f" p95 {pct(lat, 0.95) * 1000:.0f} ms over {len(lat)} steps (target p95 <= 50 ms)"
            )
        polled = [chain_round(stack, short, dies, poll=True)[0] for _ in range(2)]
        p = statistics.median(polled)
        print(
            f"(c) the chain while a client polls GET /api/runs/{{id}}/ every 10 ms: {p:.2f} s vs {o:.2f} s unpolled -> {p / o:.2f}x"
        )
        wide = chain(stack, "bench chain 50", WIDE)
        first_id, _ = start_run(stack, wide, cache=True)
        first = finished(stack, first_id, 300)
        again = stack.api.ok("POST", f"/api/runs/{first_id}/rerun", {"mode": "all"}, status=201)
        rerun = finished(stack, int(again["id"]))
        took = ts(rerun["finished_at"]) - ts(rerun["created_at"])
        executed = sum(1 for s in rerun["steps"] if s["status"] != "cached")
        print(
            f"(d) fully cached rerun of a 50-step chain: {took:.3f} s created -> finished (target <= 0.2 s);"
            f" first run {ts(first['finished_at']) - ts(first['created_at']):.1f} s; steps executed on rerun: {executed}"
        )
        cpu = web_cpu_per_get(stack, f"/api/runs/{first_id}/")
        me = web_cpu_per_get(stack, "/api/me/")
        print(
            f"(e) web process CPU per GET /api/runs/{{id}}/ of the 50-step run: {cpu * 1000:.1f} ms (target <= 5 ms);"
            f" floor: GET /api/me/ (authentication and the framework alone) {me * 1000:.1f} ms"
        )
        slots = sum(stack.step_pools)
        spread = fanout(stack, "bench fan-out 50", WIDE)
        fan, floor = [], []
        for _ in range(FAN_ROUNDS):  # a median of three: one round slowed by the host is not the figure
            floor.append(pool_floor(WIDE, slots))
            run_id, began = start_run(stack, spread, cache=False)
            fan.append(ts(finished(stack, run_id, 300)["finished_at"]) - began)
        fo, ff = statistics.median(fan), statistics.median(floor)
        print(
            f"(f) {WIDE}-wide fan-out of the tiny container on the stack's {slots} step slots: {fo:.2f} s vs the same"
            f" containers by a pool of {slots} threads running `docker run` {ff:.2f} s -> {fo / ff:.2f}x (target <= 1.15x);"
            f" rounds: ours {', '.join(f'{x:.2f}' for x in fan)}, pool {', '.join(f'{x:.2f}' for x in floor)}"
        )
        print(
            f"    load average during the bench: {', '.join(f'{x:.1f}' for x in os.getloadavg())} on {os.cpu_count()} cores"
        )
        problems = stack.problems()
        if problems:
            print(f"server log problems: {len(problems)}\n" + problems[0])
        stack.stop()
    finally:
        if dies is not None:
            dies.close()
        stack.close()
        drop_database(template)
    return 0


if __name__ == "__main__":
    sys.exit(main())

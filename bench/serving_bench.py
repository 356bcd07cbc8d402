#!/usr/bin/env python
"""Real-time deployments: single-row scoring latency through the full HTTP path against the
model's own predict in-process as the floor, and throughput with 1 and 2 replicas, with where the
CPU goes.

Setup (not timed): two training pipelines run in Docker (Celery eager) through the same modules
(Import Data -> Clean Missing Data -> Normalize Data -> Split -> Train Model), their inference
pipelines are derived and deployed:
  - iris: logistic regression on iris (predict ~0.1 ms: a request's cost is the web tier's);
  - forest: a random forest of 100 trees (scikit-learn's default) on breast_cancer (30 columns,
    569 rows; one-row predict + predict_proba costs the replica several to tens of ms: a request's
    cost is the model's).
The replica supervisor runs in a thread of this process; Daphne runs as `make run` starts it (one
process), on a free port.
(a) the floor: inside the step image (the replica's Python, sklearn and pandas), the replica's own
    Scorer.predict of one row, and the bare estimator.predict, called in-process;
(b) iris: one client, one keep-alive connection, sequential single-row POST
    /api/deployments/<slug>/score with a deployment token: p50 / p99 (targets: p50 <= 15 ms,
    p99 <= 50 ms);
(c) throughput under a bounded loopback load (CLIENTS threads of this process, each with its own
    keep-alive connection, for SECONDS; the same for every phase) with 1 replica, then 2, ROUNDS
    times alternating (target: two >= 1.7x one, over all rounds), for iris and for the forest.
    During each phase the CPU time of each process is sampled (psutil: Daphne; each replica
    container's processes, found by the container's pid; the load generator's threads; the rest of
    this process; the machine as a whole) and printed as CPU ms per request and utilisation (cores
    busy on average; the machine has 2): the process near its ceiling (Daphne's event loop at 1
    core, a replica at its 1-CPU limit) is the bottleneck.
    Where Docker keeps every container under one cgroup v1 parent (the cgroupfs driver), that
    parent's CPU is printed too: it competes with the weight of one process against each process
    outside containers, so on a busy host all replicas together get about one process's share.
"""

# ruff: noqa: E501  (lines of the printed report)
from __future__ import annotations

import http.client
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psutil

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("PIPEWRIGHT_DEV", "1")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pipewright.settings")
os.environ.setdefault("CELERY_KEY_PREFIX", f"pwbench{os.getpid()}:")
os.environ.setdefault("CHANNELS_PREFIX", f"pwbench{os.getpid()}")
os.environ["PIPEWRIGHT_COMPUTE"] = "docker"
SERVING_ROOT = tempfile.mkdtemp(prefix="pwsb-", dir="/tmp")  # short: unix socket paths
os.environ["SERVING_ROOT"] = SERVING_ROOT
os.environ["SERVING_RECONCILE_SECONDS"] = "0.3"

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402

SLUG = f"bench-iris-{os.getpid()}"
FOREST_SLUG = f"bench-forest-{os.getpid()}"
ROW = {"sepal length (cm)": 5.1, "sepal width (cm)": 3.5, "petal length (cm)": 1.4, "petal width (cm)": 0.2}
FOREST = {"sample": "breast_cancer", "algorithm": "random_forest_classifier", "n_estimators": 100}
FOREST_SAMPLES = int(os.environ.get("SERVING_BENCH_FOREST_SAMPLES", "60"))
SAMPLES = int(os.environ.get("SERVING_BENCH_SAMPLES", "400"))
CLIENTS = int(os.environ.get("SERVING_BENCH_CLIENTS", "4"))
SECONDS = float(os.environ.get("SERVING_BENCH_SECONDS", "8"))
ROUNDS = int(os.environ.get("SERVING_BENCH_ROUNDS", "2"))

FLOOR = r"""
import json, pickle, sys, time
sys.path.insert(0, "/serving")
import server
spec = json.load(open("/spec/spec.json"))
model = pickle.load(open("/model/model.pkl", "rb"))
scorer = server.Scorer(spec, model)
row = json.loads(sys.argv[1])
x = scorer.vectorize(scorer.transform([row]))
import warnings; warnings.filterwarnings("ignore")
out = {}
for name, fn in (("scorer", lambda: scorer.predict([row])), ("estimator", lambda: model["estimator"].predict(x))):
    for _ in range(10):
        fn()
    times = []
    for _ in range(int(sys.argv[2])):
        t = time.perf_counter(); fn(); times.append((time.perf_counter() - t) * 1000)
    times.sort()
    out[name] = [times[len(times) // 2], times[int(len(times) * 0.99)]]
print(json.dumps(out))
"""


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * q))]


@dataclass
class Deployed:
    name: str
    deployment: Any
    version: Any
    key: str
    row: dict[str, Any]


def setup() -> tuple[Deployed, Deployed]:
    from django.contrib.auth import get_user_model

    from pipewright.celery import app
    from teams.models import Membership, Role, Team
    from tests.serving.helpers import TRAIN_GRAPH

    call_command("migrate", verbosity=0)
    call_command("load_library", verbosity=0)
    app.conf.task_always_eager = True
    user, _ = get_user_model().objects.get_or_create(username="bench-serving")
    team, _ = Team.objects.get_or_create(name="bench-serving")
    Membership.objects.get_or_create(team=team, user=user, defaults={"role": Role.OWNER})
    iris = deploy(user, team, "iris", TRAIN_GRAPH, SLUG, ROW)
    forest_graph = json.loads(json.dumps(TRAIN_GRAPH))
    for node in forest_graph["nodes"]:
        if node["id"] == "imp":
            node["params"]["sample"] = FOREST["sample"]
        if node["id"] == "train":
            node["params"].update(algorithm=FOREST["algorithm"], n_estimators=FOREST["n_estimators"])
    from sklearn.datasets import load_breast_cancer  # the row a client would send: the first sample

    first = load_breast_cancer(as_frame=True).frame.drop(columns=["target"]).iloc[0]
    forest = deploy(user, team, "forest", forest_graph, FOREST_SLUG, {str(k): float(v) for k, v in first.items()})
    return iris, forest


def deploy(user: Any, team: Any, name: str, graph: dict[str, Any], slug: str, row: dict[str, Any]) -> Deployed:
    """Train `graph` (Docker), derive its inference pipeline and deploy it with 1 replica."""
    from designer.services import do_create_pipeline
    from runner.models import Run
    from serving import services
    from serving.inference import derive

    pipeline, _, _ = do_create_pipeline(user, team, f"{name} {os.getpid()}", graph=graph)
    run = Run.objects.get(pk=_start_run(pipeline, user).pk)
    assert run.status == "succeeded", f"training run {run.pk}: {run.status} {run.error}"
    inference = derive(user, pipeline, run, None, f"{name} {os.getpid()} (inference)")
    deployment = services.do_create_deployment(user, team, slug, inference, None, replicas=1)
    _, key = services.do_create_token(user, deployment, "bench")
    return Deployed(name, deployment, deployment.default_version, key, row)


def _start_run(pipeline: Any, user: Any) -> Any:
    from designer.services import runnable_version
    from runner import runs

    version = runnable_version(pipeline, None)
    return runs.create_run(version, {}, True, user)


def wait_ready(version: Any, count: int, timeout: float = 90) -> None:
    from serving.models import Replica

    deadline = time.monotonic() + timeout
    while Replica.objects.filter(version=version, state=Replica.READY).count() < count:
        if time.monotonic() > deadline:
            raise SystemExit(
                f"replicas not ready: {list(Replica.objects.filter(version=version).values('state', 'last_error'))}"
            )
        time.sleep(0.2)


def floor(d: Deployed, samples: int) -> dict[str, list[float]]:
    """The replica's predict, in-process, in the step image."""
    from django.conf import settings

    from artifacts import store
    from serving import replicas

    model = store.path_for(d.version.spec["model"]["sha256"])
    cmd = ["docker", "run", "--rm", "--network", "none", "--user", "65534:65534", "--read-only", "--tmpfs", "/tmp",
           "-e", "OMP_NUM_THREADS=1", "-v", f"{replicas.RUNTIME_DIR}:/serving:ro",
           "-v", f"{replicas.spec_file(d.version)}:/spec/spec.json:ro", "-v", f"{model}:/model:ro",
           settings.SERVING_IMAGE, "python3", "-c", FLOOR, json.dumps(d.row), str(samples)]  # fmt: skip
    done = subprocess.run(cmd, capture_output=True, text=True, check=True)
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def start_daphne() -> tuple[subprocess.Popen[bytes], int]:
    from tests.live import free_port

    port = free_port()
    env = dict(os.environ, DEBUG="0", SECURE_SSL_REDIRECT="0")
    log = open(Path(tempfile.gettempdir()) / f"serving-bench-daphne-{port}.log", "wb")  # noqa: SIM115
    proc = subprocess.Popen([sys.executable, "-m", "daphne", "-b", "127.0.0.1", "-p", str(port), "pipewright.asgi:application"],
                            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)  # fmt: skip
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        try:
            c = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            c.request("GET", "/healthz")
            if c.getresponse().status == 200:
                return proc, port
        except OSError:
            time.sleep(0.3)
    raise SystemExit("daphne did not start")


def score_once(conn: http.client.HTTPConnection, d: Deployed) -> tuple[int, int]:
    conn.request("POST", f"/api/deployments/{d.deployment.slug}/score", json.dumps({"rows": [d.row]}),
                 {"Authorization": f"Token {d.key}", "Content-Type": "application/json"})  # fmt: skip
    answer = conn.getresponse()
    body = json.loads(answer.read())
    return answer.status, int(body.get("version", 0))


def latency(port: int, d: Deployed) -> list[float]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    for _ in range(30):  # warm the pools and the route cache
        score_once(conn, d)
    times = []
    for _ in range(SAMPLES):
        t = time.perf_counter()
        status, _ = score_once(conn, d)
        times.append((time.perf_counter() - t) * 1000)
        assert status == 200, status
    return times


def _cpu(pids: list[int]) -> float:
    """User + system CPU seconds of these processes (all their threads), 0 for one that is gone."""
    total = 0.0
    for pid in pids:
        try:
            t = psutil.Process(pid).cpu_times()
            total += t.user + t.system
        except psutil.Error:
            pass
    return total


def _machine_busy() -> float:
    t = psutil.cpu_times()
    return sum(t) - t.idle - getattr(t, "iowait", 0.0) - getattr(t, "guest", 0.0) - getattr(t, "guest_nice", 0.0)


DOCKER_CPUACCT = Path("/sys/fs/cgroup/cpuacct/docker/cpuacct.usage")  # cgroup v1, the cgroupfs driver


def _containers_cpu() -> float | None:
    """CPU seconds of every container of the engine (all their processes, anyone's), where Docker
    puts them all under one cgroup v1 parent: that parent competes for the cores with the weight of
    one process against each process outside containers (Daphne, the load generator, other work)."""
    try:
        return int(DOCKER_CPUACCT.read_text()) / 1e9
    except (OSError, ValueError):
        return None


def replica_pids(version: Any) -> dict[str, list[int]]:
    """The processes of each ready replica's container: its main process (the container's pid 1,
    seen from the host) and any children."""
    from runner.compute.docker import client
    from serving.models import Replica

    out: dict[str, list[int]] = {}
    for row in Replica.objects.filter(version=version, state=Replica.READY).order_by("index"):
        pid = int(client().containers.get(row.container_name).attrs["State"]["Pid"])
        out[f"replica {row.index}"] = [pid] + [c.pid for c in psutil.Process(pid).children(recursive=True)]
    return out


@dataclass
class Phase:
    replicas: int
    requests: int
    errors: int
    seconds: float
    cpu: dict[str, float] = field(default_factory=dict)  # CPU seconds per process (group)

    @property
    def rate(self) -> float:
        return self.requests / self.seconds


def throughput(port: int, d: Deployed, daphne: int, replicas: int) -> Phase:
    """CLIENTS keep-alive clients for SECONDS, with the CPU of each process over the same window."""
    counts = [0] * CLIENTS
    errors = [0] * CLIENTS
    client_cpu = [0.0] * CLIENTS
    groups = {"web: Daphne": [daphne], **replica_pids(d.version)}
    assert len(groups) == replicas + 1, groups
    me = psutil.Process()
    ready = threading.Barrier(CLIENTS + 1)

    def client(i: int) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        score_once(conn, d)
        ready.wait()
        started = time.thread_time()
        while time.monotonic() < stop:
            status, _ = score_once(conn, d)
            counts[i] += 1
            errors[i] += status != 200
        client_cpu[i] = time.thread_time() - started

    stop = time.monotonic() + 3600
    threads = [threading.Thread(target=client, args=(i,)) for i in range(CLIENTS)]
    for t in threads:
        t.start()
    before = {name: _cpu(pids) for name, pids in groups.items()}
    self_before, machine_before, containers_before = sum(me.cpu_times()[:2]), _machine_busy(), _containers_cpu()
    started = time.monotonic()
    stop = started + SECONDS
    ready.wait()
    for t in threads:
        t.join()
    seconds = time.monotonic() - started
    cpu = {name: _cpu(pids) - before[name] for name, pids in groups.items()}
    cpu["load generator (client threads)"] = sum(client_cpu)
    cpu["rest of the bench process (supervisor)"] = sum(me.cpu_times()[:2]) - self_before - sum(client_cpu)
    cpu["machine, all processes"] = _machine_busy() - machine_before
    containers_after = _containers_cpu()
    if containers_before is not None and containers_after is not None:
        cpu["machine, all containers (one cgroup)"] = containers_after - containers_before
    return Phase(replicas, sum(counts), sum(errors), seconds, cpu)


def report(name: str, pairs: list[tuple[Phase, Phase]]) -> None:
    one, two = merged([a for a, _ in pairs]), merged([b for _, b in pairs])
    ratio = two.rate / one.rate
    each = ", ".join(f"{a.rate:.0f} -> {b.rate:.0f} ({b.rate / a.rate:.2f}x)" for a, b in pairs)
    print(
        f"(c) {name}: throughput, {CLIENTS} clients x {SECONDS:.0f} s a phase on loopback, {len(pairs)} rounds of 1 replica then 2: {each}; "
        f"in all 1 replica {one.rate:.0f} req/s ({one.errors} errors), 2 replicas {two.rate:.0f} req/s ({two.errors} errors): "
        f"{ratio:.2f}x (target >= 1.7: {'ok' if ratio >= 1.7 else 'MISSED'})"
    )
    print(
        f"    CPU over the phases: ms of CPU per request, and utilisation (cores busy on average, of {psutil.cpu_count()}):"
    )
    names = list(dict.fromkeys([*one.cpu, *two.cpu]))
    names.sort(
        key=lambda n: (n.startswith("machine"), n.startswith("rest"), n.startswith("load"), n.startswith("web"), n)
    )
    print(f"      {'process':<42}{'1 replica':>22}{'2 replicas':>22}")
    for n in names:
        cells = []
        for p in (one, two):
            if n in p.cpu:
                cells.append(f"{p.cpu[n] * 1000 / max(1, p.requests):6.2f} ms  {p.cpu[n] / p.seconds:4.2f} cores")
            else:
                cells.append("-")
        print(f"      {n:<42}{cells[0]:>22}{cells[1]:>22}")
    ours = {p.replicas: sum(v for k, v in p.cpu.items() if not k.startswith("machine")) for p in (one, two)}
    print(
        "      "
        + f"{'everything else (other work, dockerd, db)':<42}"
        + "".join(f"{(p.cpu['machine, all processes'] - ours[p.replicas]) / p.seconds:16.2f} cores" for p in (one, two))
    )
    if any("machine, all containers (one cgroup)" in p.cpu for p in (one, two)):
        print(
            "      (Docker's containers share one cgroup v1 parent here: together they weigh one process against the host's)"
        )


def scale(d: Deployed, n: int) -> None:
    from serving import services
    from serving.models import Replica

    services.do_scale(d.version, n)
    wait_ready(d.version, n)
    deadline = time.monotonic() + 60
    while Replica.objects.filter(version=d.version).count() > n and time.monotonic() < deadline:
        time.sleep(0.2)  # scaling down: the supervisor removes the extra row and container
    time.sleep(1.2)  # the web process re-reads the ready replicas within a second


def rounds(port: int, d: Deployed, daphne: int) -> list[tuple[Phase, Phase]]:
    """ROUNDS x (1 replica, then 2), alternating, so a drift of the machine's load over the minute
    weighs on both counts alike; leaves the deployment at 1 replica."""
    out = []
    for _ in range(ROUNDS):
        one = throughput(port, d, daphne, 1)
        scale(d, 2)
        two = throughput(port, d, daphne, 2)
        scale(d, 1)
        out.append((one, two))
    return out


def merged(phases: list[Phase]) -> Phase:
    total = Phase(phases[0].replicas, 0, 0, 0.0)
    for p in phases:
        total.requests += p.requests
        total.errors += p.errors
        total.seconds += p.seconds
        for k, v in p.cpu.items():
            total.cpu[k] = total.cpu.get(k, 0.0) + v
    return total


def main() -> int:
    from serving import replicas, services
    from serving.supervisor import in_thread

    load = os.getloadavg()
    iris, forest = setup()
    thread, stop = in_thread()
    proc = None
    try:
        wait_ready(iris.version, 1)
        wait_ready(forest.version, 1)
        proc, port = start_daphne()
        base = floor(iris, SAMPLES)
        times = latency(port, iris)
        p50, p99 = pct(times, 0.5), pct(times, 0.99)
        iris_rounds = rounds(port, iris, proc.pid)
        forest_base = floor(forest, FOREST_SAMPLES)
        forest_rounds = rounds(port, forest, proc.pid)
        after = os.getloadavg()
        print(
            f"machine load average before the bench: {load[0]:.1f} {load[1]:.1f} {load[2]:.1f}, after: {after[0]:.1f} {after[1]:.1f} {after[2]:.1f} "
            f"({psutil.cpu_count()} cores, shared)"
        )
        print(
            f"(a) floor, in-process in the step image: replica Scorer.predict(1 row) p50 {base['scorer'][0]:.2f} ms, p99 {base['scorer'][1]:.2f} ms; "
            f"bare estimator.predict p50 {base['estimator'][0]:.2f} ms, p99 {base['estimator'][1]:.2f} ms"
        )
        print(
            f"    forest ({FOREST['algorithm']}, {FOREST['n_estimators']} trees, {FOREST['sample']}): Scorer.predict(1 row) p50 {forest_base['scorer'][0]:.2f} ms, "
            f"p99 {forest_base['scorer'][1]:.2f} ms; bare estimator.predict p50 {forest_base['estimator'][0]:.2f} ms ({FOREST_SAMPLES} samples)"
        )
        print(
            f"(b) POST /score, 1 row, keep-alive, sequential, {SAMPLES} requests: p50 {p50:.2f} ms (target <= 15: {'ok' if p50 <= 15 else 'MISSED'}), "
            f"p99 {p99:.2f} ms (target <= 50: {'ok' if p99 <= 50 else 'MISSED'}); p50 is {p50 / base['scorer'][0]:.1f}x the Scorer floor, "
            f"overhead {p50 - base['scorer'][0]:.2f} ms"
        )
        report("iris, logistic regression (a request's cost is the web tier's)", iris_rounds)
        report(f"forest, {FOREST['n_estimators']}-tree random forest (a request's cost is the model's)", forest_rounds)
    finally:
        if proc is not None:
            proc.terminate()
            proc.wait(timeout=10)
        services.do_delete_deployment(iris.deployment)
        services.do_delete_deployment(forest.deployment)
        stop.set()
        thread.join(timeout=10)
        for name in replicas.containers():
            replicas.stop(name)
        shutil.rmtree(SERVING_ROOT, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

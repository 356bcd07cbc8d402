#!/usr/bin/env python
"""Real-time deployments: single-row scoring latency through the full HTTP path against the
model's own predict in-process as the floor, and throughput with 1 and 2 replicas.

Setup (not timed): the iris training pipeline (Clean Missing Data -> Normalize Data -> Split ->
Train Model, logistic regression) runs in Docker (Celery eager), its inference pipeline is derived
and deployed; the replica supervisor runs in a thread of this process; Daphne runs as `make run`
starts it, on a free port.
(a) the floor: inside the step image (the replica's Python, sklearn and pandas), the replica's own
    Scorer.predict of one row, and the bare estimator.predict, called in-process;
(b) one client, one keep-alive connection, sequential single-row POST /api/deployments/<slug>/score
    with a deployment token: p50 / p99 (targets: p50 <= 15 ms, p99 <= 50 ms);
(c) throughput under a bounded loopback load (CLIENTS threads, each with its own keep-alive
    connection, for SECONDS) with 1 replica, then 2 (target: two >= 1.7x one).
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
from pathlib import Path
from typing import Any

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
ROW = {"sepal length (cm)": 5.1, "sepal width (cm)": 3.5, "petal length (cm)": 1.4, "petal width (cm)": 0.2}
SAMPLES = int(os.environ.get("SERVING_BENCH_SAMPLES", "400"))
CLIENTS = int(os.environ.get("SERVING_BENCH_CLIENTS", "4"))
SECONDS = float(os.environ.get("SERVING_BENCH_SECONDS", "8"))

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
    for _ in range(50):
        fn()
    times = []
    for _ in range(%d):
        t = time.perf_counter(); fn(); times.append((time.perf_counter() - t) * 1000)
    times.sort()
    out[name] = [times[len(times) // 2], times[int(len(times) * 0.99)]]
print(json.dumps(out))
"""


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * q))]


def setup() -> tuple[Any, Any, str]:
    from django.contrib.auth import get_user_model

    from designer.services import do_create_pipeline
    from pipewright.celery import app
    from runner.models import Run
    from serving import services
    from serving.inference import derive
    from teams.models import Membership, Role, Team
    from tests.serving.helpers import TRAIN_GRAPH

    call_command("migrate", verbosity=0)
    call_command("load_library", verbosity=0)
    app.conf.task_always_eager = True
    user, _ = get_user_model().objects.get_or_create(username="bench-serving")
    team, _ = Team.objects.get_or_create(name="bench-serving")
    Membership.objects.get_or_create(team=team, user=user, defaults={"role": Role.OWNER})
    pipeline, _, version = do_create_pipeline(user, team, f"iris {os.getpid()}", graph=TRAIN_GRAPH)
    del version
    run = _start_run(pipeline, user)
    run = Run.objects.get(pk=run.pk)
    assert run.status == "succeeded", f"training run {run.pk}: {run.status} {run.error}"
    inference = derive(user, pipeline, run, None, f"iris {os.getpid()} (inference)")
    deployment = services.do_create_deployment(user, team, SLUG, inference, None, replicas=1)
    token, key = services.do_create_token(user, deployment, "bench")
    del token
    return deployment, deployment.default_version, key


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


def floor(version: Any) -> dict[str, list[float]]:
    """The replica's predict, in-process, in the step image."""
    from django.conf import settings

    from artifacts import store
    from serving import replicas

    model = store.path_for(version.spec["model"]["sha256"])
    cmd = ["docker", "run", "--rm", "--network", "none", "--user", "65534:65534", "--read-only", "--tmpfs", "/tmp",
           "-e", "OMP_NUM_THREADS=1", "-v", f"{replicas.RUNTIME_DIR}:/serving:ro",
           "-v", f"{replicas.spec_file(version)}:/spec/spec.json:ro", "-v", f"{model}:/model:ro",
           settings.SERVING_IMAGE, "python3", "-c", FLOOR % SAMPLES, json.dumps(ROW)]  # fmt: skip
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


def score_once(conn: http.client.HTTPConnection, key: str) -> tuple[int, int]:
    conn.request("POST", f"/api/deployments/{SLUG}/score", json.dumps({"rows": [ROW]}),
                 {"Authorization": f"Token {key}", "Content-Type": "application/json"})  # fmt: skip
    answer = conn.getresponse()
    body = json.loads(answer.read())
    return answer.status, int(body.get("version", 0))


def latency(port: int, key: str) -> list[float]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    for _ in range(30):  # warm the pools and the route cache
        score_once(conn, key)
    times = []
    for _ in range(SAMPLES):
        t = time.perf_counter()
        status, _ = score_once(conn, key)
        times.append((time.perf_counter() - t) * 1000)
        assert status == 200, status
    return times


def throughput(port: int, key: str) -> tuple[float, int]:
    counts = [0] * CLIENTS
    errors = [0] * CLIENTS
    stop = time.monotonic() + SECONDS

    def client(i: int) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        score_once(conn, key)
        while time.monotonic() < stop:
            status, _ = score_once(conn, key)
            counts[i] += 1
            errors[i] += status != 200

    threads = [threading.Thread(target=client, args=(i,)) for i in range(CLIENTS)]
    started = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return sum(counts) / (time.monotonic() - started), sum(errors)


def main() -> int:
    from serving import replicas, services
    from serving.supervisor import in_thread

    load = os.getloadavg()
    deployment, version, key = setup()
    thread, stop = in_thread()
    proc = None
    try:
        wait_ready(version, 1)
        proc, port = start_daphne()
        base = floor(version)
        times = latency(port, key)
        p50, p99 = pct(times, 0.5), pct(times, 0.99)
        one, err1 = throughput(port, key)
        services.do_scale(version, 2)
        wait_ready(version, 2)
        time.sleep(1.2)  # the web process re-reads the ready replicas within a second
        two, err2 = throughput(port, key)
        print(f"machine load average before the bench: {load[0]:.1f} {load[1]:.1f} {load[2]:.1f} (2 cores, shared)")
        print(
            f"(a) floor, in-process in the step image: replica Scorer.predict(1 row) p50 {base['scorer'][0]:.2f} ms, p99 {base['scorer'][1]:.2f} ms; "
            f"bare estimator.predict p50 {base['estimator'][0]:.2f} ms, p99 {base['estimator'][1]:.2f} ms"
        )
        print(
            f"(b) POST /score, 1 row, keep-alive, sequential, {SAMPLES} requests: p50 {p50:.2f} ms (target <= 15: {'ok' if p50 <= 15 else 'MISSED'}), "
            f"p99 {p99:.2f} ms (target <= 50: {'ok' if p99 <= 50 else 'MISSED'}); p50 is {p50 / base['scorer'][0]:.1f}x the Scorer floor, "
            f"overhead {p50 - base['scorer'][0]:.2f} ms"
        )
        print(
            f"(c) throughput, {CLIENTS} clients x {SECONDS:.0f} s on loopback: 1 replica {one:.0f} req/s ({err1} errors), "
            f"2 replicas {two:.0f} req/s ({err2} errors): {two / one:.2f}x (target >= 1.7: {'ok' if two / one >= 1.7 else 'MISSED'})"
        )
    finally:
        if proc is not None:
            proc.terminate()
            proc.wait(timeout=10)
        services.do_delete_deployment(deployment)
        stop.set()
        thread.join(timeout=10)
        for name in replicas.containers():
            replicas.stop(name)
        shutil.rmtree(SERVING_ROOT, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

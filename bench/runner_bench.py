#!/usr/bin/env python
"""Runner benchmarks against floors measured in the same run.

(a) a 10-step chain of containers vs a plain sequential `docker run` loop of the same containers;
(b) a 20-step chain of no-op steps (local compute) vs a raw Celery chain of 20 no-op tasks;
(c) the wall time of a fully cached rerun of a 50-step pipeline (no container may start);
(d) container exit (Docker's die event, and the container's last act) -> run event on the channel layer, p50/p95;
(e) a 50-wide fan-out of 0.5 s steps vs the ideal for the worker count.
It starts its own Celery worker (threads pool) on the DATABASE_URL / REDIS_URL given.
"""

from __future__ import annotations

import itertools
import math
import os
import socket
import statistics
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("PIPEWRIGHT_DEV", "1")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pipewright.settings")
os.environ.setdefault("CELERY_KEY_PREFIX", f"pwbench{os.getpid()}:")
os.environ.setdefault("CHANNELS_PREFIX", f"pwbench{os.getpid()}")
# the compute target is the operator's policy, per team: this team's steps run as local processes
LOCAL_TEAM = "bench-runner-local"
os.environ.setdefault("PIPEWRIGHT_COMPUTE_TEAMS", f"{LOCAL_TEAM}=local")
os.environ.setdefault("PIPEWRIGHT_ALLOW_LOCAL_COMPUTE", "1")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402

WORKERS = 8
IMAGE = "pipewright/python-ml:1"
NOOP = "import os\nopen(os.environ['PIPEWRIGHT_OUT'] + '/data/x', 'w').write(os.environ.get('N', '0'))\n"
STAMP = (
    "import os, time\nopen(os.environ['PIPEWRIGHT_OUT'] + '/data/x', 'w').write('1')\n"
    "print('EXIT', time.time(), flush=True)\n"
)
SLEEP = "import os, time\ntime.sleep(0.5)\nopen(os.environ['PIPEWRIGHT_OUT'] + '/data/x', 'w').write('1')\n"


def setup() -> tuple[Any, Any, dict[str, Any]]:
    from django.contrib.auth import get_user_model

    from modules import services as catalog
    from modules.models import Module
    from modules.spec import validate_spec
    from teams.models import Membership, Role, Team

    call_command("migrate", verbosity=0)
    user, _ = get_user_model().objects.get_or_create(username="bench-runner")
    team, _ = Team.objects.get_or_create(name="bench-runner")
    Membership.objects.get_or_create(team=team, user=user, defaults={"role": Role.OWNER})
    local_team, _ = Team.objects.get_or_create(name=LOCAL_TEAM)
    Membership.objects.get_or_create(team=local_team, user=user, defaults={"role": Role.OWNER})
    stamp = str(time.time_ns())
    mods = {}
    for name, script, det in (("noop", NOOP, True), ("stamp", STAMP, False), ("sleep", SLEEP, False)):
        module = Module.objects.filter(team=team, name=name).first() or catalog.do_create_module(team, name)
        spec = validate_spec(
            {
                "name": name,
                "version": f"1.0.{stamp}",
                "inputs": [{"name": "in0", "type": "Any", "optional": True}],
                "outputs": [{"name": "data", "type": "Any"}],
                "runtime": {"image": IMAGE, "command": ["python3", "/module/main.py"]},
                "deterministic": det,
            }
        )
        mods[name] = catalog.do_publish_version(module, spec, {"main.py": script + f"# {stamp}\n"})
    return user, team, mods


def pipeline(team: Any, mv: Any, n: int, *, chain: bool, target: str, root: Any = None) -> Any:
    from compiler.plan import InputBinding, Plan, Runtime, Step
    from designer.models import Pipeline, PipelineVersion
    from teams.models import Team

    steps = []
    for i in range(n):
        inputs: tuple[InputBinding, ...] = ()
        if chain and i:
            inputs = (InputBinding("in0", "Any", source_node=f"s{i - 1}", source_port="data"),)
        steps.append(
            Step(
                node=f"s{i}",
                module=f"{team.name}/{mv.module.name}",
                version=mv.version,
                module_version_id=mv.pk,
                digest=mv.digest,
                deterministic=mv.spec["deterministic"],
                params={"i": i},
                inputs=inputs,
                outputs=(("data", "Any"),),
                runtime=Runtime(
                    image=IMAGE,
                    command=("python3", "/module/main.py"),
                    env=(("N", str(i)),),
                    memory_bytes=256 * 1024**2,
                    timeout=120,
                ),
            )
        )
    owner = team if target == "docker" else Team.objects.get(name=LOCAL_TEAM)  # PIPEWRIGHT_COMPUTE_TEAMS
    p = Pipeline.objects.create(team=owner, name=f"bench-{n}-{time.time_ns()}")
    return PipelineVersion.objects.create(pipeline=p, number=1, graph={}, plan=Plan(steps=tuple(steps)).to_json())


def run_and_wait(
    version: Any, user: Any, *, cache: bool = True, parent: Any = None, timeout: float = 600
) -> tuple[Any, float]:
    from runner import runs
    from runner.models import Run

    start = time.time()  # the end is the run's own finished_at (same machine, same clock): no polling error
    if parent is None:
        run = runs.create_run(version, {}, cache, user)
    else:
        run = runs.rerun(parent, "all", node=None, parameters=None, use_cache=True, user=user)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        run = Run.objects.get(pk=run.pk)
        if run.status in ("succeeded", "failed", "canceled"):
            break
        time.sleep(0.02)  # finer polling costs the run under test CPU on a two-core machine
    elapsed = (run.finished_at.timestamp() if run.finished_at else time.time()) - start
    if run.status != "succeeded":
        raise SystemExit(f"run {run.pk} ended {run.status}: {run.error}")
    return run, elapsed


def start_worker() -> subprocess.Popen[bytes]:
    log = open(Path(settings.VAR_DIR) / "runner-bench-worker.log", "wb")  # noqa: SIM115
    cmd = [sys.executable, "-m", "celery", "-A", "pipewright", "worker", "--pool", "threads", "-c", str(WORKERS)]
    cmd += [
        "-Q",
        "pipewright,compute-docker,compute-local",
        "-n",
        f"bench-{os.getpid()}@%h",
        "--without-gossip",
        "--without-mingle",
        "-l",
        "WARNING",
    ]
    proc = subprocess.Popen(cmd, cwd=ROOT, env=dict(os.environ), stdout=log, stderr=subprocess.STDOUT)
    # measured runs start once the worker answers (its start-up is not the runner's cost: on a busy
    # host it took ~10 s, and the first part measured waited for it)
    from pipewright.celery import app

    name = f"bench-{os.getpid()}@{socket.gethostname()}"
    deadline = time.monotonic() + 120
    while not app.control.ping(destination=[name], timeout=0.5):
        if proc.poll() is not None or time.monotonic() > deadline:
            raise SystemExit(f"the bench's worker did not start; see {log.name}")
    return proc


def _floor_job(mv: Any, tmp: str, i: int) -> Any:
    """The same locked-down container a step gets: module, params and an output folder mounted."""
    from runner.compute import StepJob

    t = Path(tmp)
    (t / "module").mkdir()
    (t / "module" / "main.py").write_text(mv.files["main.py"])
    (t / "out" / "data").mkdir(parents=True)
    os.chmod(t / "out", 0o777)
    os.chmod(t / "out" / "data", 0o777)
    (t / "params.json").write_text("{}")
    for p in (t, t / "module", t / "module" / "main.py", t / "params.json"):
        os.chmod(p, 0o755)
    return StepJob(
        f"pw-bench-floor-{os.getpid()}-{i}-{time.time_ns()}",
        IMAGE,
        ["python3", "/module/main.py"],
        {"N": str(i)},
        1.0,
        256 * 1024**2,
        120,
        t / "module",
        {},
        t / "params.json",
        t / "out",
    )


def cli_args(kwargs: dict[str, Any]) -> list[str]:
    """`docker run` flags for the SDK keyword arguments of runner.compute.docker.run_kwargs."""
    args = ["docker", "run", "--rm", "--name", kwargs["name"], "--user", kwargs["user"]]
    args += ["--network", kwargs["network_mode"], "--read-only", "--workdir", kwargs["working_dir"]]
    args += [f"--security-opt={o}" for o in kwargs["security_opt"]]
    args += [f"--cap-drop={c}" for c in kwargs["cap_drop"]]
    args += [f"--tmpfs={path}:{opts}" for path, opts in kwargs["tmpfs"].items()]
    args += [f"--memory={kwargs['mem_limit']}b", f"--cpus={kwargs['nano_cpus'] / 1e9}"]
    args += [f"--pids-limit={kwargs['pids_limit']}"]
    args += [
        f"--mount=type=bind,source={m['Source']},target={m['Target']}" + (",readonly" if m.get("ReadOnly") else "")
        for m in kwargs["mounts"]
    ]
    args += [f"--env={k}={v}" for k, v in kwargs["environment"].items()]
    args += [f"--label={k}={v}" for k, v in kwargs["labels"].items()]
    return [*args, kwargs["image"], *kwargs["command"]]


def bench_docker_cli_loop(mv: Any, n: int) -> float:
    """The floor for (a) as the target names it: a plain sequential `docker run` loop."""
    import tempfile

    from runner.compute.docker import run_kwargs

    start = time.perf_counter()
    for i in range(n):
        with tempfile.TemporaryDirectory(dir=settings.VAR_DIR) as tmp:
            subprocess.run(cli_args(run_kwargs(_floor_job(mv, tmp, i))), check=True, capture_output=True)
    return time.perf_counter() - start


def bench_docker_sdk_loop(mv: Any, n: int) -> float:
    """A stricter floor for (a): the same loop through the Docker SDK, with no CLI process."""
    import tempfile

    import docker

    from runner.compute.docker import run_kwargs

    client = docker.from_env()
    start = time.perf_counter()
    for i in range(n):
        with tempfile.TemporaryDirectory(dir=settings.VAR_DIR) as tmp:
            container = client.containers.run(**run_kwargs(_floor_job(mv, tmp, i)))
            container.wait()
            container.logs()
            container.remove(force=True)
    return time.perf_counter() - start


def bench_celery_chain(n: int) -> float:
    import redis
    from celery import chain

    from runner.tasks import noop_task

    r = redis.Redis.from_url(settings.REDIS_URL)
    mark = f"pwbench:{os.getpid()}:{time.time_ns()}"
    sigs = [noop_task.si().set(queue="pipewright") for _ in range(n - 1)] + [noop_task.si(mark).set(queue="pipewright")]
    start = time.perf_counter()
    chain(*sigs).apply_async()
    while not r.get(mark):
        time.sleep(0.002)
    return time.perf_counter() - start


async def _receive(layer: Any, channel: str, timeout: float) -> Any:
    import asyncio

    return await asyncio.wait_for(layer.receive(channel), timeout)


STAGES: list[tuple[float, float, float]] = []


def bench_latency(team: Any, mv: Any, user: Any, samples: int) -> list[tuple[float, float, float]]:
    """Per step: (the in-container EXIT stamp, its process's last act -> the step's event received;
    the part of it the Docker engine took to announce the exit: the stamp -> the worker learned it,
    the step's `container_exited_at`; Docker's `die` event -> the step's event received)."""
    import asyncio

    from channels.layers import get_channel_layer
    from django.db import transaction
    from stack_bench import Dies  # bench/ is this script's folder

    from runner import events, runs, steplogs
    from runner.models import StepRun

    layer = get_channel_layer()
    loop = asyncio.new_event_loop()  # one loop throughout: the layer's receive buffers are bound to it
    out: list[tuple[float, float, float]] = []
    dies = Dies()  # step run id -> the engine's die event (its own clock), as the stack bench reads them
    for _ in range(samples):
        version = pipeline(team, mv, 1, chain=False, target="docker")
        channel = loop.run_until_complete(layer.new_channel())
        with transaction.atomic():  # subscribe before the run is enqueued (on commit)
            run = runs.create_run(version, {}, False, user)
            loop.run_until_complete(layer.group_add(events.group(run.pk), channel))
        got = None
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and got is None:
            try:
                msg = loop.run_until_complete(_receive(layer, channel, 5))
            except TimeoutError:
                continue
            now = time.time()
            for ev in msg["events"] if msg["type"] == "run.events" else [msg["event"]]:
                if ev.get("type") == "step" and ev.get("status") == "succeeded":
                    got = now
        step = StepRun.objects.get(run=run)
        exits = [float(line.split()[1]) for line in steplogs.text(step).splitlines() if line.startswith("EXIT ")]
        seen = step.timings.get("container_exited_at")
        if got and exits and seen and step.pk in dies.at:
            engine = datetime.fromisoformat(seen).timestamp() - exits[-1]
            out.append((got - exits[-1], engine, got - dies.at[step.pk]))
            t = {k: datetime.fromisoformat(v).timestamp() for k, v in step.timings.items() if k.endswith("_at")}
            STAGES.append(
                (
                    t["outputs_stored_at"] - t["container_exited_at"],
                    t["finished_at"] - t["outputs_stored_at"],
                    got - t["finished_at"],
                )
            )
        loop.run_until_complete(layer.group_discard(events.group(run.pk), channel))
    loop.close()
    dies.close()
    return out


def part_a(user: Any, team: Any, mods: dict[str, Any]) -> None:
    """(a) 10 containers in a chain vs a sequential `docker run` loop of the same containers (and,
    stricter, vs that loop through the SDK), interleaved rounds (the engine's speed drifts on a
    shared machine) compared by their medians; the worker is warmed by one step first, as a
    long-running worker is."""
    n, rounds = 10, 5
    version = pipeline(team, mods["noop"], n, chain=True, target="docker")
    run_and_wait(pipeline(team, mods["noop"], 1, chain=True, target="docker"), user, cache=False)  # warm the worker
    cli, sdk, ours = [], [], []
    for _ in range(rounds):
        cli.append(bench_docker_cli_loop(mods["noop"], n))
        sdk.append(bench_docker_sdk_loop(mods["noop"], n))
        ours.append(run_and_wait(version, user, cache=False)[1])
    mine, c, k = statistics.median(ours), statistics.median(cli), statistics.median(sdk)
    print(
        f"(a) 10-step container chain: {mine:.2f} s vs sequential `docker run` loop {c:.2f} s -> ratio {mine / c:.2f}x (target <= 1.15x); vs the same loop through the Docker SDK {k:.2f} s -> {mine / k:.2f}x"  # noqa: E501
    )
    print(
        f"    medians of {rounds} interleaved rounds; ours {', '.join(f'{x:.2f}' for x in ours)}; docker run {', '.join(f'{x:.2f}' for x in cli)}; SDK {', '.join(f'{x:.2f}' for x in sdk)}"  # noqa: E501
    )


def bench_spawn_loop(mv: Any, n: int) -> float:
    """The floor for (b): the same step script spawned directly, n times in a row."""
    import tempfile

    start = time.perf_counter()
    for i in range(n):
        with tempfile.TemporaryDirectory(dir=settings.VAR_DIR) as tmp:
            (Path(tmp) / "data").mkdir()
            (Path(tmp) / "main.py").write_text(mv.files["main.py"])
            env = dict(os.environ, PIPEWRIGHT_OUT=tmp, N=str(i))
            subprocess.run([sys.executable, str(Path(tmp) / "main.py")], env=env, check=True, capture_output=True)
    return time.perf_counter() - start


def bench_spawn_pool(mv: Any, n: int, workers: int) -> float:
    """The floor for (e): the same step script spawned directly n times by a pool of `workers`
    threads."""
    import tempfile
    from concurrent.futures import ThreadPoolExecutor

    def one(i: int) -> None:
        with tempfile.TemporaryDirectory(dir=settings.VAR_DIR) as tmp:
            (Path(tmp) / "data").mkdir()
            (Path(tmp) / "main.py").write_text(mv.files["main.py"])
            env = dict(os.environ, PIPEWRIGHT_OUT=tmp, N=str(i))
            subprocess.run([sys.executable, str(Path(tmp) / "main.py")], env=env, check=True, capture_output=True)

    start = time.perf_counter()
    with ThreadPoolExecutor(workers) as pool:
        list(pool.map(one, range(n)))
    return time.perf_counter() - start


def part_b(user: Any, team: Any, mods: dict[str, Any]) -> None:
    """(b) 20 no-op steps (local compute) vs spawning the same process directly 20 times, and vs a
    raw Celery chain of 20 no-op tasks; interleaved rounds, medians."""
    n = 20
    version = pipeline(team, mods["noop"], n, chain=True, target="local")
    floor = statistics.median(bench_celery_chain(n) for _ in range(3))

    from runner.models import StepRun

    spawn, ours, runs = [], [], []
    for _ in range(3):
        spawn.append(bench_spawn_loop(mods["noop"], n))
        run, took = run_and_wait(version, user, cache=False)
        ours.append(took)
        runs.append(run)
    s, o = statistics.median(spawn), statistics.median(ours)
    points = ["queued_at", "claimed_at", "container_started_at", "container_exited_at", "outputs_stored_at"]
    points.append("finished_at")
    gaps: dict[str, list[float]] = {f"{a} -> {b}": [] for a, b in itertools.pairwise(points)}
    for t in StepRun.objects.filter(run__in=runs).values_list("timings", flat=True):
        for a, b in itertools.pairwise(points):
            if a in t and b in t:
                gap = datetime.fromisoformat(t[b]) - datetime.fromisoformat(t[a])
                gaps[f"{a} -> {b}"].append(gap.total_seconds())
    where = ", ".join(f"{k} {statistics.median(v) * 1000:.0f}" for k, v in gaps.items() if v)
    print(
        f"(b) 20-step no-op chain (local compute): {o / n * 1000:.0f} ms per step vs spawning the process directly {s / n * 1000:.0f} ms -> {o / s:.2f}x (target <= 3x); raw Celery chain {floor / n * 1000:.1f} ms per task"  # noqa: E501
    )
    print(f"    per step, medians in ms: {where}")


def part_c(user: Any, team: Any, mods: dict[str, Any]) -> None:
    """(c) a fully cached rerun of a 50-step pipeline."""
    from runner.models import StepRun

    n = 50
    version = pipeline(team, mods["noop"], n, chain=True, target="local")
    first, cold = run_and_wait(version, user, cache=True)
    again, warm = run_and_wait(version, user, parent=first)
    started = StepRun.objects.filter(run=again).exclude(status="cached").count()
    print(
        f"(c) 50-step pipeline: first run {cold:.2f} s, fully cached rerun {warm:.3f} s (target <= 0.2 s), steps executed on rerun: {started}"  # noqa: E501
    )


def part_d(user: Any, team: Any, mods: dict[str, Any]) -> None:
    """(d) container exit -> run event latency: from Docker's `die` event (the engine's record of
    the exit, as the stack bench counts it), and from the container's last act (an in-container
    stamp), whose first part is the engine's own work (the process gone -> the exit announced)."""
    pairs = bench_latency(team, mods["stamp"], user, 20)
    if pairs:

        def p(values: list[float], q: float) -> float:
            values = sorted(values)
            return values[min(len(values) - 1, math.ceil(q * len(values)) - 1)] * 1000

        total, engine, from_die = [t for t, _, _ in pairs], [e for _, e, _ in pairs], [d for _, _, d in pairs]
        ours = [t - e for t, e, _ in pairs]
        print(
            f"(d) container exit (Docker die event) -> step event on the channel layer: p50 {p(from_die, 0.5):.0f} ms, p95 {p(from_die, 0.95):.0f} ms over {len(pairs)} steps (target p95 <= 50 ms)"  # noqa: E501
        )
        print(
            f"    from the step's last act in its container: p50 {p(total, 0.5):.0f} ms, p95 {p(total, 0.95):.0f} ms; of which the engine announcing the exit "  # noqa: E501
            f"(floor: the stamp -> the worker learns it) p50 {p(engine, 0.5):.0f} ms, p95 {p(engine, 0.95):.0f} ms; "
            f"Pipewright's part (the exit learned -> event received) p50 {p(ours, 0.5):.0f} ms, p95 {p(ours, 0.95):.0f} ms"  # noqa: E501
        )
        names = ("exit learned -> outputs stored", "-> recording", "-> recorded, committed, event received")
        print("    " + "; ".join(f"{n} p50 {p([x[i] for x in STAGES], 0.5):.1f} ms" for i, n in enumerate(names)))


def part_e(user: Any, team: Any, mods: dict[str, Any]) -> None:
    """(e) a 50-wide fan-out vs the ideal for the worker count."""
    n = 50
    version = pipeline(team, mods["sleep"], n, chain=False, target="local")
    _, ours = run_and_wait(version, user, cache=False)
    floor = bench_spawn_pool(mods["sleep"], n, WORKERS)
    ideal = math.ceil(n / WORKERS) * 0.5
    print(
        f"(e) 50-wide fan-out of 0.5 s steps on {WORKERS} worker threads: {ours:.2f} s vs the same processes spawned by a pool of {WORKERS} threads {floor:.2f} s -> ratio {ours / floor:.2f}x (target <= 1.15x); arithmetic ideal {ideal:.2f} s -> {ours / ideal:.2f}x"  # noqa: E501
    )


PARTS = {"a": part_a, "b": part_b, "c": part_c, "d": part_d, "e": part_e}


def main() -> int:
    import argparse

    import docker

    parser = argparse.ArgumentParser(description="Runner benchmarks against floors measured in the same run.")
    parser.add_argument("--only", default="".join(PARTS), help="the parts to run, e.g. --only ad")
    only = parser.parse_args().only
    print(f"    load average at the start: {', '.join(f'{x:.1f}' for x in os.getloadavg())} on {os.cpu_count()} cores")
    user, team, mods = setup()
    worker = start_worker()
    try:
        for key, part in PARTS.items():
            if key in only:
                part(user, team, mods)
        left = docker.from_env().containers.list(all=True, filters={"label": "pipewright.step"}, ignore_removed=True)
        print(f"containers left behind: {len(left)}")
    finally:
        worker.terminate()
        try:
            worker.wait(timeout=15)
        except subprocess.TimeoutExpired:
            worker.kill()
    return 0


if __name__ == "__main__":
    sys.exit(main())

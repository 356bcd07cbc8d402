"""Fault drills against the whole stack (issue 10): the database is the record, so nothing stays
stuck after the broker restarts or every worker dies. Each drill runs its own installation with
short sweep periods and prints its measured recovery time (docs/operations.md quotes them).

(a) Redis killed and restarted with 20 runs in flight, on a redis-server of its own (never the
    machine's shared one): 20 of 20 succeed, every step ran once.
(b) every worker SIGKILLed in the middle of a fan-out, new workers started: the run succeeds, no
    step ran more than twice, no container and no work folder of the installation is left.
(c) every PostgreSQL backend of the installation's database terminated, twice, while a chain of
    steps runs: the API answers again at once and the run succeeds.
(d) the Docker engine unreachable for 10 s (the stack reaches it through a forwarder of the
    drill's own, never the machine's dockerd stopped): the step in flight ends, a step started
    meanwhile fails with a message that names the engine, nothing hangs, a rerun succeeds.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psycopg
import pytest
import redis

from tests.stack.conftest import Feed
from tests.stack.graphs import create_pipeline, edge, graph, node, py, source
from tests.stack.stack import DRILL_REPORT, POSTGRES, ROOT, TERMINAL, Stack, free_port, steps, wait_no_containers

pytestmark = [pytest.mark.stack, pytest.mark.docker]

REAP_EVERY = 2
GRACE = 4
DRILL_ENV = {
    "PIPEWRIGHT_REAP_EVERY": str(REAP_EVERY),
    "PIPEWRIGHT_QUEUED_GRACE": str(GRACE),
    "PIPEWRIGHT_HEARTBEAT": "1",
    "PIPEWRIGHT_HEARTBEAT_TIMEOUT": "5",
}
REDIS_SERVER = "/usr/bin/redis-server"


class DrillStack(Stack):
    def __init__(self, name: str, var: Path, redis_url: str, **extra: str) -> None:
        super().__init__(name, var, 0)
        self.redis_url = redis_url
        self.extra = extra

    def env(self) -> dict[str, str]:
        return super().env() | DRILL_ENV | self.extra


@contextlib.contextmanager
def drill_stack(template: str, var: Path, name: str, redis_url: str, **extra: str) -> Iterator[DrillStack]:
    stack = DrillStack(name, var, redis_url, **extra)
    try:
        stack.start(template)
        yield stack
        assert not stack.api.server_errors, stack.api.server_errors
        assert "ERROR django.request" not in stack.log(), stack.problems()
        left = wait_no_containers(stack.var)
        assert not left, f"containers left: {left}"
        stack.stop()
    finally:
        stack.close()


class RedisServer:
    """A redis-server of the drill's own on a free loopback port, without persistence (a restart
    loses every message, as a Redis restarted without its data does)."""

    def __init__(self, var: Path) -> None:
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.log = var / "redis.log"
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        cmd = [REDIS_SERVER, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
        with self.log.open("ab") as log:
            self.proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, process_group=0)
        deadline = time.monotonic() + 10
        while True:
            with contextlib.suppress(redis.RedisError):
                if redis.Redis.from_url(self.url, socket_connect_timeout=1).ping():
                    return
            assert time.monotonic() < deadline, "the drill's redis-server did not start"
            time.sleep(0.1)

    def kill(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(timeout=10)


@pytest.fixture
def drill_redis(tmp_path: Path) -> Iterator[RedisServer]:
    if not Path(REDIS_SERVER).exists():
        pytest.skip(f"{REDIS_SERVER} is missing")
    server = RedisServer(tmp_path)
    server.start()
    yield server
    server.kill()


def wait(check: Callable[[], Any], timeout: float, what: str) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        assert time.monotonic() < deadline, f"timed out after {timeout} s waiting for {what}"
        time.sleep(0.3)


def report(line: str) -> None:
    DRILL_REPORT.append(line)  # printed in the session's summary (tests/stack/conftest.py)
    print(f"\n[drill] {line}", flush=True)


def test_redis_killed_and_restarted_with_20_runs_in_flight(
    stack_template: str, tmp_path_factory: pytest.TempPathFactory, drill_redis: RedisServer
) -> None:
    var = tmp_path_factory.mktemp("drill-redis")
    with drill_stack(stack_template, var, "redis", drill_redis.url) as stack:
        api = stack.api
        nap = {"script": py("pd.DataFrame({'x': [1]})", "time.sleep(2)")}
        pipeline = create_pipeline(api, "redis drill", graph([node("nap", "execute-python-script", nap)]))
        path = f"/api/pipelines/{pipeline}/runs/"
        ids = [api.ok("POST", path, {"cache": False}, status=201)["id"] for _ in range(20)]
        wait(lambda: sum(api.run(ids[i])["status"] in TERMINAL for i in range(4)) >= 1, 90, "the first run to finish")
        followed = ids[-1]  # queued behind the others: unfinished until well after Redis is back
        feed = Feed(f"ws://127.0.0.1:{stack.port}/ws/runs/{followed}/?token={stack.token}", followed)
        feed.wait_for(lambda m: m["type"] == "snapshot", 15)
        drill_redis.kill()
        killed = time.monotonic()
        # accepting a run never depends on the broker: 201, committed, pending until the sweep starts it
        r = api.post(path, {"cache": False})
        assert r.status_code == 201, (r.status_code, r.text[:500])
        assert r.json()["status"] == "pending"
        ids.append(r.json()["id"])
        time.sleep(max(0.0, 5 - (time.monotonic() - killed)))
        drill_redis.start()
        back, back_at = time.monotonic(), datetime.now(UTC)
        # the canvas opens the run's feed again at once (the server closed it at the kill)
        after = Feed(f"ws://127.0.0.1:{stack.port}/ws/runs/{followed}/?token={stack.token}", followed)
        pending_at_restart = sum(api.run(i)["status"] not in TERMINAL for i in ids)
        runs = [api.wait_run(i, timeout=max(1.0, 120 - (time.monotonic() - back))) for i in ids]
        recovered = time.monotonic() - back
        claims = [datetime.fromisoformat(s["started_at"]) for r in runs for s in r["steps"] if s["started_at"]]
        first = min(((c - back_at).total_seconds() for c in claims if c > back_at), default=0.0)
        report(
            f"redis down {back - killed:.1f} s with {pending_at_restart} of {len(ids)} runs unfinished; "
            f"first step claimed {first:.1f} s and all {len(ids)} terminal {recovered:.1f} s after it was back "
            f"(sweep every {REAP_EVERY} s, queued grace {GRACE} s)"
        )
        # the steps queued before the kill waited longer than the grace: the first sweep once the
        # workers reconnect (kombu retries at once, after 2 s, then 4 s later: 1 s after Redis is
        # back here) sends them again
        assert first <= 2 * REAP_EVERY + 5, f"first claim {first:.1f} s after Redis was back"
        bad = [(r["id"], r["status"], r["error"]) for r in runs if r["status"] != "succeeded"]
        assert not bad, bad
        attempts = [s["attempt"] for r in runs for s in r["steps"]]
        assert attempts == [1] * len(ids), attempts  # no step ran twice, let alone twice at once
        # the canvas following a run over the WebSocket sees it finish live: on the socket it had,
        # if that stayed open, and on the one opened again once Redis was back (its snapshot
        # came before the run's last steps, whose events reached it from the workers)
        if feed.ended is None:
            feed.wait_for(lambda m: m["type"] == "run" and m["status"] == "succeeded", 15)
        snapshot = after.wait_for(lambda m: m["type"] == "snapshot", 15)
        assert snapshot["run"]["status"] not in TERMINAL, snapshot["run"]["status"]
        after.wait_for(lambda m: m["type"] == "run" and m["status"] == "succeeded", 15)
        seqs = [m["seq"] for _, m in after.messages]
        assert seqs == list(range(seqs[0], seqs[0] + len(seqs))), seqs  # nothing missed on the way
        feed.close()
        after.close()


def test_a_worker_with_a_task_in_flight_survives_a_redis_restart(tmp_path: Path, drill_redis: RedisServer) -> None:
    """Celery 5.7's own consumer died here ("Unrecoverable error") once its task ended; ours
    reconnects, acknowledges the task and takes the next one (pipewright/consumer.py)."""
    env = os.environ | {"CELERY_BROKER_URL": drill_redis.url, "CELERY_KEY_PREFIX": "", "PYTHONPATH": str(ROOT)}
    log = tmp_path / "worker.log"
    cmd = [sys.executable, "-m", "celery", "-A", "tests.stack.nap_worker", "worker", "-l", "INFO", "-c", "2"]
    with log.open("ab") as out:
        worker = subprocess.Popen(
            [*cmd, "-Q", "nap", "-n", f"nap-{drill_redis.port}@%h"],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            process_group=0,
        )
    send = "from tests.stack.nap_worker import nap; import sys; nap.delay(float(sys.argv[1]), sys.argv[2])"

    def nap(seconds: float, marker: Path) -> None:  # sent by a process of its own, as the sweep sends
        command = [sys.executable, "-c", send, str(seconds), str(marker)]
        subprocess.run(command, cwd=ROOT, env=env, check=True, timeout=60)

    try:
        wait(lambda: " ready." in log.read_text(), 60, "the worker to start")
        first, second = tmp_path / "first", tmp_path / "second"
        nap(6, first)
        wait(lambda: "received" in log.read_text(), 30, "the worker to take the task")
        drill_redis.kill()
        time.sleep(3)
        drill_redis.start()
        back = time.monotonic()
        wait(first.exists, 30, "the task in flight to end")
        # kombu's backoff after a loss: at once, 2 s, then 4 s later, so it is back 1 to 4 s after Redis
        wait(lambda: log.read_text().count("Connected to redis") >= 2, 30, "the worker to reconnect")
        reconnected = time.monotonic() - back
        nap(0, second)
        wait(second.exists, 30, "the worker to take a task after the restart")
        text = log.read_text()
        assert worker.poll() is None, text[-3000:]
        assert "Unrecoverable error" not in text, text[-3000:]
        assert "ERROR/" not in text.split("Connected to redis")[-1], text[-3000:]  # nothing failed since
        assert "mingle:" not in text, text[-3000:]  # no second waiting for neighbours on each connection
        report(f"a worker with a task in flight reconnected {reconnected:.1f} s after Redis was back")
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(worker.pid, signal.SIGKILL)
        worker.wait(timeout=10)


def _start_workers(stack: DrillStack, tag: str) -> list[subprocess.Popen[bytes]]:
    """One control worker and two step workers, as scripts/run.py starts them."""
    env = stack.env() | {"PIPEWRIGHT_COMPUTE": "docker"}
    celery = [sys.executable, "-m", "celery", "-A", "pipewright", "worker", "-l", "INFO"]
    commands = {
        f"control-{tag}": [*celery, "-Q", "pipewright", "-c", "2"],
        f"step1-{tag}": [*celery, "-Q", "compute-docker", "-c", "2"],
        f"step2-{tag}": [*celery, "-Q", "compute-docker", "-c", "2"],
    }
    procs = []
    for name, cmd in commands.items():
        with (stack.var / f"{name}.log").open("ab") as log:
            procs.append(
                subprocess.Popen(
                    [*cmd, "-n", f"{name}-{stack.port}@%h"],
                    cwd=ROOT,
                    env=env,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    process_group=0,
                )
            )
    return procs


def _kill_all(procs: list[subprocess.Popen[bytes]]) -> None:
    for proc in procs:  # the worker and its pool children: its whole process group
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
    for proc in procs:
        proc.wait(timeout=10)


def test_every_worker_killed_in_the_middle_of_a_fan_out(
    stack_template: str, tmp_path_factory: pytest.TempPathFactory, drill_redis: RedisServer
) -> None:
    var = tmp_path_factory.mktemp("drill-workers")
    # run.py starts Daphne and beat only: the drill owns every worker, so it can kill them all
    extra = {"PIPEWRIGHT_WORKERS": "0", "PIPEWRIGHT_CONTROL_CONCURRENCY": "0"}
    workers: list[subprocess.Popen[bytes]] = []
    with drill_stack(stack_template, var, "workers", drill_redis.url, **extra) as stack:
        stack.step_pools = []
        try:
            workers = _start_workers(stack, "first")
            api = stack.api
            fan = ["s1", "s2", "s3", "s4"]
            nap = {"script": py("dataframe1", "time.sleep(6)")}
            nodes = [node("src", "execute-python-script", source(5))]
            nodes += [node(n, "execute-python-script", nap) for n in fan]
            document = graph(nodes, [edge("src", n, "dataset1") for n in fan])
            pipeline = create_pipeline(api, "worker drill", document)
            run_id = api.ok("POST", f"/api/pipelines/{pipeline}/runs/", {"cache": False}, status=201)["id"]

            def running() -> int:
                return sum(s["status"] == "running" for s in steps(api.run(run_id)).values())

            wait(lambda: running() >= 2, 90, "two fan-out steps to run")
            time.sleep(1)
            _kill_all(workers)
            killed = time.monotonic()
            work = var / "work"
            assert any(work.iterdir()), "the killed attempts left no work folder to clean"
            workers = _start_workers(stack, "second")
            run = api.wait_run(run_id, timeout=100)
            recovered = time.monotonic() - killed
            attempts = {n: s["attempt"] for n, s in steps(run).items()}
            assert run["status"] == "succeeded", (run["error"], steps(run))
            assert all(1 <= a <= 2 for a in attempts.values()), attempts
            assert any(attempts[n] == 2 for n in fan), attempts  # the killed ones ran again
            left = wait_no_containers(var, timeout=15)
            assert not left, f"containers left: {left}"
            deadline = time.monotonic() + 3 * REAP_EVERY
            while any(work.iterdir()) and time.monotonic() < deadline:
                time.sleep(0.3)
            assert not list(work.iterdir()), sorted(p.name for p in work.iterdir())
            report(
                f"every worker SIGKILLed with {sum(a == 2 for a in attempts.values())} fan-out step(s) running: "
                f"run succeeded {recovered:.1f} s later (heartbeat timeout 5 s, sweep every {REAP_EVERY} s, "
                f"steps of 6 s); attempts {attempts}; no container, no work folder left"
            )
        finally:
            for proc in workers:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGTERM)
            for proc in workers:
                try:
                    proc.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    os.killpg(proc.pid, signal.SIGKILL)


def _chain(api: Any, name: str, links: int, nap: float) -> int:
    """A pipeline of a source and `links` steps after it, one after another, each sleeping `nap` s."""
    names = [f"s{i}" for i in range(1, links + 1)]
    step = {"script": py("dataframe1", f"time.sleep({nap})")}
    nodes = [node("src", "execute-python-script", source(5))] + [node(n, "execute-python-script", step) for n in names]
    edges = [edge(a, b, "dataset1") for a, b in zip(["src", *names], names, strict=False)]
    return create_pipeline(api, name, graph(nodes, edges))


def _step_runs(api: Any, run_id: int, node_id: str) -> bool:
    """Whether the run's step `node_id` is running (a run that ended first fails the drill)."""
    run = api.run(run_id)
    assert run["status"] not in TERMINAL, (run["status"], run["error"], [(s["node"], s["error"]) for s in run["steps"]])
    return bool(steps(run)[node_id]["status"] == "running")


def _terminate_backends(database: str) -> int:
    """Terminate every backend connected to `database` (one installation's), none of any other."""
    with psycopg.connect(f"{POSTGRES}/postgres", autocommit=True) as conn:
        rows = conn.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
            (database,),
        ).fetchall()
    return sum(1 for (done,) in rows if done)


def _answers_within(api: Any, path: str, timeout: float) -> float:
    """Seconds until `path` answers 200 (after a fault)."""
    start = time.monotonic()
    while True:
        with contextlib.suppress(Exception):
            if api.get(path, timeout=5).status_code == 200:
                return time.monotonic() - start
        assert time.monotonic() - start < timeout, f"{path} did not answer in {timeout} s"
        time.sleep(0.1)


def test_postgres_backends_terminated_mid_run(
    stack_template: str, tmp_path_factory: pytest.TempPathFactory, drill_redis: RedisServer
) -> None:
    var = tmp_path_factory.mktemp("drill-postgres")
    with drill_stack(stack_template, var, "postgres", drill_redis.url) as stack:
        api = stack.api
        pipeline = _chain(api, "postgres drill", 3, 3)
        run_id = api.ok("POST", f"/api/pipelines/{pipeline}/runs/", {"cache": False}, status=201)["id"]
        wait(lambda: _step_runs(api, run_id, "s1"), 60, "the first link to run")
        first = time.monotonic()
        cut = [_terminate_backends(stack.database)]
        answered = [_answers_within(api, f"/api/runs/{run_id}/", 10)]
        wait(lambda: _step_runs(api, run_id, "s2"), 60, "the second link to run")
        time.sleep(1)
        cut.append(_terminate_backends(stack.database))
        answered.append(_answers_within(api, f"/api/runs/{run_id}/", 10))
        run = api.wait_run(run_id, timeout=60)
        finished = time.monotonic() - first
        attempts = {n: s["attempt"] for n, s in steps(run).items()}
        assert run["status"] == "succeeded", (run["error"], steps(run))
        assert all(1 <= a <= 2 for a in attempts.values()), attempts
        assert cut[0] > 0 and cut[1] > 0, cut  # the workers, beat and Daphne held connections to cut
        # the replica supervisor lost its lock with its connection: it took it again, never failing a pass
        assert "replica supervisor: a pass failed" not in stack.log(), stack.problems()
        again = api.ok("POST", f"/api/pipelines/{pipeline}/runs/", {"cache": False}, status=201)["id"]
        assert api.wait_run(again, timeout=60)["status"] == "succeeded"
        report(
            f"PostgreSQL backends terminated twice mid-run ({cut[0]} then {cut[1]} connections): the API answered "
            f"again {answered[0]:.2f} s / {answered[1]:.2f} s later; the run of 4 chained steps (3 s each) "
            f"succeeded {finished:.1f} s after the first cut; attempts {attempts}"
        )


class EngineProxy:
    """A unix-socket forwarder to the machine's Docker engine, which a stack reaches through
    DOCKER_HOST. Stopped, it is to that stack an engine that is gone: every connection is cut and
    none is accepted, while the machine's dockerd (which other tests use) keeps running."""

    def __init__(self, path: Path, engine: str = "/var/run/docker.sock") -> None:
        self.path, self.engine = path, engine
        self.url = f"unix://{path}"
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()
        self.server: asyncio.AbstractServer | None = None
        self.writers: set[asyncio.StreamWriter] = set()

    def _call(self, coro: Any) -> Any:
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout=10)

    def start(self) -> None:
        self._call(self._start())

    def stop(self) -> None:
        self._call(self._stop())

    def close(self) -> None:
        self.stop()
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(timeout=5)

    async def _start(self) -> None:
        self.server = await asyncio.start_unix_server(self._handle, path=str(self.path))

    async def _stop(self) -> None:
        if self.server is not None:
            self.server.close()
            self.server = None
        for writer in list(self.writers):
            writer.transport.abort()
        self.writers.clear()
        self.path.unlink(missing_ok=True)

    async def _handle(self, client_r: asyncio.StreamReader, client_w: asyncio.StreamWriter) -> None:
        try:
            engine_r, engine_w = await asyncio.open_unix_connection(self.engine)
        except OSError:
            client_w.transport.abort()
            return
        self.writers |= {client_w, engine_w}
        try:
            await asyncio.gather(self._pipe(client_r, engine_w), self._pipe(engine_r, client_w))
        finally:
            for writer in (client_w, engine_w):
                writer.transport.abort()
                self.writers.discard(writer)

    @staticmethod
    async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while data := await reader.read(1 << 16):
                writer.write(data)
                await writer.drain()
            if writer.can_write_eof():
                writer.write_eof()
        except OSError:
            pass


@pytest.fixture
def engine_proxy(tmp_path: Path) -> Iterator[EngineProxy]:
    proxy = EngineProxy(tmp_path / "docker.sock")
    proxy.start()
    yield proxy
    proxy.close()


def test_docker_engine_unreachable_for_10_s_mid_run(
    stack_template: str,
    tmp_path_factory: pytest.TempPathFactory,
    drill_redis: RedisServer,
    engine_proxy: EngineProxy,
) -> None:
    var = tmp_path_factory.mktemp("drill-docker")
    with drill_stack(stack_template, var, "docker", drill_redis.url, DOCKER_HOST=engine_proxy.url) as stack:
        api = stack.api
        pipeline = _chain(api, "docker drill", 2, 4)
        path = f"/api/pipelines/{pipeline}/runs/"
        in_flight = api.ok("POST", path, {"cache": False}, status=201)["id"]
        wait(lambda: _step_runs(api, in_flight, "s1"), 60, "a step to run")
        time.sleep(1)
        engine_proxy.stop()
        stopped = time.monotonic()
        # a run started while the engine is away: its first step cannot get a container
        started_meanwhile = api.ok("POST", path, {"cache": False}, status=201)["id"]
        time.sleep(max(0.0, 10 - (time.monotonic() - stopped)))
        engine_proxy.start()
        back = time.monotonic()
        runs = [api.wait_run(i, timeout=60) for i in (in_flight, started_meanwhile)]
        settled = time.monotonic() - back
        for run in runs:
            if run["status"] != "succeeded":
                errors = [run["error"]] + [s["error"] for s in run["steps"] if s["error"]]
                assert any("Docker engine" in e for e in errors), (run["status"], errors)
        outcome = {r["id"]: (r["status"], {n: s["attempt"] for n, s in steps(r).items()}) for r in runs}
        messages = sorted({s["error"][:90] for r in runs for s in r["steps"] if s["error"]})
        rerun_at = time.monotonic()
        rerun = api.wait_run(api.ok("POST", path, {"cache": False}, status=201)["id"], timeout=60)
        assert rerun["status"] == "succeeded", (rerun["error"], steps(rerun))
        rerun_took = time.monotonic() - rerun_at
        log = stack.log()
        assert "raised unexpected" not in log, stack.problems()  # no task (the sweep's neither) crashed on it
        report(
            f"Docker engine unreachable for {back - stopped:.1f} s with a step running and a run started "
            f"meanwhile: both terminal {settled:.1f} s after it was back ({outcome}; errors {messages}); "
            f"a rerun of 3 steps succeeded in {rerun_took:.1f} s"
        )

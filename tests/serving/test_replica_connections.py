"""The replica's server and the web process's connections to it: the runtime's own server
(serving/runtime/server.py, as a replica runs it) in a thread of this process, with a small
estimator in place of a pickled model, talked to by `serving.scoring` as Daphne does. And the
replica's mounts: a missing model folder fails the container's start loudly.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import importlib.util
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from serving import replicas, scoring

SPEC = {"format": 1, "schema": [{"name": "a", "type": "number"}], "steps": [], "model": {"sha256": "0" * 64}}
ROW = {"rows": [{"a": 1.0}]}


def _runtime() -> Any:
    spec = importlib.util.spec_from_file_location("pw_replica_runtime", replicas.RUNTIME_DIR / "server.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class Estimator:
    """Sleeps `seconds` per predict (the GIL is free meanwhile, as in much of numpy's work) and
    records how many predicts ran at once."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.calls = 0
        self.running = 0
        self.most = 0
        self.lock = threading.Lock()

    def predict(self, x: Any) -> Any:
        with self.lock:
            self.calls += 1
            self.running += 1
            self.most = max(self.most, self.running)
        time.sleep(self.seconds)
        with self.lock:
            self.running -= 1
        return np.zeros(len(x))


class Replica:
    def __init__(self, folder: Path, name: str, seconds: float) -> None:
        runtime = _runtime()
        self.estimator = Estimator(seconds)
        model = {"estimator": self.estimator, "features": ["a"], "task": "regression", "label": "y"}
        self.path = str(folder / f"{name}.sock")
        self.server = runtime.make_server(runtime.Scorer(SPEC, model), self.path)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def folder() -> Iterator[Path]:
    with tempfile.TemporaryDirectory(prefix="pwrc-", dir="/tmp") as name:  # short: unix socket paths
        yield Path(name)


def _close_pools() -> None:
    for pool in scoring._loop_pools().values():
        pool.drop_idle()


def test_a_burst_of_new_connections_is_accepted(folder: Path) -> None:
    """40 connections opened at once (a web process starting under load): each answered. With
    socketserver's default backlog of 5 most of them fail to connect (EAGAIN on a unix socket)."""
    replica = Replica(folder, "r", 0.0)

    async def ping() -> bytes:
        reader, writer = await asyncio.open_unix_connection(replica.path)
        writer.write(b'{"op": "ping"}\n')
        await writer.drain()
        line = await reader.readline()
        writer.close()
        return line

    async def burst() -> list[Any]:
        return await asyncio.gather(*[ping() for _ in range(40)], return_exceptions=True)

    try:
        answers = asyncio.run(burst())
    finally:
        replica.stop()
    failed = [a for a in answers if not isinstance(a, bytes) or b'"ok": true' not in a]
    assert not failed, failed[:3]


def test_a_replica_gets_at_most_the_connection_limit_and_answers_every_request(settings: Any, folder: Path) -> None:
    settings.SERVING_REPLICA_CONNECTIONS = 4
    replica = Replica(folder, "r", 0.01)

    async def flood() -> tuple[list[Any], int]:
        answers = await asyncio.gather(*[scoring._call(replica.path, b'{"op": "predict", "rows": [{"a": 1}]}\n',
                                                       True) for _ in range(60)])  # fmt: skip
        idle = len(scoring._loop_pools()[replica.path].idle)
        _close_pools()
        return answers, idle

    try:
        answers, idle = asyncio.run(flood())
    finally:
        replica.stop()
    assert all(a["ok"] for a in answers) and len(answers) == 60
    assert replica.estimator.calls == 60
    assert 2 <= replica.estimator.most <= 4, replica.estimator.most  # overlapped, within the limit
    assert idle <= 4


def test_requests_go_to_the_least_busy_replica(folder: Path) -> None:
    """A slow replica (50 ms a request) beside a fast one: round-robin would give each half of the
    requests; least-busy sends the slow one a request only when it is no busier than the fast one."""
    slow, fast = Replica(folder, "slow", 0.05), Replica(folder, "fast", 0.001)
    route = scoring.Route(1, 1, SPEC["schema"], [slow.path, fast.path])
    table = scoring.Table(1, 1, route, None, 0, time.monotonic())
    served: collections.Counter[int] = collections.Counter()

    async def client(n: int) -> None:
        for _ in range(n):
            status, answer = await scoring._score_on(table, route, ROW, True)
            assert status == 200, answer
            served[status] += 1

    async def load() -> None:
        await asyncio.gather(*[client(25) for _ in range(8)])
        _close_pools()

    try:
        asyncio.run(load())
    finally:
        slow.stop()
        fast.stop()
    assert served[200] == 200
    assert slow.estimator.calls + fast.estimator.calls == 200
    # 8 clients starting together split 4/4; after that the slow one gets a request only when idle
    assert slow.estimator.calls < 60, (slow.estimator.calls, fast.estimator.calls)  # round-robin: 100


def test_equally_busy_replicas_take_turns(folder: Path) -> None:
    one, two = Replica(folder, "one", 0.0), Replica(folder, "two", 0.0)
    route = scoring.Route(1, 1, SPEC["schema"], [one.path, two.path])
    table = scoring.Table(1, 1, route, None, 0, time.monotonic())

    async def sequential() -> None:
        for _ in range(40):
            status, _ = await scoring._score_on(table, route, ROW, True)
            assert status == 200
        _close_pools()

    try:
        asyncio.run(sequential())
    finally:
        one.stop()
        two.stop()
    assert one.estimator.calls == two.estimator.calls == 20


@pytest.mark.docker
@pytest.mark.django_db
def test_a_replica_whose_model_folder_is_missing_does_not_start(settings: Any, folder: Path) -> None:
    """Bind mounts, not `volumes`: a missing model folder is an error from the engine, not an empty
    folder made in its place (a replica would start and only then fail to load its model)."""
    import docker

    from runner.compute.docker import client
    from serving.models import DeploymentVersion
    from serving.models import Replica as ReplicaRow

    settings.SERVING_ROOT = folder
    version = DeploymentVersion(pk=987654, spec={**SPEC, "model": {"sha256": "f" * 64}}, memory_mb=64, cpu=0.5)
    row = ReplicaRow(pk=987654, version_id=987654, index=0, generation=0)
    name = f"pw-test-missing-model-{time.monotonic_ns()}"
    kwargs = replicas.run_kwargs(row, version, name, replicas.socket_dir("missing-model"))
    try:
        with pytest.raises(docker.errors.APIError, match=r"(?i)does not exist|no such file"):
            client().containers.run(**kwargs)
    finally:
        with contextlib.suppress(docker.errors.NotFound):
            client().containers.get(name).remove(force=True)

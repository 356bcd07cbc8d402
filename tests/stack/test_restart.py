"""Drill (e) of issue 10: Daphne SIGKILLed while a run is in flight and a client watches its feed.

`make run`'s supervisor must restart Daphne (after its 1 s backoff) while the Celery workers and
the step they run carry on untouched; the run finishes `succeeded`; the client reconnects as the
front end does (a new socket, then {"type":"resume","after":<last seq applied>}) and ends up with
every event of the run after its first snapshot exactly once, as the database holds them. The
restart time (kill -> the port answers, -> /healthz answers) and the resume time are printed."""

from __future__ import annotations

import json
import socket
import time
import uuid
from typing import Any

import psutil
import psycopg
import pytest
import requests

from tests.stack.conftest import Feed
from tests.stack.graphs import create_pipeline, edge, graph, node, py
from tests.stack.stack import POSTGRES, Stack, steps

pytestmark = [pytest.mark.stack, pytest.mark.docker]

TICKS = 12  # each step prints a line every 0.3 s: log events keep coming while Daphne is down


def ticking_chain(tag: str) -> dict[str, Any]:
    def ticking(name: str, result: str) -> dict[str, Any]:
        loop = f"for i in range({TICKS}): print('{name} {tag} tick', i, flush=True); time.sleep(0.3)"
        return {"script": py(result, loop)}

    nodes = [node("s1", "execute-python-script", ticking("s1", "pd.DataFrame({'x': [1, 2]})"))]
    nodes += [node(f"s{i}", "execute-python-script", ticking(f"s{i}", "dataframe1")) for i in (2, 3)]
    return graph(nodes, [edge("s1", "s2", "dataset1"), edge("s2", "s3", "dataset1")])


def _processes(stack: Stack, word: str) -> list[psutil.Process]:
    assert stack.proc is not None
    found = []
    for p in psutil.Process(stack.proc.pid).children(recursive=True):
        try:
            if word in " ".join(p.cmdline()):
                found.append(p)
        except psutil.Error:
            pass
    return found


def _wait(check: Any, timeout: float, what: str, every: float = 0.05) -> float:
    """Poll until `check()` holds; the monotonic time it first did."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            if check():
                return time.monotonic()
        except (OSError, requests.RequestException):
            pass
        assert time.monotonic() < deadline, f"{what}: not within {timeout} s"
        time.sleep(every)


def _port_answers(port: int) -> bool:
    with socket.create_connection(("127.0.0.1", port), timeout=0.5):
        return True


def _events_in_db(stack: Stack, run_id: int) -> dict[int, Any]:
    with psycopg.connect(f"{POSTGRES}/{stack.database}") as conn:
        rows = conn.execute("SELECT seq, data FROM runner_runevent WHERE run_id = %s ORDER BY seq", [run_id])
        return {int(seq): data for seq, data in rows}


@pytest.mark.timeout(300)
def test_daphne_killed_mid_run_comes_back_and_the_feed_resumes_with_nothing_missed(
    stack: Stack, capsys: pytest.CaptureFixture[str]
) -> None:
    api = stack.api
    tag = uuid.uuid4().hex[:8]  # no cached step from an earlier run
    pipeline = create_pipeline(api, f"daphne drill {tag}", ticking_chain(tag))
    run_id = api.ok("POST", f"/api/pipelines/{pipeline}/runs/", {}, status=201)["id"]
    api.wait_log(run_id, "s1", f"s1 {tag} tick 1")  # a container is running the first step
    ws_url = f"ws://127.0.0.1:{stack.port}/ws/runs/{run_id}/?token={stack.token}"
    feed = Feed(ws_url, run_id)
    first = feed.wait_for(lambda m: m["type"] == "snapshot", 15)["seq"]
    feed.wait_for(lambda m: m.get("seq", 0) > first, 15)  # live events flow on the first socket

    (daphne,) = _processes(stack, "daphne")
    workers = {p.pid for p in _processes(stack, "celery") if "worker" in p.cmdline()}
    assert len(workers) >= 6, workers  # two workers (or more), each with a pool of two
    killed = time.monotonic()
    daphne.kill()
    _wait(lambda: feed.ended is not None, 10, "the first socket did not see Daphne go")
    port_back = _wait(lambda: _port_answers(stack.port), 60, "Daphne's port did not answer again")
    health_back = _wait(
        lambda: requests.get(stack.url + "/healthz", timeout=2).status_code == 200, 30, "/healthz did not answer"
    )
    assert stack.proc is not None and stack.proc.poll() is None, "run.py stopped"
    (again,) = _processes(stack, "daphne")
    assert again.pid != daphne.pid

    # reconnect as the front end does: resume after the last seq the client applied
    before = [m for _, m in feed.messages if m["type"] != "snapshot" and "seq" in m]
    last = max([first, *(m["seq"] for m in before)])
    resumed = time.monotonic()
    feed2 = Feed(ws_url, run_id)
    feed2.ws.send(json.dumps({"type": "resume", "after": last}))
    snapshot2 = feed2.wait_for(lambda m: m["type"] == "snapshot", 15)
    assert snapshot2["seq"] > last, "no event was published while Daphne was down: the drill proves nothing"
    feed2.wait_for(lambda m: m.get("seq") == last + 1 and m["type"] != "snapshot", 15)
    caught_up = time.monotonic()

    run = api.wait_run(run_id, 180)
    assert run["status"] == "succeeded", run
    assert all(s["attempt"] == 1 and s["status"] == "succeeded" for s in steps(run).values()), run["steps"]
    feed2.wait_for(lambda m: m["type"] == "run" and m["status"] == "succeeded", 30)
    time.sleep(1)  # the last events of the run, if any, after its status
    feed2.close()

    # the client's view, as the store applies it: every event once, in order, none missing
    received = before + [m for _, m in feed2.messages if m["type"] != "snapshot" and "seq" in m]
    applied: list[dict[str, Any]] = []
    for event in received:
        if event["seq"] > (applied[-1]["seq"] if applied else first):
            applied.append(event)
    in_db = _events_in_db(stack, run_id)
    assert sorted(in_db) == list(range(min(in_db), max(in_db) + 1)), "the run's own events have a gap"
    assert [e["seq"] for e in applied] == [s for s in in_db if s > first], "missing or duplicated events"
    assert all(e == in_db[e["seq"]] for e in applied), "an event the client got differs from the stored one"
    replayed_twice = len(received) - len(applied)

    # the workers and their steps never noticed
    after = {p.pid for p in _processes(stack, "celery") if "worker" in p.cmdline()}
    assert after == workers, "a Celery worker was restarted or lost"
    log = stack.log()
    assert "daphne exited with -9; restarting in 1 s (restart 1)" in log, log[-3000:]
    others = [line for line in log.splitlines() if line.startswith("[pipewright]") and "exited with" in line]
    assert others == ["[pipewright] daphne exited with -9; restarting in 1 s (restart 1)"], others
    with capsys.disabled():
        print(
            f"\n[drill e] Daphne SIGKILLed mid-run: port answers again after {port_back - killed:.1f} s, "
            f"/healthz after {health_back - killed:.1f} s (1 s of it the backoff); the feed resumed "
            f"{caught_up - resumed:.2f} s after reconnecting; {len(applied)} events after the first snapshot, "
            f"{snapshot2['seq'] - last} published while Daphne was down, 0 missing, 0 applied twice "
            f"({replayed_twice} replayed both live and by the resume, dropped by seq)"
        )

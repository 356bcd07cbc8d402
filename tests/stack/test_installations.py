"""Two installations, separate databases, one Docker engine, at the same time (issue 9 item 3):
both run the same pipelines, whose step ids are therefore the same in both databases; every step
succeeds, each keeps to its own containers, and a cancel in one leaves the other's step alone."""

from __future__ import annotations

import time
from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import Any

import pytest

from tests.stack.graphs import create_pipeline, graph, node, py
from tests.stack.stack import Stack, containers, containers_of, steps

pytestmark = [pytest.mark.stack, pytest.mark.docker]

LABEL = "pipewright.installation"


def wide() -> dict[str, Any]:
    """Three steps side by side, each a few seconds long, so both stacks' containers overlap (each
    its own script: identical steps in flight together would run once, see runner/inflight.py)."""

    def nap(i: int) -> dict[str, Any]:
        return {"script": py(f"pd.DataFrame({{'x': [{i}]}})", f"print('napping {i}', flush=True)", "time.sleep(6)")}

    return graph([node(f"n{i}", "execute-python-script", nap(i)) for i in range(3)])


def long() -> dict[str, Any]:
    wait = {"script": py("pd.DataFrame({'x': [2]})", "print('waiting', flush=True)", "time.sleep(20)")}
    return graph([node("wait", "execute-python-script", wait)])


def start(stack: Stack, pipeline: int) -> int:
    return int(stack.api.ok("POST", f"/api/pipelines/{pipeline}/runs/", {}, status=201)["id"])


def labelled(found: list[dict[str, Any]]) -> set[str | None]:
    return {(c["Config"]["Labels"] or {}).get(LABEL) for c in found}


@pytest.mark.timeout(300)
def test_two_installations_share_one_engine_without_touching_each_others_containers(
    start_stack: Callable[[str, int], AbstractContextManager[Stack]],
) -> None:
    with start_stack("b", 8) as b, start_stack("c", 9) as c:
        pipelines = {s.name: [create_pipeline(s.api, "wide", wide()), create_pipeline(s.api, "long", long())]
                     for s in (b, c)}  # fmt: skip
        runs = {s.name: [start(s, pk) for pk in pipelines[s.name]] for s in (b, c)}  # same order, same step ids
        assert runs["b"] == runs["c"]

        seen: dict[str, dict[str, dict[str, Any]]] = {"b": {}, "c": {}}

        def look() -> None:
            everything = containers()
            for s in (b, c):
                seen[s.name].update({x["Name"]: x for x in containers_of(s.var, everything)})

        deadline = time.monotonic() + 90
        while any(len(found) < 4 for found in seen.values()) and time.monotonic() < deadline:
            look()
            if any(s.api.run(pk)["status"] == "failed" for s in (b, c) for pk in runs[s.name]):
                break
            time.sleep(0.3)
        for s in (b, c):
            now = [s.api.run(pk) for pk in runs[s.name]]
            errors = [(x["node"], x["status"], x["error"]) for run in now for x in run["steps"] if x["error"]]
            assert [run["status"] for run in now] == ["running", "running"], (s.name, errors)
            s.api.wait_log(runs[s.name][1], "wait", "waiting", timeout=120)
        look()

        names_b, names_c = set(seen["b"]), set(seen["c"])
        assert names_b and names_c and not names_b & names_c, (names_b, names_c)
        ids_b, ids_c = labelled(list(seen["b"].values())), labelled(list(seen["c"].values()))
        assert len(ids_b) == 1 and len(ids_c) == 1 and None not in ids_b | ids_c, f"{LABEL}: b {ids_b}, c {ids_c}"
        assert ids_b != ids_c, (ids_b, ids_c)
        assert all(name.startswith("/pw-") for name in names_b | names_c), names_b | names_c

        # c cancels its long step; b's step of the same id keeps running to the end
        c.api.ok("POST", f"/api/runs/{runs['c'][1]}/cancel")
        assert c.api.wait_run(runs["c"][1], 60)["status"] == "canceled"
        waited = b.api.wait_run(runs["b"][1], 120)
        assert waited["status"] == "succeeded", waited
        assert steps(waited)["wait"]["attempt"] == 1
        for s in (b, c):
            done = s.api.wait_run(runs[s.name][0], 120)
            assert done["status"] == "succeeded", (s.name, done)
            assert {(x["status"], x["attempt"]) for x in done["steps"]} == {("succeeded", 1)}, (s.name, done)

"""Ten pipelines at once on the real stack, then reruns, an endpoint run and a schedule that fires;
every run must end, every artifact download and preview, every log read back."""

from __future__ import annotations

import itertools
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from tests.stack.conftest import Feed
from tests.stack.graphs import add_column, create_pipeline, edge, graph, node, publish_gather, py, source
from tests.stack.stack import TERMINAL, Api, Stack, containers_of, steps

pytestmark = [pytest.mark.stack, pytest.mark.docker]

FAILING = py("dataframe1", "print('about to fail', flush=True)", "raise ValueError('planned failure')")
PASSING = py("dataframe1", "print('passing now')")
ML_PARAMS = [{"name": "test_size", "type": "number", "default": 0.3}]


def chain_a() -> dict[str, Any]:
    return graph(
        [node("src", "execute-python-script", source(20)), node("add", "execute-python-script", add_column("x", 1)),
         node("sum", "summarize-data")],
        [edge("src", "add", "dataset1"), edge("add", "sum", "data")],
    )  # fmt: skip


def ml() -> dict[str, Any]:
    return graph(
        [node("imp", "import-data", {"sample": "iris"}),
         node("split", "split-data", {"test_size": {"$param": "test_size"}, "seed": 1}),
         node("train", "train-model", {"label_column": "target", "algorithm": "logistic_regression"}),
         node("score", "score-model"),
         node("eval", "evaluate-model", {"label_column": "target"})],
        [edge("imp", "split", "data", "data"), edge("split", "train", "data", "train"),
         edge("train", "score", "model", "model"), edge("split", "score", "data", "test"),
         edge("score", "eval", "scored", "scored")],
        ML_PARAMS,
    )  # fmt: skip


def chain_b() -> dict[str, Any]:
    return graph(
        [node("imp", "import-data", {"sample": "wine"}),
         node("norm", "normalize-data", {"method": "minmax", "label_column": "target"}),
         node("sum", "summarize-data")],
        [edge("imp", "norm", "data", "data"), edge("norm", "sum", "data", "data")],
    )  # fmt: skip


def sql() -> dict[str, Any]:
    query = "SELECT (SELECT COUNT(*) FROM t1) AS a, (SELECT COUNT(*) FROM t2) AS b"
    return graph(
        [node("one", "execute-python-script", source(12, 1)), node("two", "execute-python-script", source(7, 2)),
         node("sql", "apply-sql-transformation", {"query": query})],
        [edge("one", "sql", "t1"), edge("two", "sql", "t2")],
    )  # fmt: skip


def join() -> dict[str, Any]:
    right = {"script": py("pd.DataFrame({'id': range(0, 30, 2), 'w': range(15)})")}
    return graph(
        [node("left", "execute-python-script", source(30, 3)), node("right", "execute-python-script", right),
         node("join", "join-data", {"keys": "id", "how": "inner"})],
        [edge("left", "join", "left"), edge("right", "join", "right")],
    )  # fmt: skip


def fan(gather: str) -> dict[str, Any]:
    wide = [node(f"w{i}", "execute-python-script", add_column(f"c{i}", i)) for i in range(1, 7)]
    return graph(
        [node("src", "execute-python-script", source(6, 4)), *wide, node("gather", gather)],
        [*(edge("src", f"w{i}", "dataset1") for i in range(1, 7)),
         *(edge(f"w{i}", "gather", f"in{i}") for i in range(1, 7))],
    )  # fmt: skip


def failing() -> dict[str, Any]:
    return graph(
        [node("src", "execute-python-script", source(5, 5)),
         node("bad", "execute-python-script", {"script": {"$param": "code"}}),
         node("after", "execute-python-script", add_column("z", 9))],
        [edge("src", "bad", "dataset1"), edge("bad", "after", "dataset1")],
        [{"name": "code", "type": "string", "default": FAILING}],
    )  # fmt: skip


def sleeper() -> dict[str, Any]:
    long = py("pd.DataFrame({'x': [1]})", "print('sleeping', flush=True)", "time.sleep(30)")
    return graph([node("sleep", "execute-python-script", {"script": long})])


def clean() -> dict[str, Any]:
    holes = {"script": py("pd.DataFrame({'id': range(10), 'v': [None if i % 3 == 0 else i for i in range(10)]})")}
    return graph(
        [node("src", "execute-python-script", holes), node("clean", "clean-missing-data", {"mode": "mean"}),
         node("pick", "select-columns", {"columns": "v"})],
        [edge("src", "clean", "data"), edge("clean", "pick", "data", "data")],
    )  # fmt: skip


def chain_c() -> dict[str, Any]:
    names = ["src", "a", "b", "c"]
    nodes = [node("src", "execute-python-script", source(50, 6))]
    nodes += [node(n, "execute-python-script", add_column(n, k)) for k, n in enumerate(names[1:])]
    return graph(nodes, [edge(x, y, "dataset1") for x, y in itertools.pairwise(names)])


def each_row() -> dict[str, Any]:
    """A for-each over the rows of a table: split and gathered by the control worker's task."""
    each = {
        **node("each", "execute-python-script", add_column("f", 1)),
        "foreach": {"over": "rows", "port": "dataset1", "concurrency": 2},
    }
    src = node("src", "execute-python-script", source(5, 7))
    return graph([src, each], [edge("src", "each", "dataset1")])  # fmt: skip


def start(api: Api, pipeline: int, body: dict[str, Any] | None = None) -> int:
    return int(api.ok("POST", f"/api/pipelines/{pipeline}/runs/", body or {}, status=201)["id"])


def rerun(api: Api, run_id: int, **body: Any) -> dict[str, Any]:
    new = api.ok("POST", f"/api/runs/{run_id}/rerun", body, status=201)
    assert new["parent"] == run_id and new["rerun_mode"] == body["mode"], new
    return dict(api.wait_run(new["id"]))


def endpoint_token(stack: Stack) -> str:
    """A personal API token when the stack offers them (API v1.1), else the login token."""
    r = stack.api.post("/api/tokens/", {"name": "stack endpoint"})
    return str(r.json()["token"]) if r.status_code == 201 else stack.token


@pytest.mark.timeout(480)
def test_ten_pipelines_at_once_then_reruns_an_endpoint_and_a_schedule(stack: Stack, idle_feed: Feed) -> None:
    api = stack.api
    gather = publish_gather(api)
    documents = {
        "chain-a": chain_a(), "ml": ml(), "chain-b": chain_b(), "sql": sql(), "join": join(),
        "fan": fan(gather), "failing": failing(), "sleeper": sleeper(), "clean": clean(), "chain-c": chain_c(),
        "each-row": each_row(),
    }  # fmt: skip
    pipelines = {name: create_pipeline(api, name, doc) for name, doc in documents.items()}
    # a schedule first, so that its minute passes while the rest works
    endpoint_a = api.ok("POST", f"/api/pipelines/{pipelines['chain-a']}/publish", {"name": "chain a"}, status=201)
    every_minute = {"endpoint": endpoint_a["slug"], "cron": "* * * * *", "parameters": {}, "enabled": True}
    schedule = api.ok("POST", "/api/schedules/", every_minute, status=201)

    with ThreadPoolExecutor(len(pipelines)) as pool:
        started = dict(zip(pipelines, pool.map(lambda pk: start(api, pk), pipelines.values()), strict=True))

    api.wait_log(started["sleeper"], "sleep", "sleeping")  # the step is in its sleep, not just claimed
    assert api.ok("POST", f"/api/runs/{started['sleeper']}/cancel")["status"] in {"canceled", "running"}

    endpoint_ml = api.ok("POST", f"/api/pipelines/{pipelines['ml']}/publish", {"name": "ml score"}, status=201)
    as_token = Api(stack.url, endpoint_token(stack))
    by_endpoint = as_token.ok("POST", f"/api/endpoints/{endpoint_ml['slug']}/runs", {"parameters": {"test_size": 0.4}},
                              status=201)  # fmt: skip

    runs = {name: api.wait_run(run_id, 240) for name, run_id in started.items()}
    for name, run in runs.items():
        expected = {"failing": "failed", "sleeper": "canceled"}.get(name, "succeeded")
        assert run["status"] == expected, (name, run)
    assert steps(runs["sleeper"])["sleep"]["status"] == "canceled"
    assert "sleeping" in api.get(f"/api/runs/{started['sleeper']}/steps/sleep/logs").text
    bad = steps(runs["failing"])
    assert bad["src"]["status"] == "succeeded" and bad["bad"]["status"] == "failed" and bad["bad"]["exit_code"] == 1
    assert bad["after"]["status"] in {"skipped", "canceled"}, bad["after"]
    assert steps(runs["fan"])["gather"]["metrics"] == {"inputs": 6, "rows": 36}
    assert all(s["status"] == "succeeded" and s["exit_code"] == 0 for s in runs["fan"]["steps"])
    each = api.ok("GET", f"/api/runs/{started['each-row']}/foreach/each/")
    assert each["counts"]["succeeded"] == 5, each
    assert steps(runs["each-row"])["each"]["metrics"] == {"items": 5, "items_succeeded": 5}

    # reruns, one per mode the API offers
    retried = rerun(api, started["failing"], mode="failed")  # the same parameters: it fails the same way
    assert retried["status"] == "failed" and steps(retried)["bad"]["status"] == "failed", retried
    assert steps(retried)["src"]["reused_from"]["run"] == started["failing"]
    assert "planned failure" in api.get(f"/api/runs/{retried['id']}/steps/bad/logs").text
    fixed = rerun(api, retried["id"], mode="all", parameters={"code": PASSING})
    assert fixed["status"] == "succeeded", fixed
    assert steps(fixed)["src"]["status"] == "cached" and steps(fixed)["bad"]["status"] == "succeeded", fixed
    assert "passing now" in api.get(f"/api/runs/{fixed['id']}/steps/bad/logs").text
    again = rerun(api, started["ml"], mode="from", node="train")
    assert again["status"] == "succeeded", again
    assert {n for n, s in steps(again).items() if s["reused_from"] is None} == {"train", "score", "eval"}
    cached = rerun(api, started["chain-a"], mode="all")
    assert cached["status"] == "succeeded" and {s["status"] for s in cached["steps"]} == {"cached"}, cached
    fresh = rerun(api, started["chain-a"], mode="all", cache=False)
    assert fresh["status"] == "succeeded" and {s["status"] for s in fresh["steps"]} == {"succeeded"}, fresh

    endpoint_run = api.wait_run(by_endpoint["id"], 180)
    assert endpoint_run["status"] == "succeeded" and endpoint_run["trigger"] == f"endpoint:{endpoint_ml['slug']}"
    assert endpoint_run["parameters"] == {"test_size": 0.4}

    deadline = time.monotonic() + 90  # a cron of every minute fires within one
    while not (fired := api.ok("GET", f"/api/schedules/{schedule['id']}/"))["last_run"]:
        assert time.monotonic() < deadline, f"the schedule did not fire in 90 s: {fired}"
        time.sleep(1)
    assert not fired["last_error"], fired
    assert api.delete(f"/api/schedules/{schedule['id']}/").status_code == 204
    scheduled = api.wait_run(fired["last_run"], 120)
    assert scheduled["status"] == "succeeded" and scheduled["trigger"] == f"schedule:{schedule['id']}", scheduled

    every = [*runs.values(), retried, fixed, again, cached, fresh, endpoint_run, scheduled]
    check_outputs_and_logs(api, every)
    # every container went with its step: only the idle feed's sleeping step still has one
    deadline = time.monotonic() + 30
    while len(left := containers_of(stack.var)) > 1:
        assert time.monotonic() < deadline, [c["Name"] for c in left]
        time.sleep(0.5)
    assert [c["State"]["Running"] for c in left] == [True]
    assert api.run(idle_feed.run_id)["status"] == "running"


def check_outputs_and_logs(api: Api, runs: list[dict[str, Any]]) -> None:
    seen: set[str] = set()
    for run in runs:
        run = api.run(run["id"])
        assert run["status"] in TERMINAL, run
        for step in run["steps"]:
            log = api.get(f"/api/runs/{run['id']}/steps/{step['node']}/logs")
            assert log.status_code == 200, (run["id"], step["node"], log.status_code, log.text[:300])
            assert log.headers["X-Step-Status"] == step["status"], (run["id"], step["node"], log.headers)
            talks = step["status"] == "failed" or (step["status"] == "succeeded" and "python-script" in step["module"])
            if talks and not step.get("foreach"):  # Execute Python Script prints its result's shape; a
                # failed step says why (a for-each node's items have the logs)
                assert log.text.strip(), f"run {run['id']} step {step['node']} ({step['status']}) has an empty log"
            for port, out in (step["outputs"] or {}).items():
                if out["sha256"] in seen:
                    continue
                seen.add(out["sha256"])
                check_artifact(api, out, f"run {run['id']} {step['node']}.{port}")
    assert len(seen) >= 30, seen


def check_artifact(api: Api, out: dict[str, Any], where: str) -> None:
    sha = out["sha256"]
    download = api.get(f"/api/artifacts/{sha}/")
    assert download.status_code == 200 and download.content, (where, download.status_code, download.text[:300])
    assert download.headers["Content-Disposition"].startswith("attachment"), (where, download.headers)
    preview = api.get(f"/api/artifacts/{sha}/preview")
    assert preview.status_code == 200, (where, preview.status_code, preview.text[:300])
    body = preview.json()
    assert body["sha256"] == sha and body["files"], (where, body)
    assert body["kind"] in {"table", "metrics", "image", "html", "svg", "markdown", "curves", "files"}, (where, body)
    if body["kind"] == "curves":  # Evaluate Model's ROC / precision-recall / confusion matrix
        assert isinstance(body["curves"], dict) and body["curves"], (where, body)
    if out["media_type"] == "text/csv":
        assert body["kind"] == "table" and body["columns"], (where, body)
    if body["kind"] == "image":
        image = api.get(body["url"])
        assert image.status_code == 200 and image.content[:4] == b"\x89PNG", (where, image.status_code)

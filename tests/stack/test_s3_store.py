"""`PIPEWRIGHT_STORE=s3 make run` with no endpoint: run.py starts the embedded SeaweedFS, and a
chain of steps passes its tables through S3 (each input fetched by hash into a worker's cache,
each output uploaded and committed), its logs read from the database, its output downloaded and
previewed through the API: all over HTTP, as a user sees it."""

from __future__ import annotations

import os
from collections.abc import Callable
from contextlib import AbstractContextManager

import pytest

from tests.stack.graphs import add_column, create_pipeline, edge, graph, node, source
from tests.stack.stack import Stack

pytestmark = [pytest.mark.stack, pytest.mark.docker]

REDIS_DB = int(os.environ.get("STACK_S3_REDIS_DB", "10"))


@pytest.mark.timeout(300)
def test_a_chain_runs_on_the_embedded_s3_store(
    start_stack: Callable[..., AbstractContextManager[Stack]],
) -> None:
    with start_stack("s3", REDIS_DB, PIPEWRIGHT_STORE="s3") as s:
        assert "embedded SeaweedFS S3 at http://127.0.0.1:" in s.log()
        doc = graph(
            [
                node("src", "execute-python-script", source(30)),
                node("add", "execute-python-script", add_column("w", 5)),
            ],
            [edge("src", "add", "dataset1")],
        )
        run_id = s.api.ok("POST", f"/api/pipelines/{create_pipeline(s.api, 'on s3', doc)}/runs/", {}, status=201)["id"]
        run = s.api.wait_run(run_id, 240)
        steps = {x["node"]: x for x in run["steps"]}
        assert run["status"] == "succeeded", [(x["node"], x["error"]) for x in run["steps"]]
        sha = steps["add"]["outputs"]["result"]["sha256"]
        got = s.api.get(f"/api/artifacts/{sha}/")
        assert got.status_code == 200 and got.content.splitlines()[0].split(b",")[-1] == b"w", got.content[:200]
        preview = s.api.ok("GET", f"/api/artifacts/{sha}/preview")
        assert preview["kind"] == "table" and preview["columns"][-1] == "w"
        log = s.api.get(f"/api/runs/{run_id}/steps/add/logs")
        assert "added w" in log.text
        # nothing in the local folder store: the artifacts are in SeaweedFS's data folder
        assert not list((s.var / "artifacts").glob("??/*")) and (s.var / "s3").is_dir()

"""Iterate on a failed run from the canvas (issue 13.2, 13.7): the failed Python step says why on
its node and on the run page; fixing its code and pressing "Save and resume" runs the new version
as a rerun of the failed run, with the upstream step reused; "Open in editor" on a run loads the
version it ran as the draft, and the next run records where it came from."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core.management import call_command

from tests.e2e.conftest import login
from tests.live import live_worker

pytestmark = [pytest.mark.e2e, pytest.mark.celery, pytest.mark.docker]

RUN_TIMEOUT_MS = 240_000
SHOTS = os.environ.get("PIPEWRIGHT_SCREENSHOTS")


def shot(page: Any, name: str) -> None:
    if SHOTS:
        page.screenshot(path=os.path.join(SHOTS, name))


BROKEN = """import pandas as pd


def azureml_main(dataframe1=None, dataframe2=None):
    frame = dataframe1.copy()
    frame["ratio"] = float("abc")
    return frame
"""


def lines(text: str) -> list[str]:
    """The non-blank lines of a text (the code editor renders a blank line as one more newline)."""
    return [line for line in text.splitlines() if line.strip()]


FIXED = BROKEN.replace('float("abc")', "frame.iloc[:, 0] / 2")

GRAPH = {
    "nodes": [
        {"id": "imp", "module": "builtin/import-data", "version": None, "params": {"sample": "iris"},
         "position": {"x": 0, "y": 0}},
        {"id": "py", "module": "builtin/execute-python-script", "version": None, "params": {"script": BROKEN},
         "position": {"x": 0, "y": 160}},
    ],
    "edges": [{"source": "imp", "source_port": "data", "target": "py", "target_port": "dataset1"}],
    "parameters": [],
}  # fmt: skip


@pytest.fixture
def worker(live_url: str, tmp_path: Path) -> Iterator[None]:
    import redis

    redis.Redis.from_url(os.environ.get("REDIS_URL", settings.REDIS_URL)).flushdb()
    with live_worker(tmp_path / "logs"):
        yield


def node(page: Any, node_id: str) -> Any:
    return page.locator(f'.react-flow__node[data-id="{node_id}"] [data-testid=canvas-node]')


def wait_run(page: Any, *previous: str) -> tuple[str, str]:
    """The dock follows a run started after those given, to its end."""
    if previous:
        page.wait_for_function(
            "prev => !prev.includes(document.querySelector('[data-testid=run-dock]').dataset.runId)", arg=list(previous)
        )
    page.wait_for_function(
        "() => ['succeeded', 'failed', 'canceled']"
        ".includes(document.querySelector('[data-testid=run-dock]').dataset.runStatus)",
        timeout=RUN_TIMEOUT_MS,
    )
    dock = page.get_by_test_id("run-dock")
    return dock.get_attribute("data-run-id"), dock.get_attribute("data-run-status")


def test_fix_a_failed_step_and_resume(as_alice: Any, live_url: str, worker: None, page: Any) -> None:
    call_command("load_library", verbosity=0)
    created = as_alice.post("/api/pipelines/", {"team": "acme", "name": "Ratios", "graph": GRAPH}, format="json")
    assert created.status_code == 201 and not created.json()["errors"], created.json()
    pid = created.json()["id"]

    page.set_viewport_size({"width": 1400, "height": 1100})
    login(page, live_url, "alice", "pw-alice")
    page.goto(f"{live_url}/pipelines/{pid}")
    node(page, "py").wait_for()

    # 1. the run fails, and the failed node says why
    page.get_by_test_id("run-button").click()
    failed_id, status = wait_run(page)
    assert status == "failed"
    why = "ValueError: could not convert string to float: 'abc' (at script.py line 6)"
    failure = node(page, "py").get_by_test_id("step-failure")
    failure.wait_for()
    assert why in failure.inner_text()
    assert why in (node(page, "py").get_by_test_id("run-chip").get_attribute("title") or "")
    rerun = page.get_by_test_id("rerun-button")
    assert rerun.get_attribute("data-version") == "1" and "v1" in rerun.inner_text()
    assert page.get_by_test_id("resume-button").count() == 0  # nothing changed yet
    shot(page, "resume-failed.png")

    # 2. fix the code: the rerun now warns it would ignore the edit; Save and resume runs it
    node(page, "py").click()
    page.get_by_test_id("tab-properties").click()
    page.get_by_test_id("properties").get_by_test_id("param-script").locator(".cm-content").fill(FIXED)
    page.get_by_test_id("resume-button").wait_for()
    assert "Save and resume" in page.get_by_test_id("resume-button").inner_text()
    assert "not your edits" in rerun.inner_text()
    shot(page, "resume-edited.png")
    page.get_by_test_id("resume-button").click()
    resumed_id, status = wait_run(page, failed_id)
    assert status == "succeeded"
    assert page.get_by_test_id("save-state").inner_text() == "Saved"
    assert f"rerun (failed) of #{failed_id}" in page.get_by_test_id("run-dock").inner_text()
    resumed = as_alice.get(f"/api/runs/{resumed_id}/").json()
    assert (resumed["version"], resumed["parent"], resumed["rerun_mode"]) == (2, int(failed_id), "failed")
    by_node = {s["node"]: s for s in resumed["steps"]}
    assert by_node["imp"]["status"] == "cached" and by_node["imp"]["reused_from"]["run"] == int(failed_id)
    assert by_node["py"]["status"] == "succeeded"
    assert page.get_by_test_id("rerun-button").get_attribute("data-version") == "2"

    # 3. the failed run's page explains the failure and opens its version in the editor
    page.goto(f"{live_url}/runs/{failed_id}")
    page.get_by_test_id("step-error-py").wait_for()
    assert why in page.get_by_test_id("step-error-py").inner_text()
    shot(page, "resume-run-page.png")
    page.get_by_test_id("open-in-editor").click()
    page.get_by_test_id("save-state").wait_for()
    page.wait_for_function(
        "() => document.querySelector('[data-testid=save-state]').textContent.trim() === 'Unsaved changes'"
    )
    node(page, "py").click()
    page.get_by_test_id("tab-properties").click()
    assert lines(
        page.get_by_test_id("properties").get_by_test_id("param-script").locator(".cm-content").inner_text()
    ) == lines(BROKEN)
    assert "from_run" not in page.url
    page.get_by_test_id("run-button").click()
    cloned_id, _status = wait_run(page, failed_id, resumed_id)
    cloned = as_alice.get(f"/api/runs/{cloned_id}/").json()
    assert cloned["cloned_from"] == int(failed_id) and cloned["version"] == 3
    page.goto(f"{live_url}/runs/{cloned_id}")
    assert f"#{failed_id}" in page.get_by_test_id("run-cloned-from").inner_text()

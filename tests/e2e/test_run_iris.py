"""The run UI end to end: an iris pipeline run from the canvas with a real Celery worker and Docker.

With PIPEWRIGHT_DOCS_SHOT=1 it replaces docs/canvas.png (the README's picture). Nodes colour live,
the evaluation's metrics preview shows, a changed training parameter reruns
only from the training step (import and split come from the cache) and the run page lists it all.
"""

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

SHOTS = os.environ.get("PIPEWRIGHT_SCREENSHOTS")  # a folder to save screenshots into, for a person to look at
RUN_TIMEOUT_MS = 240_000

NODES = ["import", "split", "train", "score", "evaluate"]
GRAPH = {
    "nodes": [
        {"id": "import", "module": "builtin/import-data", "version": None, "params": {"sample": "iris"},
         "position": {"x": 0, "y": 0}},
        {"id": "split", "module": "builtin/split-data", "version": None, "params": {"test_size": 0.3, "seed": 7},
         "position": {"x": 0, "y": 140}},
        {"id": "train", "module": "builtin/train-model", "version": None,
         "params": {"label_column": "target", "algorithm": "logistic_regression", "C": 1.0},
         "position": {"x": -160, "y": 280}},
        {"id": "score", "module": "builtin/score-model", "version": None, "params": {}, "position": {"x": 0, "y": 420}},
        {"id": "evaluate", "module": "builtin/evaluate-model", "version": None, "params": {},
         "position": {"x": 0, "y": 560}},
    ],
    "edges": [
        {"source": "import", "source_port": "data", "target": "split", "target_port": "data"},
        {"source": "split", "source_port": "train", "target": "train", "target_port": "data"},
        {"source": "train", "source_port": "model", "target": "score", "target_port": "model"},
        {"source": "split", "source_port": "test", "target": "score", "target_port": "data"},
        {"source": "score", "source_port": "scored", "target": "evaluate", "target_port": "scored"},
    ],
    "parameters": [],
}  # fmt: skip

# Records every run-status class a canvas node takes, in order, so the test can prove the colours
# changed live (not just at the end).
WATCH_NODES = """
() => {
  window.__statusLog = [];
  const seen = new Map();
  const scan = () => {
    for (const el of document.querySelectorAll('.react-flow__node')) {
      const id = el.getAttribute('data-id');
      const inner = el.querySelector('[data-testid=canvas-node]');
      const m = inner && inner.className.match(/\\brun-(\\w+)/);
      const status = m ? m[1] : null;
      if (status && seen.get(id) !== status) {
        seen.set(id, status);
        window.__statusLog.push([id, status, performance.now()]);
      }
    }
  };
  new MutationObserver(scan).observe(document.body, {subtree: true, attributes: true, childList: true,
                                                    attributeFilter: ['class']});
  scan();
}
"""


@pytest.fixture
def worker(live_url: str, tmp_path: Path) -> Iterator[None]:
    """A real Celery worker on the test database and this test run's Redis db."""
    import redis

    redis.Redis.from_url(os.environ.get("REDIS_URL", settings.REDIS_URL)).flushdb()  # stale tasks of earlier runs
    # run ids restart with every test database: keep this test's step logs apart
    with live_worker(tmp_path / "logs"):
        yield


def node(page: Any, node_id: str) -> Any:
    return page.locator(f'.react-flow__node[data-id="{node_id}"] [data-testid=canvas-node]')


def statuses(page: Any) -> dict[str, str | None]:
    return page.evaluate(
        """ids => Object.fromEntries(ids.map(id => {
          const el = document.querySelector(`.react-flow__node[data-id="${id}"] [data-testid=canvas-node]`);
          const m = el && el.className.match(/\\brun-(\\w+)/);
          return [id, m ? m[1] : null];
        }))""",
        NODES,
    )


def wait_run_finished(page: Any, api: Any, previous: str | None = None) -> str:
    dock = page.get_by_test_id("run-dock")
    if previous is not None:
        page.wait_for_function(
            "prev => document.querySelector('[data-testid=run-dock]').dataset.runId !== prev", arg=previous
        )
    page.wait_for_function(
        "() => ['succeeded', 'failed', 'canceled']"
        ".includes(document.querySelector('[data-testid=run-dock]').dataset.runStatus)",
        timeout=RUN_TIMEOUT_MS,
    )
    status = dock.get_attribute("data-run-status")
    run_id = dock.get_attribute("data-run-id")
    if status != "succeeded":
        steps = api.get(f"/api/runs/{run_id}/").json()["steps"]
        errors = {s["node"]: (s["status"], s["error"]) for s in steps if s["status"] != "succeeded"}
        pytest.fail(f"run {run_id} ended {status}: {errors}")
    return run_id


def select(page: Any, node_id: str) -> Any:
    node(page, node_id).click()
    details = page.locator(f'[data-testid=step-details][data-node="{node_id}"]')
    details.wait_for()
    return details


def shot(page: Any, name: str) -> None:
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(SHOTS) / name), full_page=False)


def test_it_runs_iris_from_the_canvas_and_reruns_from_cache(
    as_alice: Any, live_url: str, worker: None, page: Any
) -> None:
    call_command("load_library", verbosity=0)
    created = as_alice.post("/api/pipelines/", {"team": "acme", "name": "Iris", "graph": GRAPH}, format="json")
    assert created.status_code == 201, created.content
    pipeline = created.json()
    assert not pipeline.get("errors"), pipeline["errors"]

    page.set_viewport_size({"width": 1400, "height": 1100})  # room for the canvas above the run dock
    login(page, live_url, "alice", "pw-alice")
    page.goto(f"{live_url}/pipelines/{pipeline['id']}")
    node(page, "import").wait_for()
    page.locator(".react-flow__controls-fitview").click()  # the canvas renders only the nodes in view
    for n in NODES:
        node(page, n).wait_for()
    page.evaluate(WATCH_NODES)

    # 1. Run from the UI; the nodes colour live, in dependency order
    page.get_by_test_id("run-button").click()
    page.wait_for_function("() => window.__statusLog.some(([, s]) => s === 'running')", timeout=RUN_TIMEOUT_MS)
    during = statuses(page)
    shot(page, "run-canvas-live.png")
    assert "succeeded" not in {during["evaluate"]}, during  # caught mid-run, not only at the end
    first_run = wait_run_finished(page, as_alice)
    assert statuses(page) == dict.fromkeys(NODES, "succeeded")
    log = page.evaluate("window.__statusLog")
    done_at = {n: t for n, s, t in log if s == "succeeded"}
    assert set(done_at) == set(NODES), log
    assert done_at["import"] < done_at["split"] < done_at["train"] < done_at["score"] < done_at["evaluate"], log
    assert any(n == "train" and s == "running" for n, s, _ in log), log
    progress = page.get_by_test_id("run-progress")
    assert (progress.get_attribute("data-done"), progress.get_attribute("data-total")) == ("5", "5")

    # 2. The evaluation's outputs: metrics (accuracy) and the plot
    details = select(page, "evaluate")
    outputs = details.get_by_test_id("output-preview")
    outputs.get_by_text("accuracy").first.wait_for()
    accuracy = outputs.locator("tr", has_text="accuracy").first.locator("td").inner_text()
    assert 0.8 <= float(accuracy) <= 1.0, accuracy
    outputs.get_by_test_id("preview-image").wait_for()
    assert page.get_by_test_id("cache-info").get_attribute("data-hit") == "false"
    shot(page, "run-canvas-evaluate.png")
    if os.environ.get("PIPEWRIGHT_DOCS_SHOT"):  # the README's picture
        page.screenshot(path=str(Path(settings.BASE_DIR) / "docs" / "canvas.png"))
    # the log of a step was tailed into the panel
    details = select(page, "train")
    page.wait_for_function("() => Number(document.querySelector('[data-testid=log-text]').dataset.bytes) > 0")
    assert page.get_by_test_id("log-text").inner_text().count("training score") == 1
    select(page, "split")
    split_preview = page.get_by_test_id("output-preview")
    split_preview.get_by_test_id("preview-table").first.wait_for()
    assert "target" in split_preview.get_by_test_id("preview-table").first.inner_text()
    shot(page, "run-canvas-finished.png")

    # 3. Change one training parameter in the properties panel, save, run again
    node(page, "train").click()
    page.get_by_test_id("tab-properties").click()
    field = page.get_by_test_id("properties").get_by_test_id("param-C")
    field.fill("0.05")
    field.blur()
    page.get_by_test_id("save").click()
    page.wait_for_function("() => document.querySelector('[data-testid=save-state]').textContent.trim() === 'Saved'")
    page.get_by_test_id("run-button").click()
    second_run = wait_run_finished(page, as_alice, previous=first_run)
    after = statuses(page)
    assert after["import"] == after["split"] == "cached", after
    assert after["train"] == after["score"] == after["evaluate"] == "succeeded", after

    # cache info: the upstream steps were reused from the first run, training missed because C changed
    select(page, "import")
    info = page.get_by_test_id("cache-info")
    assert info.get_attribute("data-hit") == "true"
    assert f"run #{first_run}" in info.inner_text()
    select(page, "train")
    info = page.get_by_test_id("cache-info")
    assert info.get_attribute("data-hit") == "false"
    info.get_by_text("parameter 'C' changed").wait_for()

    # 4. Rerun from the training node through the dock: upstream cached, training forced again
    page.get_by_test_id("rerun-mode").select_option("from")
    page.get_by_test_id("rerun-button").click()
    third_run = wait_run_finished(page, as_alice, previous=second_run)
    again = statuses(page)
    assert again["import"] == again["split"] == "cached", again
    assert again["train"] == "succeeded", again
    assert f"rerun (from) of #{second_run}" in page.get_by_test_id("run-dock").inner_text()

    # the history switches the canvas colours back to an earlier run
    page.get_by_test_id(f"history-run-{first_run}").click()
    page.wait_for_function(
        "() => document.querySelector('.react-flow__node[data-id=\"import\"] [data-testid=canvas-node]')"
        ".classList.contains('run-succeeded')"
    )
    shot(page, "run-canvas-history.png")

    # 5. The run page: every step with status, cache origin and output links
    page.goto(f"{live_url}/runs/{second_run}")
    table = page.get_by_test_id("steps-table")
    table.wait_for()
    assert page.get_by_test_id("step-row-import").get_attribute("data-status") == "cached"
    assert f"from #{first_run}" in page.get_by_test_id("step-row-import").inner_text()
    assert page.get_by_test_id("step-row-evaluate").get_attribute("data-status") == "succeeded"
    page.get_by_test_id("step-row-evaluate").click()
    page.get_by_test_id("step-details").get_by_text("accuracy").first.wait_for()
    page.get_by_test_id("step-details").get_by_test_id("preview-image").wait_for()
    shot(page, "run-page.png")

    page.goto(f"{live_url}/runs")
    for run_id in (first_run, second_run, third_run):
        page.get_by_test_id(f"runs-row-{run_id}").wait_for()
    assert "Iris" in page.get_by_test_id(f"runs-row-{first_run}").inner_text()
    shot(page, "runs-page.png")

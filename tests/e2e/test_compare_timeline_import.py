"""Iteration in a real browser: compare two runs (parameters and metric deltas), read a run's
timeline, and import a pipeline file exported from the canvas.

Runs are made quickly in the test process through the public API with local compute and eager
Celery (as the API tests do), on the live server's database; the browser only reads them."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from compiler.plan import PipelineParameter
from tests.api.pipelines_helpers import create, graph, make_catalog
from tests.e2e.conftest import login
from tests.runner.fixtures import make_version, publish_module, step

pytestmark = [pytest.mark.e2e]

SHOTS = os.environ.get("PIPEWRIGHT_SCREENSHOTS")  # a folder to save screenshots into, for a person to look at


def shot(page: Any, name: str) -> None:
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(SHOTS) / name), full_page=True)


EMIT = """
import os
open(os.environ['PIPEWRIGHT_OUT'] + '/data/t.csv', 'w').write('a\\n1\\n')
"""
SCORE = """
import json, os
params = json.load(open(os.environ['PIPEWRIGHT_PARAMS']))
open(os.environ['PIPEWRIGHT_OUT'] + '/data/t.csv', 'w').write('a\\n1\\n')
json.dump({'accuracy': params['n'] / 10}, open(os.environ['PIPEWRIGHT_OUT'] + '/metrics.json', 'w'))
"""


@pytest.fixture
def version(acme: Any, local: Any) -> Any:
    emit = publish_module(acme, "emit", EMIT)
    score = publish_module(acme, "score", SCORE, inputs=1)
    return make_version(
        acme,
        [step("load", emit), step("evaluate", score, upstream=("load",), params={"n": {"$param": "n"}})],
        parameters=(PipelineParameter("n", "integer", 5),),
        name="scored",
    )


def _run(client: Any, version: Any, **body: Any) -> dict[str, Any]:
    r = client.post(f"/api/pipelines/{version.pipeline_id}/runs/", body, format="json")
    assert r.status_code == 201, r.content
    run = client.get(f"/api/runs/{r.json()['id']}/").json()
    assert run["status"] == "succeeded", run
    return dict(run)


def test_it_compares_two_runs_parameters_and_metric_deltas(
    eager: Any, as_alice: Any, version: Any, live_url: str, page: Any
) -> None:
    first = _run(as_alice, version, parameters={"n": 5})
    second = _run(as_alice, version, parameters={"n": 8})

    login(page, live_url, "alice", "pw-alice")
    page.goto(live_url + "/runs")
    page.get_by_test_id("runs-table").wait_for()
    assert page.get_by_test_id("compare-button").is_disabled()
    # a metric column from the runs' metrics, sorted by it
    page.get_by_test_id("metric-column-picker").select_option("evaluate.accuracy")
    assert page.get_by_test_id(f"metric-{second['id']}-evaluate.accuracy").inner_text() == "0.8"
    page.get_by_test_id(f"compare-pick-{first['id']}").check()
    page.get_by_test_id(f"compare-pick-{second['id']}").check()
    page.get_by_test_id("compare-button").click()
    page.wait_for_url(f"**/runs/compare?ids={first['id']},{second['id']}")

    param = page.get_by_test_id("compare-param-n")
    param.wait_for()
    assert param.get_attribute("data-differs") == "true"
    assert [c.strip() for c in param.locator("td").all_inner_texts()] == ["5", "8"]
    metric = page.get_by_test_id("compare-metric-evaluate.accuracy")
    # the step's label (its module's display name here), a right angle quote, the key; the id as a title
    assert "\u203a accuracy" in metric.inner_text() and metric.locator("th").get_attribute("title") == "evaluate"
    assert metric.get_by_test_id("metric-delta").inner_text() == "+0.3"
    assert page.get_by_test_id("compare-diff").inner_text().count("the same graph") == 1
    # the chosen node's outputs side by side
    page.get_by_test_id("compare-node").select_option("evaluate")
    page.get_by_test_id(f"compare-outputs-{second['id']}").get_by_test_id("output-data").wait_for()
    shot(page, "compare.png")


def test_the_run_page_shows_a_timeline_with_the_critical_path_and_reused_steps(
    eager: Any, as_alice: Any, version: Any, live_url: str, page: Any
) -> None:
    first = _run(as_alice, version, parameters={"n": 5})
    # the same load step again: reused from the cache; evaluate runs for the new n
    second = _run(as_alice, version, parameters={"n": 6})
    assert [s["status"] for s in second["steps"]] == ["cached", "succeeded"]

    login(page, live_url, "alice", "pw-alice")
    page.goto(f"{live_url}/runs/{first['id']}")
    page.get_by_test_id("run-timeline").wait_for()
    page.get_by_test_id("timeline-row-load").wait_for()
    # the edges come with the version's plan
    page.wait_for_function(
        "text => document.querySelector('[data-testid=timeline-critical]')?.textContent === text",
        arg="Critical path load \u2192 evaluate",
    )
    assert page.get_by_test_id("timeline-row-evaluate").get_attribute("data-critical") == "true"

    page.goto(f"{live_url}/runs/{second['id']}")
    row = page.get_by_test_id("timeline-row-load")
    row.wait_for()
    assert row.get_attribute("data-cached") == "true" and "reused" in row.inner_text()
    assert page.get_by_test_id("timeline-row-evaluate").get_attribute("data-critical") == "true"
    # the cache saved the load step's original duration (fetched from the first run)
    page.wait_for_function("() => document.querySelector('[data-testid=timeline-saved]').textContent !== '—'")
    shot(page, "timeline.png")


def importing(page: Any) -> None:
    """The Pipelines page, ready to import into the team it picked (acme)."""
    page.get_by_test_id("pipelines").wait_for()
    page.wait_for_function("() => document.querySelector('[data-testid=new-pipeline-team]')?.value === 'acme'")


def test_an_exported_pipeline_imports_from_the_pipelines_page(
    as_alice: Any, acme: Any, live_url: str, page: Any, tmp_path: Path
) -> None:
    make_catalog(acme)
    created = create(as_alice, graph(), name="Iris flow")
    assert created.status_code == 201, created.content

    login(page, live_url, "alice", "pw-alice")
    page.goto(f"{live_url}/pipelines/{created.json()['id']}")
    with page.expect_download() as download:
        page.get_by_test_id("export").click()
    saved = tmp_path / download.value.suggested_filename
    download.value.save_as(saved)
    assert saved.name == "iris-flow.pipeline.json"

    page.goto(live_url + "/")
    importing(page)
    page.get_by_test_id("import-file").set_input_files(str(saved))
    page.wait_for_url(lambda u: "/pipelines/" in u and not u.endswith(f"/pipelines/{created.json()['id']}"))
    page.wait_for_function("() => document.querySelector('[data-testid=pipeline-name]')?.textContent === 'Iris flow'")
    names = [p["name"] for p in as_alice.get("/api/pipelines/").json()["results"]]
    assert names.count("Iris flow") == 2

    # a file that is not a pipeline is refused with the field named, and nothing is created
    bad = tmp_path / "bad.json"
    bad.write_text('{"hello": 1}')
    page.goto(live_url + "/")
    importing(page)
    page.get_by_test_id("import-file").set_input_files(str(bad))
    assert "kind" in page.get_by_test_id("error").inner_text()
    assert len(as_alice.get("/api/pipelines/").json()["results"]) == 2

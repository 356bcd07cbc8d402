"""The model registry and lineage in a real browser: register a step's Model output from its run
page, find it on the Models page, open its model page and its lineage graph, and diff it against
another version (the first differing ingredient is named and its step highlighted).

Runs are made in the test process through the public API with local compute and eager Celery (as
the API tests do), on the live server's database; the browser registers and reads."""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path
from typing import Any

import pytest

from compiler.plan import PipelineParameter
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
open(os.environ['PIPEWRIGHT_OUT'] + '/data/t.csv', 'w').write('a\\n1\\n2\\n')
"""
TRAIN = """
import json, os
params = json.load(open(os.environ['PIPEWRIGHT_PARAMS']))
open(os.environ['PIPEWRIGHT_OUT'] + '/model/model.txt', 'w').write(f"depth={params['depth']}\\n")
json.dump({'accuracy': 0.5 + params['depth'] / 100}, open(os.environ['PIPEWRIGHT_OUT'] + '/metrics.json', 'w'))
"""


@pytest.fixture
def version(acme: Any, local: Any) -> Any:
    emit = publish_module(acme, "emit", EMIT)
    train = publish_module(acme, "trainer", TRAIN, inputs=1)
    train_step = dataclasses.replace(
        step("train", train, upstream=("load",), params={"depth": {"$param": "depth"}}), outputs=(("model", "Model"),)
    )
    return make_version(
        acme, [step("load", emit), train_step], parameters=(PipelineParameter("depth", "integer", 3),), name="models"
    )


def _run(client: Any, version: Any, depth: int) -> dict[str, Any]:
    r = client.post(f"/api/pipelines/{version.pipeline_id}/runs/", {"parameters": {"depth": depth}}, format="json")
    assert r.status_code == 201, r.content
    run = client.get(f"/api/runs/{r.json()['id']}/").json()
    assert run["status"] == "succeeded", run
    return dict(run)


def test_it_registers_a_model_from_the_run_page_and_walks_its_lineage(
    eager: Any, as_alice: Any, version: Any, live_url: str, page: Any
) -> None:
    first = _run(as_alice, version, 3)
    second = _run(as_alice, version, 7)

    login(page, live_url, "alice", "pw-alice")
    page.goto(f"{live_url}/runs/{first['id']}")
    page.get_by_test_id("step-row-train").click()
    page.get_by_test_id("register-model-model").click()
    page.get_by_test_id("register-model-name").fill("churn")
    page.get_by_test_id("register-model-submit").click()
    registered = page.get_by_test_id("registered-model")
    registered.wait_for(timeout=60000)  # a busy machine: the registration is a snapshot of the run
    assert registered.inner_text() == "registered acme/churn@1"

    # a second version, through the API, from the other run
    model_id = as_alice.get("/api/models/").json()["results"][0]["id"]
    r = as_alice.post(
        f"/api/models/{model_id}/versions/", {"run": second["id"], "node": "train", "port": "model"}, format="json"
    )
    assert r.status_code == 201, r.content

    page.goto(f"{live_url}/models")
    row = page.locator("[data-testid=model-row][data-ref='acme/churn']")
    row.wait_for()
    assert "v2" in row.inner_text()
    row.get_by_role("link").click()
    page.get_by_test_id("model-title").wait_for()
    page.get_by_test_id("version-row").nth(1).wait_for()  # the versions come in a request of their own
    assert page.get_by_test_id("version-row").count() == 2
    assert "0.53" in page.locator("[data-testid=version-row][data-version='1']").inner_text()
    # compare the two versions' metrics
    page.get_by_test_id("select-1").check()
    page.get_by_test_id("select-2").check()
    page.get_by_test_id("compare-versions").click()
    assert "0.57" in page.get_by_test_id("compare-table").inner_text()
    # tag version 1 production
    page.get_by_test_id("tags-input-1").fill("production")
    page.get_by_test_id("tags-save-1").click()
    page.locator("[data-testid=version-row][data-version='1'] [data-testid=version-tag]").wait_for()
    shot(page, "model.png")

    # its lineage: the model, its artifact, the train step, its input, the load step
    page.get_by_test_id("lineage-1").click()
    page.get_by_test_id("lineage-page").wait_for()
    page.wait_for_function("() => document.querySelectorAll('[data-testid=lineage-node]').length >= 5")
    kinds = page.locator("[data-testid=lineage-node]").evaluate_all("els => els.map(e => e.dataset.kind)")
    assert sorted(set(kinds)) == ["artifact", "model", "step"]
    labels = page.locator("[data-testid=lineage-node][data-kind=step]").all_inner_texts()
    assert any("load" in t for t in labels) and any("train" in t for t in labels)
    # why do versions 1 and 2 differ? the depth parameter of the train step, highlighted
    page.get_by_test_id("diff-against").fill(f"model:{model_id}/2")
    page.get_by_test_id("diff-run").click()
    first_difference = page.get_by_test_id("diff-first")
    first_difference.wait_for()
    assert first_difference.get_attribute("data-kind") == "parameter"
    assert "depth" in first_difference.inner_text()
    hot = page.locator("[data-testid=lineage-node][data-hot='1']")
    hot.wait_for()
    assert "train" in hot.inner_text()
    shot(page, "lineage.png")

"""The iris pipeline on the canvas: five nodes, five typed edges, no problems (a screenshot of it is
left in /tmp/canvas-iris.png; the README's picture comes from tests/e2e/test_run_iris.py)."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.management import call_command

from tests.e2e.conftest import login

pytestmark = [pytest.mark.e2e]

IRIS = {
    "schema": 1,
    "nodes": [
        {"id": "import", "module": "builtin/import-data", "version": None, "params": {"sample": "iris"},
         "position": {"x": 0, "y": 0}},
        {"id": "split", "module": "builtin/split-data", "version": None,
         "params": {"test_size": {"$param": "test_size"}, "seed": 7}, "position": {"x": 0, "y": 150}},
        {"id": "train", "module": "builtin/train-model", "version": None,
         "params": {"label_column": "target", "algorithm": "random_forest_classifier", "n_estimators": 200},
         "position": {"x": -170, "y": 300}},
        {"id": "score", "module": "builtin/score-model", "version": None, "params": {}, "position": {"x": 0, "y": 450}},
        {"id": "evaluate", "module": "builtin/evaluate-model", "version": None, "params": {"label_column": "target"},
         "position": {"x": 0, "y": 600}},
    ],
    "edges": [
        {"source": "import", "source_port": "data", "target": "split", "target_port": "data"},
        {"source": "split", "source_port": "train", "target": "train", "target_port": "data"},
        {"source": "train", "source_port": "model", "target": "score", "target_port": "model"},
        {"source": "split", "source_port": "test", "target": "score", "target_port": "data"},
        {"source": "score", "source_port": "scored", "target": "evaluate", "target_port": "scored"},
    ],
    "parameters": [{"name": "test_size", "type": "number", "default": 0.3}],
}  # fmt: skip


def test_it_draws_the_iris_pipeline(live_url: str, page: Any, acme: Any, alice: Any) -> None:
    from designer import services

    call_command("load_library", verbosity=0)
    pipeline, result, _version = services.do_create_pipeline(alice, acme, "Iris classifier", graph=IRIS)
    assert not result.errors_json()
    login(page, live_url, "alice", "pw-alice")
    page.goto(f"{live_url}/pipelines/{pipeline.pk}")
    page.get_by_test_id("auto-layout").wait_for()
    page.locator('.react-flow__node[data-id="import"]').wait_for()
    page.get_by_test_id("auto-layout").click()
    page.locator(".react-flow__node").nth(4).wait_for()  # the fit after layout shows all five
    page.wait_for_timeout(600)
    page.locator('.react-flow__node[data-id="train"]').click()
    assert page.locator(".react-flow__node").count() == 5
    assert page.locator(".react-flow__edge").count() == 5
    assert page.get_by_test_id("problem-badge").count() == 0
    # Edges are coloured by the type of the port they leave: Model edges differ from DataFrame ones.
    model_edge = page.locator('.react-flow__edge[data-id="train:model->score:model"] path').first
    data_edge = page.locator('.react-flow__edge[data-id="import:data->split:data"] path').first
    assert model_edge.evaluate("e => getComputedStyle(e).stroke") != data_edge.evaluate(
        "e => getComputedStyle(e).stroke"
    )
    page.keyboard.press("Control+s")
    page.wait_for_function("() => document.querySelector('[data-testid=save-state]')?.textContent === 'Saved'")
    page.screenshot(path="/tmp/canvas-iris.png")

"""Run from the canvas with pipeline parameter values: Run opens a dialog prefilled with the defaults,
Submit starts the run with the values typed in, and the dialog remembers them for the next run."""

from __future__ import annotations

import os
from typing import Any

import pytest
from django.core.management import call_command

from tests.e2e.conftest import login
from tests.e2e.test_canvas_screenshot import IRIS

pytestmark = [pytest.mark.e2e]

SHOTS = os.environ.get("PIPEWRIGHT_SCREENSHOTS")


def test_it_runs_with_the_parameter_values_set_in_the_dialog(live_url: str, page: Any, as_alice: Any) -> None:
    from runner.models import Run

    call_command("load_library", verbosity=0)
    body = {"team": "acme", "name": "Iris classifier", "graph": IRIS}
    created = as_alice.post("/api/pipelines/", body, format="json")
    assert created.status_code == 201 and not created.json()["errors"], created.json()
    pipeline_id = created.json()["id"]

    login(page, live_url, "alice", "pw-alice")
    page.goto(f"{live_url}/pipelines/{pipeline_id}")
    page.locator('.react-flow__node[data-id="split"]').wait_for()
    dialog = page.get_by_test_id("run-params-dialog")
    field = dialog.get_by_test_id("run-param-test_size").get_by_test_id("run-param-input")

    # Escape closes the dialog without starting anything
    page.get_by_test_id("run-button").click()
    field.wait_for()
    assert field.input_value() == "0.3"  # prefilled with the default
    page.keyboard.press("Escape")
    dialog.wait_for(state="detached")
    assert not Run.objects.filter(pipeline_id=pipeline_id).exists()

    page.get_by_test_id("run-button").click()
    field.fill("0.5")
    if SHOTS:
        os.makedirs(SHOTS, exist_ok=True)
        page.screenshot(path=os.path.join(SHOTS, "run-parameters-dialog.png"))
    dialog.get_by_test_id("run-params-submit").click()
    dialog.wait_for(state="detached")
    page.wait_for_function("() => document.querySelector('[data-testid=run-dock]').dataset.runId !== ''")
    run_id = int(page.get_by_test_id("run-dock").get_attribute("data-run-id"))
    run = Run.objects.get(pk=run_id)
    assert run.pipeline_id == pipeline_id
    assert run.parameters == {"test_size": 0.5}
    assert run.use_cache is True
    assert "test_size = 0.5" in page.get_by_test_id("run-dock-params").inner_text()
    if SHOTS:
        page.screenshot(path=os.path.join(SHOTS, "run-parameters-dock.png"))

    # the next Run starts from the values used last, not from the saved default
    page.get_by_test_id("run-button").click()
    field.wait_for()
    assert field.input_value() == "0.5"
    dialog.get_by_test_id("run-params-cancel").click()
    dialog.wait_for(state="detached")
    assert Run.objects.filter(pipeline_id=pipeline_id).count() == 1

    # the run page lists the values the run used
    page.get_by_test_id("run-link").click()
    params = page.get_by_test_id("run-parameters")
    params.wait_for()
    assert "test_size = 0.5" in params.inner_text()
    if SHOTS:
        page.screenshot(path=os.path.join(SHOTS, "run-parameters-run-page.png"))

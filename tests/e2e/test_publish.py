"""Publishing from the canvas: the dialog gives a stable URL that a token client can run."""

from __future__ import annotations

import os
from typing import Any

import pytest
from django.core.management import call_command
from rest_framework.test import APIClient

from teams import tokens
from tests.e2e.conftest import login

pytestmark = [pytest.mark.e2e]

SHOTS = os.environ.get("PIPEWRIGHT_SCREENSHOTS")

GRAPH = {
    "nodes": [
        {"id": "imp", "module": "builtin/import-data", "version": None, "params": {"sample": "iris"},
         "position": {"x": 0, "y": 0}},
        {"id": "sum", "module": "builtin/summarize-data", "version": None, "params": {},
         "position": {"x": 0, "y": 160}},
    ],
    "edges": [{"source": "imp", "source_port": "data", "target": "sum", "target_port": "data"}],
    "parameters": [],
}  # fmt: skip


def test_it_publishes_from_the_canvas_and_the_url_starts_runs(live_url: str, page: Any, as_alice: Any) -> None:
    from publishing.models import Endpoint
    from runner.models import Run

    call_command("load_library", verbosity=0)
    created = as_alice.post("/api/pipelines/", {"team": "acme", "name": "Iris summary", "graph": GRAPH}, format="json")
    assert created.status_code == 201 and not created.json()["errors"], created.json()
    pipeline_id = created.json()["id"]

    login(page, live_url, "alice", "pw-alice")
    page.goto(f"{live_url}/pipelines/{pipeline_id}")
    page.locator('.react-flow__node[data-id="sum"]').wait_for()
    page.get_by_test_id("publish").click()
    dialog = page.get_by_test_id("publish-dialog")
    dialog.get_by_test_id("publish-name").fill("Iris nightly")
    dialog.get_by_test_id("publish-submit").click()
    url = dialog.get_by_test_id("endpoint-url")
    url.wait_for()
    if SHOTS:
        page.screenshot(path=os.path.join(SHOTS, "publish-dialog.png"))
    endpoint = Endpoint.objects.get(pipeline_id=pipeline_id)
    assert url.input_value().endswith(f"/api/endpoints/{endpoint.slug}/runs")

    # a token client (no session) starts a run through the published URL
    _, key = tokens.create_token(endpoint.created_by, "e2e")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    started = client.post(f"/api/endpoints/{endpoint.slug}/runs", {"parameters": {}}, format="json")
    assert started.status_code == 201, started.content
    run = Run.objects.get(pk=started.json()["id"])
    assert run.pipeline_id == pipeline_id and run.pipeline_version_id == endpoint.version_id

"""Composition in a real browser: a saved pipeline placed from the palette's "Pipelines" (the
pipeline being edited is not offered), wired and saved; pipeline input/output nodes typed in the
properties panel; and the sub-pipeline sample opened from "New from sample…" and drilled into."""

from __future__ import annotations

import os
import re
from typing import Any

import pytest
from django.core.management import call_command

from tests.e2e.conftest import login
from tests.e2e.test_canvas import create_pipeline, drag_handle, drop_module, handle, node

pytestmark = [pytest.mark.e2e]

SHOTS = os.environ.get("PIPEWRIGHT_SCREENSHOTS")


def _inner_graph() -> dict[str, Any]:
    return {
        "schema": 1,
        "nodes": [
            {"id": "in_data", "input": "data", "type": "DataFrame", "position": {"x": 0, "y": 0}},
            {
                "id": "split",
                "module": "builtin/split-data",
                "version": None,
                "params": {},
                "position": {"x": 0, "y": 150},
            },
            {"id": "out_train", "output": "train", "type": "DataFrame", "position": {"x": 0, "y": 300}},
        ],
        "edges": [
            {"source": "in_data", "source_port": "data", "target": "split", "target_port": "data"},
            {"source": "split", "source_port": "train", "target": "out_train", "target_port": "train"},
        ],
        "parameters": [],
    }


def _saved(page: Any) -> None:
    page.wait_for_function("() => document.querySelector('[data-testid=save-state]')?.textContent === 'Saved'")


def test_it_places_a_saved_pipeline_from_the_palette_wires_and_saves_it(
    live_url: str, page: Any, alice: Any, acme: Any
) -> None:
    from designer import services
    from designer.models import Pipeline

    call_command("load_library", verbosity=0)
    inner, _, _ = services.do_create_pipeline(alice, acme, "Split rows", graph=_inner_graph())
    login(page, live_url, "alice", "pw-alice")
    outer_id = create_pipeline(page, live_url, "Outer flow")
    page.locator('[data-testid=palette-item][data-ref="builtin/import-data"]').wait_for()
    drop_module(page, "builtin/import-data", 420, 120)
    node(page, "n1").wait_for()

    page.get_by_test_id("palette-pipelines-toggle").click()
    item = page.locator(f'[data-testid=palette-pipeline][data-pipeline="{inner.pk}"]')
    item.wait_for()
    # the pipeline being edited is listed but cannot be placed into itself
    own = page.locator(f'[data-testid=palette-pipeline][data-pipeline="{outer_id}"]')
    assert own.get_attribute("aria-disabled") == "true" and own.get_attribute("draggable") == "false"
    assert "cannot contain itself" in (own.get_attribute("title") or "")
    page.get_by_test_id("palette-search").fill("split rows")
    page.wait_for_function("() => document.querySelectorAll('[data-testid=palette-pipeline]').length === 1")
    assert "v1" in item.inner_text()
    item.drag_to(page.locator(".react-flow__pane"), target_position={"x": 420, "y": 330})
    sub = page.locator(f'[data-subpipeline="{inner.pk}"]')
    sub.wait_for()
    page.wait_for_function("() => document.querySelector('[data-subpipeline]')?.textContent.includes('Split rows')")
    sub_id = sub.evaluate("el => el.closest('.react-flow__node').dataset.id")
    assert sub_id == "sub1"
    # its typed ports are the saved pipeline's input and output nodes
    handle(page, "sub1", "data", "target").wait_for()
    assert sub.locator(".react-flow__handle.source").count() == 1
    # placed pinned to the newest version, as the properties panel says
    assert page.get_by_test_id("sub-version").input_value() == "1"
    assert "Pinned to v1 (the newest)" in page.get_by_test_id("sub-version-help").inner_text()
    drag_handle(page, handle(page, "n1", "data", "source"), handle(page, "sub1", "data", "target"))
    page.wait_for_function("() => document.querySelectorAll('.react-flow__edge').length === 1")
    if SHOTS:
        page.screenshot(path=os.path.join(SHOTS, "compose-placed.png"))
    page.get_by_test_id("save").click()
    _saved(page)
    outer = Pipeline.objects.get(pk=outer_id)
    placed = next(n for n in outer.graph["nodes"] if "pipeline" in n)
    assert (placed["id"], placed["pipeline"], placed["version"]) == ("sub1", inner.pk, 1)
    assert outer.graph["edges"] == [{"source": "n1", "source_port": "data", "target": "sub1", "target_port": "data"}]
    latest = outer.versions.order_by("-number").first()
    assert latest is not None and latest.errors == [] and latest.plan is not None
    assert "sub1.split" in [s["node"] for s in latest.plan["steps"]]

    # a pipeline output node: added from the palette, named and typed in the properties panel
    page.get_by_test_id("palette-search").fill("")
    page.get_by_test_id("palette-boundary-output").click()
    out = page.locator("[data-boundary=output]")
    out.wait_for()
    page.get_by_test_id("boundary-type").select_option("Model")
    page.get_by_test_id("boundary-name").fill("model")
    page.get_by_test_id("boundary-name").press("Enter")
    page.wait_for_function(
        "() => document.querySelector('[data-boundary=output]')?.textContent.includes('Pipeline output · Model')"
    )
    assert out.locator(".pw-node-title").text_content() == "model"
    out.locator('.react-flow__handle.target[data-handleid="model"]').wait_for()
    # inputs are DataFrames named data, data_2, ... until renamed
    for _ in range(2):
        page.get_by_test_id("palette-boundary-input").click()
    # (the second may be placed below the visible part of the canvas, where it is not drawn)
    page.wait_for_function("() => document.querySelector('[data-testid=boundary-name]')?.value === 'data_2'")
    assert "node in2" in page.get_by_test_id("properties").inner_text()
    assert page.get_by_test_id("boundary-type").input_value() == "DataFrame"


def test_it_opens_the_sub_pipeline_sample_and_drills_into_it(live_url: str, page: Any, acme: Any) -> None:
    from designer.models import Pipeline

    call_command("load_library", verbosity=0)
    login(page, live_url, "alice", "pw-alice")
    page.goto(live_url + "/")
    page.get_by_test_id("new-pipeline-team").locator("option").first.wait_for(state="attached")
    page.wait_for_function("() => !document.querySelector('[data-testid=samples-toggle]')?.disabled")
    page.get_by_test_id("samples-toggle").click()
    row = page.get_by_test_id("sample-row").filter(has=page.get_by_test_id("open-sample-two-models"))
    assert "also opens Sample: train and evaluate" in row.inner_text()
    page.get_by_test_id("open-sample-two-models").click()
    page.wait_for_url(re.compile(r"/pipelines/\d+$"))
    outer_id = int(page.url.rsplit("/", 1)[1])
    inner = Pipeline.objects.get(team=acme, name="Sample: train and evaluate (a sub-pipeline)")
    page.locator(f'[data-subpipeline="{inner.pk}"]').first.wait_for()
    assert page.locator(f'[data-subpipeline="{inner.pk}"]').count() == 2
    forest = node(page, "forest")
    page.wait_for_function(
        "() => document.querySelector('.react-flow__node[data-id=forest]')"
        "?.textContent.includes('Sample: train and evaluate')"
    )
    assert forest.locator(".react-flow__handle.source").count() == 2  # model and metrics
    page.get_by_test_id("tab-problems").click()
    assert page.get_by_test_id("tab-problems").locator(".count").count() == 0  # no errors, no warnings
    forest.click()
    page.get_by_test_id("tab-properties").click()
    assert "Pinned to v1" in page.get_by_test_id("sub-version-help").inner_text()
    if SHOTS:
        page.screenshot(path=os.path.join(SHOTS, "compose-two-models.png"))
    forest.dblclick()
    page.wait_for_url(re.compile(rf"/pipelines/{inner.pk}\?from={outer_id}$"))
    page.locator("[data-boundary=input]").first.wait_for()
    assert page.locator("[data-boundary=output]").count() == 2
    assert page.get_by_test_id("palette-item").count() > 0
    if SHOTS:
        page.screenshot(path=os.path.join(SHOTS, "compose-inside.png"))
    page.get_by_test_id("outer-crumb").click()
    page.wait_for_url(re.compile(rf"/pipelines/{outer_id}$"))

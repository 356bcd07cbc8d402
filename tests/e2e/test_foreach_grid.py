"""A for-each node on the run page: its items as a grid of cells coloured by status with a
roll-up, and a cell that opens the item's step (status, value, log). The run is made in-process
(eager Celery, the fake backend); the page is the real one, in Chromium against a live Daphne."""

from __future__ import annotations

import dataclasses
import os
from typing import Any

import pytest

from compiler.plan import ForEach
from runner import runs
from tests.e2e.conftest import login
from tests.runner.fake_compute import Act, FakeBackend
from tests.runner.fixtures import make_version, step

pytestmark = [pytest.mark.e2e]

SHOTS = os.environ.get("PIPEWRIGHT_SCREENSHOTS")


def test_the_run_page_shows_a_foreach_as_a_grid_and_opens_an_item(
    live_url: str, page: Any, eager: Any, fake_compute: FakeBackend, alice: Any, acme: Any, modules_acme: Any
) -> None:
    body = step("fe", modules_acme["emit"])
    fe = dataclasses.replace(
        body,
        label="Sweep",
        foreach=ForEach(over="list", param="n", values=[1, 2, 3, 4, 5], concurrency=2),
        item_outputs=body.outputs,
        outputs=(("data", "DataFrame"), ("items", "DataFrame")),
    )
    version = make_version(acme, [fe])
    fake_compute.script("fe[3]", Act(exit_code=4, lines=["item three says no"]))
    run = runs.create_run(version, {}, True, alice)
    run.refresh_from_db()
    assert run.status == "failed"

    login(page, live_url, "alice", "pw-alice")
    page.goto(f"{live_url}/runs/{run.pk}")
    row = page.get_by_test_id("step-row-fe")
    row.wait_for()
    assert page.get_by_test_id("step-row-fe[0]").count() == 0  # items are not rows of the table
    rollup = page.get_by_test_id("foreach-rollup-fe")
    rollup.wait_for()
    assert rollup.inner_text() == "3/5 ✓, 1 ✗"
    row.click()
    panel = page.get_by_test_id("foreach-panel")
    page.wait_for_function("() => document.querySelector('[data-testid=foreach-panel]').dataset.total === '5'")
    assert (panel.get_attribute("data-done"), panel.get_attribute("data-failed")) == ("3", "1")
    canvas = page.get_by_test_id("foreach-canvas")
    # the cells: item 3 (the fourth, in the first row) failed: red
    color = page.evaluate(
        """() => { const c = document.querySelector('[data-testid=foreach-canvas]');
                  const r = window.devicePixelRatio || 1;
                  return Array.from(c.getContext('2d').getImageData((3 * 14 + 6) * r, 6 * r, 1, 1).data); }"""
    )
    assert color[:3] == [0xDC, 0x26, 0x26], color
    canvas.click(position={"x": 3 * 14 + 6, "y": 6})
    item = page.get_by_test_id("foreach-item")
    item.wait_for()
    assert item.get_attribute("data-item") == "3"
    details = item.get_by_test_id("step-details")
    assert details.get_attribute("data-node") == "fe[3]" and details.get_attribute("data-status") == "failed"
    assert "n=4" in item.inner_text()
    page.wait_for_function(
        "() => (document.querySelector('[data-testid=foreach-item]')?.innerText || '').includes('item three says no')"
    )
    if SHOTS:
        os.makedirs(SHOTS, exist_ok=True)
        page.screenshot(path=os.path.join(SHOTS, "foreach-grid.png"), full_page=True)
    # another by its number
    page.get_by_test_id("foreach-item-input").fill("0")
    page.get_by_test_id("foreach-item-input").press("Enter")
    page.wait_for_function("() => document.querySelector('[data-testid=foreach-item]')?.dataset.item === '0'")
    assert item.get_by_test_id("step-details").get_attribute("data-status") == "succeeded"


def test_for_each_is_dropped_on_a_module_node_and_edited_in_its_properties(
    live_url: str, page: Any, acme: Any, alice: Any
) -> None:
    from django.core.management import call_command

    from designer import services
    from designer.models import Pipeline
    from tests.e2e.test_canvas import expect_state, node

    call_command("load_library", verbosity=0)
    graph = {
        "schema": 1,
        "nodes": [{"id": "cv", "module": "builtin/cross-validate-model", "version": None, "params": {},
                   "position": {"x": 300, "y": 150}}],
        "edges": [],
        "parameters": [],
    }  # fmt: skip
    pipeline, _result, _version = services.do_create_pipeline(alice, acme, "Sweep", graph=graph)
    login(page, live_url, "alice", "pw-alice")
    page.goto(f"{live_url}/pipelines/{pipeline.pk}")
    node(page, "cv").wait_for()
    assert node(page, "cv").get_by_test_id("foreach-badge").count() == 0

    page.get_by_test_id("palette-foreach").drag_to(node(page, "cv"))
    badge = node(page, "cv").get_by_test_id("foreach-badge")
    badge.wait_for()
    assert "each row of data" in badge.inner_text()  # its first table input
    assert node(page, "cv").locator('.react-flow__handle.source[data-handleid="items"]').count() == 1

    node(page, "cv").click()
    page.get_by_test_id("foreach-over").select_option("grid")
    grid = page.get_by_test_id("foreach-grid")
    grid.fill('{"folds": [3, 5], "seed": [1, 2]}')
    grid.press("Tab")
    concurrency = page.get_by_test_id("foreach-concurrency")
    concurrency.fill("99")
    concurrency.press("Tab")
    page.wait_for_function(
        "() => (document.querySelector('.react-flow__node[data-id=cv] [data-testid=foreach-badge]')?.innerText || '')"
        ".includes('folds \u00d7 seed (4)')"
    )
    page.get_by_test_id("save").click()
    page.get_by_test_id("problem").filter(has_text="foreach.concurrency").first.wait_for()
    page.get_by_test_id("tab-properties").click()
    page.get_by_test_id("foreach-error").filter(has_text="must be an integer 1..64").wait_for()
    saved = Pipeline.objects.get(pk=pipeline.pk).graph["nodes"][0]["foreach"]
    assert saved == {"over": "grid", "grid": {"folds": [3, 5], "seed": [1, 2]}, "concurrency": 99}

    concurrency = page.get_by_test_id("foreach-concurrency")
    concurrency.fill("2")
    concurrency.press("Tab")
    page.get_by_test_id("save").click()
    expect_state(page, "Saved")
    assert page.get_by_test_id("foreach-error").count() == 0
    assert Pipeline.objects.get(pk=pipeline.pk).graph["nodes"][0]["foreach"]["concurrency"] == 2

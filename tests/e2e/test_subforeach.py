"""For each over a sub-pipeline in a real browser: the run page's grid rolls each item's inner
steps up into one cell and opening an item lists its inner steps, each opening its step details;
in the editor the palette's For each dropped on a sub-pipeline node makes it a for-each, set over
one of its parameters in its properties and saved."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command

from compiler.plan import ForEach
from runner import runs
from tests.e2e.conftest import login
from tests.runner.fake_compute import Act, FakeBackend
from tests.runner.fixtures import make_version
from tests.runner.test_subforeach import sub_foreach

pytestmark = [pytest.mark.e2e]

SUB = Path(__file__).resolve().parents[2] / "designer" / "samples" / "train-evaluate.sub.json"


def test_the_grid_rolls_up_an_items_inner_steps_and_opens_them(
    live_url: str, page: Any, eager: Any, fake_compute: FakeBackend, alice: Any, acme: Any, modules_acme: Any
) -> None:
    spec = ForEach(over="list", param="n", values=[1, 2, 3], concurrency=1)
    version = make_version(acme, [sub_foreach(modules_acme["emit"], modules_acme["add1"], spec)])
    fake_compute.script("fe[1].add", Act(exit_code=4, lines=["the second item's add says no"]))
    run = runs.create_run(version, {}, True, alice)
    run.refresh_from_db()
    assert run.status == "failed"

    login(page, live_url, "alice", "pw-alice")
    page.goto(f"{live_url}/runs/{run.pk}")
    row = page.get_by_test_id("step-row-fe")
    row.wait_for()
    assert page.get_by_test_id("step-row-fe[0].emit").count() == 0  # inner steps are not rows of the table
    rollup = page.get_by_test_id("foreach-rollup-fe")
    rollup.wait_for()
    assert rollup.inner_text() == "1/3 ✓, 1 ✗"  # items, not inner steps
    row.click()
    panel = page.get_by_test_id("foreach-panel")
    page.wait_for_function("() => document.querySelector('[data-testid=foreach-panel]')?.dataset.total === '3'")
    page.wait_for_function(
        "() => (document.querySelector('[data-testid=foreach-panel]')?.innerText || '')"
        ".includes('a sub-pipeline of 2 steps per item')"
    )
    assert "over list" in panel.inner_text()
    page.get_by_test_id("foreach-canvas").click(position={"x": 1 * 14 + 6, "y": 6})
    item = page.get_by_test_id("foreach-item")
    item.wait_for()
    assert item.get_attribute("data-item") == "1" and "n=2" in item.inner_text()
    steps = item.get_by_test_id("foreach-inner-step")
    steps.nth(1).wait_for()
    assert [(s.get_attribute("data-step"), s.get_attribute("data-status")) for s in steps.all()] == [
        ("emit", "succeeded"),
        ("add", "failed"),
    ]
    # the failed inner step opens by itself, with its log
    details = item.get_by_test_id("step-details")
    details.wait_for()
    assert details.get_attribute("data-node") == "fe[1].add" and details.get_attribute("data-status") == "failed"
    page.wait_for_function(
        "() => (document.querySelector('[data-testid=foreach-item]')?.innerText || '')"
        '.includes("the second item\'s add says no")'
    )
    steps.nth(0).click()
    page.wait_for_function(
        "() => document.querySelector('[data-testid=foreach-item] [data-testid=step-details]')?.dataset.node"
        " === 'fe[1].emit'"
    )
    assert item.get_by_test_id("step-details").get_attribute("data-status") == "succeeded"


def test_a_sub_pipeline_node_is_made_a_foreach_over_its_parameter_and_saved(
    live_url: str, page: Any, alice: Any, acme: Any
) -> None:
    from designer import services
    from designer.models import Pipeline
    from tests.e2e.test_canvas import expect_state, node

    call_command("load_library", verbosity=0)
    sub, result, _ = services.do_create_pipeline(
        alice, acme, "Train and evaluate", graph=json.loads(SUB.read_text())["graph"]
    )
    outer_graph = {
        "schema": 1,
        "nodes": [
            {"id": "data", "module": "builtin/import-data", "version": None, "params": {"sample": "iris"},
             "position": {"x": 0, "y": 0}},
            {"id": "te", "pipeline": sub.pk, "version": 1, "params": {}, "position": {"x": 0, "y": 200}},
        ],
        "edges": [{"source": "data", "source_port": "data", "target": "te", "target_port": "data"}],
        "parameters": [],
    }  # fmt: skip
    outer, result, _ = services.do_create_pipeline(alice, acme, "Sweep", graph=outer_graph)
    assert result.errors == (), result.errors
    login(page, live_url, "alice", "pw-alice")
    page.goto(f"{live_url}/pipelines/{outer.pk}")
    node(page, "te").wait_for()
    assert node(page, "te").get_by_test_id("foreach-badge").count() == 0
    node(page, "te").locator('.react-flow__handle.target[data-handleid="data"]').wait_for()  # its interface came
    page.get_by_test_id("palette-foreach").drag_to(node(page, "te"))
    badge = node(page, "te").get_by_test_id("foreach-badge")
    badge.wait_for()
    assert "each row of data" in badge.inner_text()  # its first table input
    node(page, "te").click()
    assert page.get_by_test_id("foreach-toggle").is_checked()
    page.get_by_test_id("foreach-over").select_option("list")
    assert page.get_by_test_id("foreach-param").locator("option").all_inner_texts() == ["test_size", "algorithm"]
    page.get_by_test_id("foreach-param").select_option("test_size")
    values = page.get_by_test_id("foreach-values")
    values.fill("[0.2, 0.3, 0.4]")
    values.press("Tab")
    page.wait_for_function(
        "() => (document.querySelector('.react-flow__node[data-id=te] [data-testid=foreach-badge]')?.innerText || '')"
        ".includes('each test_size of 3')"
    )
    assert node(page, "te").locator('.react-flow__handle.source[data-handleid="items"]').count() == 1
    page.get_by_test_id("save").click()
    expect_state(page, "Saved")
    saved = Pipeline.objects.get(pk=outer.pk)
    te = next(n for n in saved.graph["nodes"] if n["id"] == "te")
    assert te["foreach"] == {"over": "list", "param": "test_size", "values": [0.2, 0.3, 0.4], "concurrency": 4}
    latest = saved.versions.order_by("-number").first()
    assert latest is not None and latest.plan is not None
    assert [s["node"] for s in latest.plan["steps"]] == ["data", "te"]
    assert [s["node"] for s in latest.plan["steps"][1]["body"]] == ["split", "train", "score", "evaluate"]

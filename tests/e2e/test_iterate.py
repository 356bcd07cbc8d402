"""The iteration loop on the canvas (issue 13): the draft is validated as it is edited, and
unsaved edits are never lost to a link or a closed tab without asking."""

from __future__ import annotations

import os
from typing import Any

import pytest
from django.core.management import call_command

from tests.e2e.conftest import login

pytestmark = [pytest.mark.e2e]

SHOTS = os.environ.get("PIPEWRIGHT_SCREENSHOTS")  # a folder to save screenshots into, for a person to look at


def shot(page: Any, name: str) -> None:
    if SHOTS:
        page.screenshot(path=os.path.join(SHOTS, name))


GRAPH = {
    "schema": 1,
    "nodes": [
        {"id": "n1", "module": "builtin/import-data", "version": None, "params": {"sample": "iris"},
         "position": {"x": 0, "y": 0}},
        {"id": "n2", "module": "builtin/split-data", "version": None, "params": {}, "position": {"x": 0, "y": 160}},
    ],
    "edges": [{"source": "n1", "source_port": "data", "target": "n2", "target_port": "data"}],
    "parameters": [],
}  # fmt: skip


@pytest.fixture
def library(transactional_db: Any) -> None:
    call_command("load_library", verbosity=0)


def node(page: Any, node_id: str) -> Any:
    return page.locator(f'.react-flow__node[data-id="{node_id}"]')


def make_pipeline(acme: Any, alice: Any, graph: dict[str, Any]) -> Any:
    from designer import services

    pipeline, result, _version = services.do_create_pipeline(alice, acme, "Iterate", graph=graph)
    assert not result.errors
    return pipeline


def test_problems_follow_the_unsaved_draft(live_url: str, page: Any, library: None, acme: Any, alice: Any) -> None:
    from designer.models import Pipeline

    pipeline = make_pipeline(acme, alice, GRAPH)
    login(page, live_url, "alice", "pw-alice")
    page.goto(f"{live_url}/pipelines/{pipeline.pk}")
    node(page, "n2").wait_for()
    run = page.get_by_test_id("run-button")
    assert run.is_enabled()
    assert node(page, "n2").get_by_test_id("problem-badge").count() == 0

    # delete the import: the split misses its input, and the canvas says so without a save
    node(page, "n1").click()
    page.keyboard.press("Delete")
    node(page, "n2").get_by_test_id("problem-badge").wait_for()
    assert "has-error" in (node(page, "n2").locator("[data-testid=canvas-node]").get_attribute("class") or "")
    page.wait_for_function("() => document.querySelector('[data-testid=run-button]').disabled")
    assert "error" in (run.get_attribute("title") or "")
    page.get_by_test_id("tab-problems").click()
    problem = page.get_by_test_id("problem").first
    problem.wait_for()
    assert "n2" in problem.inner_text()
    shot(page, "live-problems.png")
    page.get_by_test_id("problems-draft").wait_for()
    assert page.get_by_test_id("save-state").inner_text() == "Unsaved changes"
    assert len(Pipeline.objects.get(pk=pipeline.pk).graph["nodes"]) == 2  # nothing was saved

    # undo: the problems leave with the edit that caused them
    page.keyboard.press("Control+z")
    page.wait_for_function("() => !document.querySelector('[data-testid=run-button]').disabled")
    assert node(page, "n2").get_by_test_id("problem-badge").count() == 0
    assert page.get_by_test_id("problem").count() == 0


def test_leaving_with_unsaved_edits_asks_first(live_url: str, page: Any, library: None, acme: Any, alice: Any) -> None:
    from designer.models import Pipeline

    pipeline = make_pipeline(acme, alice, GRAPH)
    login(page, live_url, "alice", "pw-alice")
    url = f"{live_url}/pipelines/{pipeline.pk}"
    page.goto(url)
    node(page, "n2").wait_for()
    node(page, "n2").click()
    field = page.get_by_test_id("param-test_size")
    field.fill("0.4")
    field.press("Tab")
    assert page.get_by_test_id("save-state").inner_text() == "Unsaved changes"

    # an in-app link: stay keeps the edits on the canvas
    page.get_by_role("link", name="Catalog").click()
    dialog = page.get_by_test_id("leave-dialog")
    dialog.wait_for()
    page.get_by_test_id("leave-stay").click()
    dialog.wait_for(state="detached")
    assert page.url == url
    assert page.get_by_test_id("param-test_size").input_value() == "0.4"

    # save and leave: saved, then gone
    page.get_by_role("link", name="Catalog").click()
    page.get_by_test_id("leave-save").click()
    page.wait_for_url(f"{live_url}/catalog")
    split = next(n for n in Pipeline.objects.get(pk=pipeline.pk).graph["nodes"] if n["id"] == "n2")
    assert split["params"]["test_size"] == 0.4

    # back with a new edit: leaving without saving drops it; a clean canvas leaves without asking
    page.goto(url)
    node(page, "n2").click()
    field = page.get_by_test_id("param-test_size")
    field.fill("0.2")
    field.press("Tab")
    page.get_by_role("link", name="Runs").click()
    page.get_by_test_id("leave-discard").click()
    page.wait_for_url(f"{live_url}/runs")
    split = next(n for n in Pipeline.objects.get(pk=pipeline.pk).graph["nodes"] if n["id"] == "n2")
    assert split["params"]["test_size"] == 0.4
    page.goto(url)
    node(page, "n2").wait_for()
    page.get_by_role("link", name="Catalog").click()
    page.wait_for_url(f"{live_url}/catalog")

    # closing the tab with unsaved edits: the browser's own prompt
    page.goto(url)
    node(page, "n2").click()
    field = page.get_by_test_id("param-test_size")
    field.fill("0.25")
    field.press("Tab")
    with page.expect_event("dialog") as asked:
        page.close(run_before_unload=True)
    assert asked.value.type == "beforeunload"
    asked.value.dismiss()  # stay: the edit is still there
    assert page.get_by_test_id("param-test_size").input_value() == "0.25"


SUMMARY = {
    "id": "n3",
    "module": "builtin/summarize-data",
    "version": None,
    "params": {},
    "position": {"x": 300, "y": 160},
}


def test_versions_panel_diffs_two_versions_and_restores_one(
    live_url: str, page: Any, library: None, acme: Any, alice: Any
) -> None:
    from designer import services
    from designer.models import Pipeline, PipelineVersion

    pipeline = make_pipeline(acme, alice, GRAPH)
    login(page, live_url, "alice", "pw-alice")
    url = f"{live_url}/pipelines/{pipeline.pk}"
    page.goto(url)

    # version 2 from the canvas, with a note
    node(page, "n2").click()
    field = page.get_by_test_id("param-test_size")
    field.fill("0.4")
    field.press("Tab")
    page.get_by_test_id("save-message").fill("bigger test split")
    page.get_by_test_id("save").click()
    page.wait_for_function("() => document.querySelector('[data-testid=save-state]').textContent === 'Saved'")
    assert page.get_by_test_id("save-message").input_value() == ""
    v2 = PipelineVersion.objects.get(pipeline=pipeline, number=2)
    assert v2.message == "bigger test split" and v2.created_by == alice

    # version 3 elsewhere (the API): a summary node fed by the import
    pipeline.refresh_from_db()
    graph = dict(pipeline.graph, nodes=[*pipeline.graph["nodes"], SUMMARY])
    graph["edges"] = [*graph["edges"], {"source": "n1", "source_port": "data", "target": "n3", "target_port": "data"}]
    services.do_save_pipeline(
        alice, pipeline, expected_revision=pipeline.revision, graph=graph, message="add a summary"
    )
    page.goto(url)
    node(page, "n2").wait_for()

    page.get_by_test_id("tab-versions").click()
    page.get_by_test_id("version-row-3").wait_for()
    assert page.get_by_test_id("version-row-3").get_by_test_id("version-message").inner_text() == "add a summary"
    assert "alice" in page.get_by_test_id("version-row-2").inner_text()
    assert page.get_by_test_id("version-row-2").get_by_test_id("version-message").inner_text() == "bigger test split"
    assert page.get_by_test_id("version-row-1").get_by_test_id("version-message").count() == 0

    # the diff of version 1 and version 3 on the canvas
    page.get_by_test_id("compare-from").select_option("1")
    page.get_by_test_id("compare-to").select_option("3")
    page.get_by_test_id("compare").click()
    view = page.get_by_test_id("version-view")
    view.wait_for()
    assert view.get_attribute("data-mode") == "diff"
    assert page.get_by_test_id("version-view-title").inner_text() == "Changes from version 1 to version 3"
    diff_node = view.locator("[data-testid=diff-node]")
    diff_node.nth(2).wait_for()
    statuses = {
        diff_node.nth(i).get_attribute("data-node"): diff_node.nth(i).get_attribute("data-status") for i in range(3)
    }
    assert statuses == {"n1": "same", "n2": "changed", "n3": "added"}
    change = view.locator('[data-testid=diff-node][data-node="n2"] [data-testid=diff-change]')
    assert change.count() == 1 and change.get_attribute("data-field") == "params.test_size"
    assert change.inner_text().replace("\u00a0", " ") == "test_size — → 0.4"
    assert view.locator(".react-flow__edge.diff-added").count() == 1
    assert view.locator(".react-flow__edge.diff-same").count() == 1
    shot(page, "versions-diff.png")

    # the reverse: the summary and its edge were removed
    page.get_by_test_id("version-close").click()
    view.wait_for(state="detached")
    page.get_by_test_id("compare-from").select_option("3")
    page.get_by_test_id("compare-to").select_option("1")
    page.get_by_test_id("compare").click()
    view.locator('[data-testid=diff-node][data-node="n3"][data-status="removed"]').wait_for()
    assert view.locator(".react-flow__edge.diff-removed").count() == 1

    # version 1 read-only, restored as a new version
    page.get_by_test_id("version-close").click()
    page.get_by_test_id("view-version-1").click()
    view.wait_for()
    assert view.get_attribute("data-mode") == "view"
    assert view.locator("[data-testid=diff-node]").count() == 2
    page.get_by_test_id("version-restore").click()
    page.get_by_test_id("version-row-4").wait_for()
    view.wait_for(state="detached")
    v1, v4 = (PipelineVersion.objects.get(pipeline=pipeline, number=n) for n in (1, 4))
    assert v4.message == "Restored version 1"
    assert [n["id"] for n in v4.graph["nodes"]] == ["n1", "n2"]
    assert {k: v for k, v in v4.graph.items() if k != "nodes"} == {k: v for k, v in v1.graph.items() if k != "nodes"}
    assert [n.get("params") for n in v4.graph["nodes"]] == [n.get("params") for n in v1.graph["nodes"]]
    assert Pipeline.objects.get(pk=pipeline.pk).graph == v4.graph
    assert page.locator(".react-flow__node").count() == 2
    assert page.get_by_test_id("save-state").inner_text() == "Saved"

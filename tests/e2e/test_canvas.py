"""The canvas in a real browser: drag from the palette, connect, refuse a bad connection, edit, save, reload."""

from __future__ import annotations

import os
import re
from typing import Any

import pytest
from django.core.management import call_command

from tests.e2e.conftest import login

pytestmark = [pytest.mark.e2e]

SHOTS = os.environ.get("PIPEWRIGHT_SCREENSHOTS")


@pytest.fixture
def library(transactional_db: Any) -> None:
    call_command("load_library", verbosity=0)


def node(page: Any, node_id: str) -> Any:
    return page.locator(f'.react-flow__node[data-id="{node_id}"]')


def handle(page: Any, node_id: str, port: str, kind: str) -> Any:
    return node(page, node_id).locator(f'.react-flow__handle.{kind}[data-handleid="{port}"]')


def drop_module(page: Any, ref: str, x: float, y: float) -> None:
    """A real HTML5 drag from the palette onto the canvas pane."""
    canvas = page.locator(".react-flow__pane")
    page.locator(f'[data-testid=palette-item][data-ref="{ref}"]').drag_to(canvas, target_position={"x": x, "y": y})


def drag_handle(page: Any, source: Any, target: Any) -> None:
    a = source.bounding_box()
    b = target.bounding_box()
    page.mouse.move(a["x"] + a["width"] / 2, a["y"] + a["height"] / 2)
    page.mouse.down()
    page.mouse.move((a["x"] + b["x"]) / 2 + 20, (a["y"] + b["y"]) / 2, steps=8)
    page.mouse.move(b["x"] + b["width"] / 2, b["y"] + b["height"] / 2, steps=8)
    page.mouse.up()


def create_pipeline(page: Any, live_url: str, name: str) -> int:
    page.goto(live_url + "/")
    page.get_by_test_id("new-pipeline-name").fill(name)
    page.get_by_test_id("new-pipeline-team").select_option("acme")
    page.get_by_test_id("create").click()
    page.wait_for_url(re.compile(r"/pipelines/\d+$"))
    return int(page.url.rstrip("/").rsplit("/", 1)[1])


def test_it_builds_saves_and_reloads_a_pipeline(live_url: str, page: Any, library: None, acme: Any) -> None:
    from designer.models import Pipeline

    login(page, live_url, "alice", "pw-alice")
    pid = create_pipeline(page, live_url, "Iris by hand")
    page.get_by_test_id("palette-search").wait_for()
    page.locator('[data-testid=palette-item][data-ref="builtin/split-data"]').wait_for()

    drop_module(page, "builtin/import-data", 150, 120)
    drop_module(page, "builtin/split-data", 420, 150)
    drop_module(page, "builtin/train-model", 690, 120)
    page.locator(".react-flow__node").nth(2).wait_for()
    assert page.locator(".react-flow__node").count() == 3
    assert node(page, "n1").get_attribute("class") and "Import Data" in node(page, "n1").inner_text()
    assert "Train Model" in node(page, "n3").inner_text()
    expect_state(page, "Unsaved changes")

    # Model -> DataFrame is refused while dragging, with the reason shown.
    drag_handle(page, handle(page, "n3", "model", "source"), handle(page, "n2", "data", "target"))
    assert page.locator(".react-flow__edge").count() == 0
    toast = page.get_by_test_id("toast")
    toast.wait_for()
    assert "Type mismatch" in toast.inner_text()

    drag_handle(page, handle(page, "n1", "data", "source"), handle(page, "n2", "data", "target"))
    drag_handle(page, handle(page, "n2", "train", "source"), handle(page, "n3", "data", "target"))
    page.wait_for_function("() => document.querySelectorAll('.react-flow__edge').length === 2")

    # A parameter from the generated form.
    node(page, "n2").click()
    field = page.get_by_test_id("param-test_size")
    field.fill("0.3")
    field.press("Tab")
    page.get_by_test_id("param-seed").fill("7")
    page.get_by_test_id("param-seed").press("Tab")

    page.keyboard.press("Control+s")
    expect_state(page, "Saved")
    graph = Pipeline.objects.get(pk=pid).graph
    assert len(graph["nodes"]) == 3 and len(graph["edges"]) == 2
    split = next(n for n in graph["nodes"] if n["id"] == "n2")
    assert split["params"] == {"test_size": 0.3, "seed": 7}
    assert split["module"] == "builtin/split-data" and split["version"] == "1.2.0"
    assert {"source": "n1", "source_port": "data", "target": "n2", "target_port": "data"} in graph["edges"]

    page.reload()
    page.locator(".react-flow__node").nth(2).wait_for()
    assert page.locator(".react-flow__node").count() == 3
    assert page.locator(".react-flow__edge").count() == 2
    node(page, "n2").click()
    assert page.get_by_test_id("param-test_size").input_value() == "0.3"
    assert page.get_by_test_id("param-seed").input_value() == "7"
    expect_state(page, "Saved")
    if SHOTS:
        page.screenshot(path=os.path.join(SHOTS, "canvas-built.png"))


def expect_state(page: Any, text: str) -> None:
    page.wait_for_function(
        "t => document.querySelector('[data-testid=save-state]')?.textContent === t",
        arg=text,
    )


GRAPH = {
    "schema": 1,
    "nodes": [
        {"id": "n1", "module": "builtin/import-data", "version": None, "params": {"sample": "iris"},
         "position": {"x": 0, "y": 0}},
        {"id": "n2", "module": "builtin/split-data", "version": None, "params": {}, "position": {"x": 0, "y": 160}},
        {"id": "n3", "module": "builtin/train-model", "version": None, "params": {}, "position": {"x": 0, "y": 320}},
    ],
    "edges": [{"source": "n1", "source_port": "data", "target": "n2", "target_port": "data"}],
    "parameters": [],
}  # fmt: skip


def make_pipeline(acme: Any, alice: Any, graph: dict[str, Any]) -> Any:
    from designer import services

    pipeline, _result, _version = services.do_create_pipeline(alice, acme, "Shared", graph=graph)
    return pipeline


def test_it_edits_with_undo_copy_paste_and_delete(
    live_url: str, page: Any, library: None, acme: Any, alice: Any
) -> None:
    pipeline = make_pipeline(acme, alice, GRAPH)
    login(page, live_url, "alice", "pw-alice")
    page.goto(f"{live_url}/pipelines/{pipeline.pk}")
    page.locator(".react-flow__node").nth(2).wait_for()

    node(page, "n2").click()
    page.keyboard.press("Delete")
    page.wait_for_function("() => document.querySelectorAll('.react-flow__node').length === 2")
    assert page.locator(".react-flow__edge").count() == 0
    page.keyboard.press("Control+z")
    page.wait_for_function("() => document.querySelectorAll('.react-flow__node').length === 3")
    assert page.locator(".react-flow__edge").count() == 1
    page.keyboard.press("Control+Shift+z")
    page.wait_for_function("() => document.querySelectorAll('.react-flow__node').length === 2")
    page.keyboard.press("Control+z")
    page.wait_for_function("() => document.querySelectorAll('.react-flow__node').length === 3")

    node(page, "n1").click()
    node(page, "n2").click(modifiers=["Shift"])
    page.keyboard.press("Control+c")
    page.keyboard.press("Control+v")
    page.wait_for_function("() => document.querySelectorAll('.react-flow__node').length === 5")
    page.wait_for_function("() => document.querySelectorAll('.react-flow__edge').length === 2")
    assert node(page, "n4").count() == 1 and node(page, "n5").count() == 1


def test_it_offers_reload_or_overwrite_on_a_stale_save(
    live_url: str, page: Any, library: None, acme: Any, alice: Any
) -> None:
    from designer import services
    from designer.models import Pipeline

    pipeline = make_pipeline(acme, alice, GRAPH)
    login(page, live_url, "alice", "pw-alice")
    page.goto(f"{live_url}/pipelines/{pipeline.pk}")
    page.locator(".react-flow__node").nth(2).wait_for()

    # Someone else saves meanwhile.
    theirs = dict(GRAPH, parameters=[{"name": "theirs", "type": "number", "default": 1}])
    services.do_save_pipeline(
        alice, Pipeline.objects.get(pk=pipeline.pk), graph=theirs, expected_revision=pipeline.revision
    )

    node(page, "n3").click()
    page.get_by_test_id("param-label_column").fill("species")
    page.get_by_test_id("save").click()
    page.get_by_test_id("conflict-dialog").wait_for()
    expect_state(page, "Unsaved changes")
    assert Pipeline.objects.get(pk=pipeline.pk).graph["parameters"][0]["name"] == "theirs"

    page.get_by_test_id("conflict-overwrite").click()
    expect_state(page, "Saved")
    saved = Pipeline.objects.get(pk=pipeline.pk).graph
    assert next(n for n in saved["nodes"] if n["id"] == "n3")["params"]["label_column"] == "species"
    assert saved["parameters"] == []


def test_it_lists_compile_problems_and_focuses_the_node(
    live_url: str, page: Any, library: None, acme: Any, alice: Any
) -> None:
    graph = dict(GRAPH, edges=[])  # split and train miss their inputs
    pipeline = make_pipeline(acme, alice, graph)
    login(page, live_url, "alice", "pw-alice")
    page.goto(f"{live_url}/pipelines/{pipeline.pk}")
    page.locator(".react-flow__node").nth(2).wait_for()
    assert node(page, "n2").locator(".has-error").count() == 1
    assert node(page, "n2").get_by_test_id("problem-badge").count() == 1
    page.get_by_test_id("tab-problems").click()
    problem = page.get_by_test_id("problem").filter(has_text="n3").first
    problem.click()
    assert page.get_by_test_id("properties").inner_text().startswith("Train Model")
    assert "selected" in (node(page, "n3").get_attribute("class") or "")


def test_it_edits_compute_settings_with_errors_under_the_field_and_a_badge(
    live_url: str, page: Any, library: None, acme: Any, alice: Any
) -> None:
    from designer.models import Pipeline

    graph = dict(
        GRAPH, edges=[*GRAPH["edges"], {"source": "n2", "source_port": "train", "target": "n3", "target_port": "data"}]
    )
    graph["nodes"] = [dict(n, params={"label_column": "species"}) if n["id"] == "n3" else n for n in GRAPH["nodes"]]
    pipeline = make_pipeline(acme, alice, graph)
    login(page, live_url, "alice", "pw-alice")
    page.goto(f"{live_url}/pipelines/{pipeline.pk}")
    page.locator(".react-flow__node").nth(2).wait_for()
    assert node(page, "n3").get_by_test_id("compute-badge").count() == 0

    node(page, "n3").click()
    memory = page.get_by_test_id("node-compute-memory")
    memory.fill("12x")
    memory.press("Tab")  # a field applies on blur
    node(page, "n3").get_by_test_id("compute-badge").wait_for()
    page.get_by_test_id("save").click()
    page.get_by_test_id("problem").filter(has_text="compute.memory").first.wait_for()  # the save opens Problems
    page.get_by_test_id("tab-properties").click()
    page.get_by_test_id("node-compute").get_by_text("'12x' is not a size").wait_for()
    saved = Pipeline.objects.get(pk=pipeline.pk).graph
    assert next(n for n in saved["nodes"] if n["id"] == "n3")["compute"] == {"memory": "12x"}

    memory = page.get_by_test_id("node-compute-memory")
    memory.fill("2g")
    memory.press("Tab")
    page.get_by_test_id("node-compute-cache").select_option("off")
    page.get_by_test_id("tab-parameters").click()
    cpu = page.get_by_test_id("pipeline-compute-cpu")
    cpu.fill("2")
    cpu.press("Tab")
    page.get_by_test_id("save").click()
    expect_state(page, "Saved")
    assert page.get_by_test_id("node-compute").get_by_text("is not a size").count() == 0
    saved = Pipeline.objects.get(pk=pipeline.pk).graph
    assert next(n for n in saved["nodes"] if n["id"] == "n3")["compute"] == {"memory": "2g", "cache": "off"}
    assert saved["compute"] == {"cpu": 2}
    # the plan of the version just saved carries them
    plan = Pipeline.objects.get(pk=pipeline.pk).versions.order_by("-number").first().plan
    runtime = next(s for s in plan["steps"] if s["node"] == "n3")["runtime"]
    assert (runtime["memory_bytes"], runtime["cache"], runtime["cpu"]) == (2 * 1024**3, False, 2.0)


def test_a_big_canvas_pans_as_one_drawing_then_selects_and_connects(
    live_url: str, page: Any, library: None, acme: Any, alice: Any
) -> None:
    # 96 nodes in 8 chains of 12, all in view: past LOD_MIN_RENDERED (frontend/src/canvas/lod.ts)
    nodes = [
        {"id": f"n{i + 1}", "module": "builtin/split-data", "version": None, "params": {},
         "position": {"x": (i // 12) * 280, "y": (i % 12) * 140}}
        for i in range(96)
    ]  # fmt: skip
    edges = [
        {"source": f"n{i}", "source_port": "train", "target": f"n{i + 1}", "target_port": "data"}
        for i in range(1, 96)
        if i % 12
    ]
    pipeline = make_pipeline(acme, alice, {"schema": 1, "nodes": nodes, "edges": edges, "parameters": []})
    login(page, live_url, "alice", "pw-alice")
    page.goto(f"{live_url}/pipelines/{pipeline.pk}")
    # every edge drawn: every node measured, and the view fitted to them (it is fitted once they are)
    page.wait_for_function(f"() => document.querySelectorAll('.react-flow__edge').length === {len(edges)}")
    page.wait_for_function("() => document.querySelectorAll('.react-flow__node').length === 96")
    lod = "document.querySelector('.react-flow').classList.contains('pw-lod')"
    assert page.evaluate(lod) is False

    # a node selected before the pan stays selected: the pan's closing click is not a click on the pane
    node(page, "n2").click()
    page.locator('.react-flow__node.selected[data-id="n2"]').wait_for()
    offset = (
        "(() => { const m = new DOMMatrix(getComputedStyle(document.querySelector('.react-flow__viewport'))"
        ".transform); return [m.e, m.f]; })()"
    )
    start = page.evaluate(offset)

    # grab the pane in the gap between the first two chains
    a, b = node(page, "n1").bounding_box(), node(page, "n13").bounding_box()
    x, y = (a["x"] + a["width"] + b["x"]) / 2, a["y"] + a["height"] / 2
    page.mouse.move(x, y)
    page.mouse.down()
    page.mouse.move(x + 30, y + 20, steps=6)
    # while the view moves, one drawing of boxes and lines stands in for the nodes and edges
    assert page.evaluate(lod) is True
    assert page.locator(".react-flow__nodes").is_hidden()
    assert page.locator(".pw-overview").is_visible()
    inked = page.evaluate(
        """() => { const c = document.querySelector('.pw-overview');
                   const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
                   let n = 0; for (let i = 3; i < d.length; i += 4) if (d[i]) n++; return n; }"""
    )
    assert inked > 96 * 200  # 96 boxes of at least 200 pixels each, and the lines between them
    moved = page.evaluate(offset)
    assert (round(moved[0] - start[0]), round(moved[1] - start[1])) == (30, 20)
    page.mouse.up()
    page.wait_for_function(f"() => !{lod}")
    assert page.locator(".react-flow__nodes").is_visible()
    # React Flow's own viewport now says where the view is: the next pan starts from there
    assert page.evaluate(offset) == moved
    assert page.locator('.react-flow__node.selected[data-id="n2"]').count() == 1

    # at rest the nodes are themselves again: selection and connecting work
    node(page, "n2").click()
    page.locator('.react-flow__node.selected[data-id="n2"]').wait_for()
    before = page.locator(".react-flow__edge").count()
    drag_handle(page, handle(page, "n12", "test", "source"), handle(page, "n13", "data", "target"))
    page.wait_for_function(f"() => document.querySelectorAll('.react-flow__edge').length === {before + 1}")

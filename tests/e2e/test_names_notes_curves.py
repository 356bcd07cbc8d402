"""Issue 13, names people read and richer outputs: a node's label in the canvas, the Problems list
and the run page; sticky notes and groups saved with the pipeline; the Publish dialog's diff
against what an endpoint serves; a table output's column profile; Evaluate-style curves drawn as
an interactive ROC chart.

Runs are made in the test process through the public API with local compute and eager Celery."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest
from django.core.management import call_command

from tests.e2e.conftest import login
from tests.runner.fixtures import make_version, publish_module, step

pytestmark = [pytest.mark.e2e]

EVALUATE = """
import json, os
out = os.environ['PIPEWRIGHT_OUT']
open(out + '/data/t.csv', 'w').write('score,label\\n' + ''.join(f'{i / 10},{i % 2}\\n' for i in range(10)))
roc = [{'fpr': 0, 'tpr': 0, 'threshold': None}, {'fpr': 0.2, 'tpr': 0.7, 'threshold': 0.6},
       {'fpr': 0.5, 'tpr': 0.9, 'threshold': 0.3}, {'fpr': 1, 'tpr': 1, 'threshold': 0.0}]
pr = [{'recall': 0, 'precision': 1, 'threshold': None}, {'recall': 0.7, 'precision': 0.8, 'threshold': 0.6},
      {'recall': 1, 'precision': 0.5, 'threshold': 0.0}]
os.makedirs(out + '/curves', exist_ok=True)
json.dump({'task': 'classification', 'positive': '1', 'roc': roc, 'auc': 0.81, 'pr': pr,
           'average_precision': 0.77, 'confusion': {'labels': ['0', '1'], 'matrix': [[4, 1], [2, 3]]}},
          open(out + '/curves/curves.json', 'w'))
"""


def test_the_run_page_names_steps_by_label_and_draws_profile_and_curves(
    eager: Any, local: Any, as_alice: Any, acme: Any, live_url: str, page: Any
) -> None:
    mv = publish_module(acme, "evaluator", EVALUATE)
    base = step("n7", mv)
    labelled = dataclasses.replace(base, outputs=(("data", "DataFrame"), ("curves", "Metrics")), label="Check quality")
    version = make_version(acme, [labelled])
    r = as_alice.post(f"/api/pipelines/{version.pipeline_id}/runs/", {}, format="json")
    run = as_alice.get(f"/api/runs/{r.json()['id']}/").json()
    assert run["status"] == "succeeded", run

    login(page, live_url, "alice", "pw-alice")
    page.goto(f"{live_url}/runs/{run['id']}")
    title = page.get_by_test_id("step-title-n7")
    title.wait_for()
    assert title.inner_text() == "Check quality"  # the label leads, the id follows
    assert "n7" in page.get_by_test_id("step-row-n7").inner_text()
    page.get_by_test_id("step-row-n7").click()
    details = page.get_by_test_id("step-details")
    assert details.get_by_test_id("step-title").inner_text() == "Check quality"
    assert "Check quality" in page.get_by_test_id("timeline-row-n7").inner_text()

    # the table's column profile
    profile = details.get_by_test_id("output-data").get_by_test_id("preview-profile")
    profile.wait_for()
    profile.locator("summary").click()
    assert profile.locator("[data-testid=profile-column]").count() == 2
    assert "10 rows" in profile.inner_text()

    # the curves: an interactive ROC chart (recharts draws SVG), a PR chart, a confusion matrix
    curves = details.get_by_test_id("output-curves")
    roc = curves.get_by_test_id("roc-chart")
    roc.locator(".recharts-line").wait_for()
    assert "AUC 0.810" in roc.inner_text()
    curves.get_by_test_id("pr-chart").locator(".recharts-line").wait_for()
    assert curves.get_by_test_id("confusion-matrix").locator("td").all_inner_texts() == ["4", "1", "2", "3"]
    # hovering shows the threshold of the point under the pointer
    roc.scroll_into_view_if_needed()
    box = roc.locator(".recharts-wrapper").bounding_box()
    assert box is not None
    page.mouse.move(box["x"] + box["width"] * 0.2, box["y"] + box["height"] / 2)
    page.mouse.move(box["x"] + box["width"] * 0.3, box["y"] + box["height"] / 2, steps=5)
    tip = roc.get_by_test_id("chart-tip")
    tip.wait_for()
    assert "threshold" in tip.inner_text()


GRAPH = {
    "schema": 1,
    "nodes": [
        {"id": "n1", "module": "builtin/import-data", "version": None, "params": {"sample": "iris"},
         "position": {"x": 0, "y": 0}, "label": "Import Data"},
        {"id": "n2", "module": "builtin/split-data", "version": None, "params": {}, "position": {"x": 0, "y": 160},
         "label": "Split Data"},
    ],
    "edges": [{"source": "n1", "source_port": "data", "target": "n2", "target_port": "data"}],
    "parameters": [],
}  # fmt: skip


def node(page: Any, node_id: str) -> Any:
    return page.locator(f'.react-flow__node[data-id="{node_id}"]')


def save(page: Any) -> None:
    page.get_by_test_id("save").click()
    page.wait_for_function("() => document.querySelector('[data-testid=save-state]').textContent === 'Saved'")


def test_labels_notes_groups_and_the_publish_diff_on_the_canvas(
    live_url: str, page: Any, transactional_db: Any, acme: Any, alice: Any
) -> None:
    from designer import services
    from designer.models import Pipeline
    from publishing.services import do_publish_pipeline

    call_command("load_library", verbosity=0)
    pipeline, result, _version = services.do_create_pipeline(alice, acme, "Names", graph=GRAPH)
    assert not result.errors
    do_publish_pipeline(alice, pipeline, "Names live")  # serves v1

    login(page, live_url, "alice", "pw-alice")
    page.goto(f"{live_url}/pipelines/{pipeline.pk}")
    node(page, "n2").wait_for()

    # 1. rename the split: the node shows it, and the Problems list names it by it
    node(page, "n2").click()
    page.get_by_test_id("node-label").fill("Hold out 30%")
    assert node(page, "n2").get_by_test_id("node-title").inner_text() == "Hold out 30%"
    node(page, "n1").click()
    page.keyboard.press("Delete")
    page.get_by_test_id("tab-problems").click()
    problem = page.get_by_test_id("problem").first
    problem.wait_for()
    page.wait_for_function(
        "t => [...document.querySelectorAll('[data-testid=problem]')].some(p => p.textContent.includes(t))",
        arg="'Hold out 30%' (n2)",
    )
    assert "Hold out 30% (n2)" in page.get_by_test_id("problems").inner_text()
    page.get_by_test_id("undo").click()
    node(page, "n1").wait_for()

    # 2. a sticky note: plain text (markup stays text), saved and read back
    page.get_by_test_id("add-note").click()
    note = page.get_by_test_id("sticky-note")
    note.wait_for()
    note.get_by_test_id("note-body").dblclick()
    note.get_by_test_id("note-text").fill("<b>why</b> 30%?")
    page.get_by_test_id("tab-properties").click()  # blur the note

    # 3. group both nodes, collapse the group
    page.locator(".react-flow__pane").click()
    node(page, "n1").click()
    node(page, "n2").click(modifiers=["Shift"])
    page.get_by_test_id("group-selection").click()
    frame = page.get_by_test_id("group-frame")
    frame.wait_for()
    frame.get_by_test_id("group-toggle").click()
    page.wait_for_function("() => document.querySelector('[data-testid=group-frame]')?.dataset.collapsed === 'true'")
    assert "2 nodes" in frame.get_by_test_id("group-summary").inner_text()
    assert not node(page, "n1").is_visible()
    save(page)

    saved = Pipeline.objects.get(pk=pipeline.pk).graph
    assert saved["notes"][0]["text"] == "<b>why</b> 30%?"
    assert saved["groups"] == [{"id": "g1", "label": "Group", "nodes": ["n1", "n2"], "collapsed": True}]
    assert saved["nodes"][1]["label"] == "Hold out 30%"

    page.reload()
    body = page.get_by_test_id("note-body")
    body.wait_for()
    assert body.inner_text() == "<b>why</b> 30%?" and body.locator("b").count() == 0
    assert page.get_by_test_id("group-frame").get_attribute("data-collapsed") == "true"
    page.get_by_test_id("group-toggle").click()
    node(page, "n1").wait_for()

    # 4. publish to the endpoint that serves v1: the dialog shows what changes first
    page.get_by_test_id("publish").click()
    page.get_by_test_id("publish-target").select_option(label="Names live (serves v1 now)")
    lines = page.get_by_test_id("publish-diff-lines")
    lines.wait_for()
    assert "n2 (label)" in lines.inner_text()
    page.get_by_test_id("publish-submit").click()
    page.get_by_text("now runs at this URL").wait_for()

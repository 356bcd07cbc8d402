"""Sub-pipelines in a real browser: Make sub-pipeline from a selection, save, double-click to drill
into it and come back by the breadcrumb, then Ungroup sub-pipeline puts the nodes back."""

from __future__ import annotations

import os
import re
from typing import Any

import pytest
from django.core.management import call_command

from tests.e2e.conftest import login

pytestmark = [pytest.mark.e2e]

SHOTS = os.environ.get("PIPEWRIGHT_SCREENSHOTS")


def _node(page: Any, node_id: str) -> Any:
    return page.locator(f'.react-flow__node[data-id="{node_id}"]')


def _mod(node_id: str, module: str, y: int, **params: Any) -> dict[str, Any]:
    return {
        "id": node_id,
        "module": f"builtin/{module}",
        "version": None,
        "params": params,
        "position": {"x": 0, "y": y},
    }


def _edge(s: str, sp: str, t: str, tp: str) -> dict[str, str]:
    return {"source": s, "source_port": sp, "target": t, "target_port": tp}


def test_make_drill_into_and_ungroup_a_sub_pipeline(live_url: str, page: Any, alice: Any, acme: Any) -> None:
    from designer import services
    from designer.models import Pipeline

    call_command("load_library", verbosity=0)
    graph = {
        "schema": 1,
        "nodes": [
            _mod("data", "import-data", 0, sample="iris"),
            _mod("split", "split-data", 150),
            _mod("train", "train-model", 300, label_column="target"),
            _mod("score", "score-model", 450),
        ],
        "edges": [
            _edge("data", "data", "split", "data"),
            _edge("split", "train", "train", "data"),
            _edge("train", "model", "score", "model"),
            _edge("split", "test", "score", "data"),
        ],
        "parameters": [],
    }
    outer, result, _ = services.do_create_pipeline(alice, acme, "flow", graph=graph)
    assert result.errors == ()
    login(page, live_url, "alice", "pw-alice")
    page.goto(f"{live_url}/pipelines/{outer.pk}")
    _node(page, "split").click()
    _node(page, "train").click(modifiers=["Shift"])
    page.once("dialog", lambda d: d.accept("Prep"))
    page.get_by_test_id("make-subpipeline").click()
    sub = page.locator("[data-subpipeline]")
    sub.wait_for()
    assert _node(page, "split").count() == 0 and _node(page, "train").count() == 0
    page.wait_for_function("() => document.querySelector('[data-subpipeline]').textContent.includes('Prep')")
    # its ports are the new pipeline's inputs and outputs
    assert sub.locator(".react-flow__handle.target").count() == 1
    assert sub.locator(".react-flow__handle.source").count() == 2
    if SHOTS:
        page.screenshot(path=os.path.join(SHOTS, "subpipeline-made.png"))
    page.get_by_test_id("save").click()
    page.wait_for_function("() => document.querySelector('[data-testid=save-state]').textContent === 'Saved'")
    prep = Pipeline.objects.get(team=acme, name="Prep")
    outer.refresh_from_db()
    placed = next(n for n in outer.graph["nodes"] if "pipeline" in n)
    assert placed["pipeline"] == prep.pk and placed["version"] == 1  # pinned at save
    assert not any(e for e in outer.versions.order_by("-number").first().errors)  # type: ignore[union-attr]
    # drill in, and back by the breadcrumb
    sub.dblclick()
    page.wait_for_url(re.compile(rf"/pipelines/{prep.pk}\?from={outer.pk}$"))
    page.locator("[data-boundary=input]").first.wait_for()
    assert page.locator("[data-boundary=output]").count() == 2
    if SHOTS:
        page.screenshot(path=os.path.join(SHOTS, "subpipeline-inside.png"))
    page.get_by_test_id("outer-crumb").click()
    page.wait_for_url(re.compile(rf"/pipelines/{outer.pk}$"))
    # ungroup puts the nodes back, wired as before
    page.locator("[data-subpipeline]").click()
    page.get_by_test_id("ungroup-subpipeline").click()
    page.wait_for_function("() => !document.querySelector('[data-subpipeline]')")
    ids = page.locator(".react-flow__node").evaluate_all("els => els.map(e => e.dataset.id).sort()")
    assert ids == ["data", "score", "sub1_split", "sub1_train"]
    assert page.locator(".react-flow__edge").count() == 4

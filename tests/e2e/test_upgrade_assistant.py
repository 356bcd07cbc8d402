"""The upgrade assistant in the canvas: preview the interface diff, apply, undo in one step, save."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from tests.api.test_pipelines_upgrade import TRAIN_V1, TRAIN_V2, draft
from tests.e2e.conftest import login

pytestmark = [pytest.mark.e2e]


def test_it_previews_applies_undoes_and_saves_an_upgrade(live_url: str, page: Any, acme: Any, alice: Any) -> None:
    from designer import services as designer
    from designer.models import Pipeline
    from modules import services
    from modules import spec as specs
    from modules.models import Module
    from tests.api.pipelines_helpers import SPLIT, publish

    publish(acme, SPLIT)
    module = services.do_create_module(acme, "train")
    for spec in (TRAIN_V1, TRAIN_V2):
        services.do_publish_version(module, specs.validate_spec(copy.deepcopy(spec)), {"main.py": "1"})
    services.do_set_default(Module.objects.get(pk=module.pk), "2.0.0")
    pipeline, _, _ = designer.do_create_pipeline(alice, acme, "Old pins", "", draft())

    login(page, live_url, "alice", "pw-alice")
    page.goto(f"{live_url}/pipelines/{pipeline.pk}")
    page.locator('.react-flow__node[data-id="train"]').wait_for()
    page.get_by_test_id("upgrade-count").filter(has_text="1").wait_for()  # one node behind its preferred version
    page.get_by_test_id("upgrade").click()
    card = page.get_by_test_id("upgrade-node")
    card.wait_for()
    text = card.inner_text()
    assert "1.0.0 → 2.0.0" in text and "train → data" in text and "max_depth → depth" in text
    assert "\u2212 scores" in text and "Value of criterion not kept" in text
    page.get_by_test_id("upgrade-apply").click()
    page.get_by_test_id("upgrade-dialog").wait_for(state="detached")
    assert page.get_by_test_id("save-state").inner_text() == "Unsaved changes"
    assert page.get_by_test_id("upgrade-count").count() == 0

    badge = page.locator('.react-flow__node[data-id="train"] .version-badge')
    assert badge.inner_text().strip() == "v2.0.0"
    page.get_by_test_id("undo").click()  # one step back to the old pins
    page.locator('.react-flow__node[data-id="train"] .version-badge', has_text="v1.0.0").wait_for()
    page.get_by_test_id("redo").click()
    page.locator('.react-flow__node[data-id="train"] .version-badge', has_text="v2.0.0").wait_for()
    page.get_by_test_id("save").click()
    page.get_by_test_id("save-state").filter(has_text="Saved").wait_for()
    saved = Pipeline.objects.get(pk=pipeline.pk).graph
    train = next(n for n in saved["nodes"] if n["id"] == "train")
    assert train["version"] == "2.0.0" and train["params"] == {"depth": 7}
    assert saved["edges"][0]["target_port"] == "data"

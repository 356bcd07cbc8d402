"""Import a Kubeflow component by pasting it on the catalog page, see it in the catalog, export it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.e2e.conftest import login

COMPONENTS = Path(__file__).resolve().parent.parent / "kfp_components"


def test_a_maintainer_imports_a_component_by_paste(live_url: str, page: Any, acme: Any, alice: Any) -> None:
    login(page, live_url, "alice", "pw-alice")
    page.goto(live_url + "/catalog")
    page.get_by_role("button", name="Import Kubeflow component").click()
    form = page.get_by_test_id("kfp-import-form")

    # an unsupported component: the error names the component's field, nothing is created
    form.locator("textarea[name=yaml]").fill((COMPONENTS / "train_graph_v1.yaml").read_text())
    form.get_by_role("button", name="Import").click()
    alert = form.get_by_role("alert")
    alert.wait_for()
    assert "implementation.graph" in alert.inner_text()
    assert "graph components are not supported" in alert.inner_text()

    form.locator("textarea[name=yaml]").fill((COMPONENTS / "filter_rows_v1.yaml").read_text())
    form.locator("input[name=version]").fill("1.2.0")
    form.get_by_role("button", name="Import").click()
    page.wait_for_url("**/catalog/acme/filter-rows?version=1.2.0")
    page.get_by_test_id("versions-table").wait_for()
    assert "input_data" in page.get_by_test_id("inputs").inner_text()
    assert "threshold" in page.get_by_test_id("params-table").inner_text()
    href = page.get_by_test_id("component-yaml").get_attribute("href")
    exported = page.request.get(live_url + href)
    assert exported.ok and exported.text() == (COMPONENTS / "filter_rows_v1.yaml").read_text()

    page.goto(live_url + "/catalog?category=Kubeflow")
    card = page.get_by_test_id("module-card").filter(has_text="acme/filter-rows")
    card.wait_for()
    assert "Filter rows" in card.inner_text()

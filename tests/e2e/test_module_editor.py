"""The module editor and the catalog pages in a real browser, with a real Celery worker and Docker:
create a module from the function template, edit its code in the code editor (Tab indents), read
the interface from main()'s signature, try the draft on a dataset and see its output, publish it;
then change the interface, see a major version proposed, publish, compare the two versions on the
module page and filter the catalog by facets."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings

from tests.conftest import client_for
from tests.e2e.conftest import login
from tests.e2e.test_untrusted_content import RECORD_VIOLATIONS
from tests.live import live_worker

pytestmark = [pytest.mark.e2e, pytest.mark.celery, pytest.mark.docker]

CODE = """import pandas as pd


def main(data: pd.DataFrame, k: int = 3, label: str = "x") -> pd.DataFrame:
    print("rows in", len(data))
    out = data.head(k).copy()
    out["label"] = label
    return out
"""


@pytest.fixture
def worker(live_url: str, tmp_path: Path) -> Iterator[None]:
    import redis

    redis.Redis.from_url(os.environ.get("REDIS_URL", settings.REDIS_URL)).flushdb()
    with live_worker(tmp_path / "logs"):
        yield


def test_create_edit_try_publish_and_compare_a_module(
    live_url: str, worker: None, page: Any, alice: Any, acme: Any
) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = SimpleUploadedFile("iris.csv", b"a,b\n1,2\n3,4\n5,6\n7,8\n", content_type="text/csv")
    r = client_for(alice).post("/api/datasets/", {"team": "acme", "name": "iris", "file": upload}, format="multipart")
    assert r.status_code == 201, r.content
    page.add_init_script(RECORD_VIOLATIONS)  # the code editor runs under the strict policy
    login(page, live_url, "alice", "pw-alice")

    # a new module lands in the editor, which starts it from the function template
    page.goto(live_url + "/catalog")
    page.get_by_role("button", name="+ New module").click()
    form = page.get_by_test_id("new-module-form")
    form.get_by_label("Name", exact=True).fill("head-rows")
    form.get_by_role("button", name="Create module").click()
    page.wait_for_url("**/catalog/acme/head-rows/edit")
    page.get_by_test_id("use-template").click()
    code = page.get_by_test_id("code-editor").locator(".cm-content")
    code.wait_for()
    assert "def main(data: pd.DataFrame" in code.inner_text()

    # the code editor: real text editing, Tab indents the line, Shift-Tab takes it back
    code.fill(CODE)
    page.get_by_test_id("code-editor").locator(".cm-line").first.click()
    page.keyboard.press("Home")
    page.keyboard.press("Tab")
    assert page.get_by_test_id("code-editor").locator(".cm-line").first.inner_text().startswith("    import")
    page.keyboard.press("Shift+Tab")
    assert page.get_by_test_id("code-editor").locator(".cm-line").first.inner_text() == "import pandas as pd"
    assert page.get_by_test_id("code-editor").locator(".cm-content .tok-keyword, .cm-content span[class]").count() > 0

    # the interface follows main()'s signature; the YAML view shows the same spec
    page.get_by_test_id("regenerate").click()
    page.get_by_label("parameter label default").wait_for()
    page.get_by_role("tab", name="spec.yaml").click()
    yaml_text = page.get_by_test_id("yaml-editor").locator(".cm-content").inner_text()
    assert "label:" in yaml_text and "type: DataFrame" in yaml_text
    page.get_by_role("tab", name="Interface").click()

    # try it on the dataset: a real container, its log and the output table
    try_it = page.get_by_test_id("try-it")
    try_it.get_by_label("input data").select_option(label="acme/iris · version 1")
    try_it.get_by_label("value k").fill("2")
    try_it.get_by_test_id("try-run").click()
    page.wait_for_function(
        "() => ['succeeded', 'failed'].includes(document.querySelector('[data-testid=trial]')?.dataset.status)",
        timeout=180_000,
    )
    assert page.get_by_test_id("trial-status").inner_text() == "succeeded", page.get_by_test_id("trial").inner_text()
    assert "rows in 4" in page.get_by_test_id("trial-log").inner_text()
    table = page.get_by_test_id("trial-output-result").get_by_test_id("preview-table")
    table.wait_for()
    assert table.locator("tbody tr").count() == 2
    assert "label" in table.locator("thead").inner_text()

    # CodeMirror's styles and editing raised no Content-Security-Policy violation
    assert page.evaluate("window.__cspViolations") == []

    # publish the first version with a changelog
    panel = page.get_by_test_id("publish-panel")
    panel.get_by_text("The first version of this module.").wait_for()
    panel.get_by_label("Changelog").fill("First cut.")
    panel.get_by_test_id("publish-draft").click()
    page.wait_for_url("**/catalog/acme/head-rows?version=0.1.0")
    assert "First cut." in page.get_by_test_id("versions-table").inner_text()

    # drop a parameter: a major version is proposed, with the diff
    page.get_by_test_id("open-editor").click()
    page.get_by_label("remove label").click()
    panel = page.get_by_test_id("publish-panel")
    panel.get_by_test_id("proposed-bump").wait_for()
    page.wait_for_function("() => document.querySelector('[data-testid=proposed-bump]')?.textContent === 'major'")
    assert "parameters: label" in panel.get_by_test_id("interface-diff").inner_text()
    panel.get_by_label("Changelog").fill("No more label.")
    panel.get_by_test_id("publish-draft").click()
    page.wait_for_url("**/catalog/acme/head-rows?version=1.0.0")

    # the module page compares any two versions side by side
    compare = page.get_by_test_id("compare-section")
    compare.get_by_test_id("open-compare").click()
    compare.get_by_test_id("compare-bump").wait_for()
    assert compare.get_by_test_id("compare-bump").inner_text() == "major"
    assert "- parameters: label" in compare.get_by_test_id("interface-diff").inner_text()
    assert "label" in compare.get_by_test_id("compare-base").inner_text()
    page.get_by_test_id("usage-section").get_by_text("No pipeline of your teams uses this module.").wait_for()

    # the catalog filters by facets, with counts
    page.goto(live_url + "/catalog")
    page.get_by_test_id("facets").wait_for()
    page.get_by_test_id("module-card").first.wait_for()  # the list and its facet counts are in
    page.get_by_label("team acme").check()
    page.wait_for_url("**/catalog?team=acme")
    cards = page.get_by_test_id("module-card")
    cards.first.wait_for()
    assert cards.count() == 1 and "acme/head-rows" in cards.first.inner_text()
    page.get_by_label("status active").check()
    page.wait_for_url("**/catalog?team=acme&status=active")
    assert cards.count() == 1

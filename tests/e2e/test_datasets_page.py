"""The Datasets page and datasets on the canvas, as a user does it: upload a CSV with the file
picker, see it listed with its profile, archive it; a file over the limit is refused before it is
sent; a CSV dropped on the canvas becomes a dataset node; the node's version picker and a column
parameter that offers the dataset's columns."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command

from tests.e2e.conftest import login
from tests.live import live_daphne

pytestmark = [pytest.mark.e2e]

SHOTS = os.environ.get("PIPEWRIGHT_SCREENSHOTS")
CSV = "sepal,petal,species\n5.1,1.4,setosa\n4.9,,setosa\n6.3,4.9,virginica\n7.0,4.7,versicolor\n"


def test_it_uploads_profiles_and_archives_a_dataset(live_url: str, page: Any, acme: Any, tmp_path: Path) -> None:
    from designer.models import Dataset

    login(page, live_url, "alice", "pw-alice")
    page.get_by_role("link", name="Datasets").click()
    page.get_by_test_id("datasets-empty").wait_for()
    assert "Upload a CSV" in page.get_by_test_id("datasets-empty").inner_text()

    # a file that does not parse: the error names the line, nothing is listed
    bad = tmp_path / "broken.csv"
    bad.write_text("a,b\n1,2\n3,4,5\n")
    page.get_by_test_id("dataset-file").set_input_files(str(bad))
    page.get_by_test_id("dataset-upload").click()
    assert "line 3" in page.get_by_test_id("upload-error").inner_text()
    assert not Dataset.objects.exists()

    good = tmp_path / "Iris Flowers.csv"
    good.write_text(CSV)
    page.get_by_test_id("dataset-name").fill("")
    page.get_by_test_id("dataset-file").set_input_files(str(good))
    assert page.get_by_test_id("dataset-name").input_value() == "iris-flowers"
    page.get_by_test_id("dataset-upload").click()
    row = page.locator('[data-testid=dataset-row][data-ref="acme/iris-flowers"]')
    row.wait_for()
    assert "v1" in row.inner_text() and "alice" in row.inner_text()

    # the new upload opens its profile: one row per column, with a histogram
    profile = page.get_by_test_id("profile")
    profile.wait_for()
    assert "4 rows" in profile.inner_text()
    petal = profile.locator('[data-column="petal"]')
    assert petal.get_by_test_id("column-type").inner_text() == "number"
    assert petal.locator("td").nth(2).inner_text() == "1"  # missing
    assert profile.get_by_test_id("histogram").count() == 3
    if SHOTS:
        page.screenshot(path=os.path.join(SHOTS, "datasets-profile.png"), full_page=True)

    # archive: gone from the list (and the palette), back with "Show archived"
    row.get_by_test_id("archive").click()
    page.get_by_test_id("datasets-empty").wait_for()
    assert Dataset.objects.get(name="iris-flowers").archived
    page.get_by_test_id("show-archived").check()
    row.get_by_test_id("unarchive").wait_for()
    row.get_by_test_id("unarchive").click()
    page.get_by_test_id("notice").filter(has_text="Restored").wait_for()
    assert not Dataset.objects.get(name="iris-flowers").archived


def test_a_file_over_the_limit_is_refused_before_it_is_sent(
    transactional_db: Any, page: Any, acme: Any, tmp_path: Path
) -> None:
    from designer.models import DatasetVersion

    big = tmp_path / "big.csv"
    big.write_text("a,b\n" + "1,2\n" * 2000)
    with live_daphne(DATASET_MAX_BYTES="1024") as url:
        login(page, url, "alice", "pw-alice")
        page.goto(url + "/datasets")
        page.get_by_test_id("upload-panel").wait_for()
        page.wait_for_function(
            "() => document.querySelector('[data-testid=upload-panel]').textContent.includes('up to 1.0 KiB')"
        )
        page.get_by_test_id("dataset-file").set_input_files(str(big))
        error = page.get_by_test_id("upload-error")
        assert "at most 1.0 KiB" in error.inner_text()
        assert page.get_by_test_id("dataset-upload").is_disabled()
    assert not DatasetVersion.objects.exists()


def test_on_the_canvas_a_dropped_csv_becomes_a_node_with_a_version_picker_and_columns(
    live_url: str, page: Any, acme: Any, alice: Any
) -> None:
    from designer import services
    from designer.models import Pipeline

    call_command("load_library", verbosity=0)
    graph = {
        "schema": 1,
        "nodes": [{"id": "train", "module": "builtin/train-model", "version": None, "params": {},
                   "position": {"x": 0, "y": 200}}],
        "edges": [],
        "parameters": [],
    }  # fmt: skip
    pipeline, _result, _version = services.do_create_pipeline(alice, acme, "Flowers", graph=graph)
    login(page, live_url, "alice", "pw-alice")
    page.goto(f"{live_url}/pipelines/{pipeline.pk}")
    page.locator('.react-flow__node[data-id="train"]').wait_for()

    # drop a CSV file onto the pane, twice: the second drop is version 2 of the same dataset
    for content in (CSV, CSV.replace("species", "kind")):
        before = page.locator(".react-flow__node").count()
        page.evaluate(
            """([text, n]) => {
                const dt = new DataTransfer();
                dt.items.add(new File([text], "flowers.csv", {type: "text/csv"}));
                const pane = document.querySelector(".react-flow");
                const box = pane.getBoundingClientRect();
                pane.dispatchEvent(new DragEvent("drop", {bubbles: true, cancelable: true, dataTransfer: dt,
                    clientX: box.left + 150 + (n - 1) * 320, clientY: box.top + 100}));
            }""",
            [content, before],
        )
        page.wait_for_function(f"() => document.querySelectorAll('.react-flow__node').length === {before + 1}")
    dataset_nodes = page.locator('.react-flow__node[data-testid="canvas-node"], [data-dataset="acme/flowers"]')
    assert dataset_nodes.count() >= 2

    # connect the first dropped node (v1 pinned) to train; its label column offers v1's columns
    d1 = page.locator('.react-flow__node[data-id="d1"]')
    d1.click()
    picker = page.get_by_test_id("dataset-version-picker")
    assert picker.input_value() == "1"
    picker.select_option("")  # latest
    assert "species" not in page.get_by_test_id("dataset-columns").inner_text()  # v2 renamed it
    picker.select_option("1")
    assert "species" in page.get_by_test_id("dataset-columns").inner_text()
    source = d1.locator('.react-flow__handle.source[data-handleid="data"]').bounding_box()
    target = page.locator(
        '.react-flow__node[data-id="train"] .react-flow__handle.target[data-handleid="data"]'
    ).bounding_box()
    page.mouse.move(source["x"] + source["width"] / 2, source["y"] + source["height"] / 2)
    page.mouse.down()
    page.mouse.move(target["x"] + target["width"] / 2, target["y"] + target["height"] / 2, steps=12)
    page.mouse.up()
    page.wait_for_function("() => document.querySelectorAll('.react-flow__edge').length === 1")
    page.locator('.react-flow__node[data-id="train"]').click()
    label = page.get_by_test_id("param-label_column")
    assert label.evaluate("el => el.tagName") == "SELECT"
    assert label.get_attribute("data-columns") == "sepal,petal,species"
    label.select_option("species")
    if SHOTS:
        page.screenshot(path=os.path.join(SHOTS, "canvas-column-parameter.png"))
    page.keyboard.press("Control+s")
    page.wait_for_function("() => document.querySelector('[data-testid=save-state]')?.textContent === 'Saved'")
    saved = Pipeline.objects.get(pk=pipeline.pk)
    nodes = {n["id"]: n for n in saved.graph["nodes"]}
    assert nodes["d1"]["dataset"] == "acme/flowers" and nodes["d1"]["version"] == 1
    assert nodes["train"]["params"] == {"label_column": "species"}
    assert saved.versions.order_by("-number").first().errors == []  # type: ignore[union-attr]

    # archived: gone from the palette, while the pipeline that reads it still opens and compiles
    assert page.locator('[data-testid=palette-item][data-ref="acme/flowers"]').count() == 1
    from designer.models import Dataset

    Dataset.objects.filter(name="flowers").update(archived=True)
    page.reload()
    page.locator('.react-flow__node[data-id="d1"]').wait_for()
    page.get_by_test_id("palette-no-datasets").wait_for()
    assert page.locator('[data-testid=palette-item][data-ref="acme/flowers"]').count() == 0
    page.locator('.react-flow__node[data-id="d1"]').click()
    assert page.get_by_test_id("dataset-version-picker").input_value() == "1"

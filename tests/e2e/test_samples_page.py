"""A sample pipeline opened from the Pipelines page lands on its canvas, with its dataset in the team."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.core.management import call_command

from tests.e2e.conftest import login

pytestmark = [pytest.mark.e2e]


def test_it_opens_the_text_classification_sample_onto_the_canvas(live_url: str, page: Any, acme: Any) -> None:
    from designer.models import Dataset, Pipeline

    call_command("load_library", verbosity=0)
    login(page, live_url, "alice", "pw-alice")
    page.goto(live_url + "/")
    page.get_by_test_id("new-pipeline-team").locator("option").first.wait_for(state="attached")
    toggle = page.get_by_test_id("samples-toggle")
    page.wait_for_function("() => !document.querySelector('[data-testid=samples-toggle]')?.disabled")
    toggle.click()
    assert page.get_by_test_id("sample-row").count() == 8
    assert "Sample: wine clustering" in page.get_by_test_id("samples").inner_text()
    page.get_by_test_id("open-sample-text-classification").click()
    page.wait_for_url(re.compile(r"/pipelines/\d+$"))
    page.locator('.react-flow__node[data-id="tfidf_test"]').wait_for(state="attached")
    ids = page.locator(".react-flow__node").evaluate_all("els => els.map(e => e.dataset.id)")
    assert sorted(ids) == sorted(
        ["sentences", "preprocess", "split", "tfidf_train", "tfidf_test", "train", "score", "evaluate"]
    )  # the dataset and seven modules
    page.wait_for_function(
        "() => document.querySelector('[data-testid=pipeline-name]')?.textContent === 'Sample: text classification'"
    )
    created = Pipeline.objects.get()
    assert created.team.name == "acme" and created.versions.count() == 1
    assert list(Dataset.objects.values_list("name", flat=True)) == ["sample-sentences"]

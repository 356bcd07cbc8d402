"""The pipelines list in a real browser: create with a team, rename, duplicate, delete, open."""

from __future__ import annotations

import os
import re
from typing import Any

import pytest

from tests.e2e.conftest import login

pytestmark = [pytest.mark.e2e]

SHOTS = os.environ.get("PIPEWRIGHT_SCREENSHOTS")  # a folder to save screenshots into, for a person to look at


def rows(page: Any) -> Any:
    return page.get_by_test_id("pipeline-row")


def test_it_creates_renames_duplicates_and_deletes(live_url: str, page: Any, acme: Any, other: Any) -> None:
    from designer.models import Pipeline

    login(page, live_url, "alice", "pw-alice")
    page.goto(live_url + "/")
    team = page.get_by_test_id("new-pipeline-team")
    team.locator("option").first.wait_for(state="attached")
    assert team.locator("option").all_inner_texts() == ["acme"]  # alice's only team; not charlie's
    page.get_by_test_id("new-pipeline-name").fill("Churn model")
    page.get_by_test_id("create").click()
    page.wait_for_url(re.compile(r"/pipelines/\d+$"))
    created = Pipeline.objects.get(name="Churn model")
    assert created.team.name == "acme"
    page.wait_for_function("() => document.querySelector('[data-testid=pipeline-name]')?.textContent === 'Churn model'")

    page.get_by_role("link", name="Pipelines").first.click()
    rows(page).first.wait_for()
    assert rows(page).count() == 1

    rows(page).first.get_by_test_id("rename").click()
    page.get_by_test_id("rename-input").fill("Churn v2")
    page.get_by_test_id("rename-input").press("Enter")
    page.wait_for_function("() => document.querySelector('[data-testid=pipelines]')?.innerText.includes('Churn v2')")
    created.refresh_from_db()
    assert created.name == "Churn v2"

    rows(page).first.get_by_test_id("duplicate").click()
    page.wait_for_function("() => document.querySelectorAll('[data-testid=pipeline-row]').length === 2")
    if SHOTS:
        page.screenshot(path=os.path.join(SHOTS, "pipelines.png"))
    assert sorted(Pipeline.objects.values_list("name", flat=True)) == ["Churn v2", "Churn v2 (copy)"]

    copy = rows(page).filter(has_text="(copy)")
    copy.get_by_test_id("delete").click()
    copy.get_by_test_id("confirm-delete").click()
    page.wait_for_function("() => document.querySelectorAll('[data-testid=pipeline-row]').length === 1")
    assert list(Pipeline.objects.values_list("name", flat=True)) == ["Churn v2"]

    rows(page).first.click()
    page.wait_for_url(re.compile(rf"/pipelines/{created.pk}$"))
    page.get_by_test_id("palette").wait_for()


def test_it_hides_other_teams_pipelines(
    live_url: str, page: Any, acme: Any, alice: Any, charlie: Any, other: Any
) -> None:
    from designer import services

    services.do_create_pipeline(alice, acme, "Acme secret")
    services.do_create_pipeline(charlie, other, "Other pipeline")
    login(page, live_url, "charlie", "pw-charlie")
    page.goto(live_url + "/")
    rows(page).first.wait_for()
    assert rows(page).all_inner_texts()[0].startswith("Other pipeline")
    assert rows(page).count() == 1

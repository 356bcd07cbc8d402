"""The Endpoints page as a user works it: see an endpoint with what it serves, re-point it after
reading the version diff, disable it, copy a curl example, and create a schedule from it whose
cron field shows the next fire times (and names a bad field)."""

from __future__ import annotations

import copy
import os
from typing import Any

import pytest
from django.core.management import call_command

from tests.e2e.conftest import login

pytestmark = [pytest.mark.e2e]

SHOTS = os.environ.get("PIPEWRIGHT_SCREENSHOTS")

GRAPH = {
    "nodes": [
        {"id": "imp", "module": "builtin/import-data", "version": None, "params": {"sample": "iris"},
         "position": {"x": 0, "y": 0}},
        {"id": "sum", "module": "builtin/summarize-data", "version": None, "params": {},
         "position": {"x": 0, "y": 160}},
    ],
    "edges": [{"source": "imp", "source_port": "data", "target": "sum", "target_port": "data"}],
    "parameters": [{"name": "rows", "type": "integer", "default": 10}],
}  # fmt: skip


def test_endpoints_page_empty_state(live_url: str, page: Any, acme: Any) -> None:
    login(page, live_url, "alice", "pw-alice")
    page.get_by_role("link", name="Endpoints").click()
    empty = page.get_by_test_id("endpoints-empty")
    empty.wait_for()
    assert "Publish" in empty.inner_text()
    assert page.get_by_role("link", name="Tokens page").get_attribute("href") == "/tokens"


def test_it_repoints_disables_and_schedules_an_endpoint(live_url: str, page: Any, acme: Any, alice: Any) -> None:
    from designer import services as designer
    from designer.models import Pipeline
    from publishing import services
    from publishing.models import Endpoint, Schedule

    call_command("load_library", verbosity=0)
    pipeline, _r, _v = designer.do_create_pipeline(alice, acme, "Iris summary", graph=GRAPH)
    changed = copy.deepcopy(GRAPH)
    changed["nodes"][0]["params"] = {"sample": "wine"}
    designer.do_save_pipeline(alice, Pipeline.objects.get(pk=pipeline.pk), expected_revision=1, graph=changed)
    endpoint = services.do_publish_pipeline(alice, pipeline, "Iris nightly")  # serves v2

    login(page, live_url, "alice", "pw-alice")
    page.goto(live_url + "/endpoints")
    card = page.locator('[data-testid=endpoint][data-slug="iris-nightly"]')
    card.wait_for()
    assert card.get_by_test_id("served-version").inner_text() == "v2"
    card.get_by_text("No runs yet").wait_for()

    # the curl example works as shown once the token is pasted, and says where to get one
    card.get_by_test_id("show-curl").click()
    example = card.get_by_test_id("curl-example").inner_text()
    assert "Authorization: Token <your token>" in example and endpoint.slug in example
    assert card.get_by_role("link", name="Tokens page").get_attribute("href") == "/tokens"

    # re-point to v1: the diff says what changes first
    card.get_by_test_id("repoint").click()
    card.get_by_test_id("repoint-version").select_option("1")
    diff = card.get_by_test_id("repoint-diff")
    diff.get_by_text("Nodes changed: imp").wait_for()
    card.get_by_test_id("repoint-submit").click()
    page.get_by_test_id("notice").filter(has_text="now serves v1").wait_for()
    card.get_by_test_id("served-version").filter(has_text="v1").wait_for()
    assert Endpoint.objects.get(slug="iris-nightly").version.number == 1

    # disable and enable again
    card.get_by_test_id("toggle-endpoint").click()
    card.get_by_test_id("endpoint-state").filter(has_text="disabled").wait_for()
    assert not Endpoint.objects.get(slug="iris-nightly").enabled
    card.get_by_test_id("toggle-endpoint").click()
    card.get_by_test_id("endpoint-state").filter(has_text="enabled").wait_for()

    # a schedule: a bad cron names the field, a good one lists its next five fire times
    card.get_by_test_id("new-schedule").click()
    form = card.get_by_test_id("schedule-form")
    cron = form.get_by_test_id("schedule-cron")
    cron.fill("61 6 * * *")
    error = form.get_by_test_id("cron-error")
    error.wait_for()
    assert "minute" in error.inner_text()
    cron.fill("30 6 * * 1-5")
    form.get_by_test_id("cron-preview").wait_for()
    assert form.get_by_test_id("fire-time").count() == 5
    form.get_by_test_id("run-param-rows").get_by_test_id("run-param-input").fill("25")
    if SHOTS:
        page.screenshot(path=os.path.join(SHOTS, "endpoints-schedule.png"), full_page=True)
    form.get_by_test_id("schedule-submit").click()
    row = card.get_by_test_id("schedule-row")
    row.wait_for()
    assert "30 6 * * 1-5" in row.inner_text() and row.get_by_test_id("schedule-state").inner_text() == "enabled"
    schedule = Schedule.objects.get()
    assert schedule.cron == "30 6 * * 1-5" and schedule.parameters == {"rows": 25}
    row.get_by_test_id("toggle-schedule").click()
    row.get_by_test_id("schedule-state").filter(has_text="disabled").wait_for()
    row.get_by_test_id("schedule-runs").click()
    card.get_by_text("This schedule has not started a run yet.").wait_for()

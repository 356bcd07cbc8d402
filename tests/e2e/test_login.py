from __future__ import annotations

from typing import Any

from designer.services import do_create_pipeline
from teams.models import Membership, Team
from tests.conftest import make_user
from tests.e2e.conftest import login


def test_it_logs_in_and_sees_the_canvas(live_url: str, page: Any) -> None:
    alice = make_user("alice")
    team = Team.objects.create(name="acme")
    Membership.objects.create(team=team, user=alice, role="owner")
    pipeline, _, _ = do_create_pipeline(alice, team, "first")
    page.goto(live_url + f"/pipelines/{pipeline.pk}")
    assert "/login/" in page.url
    page.fill("#id_username", "alice")
    page.fill("#id_password", "wrong")
    page.click("button[type=submit]")
    page.get_by_role("alert").wait_for()  # the form comes back with the error
    login(page, live_url, "alice", "pw-alice")
    page.goto(live_url + f"/pipelines/{pipeline.pk}")
    page.wait_for_selector(".react-flow")
    assert page.get_by_test_id("username").inner_text() == "alice"


def test_an_anonymous_api_call_is_refused_not_redirected(live_url: str, page: Any) -> None:
    response = page.request.get(live_url + "/api/pipelines/")
    assert response.status in (401, 403)
    assert "detail" in response.json()

from __future__ import annotations

from typing import Any

from tests.conftest import make_user
from tests.e2e.conftest import login


def test_it_logs_in_and_sees_the_canvas(live_url: str, page: Any) -> None:
    make_user("alice")
    page.goto(live_url + "/")
    assert "/login/" in page.url
    page.fill("#id_username", "alice")
    page.fill("#id_password", "wrong")
    page.click("button[type=submit]")
    assert page.get_by_role("alert").is_visible()
    login(page, live_url, "alice", "pw-alice")
    page.goto(live_url + "/pipelines/0")
    page.wait_for_selector(".react-flow")
    assert page.get_by_test_id("username").inner_text() == "alice"

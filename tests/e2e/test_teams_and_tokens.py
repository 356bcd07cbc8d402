"""The Tokens and Teams pages in a real browser, used as a person would (keyboard included)."""

from __future__ import annotations

import json
import os
import urllib.error
import urllib.request
from typing import Any

from teams.models import ApiToken, AuditEvent, Membership
from tests.e2e.conftest import login

SHOTS = os.environ.get("PIPEWRIGHT_SCREENSHOTS")


def api_status(base: str, path: str, key: str) -> int:
    req = urllib.request.Request(base + path, headers={"Authorization": f"Token {key}"})
    try:
        with urllib.request.urlopen(req, timeout=10) as response:
            json.load(response)
            return int(response.status)
    except urllib.error.HTTPError as e:
        return int(e.code)


def test_it_creates_uses_and_revokes_a_token(live_url: str, page: Any, alice: Any, acme: Any) -> None:
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_url)
    login(page, live_url, "alice", "pw-alice")
    page.get_by_role("link", name="API tokens").click()
    page.wait_for_url("**/tokens")
    page.get_by_test_id("tokens-empty").wait_for()

    # keyboard only: type a name, Enter
    page.get_by_label("Token name").focus()
    page.keyboard.type("laptop")
    page.keyboard.press("Enter")
    key_box = page.get_by_test_id("new-token-key")
    key_box.wait_for()
    key = key_box.input_value()
    assert key.startswith("pwt_") and "shown only this once" in page.get_by_test_id("new-token").inner_text()
    page.get_by_test_id("copy-token").click()
    page.get_by_role("button", name="Copied").wait_for()
    assert page.evaluate("navigator.clipboard.readText()") == key
    row = page.get_by_test_id("token-row").filter(has_text="laptop")
    assert row.get_by_test_id("token-last-used").inner_text() == "never"
    assert key not in page.get_by_test_id("tokens").inner_text()  # the list never shows the key
    if SHOTS:
        page.screenshot(path=os.path.join(SHOTS, "tokens-page.png"), full_page=True)

    # the key works against the live server; the page then shows its last use
    assert api_status(live_url, "/api/me/", key) == 200
    page.reload()
    assert row.get_by_test_id("token-last-used").inner_text() == "just now"
    assert page.get_by_test_id("new-token").count() == 0  # gone for good after a reload

    # revoke with the keyboard: the button, then the confirmation (focused), Enter each
    row.get_by_test_id("revoke").focus()
    page.keyboard.press("Enter")
    assert page.get_by_test_id("confirm-revoke").evaluate("el => el === document.activeElement")
    page.keyboard.press("Enter")
    page.get_by_test_id("tokens-empty").wait_for()
    assert not ApiToken.objects.filter(user=alice).exists()
    assert api_status(live_url, "/api/me/", key) == 401


def test_an_owner_adds_changes_and_removes_a_member(
    live_url: str, page: Any, alice: Any, acme: Any, charlie: Any
) -> None:
    login(page, live_url, "alice", "pw-alice")
    page.get_by_role("link", name="Teams").click()
    page.wait_for_url("**/teams")
    panel = page.get_by_test_id("team-panel")
    panel.get_by_test_id("member-row").first.wait_for()
    names = panel.get_by_test_id("member-row").evaluate_all("rows => rows.map(r => r.dataset.username)")
    assert names == ["alice", "bob"]

    # add charlie as a viewer
    panel.get_by_label("Username").fill("charlie")
    panel.get_by_label("Role", exact=True).select_option("viewer")
    panel.get_by_role("button", name="Add member").click()
    charlie_row = panel.locator('[data-testid=member-row][data-username="charlie"]')
    charlie_row.wait_for()
    assert "Added charlie as viewer" in panel.get_by_test_id("team-notice").inner_text()

    # an unknown user is refused with the server's message
    panel.get_by_label("Username").fill("nobody-here")
    panel.get_by_role("button", name="Add member").click()
    assert "No user named 'nobody-here'" in panel.get_by_test_id("team-error").inner_text()

    # change charlie's role
    charlie_row.get_by_label("Role of charlie").select_option("maintainer")
    panel.get_by_test_id("team-notice").filter(has_text="charlie is now a maintainer").wait_for()
    assert Membership.objects.get(team=acme, user=charlie).role == "maintainer"

    # the last owner cannot step down: the refusal is shown and the role stays
    alice_row = panel.locator('[data-testid=member-row][data-username="alice"]')
    alice_row.get_by_label("Role of alice").select_option("member")
    assert "last owner" in panel.get_by_test_id("team-error").inner_text()
    assert alice_row.get_by_label("Role of alice").input_value() == "owner"
    assert Membership.objects.get(team=acme, user=alice).role == "owner"

    # remove charlie, after a confirmation
    charlie_row.get_by_test_id("remove").click()
    charlie_row.get_by_test_id("confirm-remove").click()
    charlie_row.wait_for(state="detached")
    assert not Membership.objects.filter(team=acme, user=charlie).exists()

    # the audit trail tells the story, newest first
    audit = page.get_by_test_id("audit")
    audit.get_by_text("alice removed charlie (maintainer)").wait_for()
    assert "alice changed charlie's role from viewer to maintainer" in audit.inner_text()
    assert "alice added charlie as viewer" in audit.inner_text()
    assert AuditEvent.objects.filter(team=acme).count() == 3
    if SHOTS:
        page.screenshot(path=os.path.join(SHOTS, "teams-page.png"), full_page=True)

    # a new team, owned by its creator
    page.get_by_label("New team name").fill("research")
    page.get_by_role("button", name="Create team").click()
    page.wait_for_url("**/teams/research")
    page.get_by_test_id("team-link").filter(has_text="research").wait_for()
    assert page.locator('[data-testid=member-row][data-username="alice"]').inner_text().startswith("alice (you)")


def test_a_member_sees_no_owner_controls_and_can_leave(live_url: str, page: Any, acme: Any, bob: Any) -> None:
    login(page, live_url, "bob", "pw-bob")
    page.goto(live_url + "/teams/acme")
    panel = page.get_by_test_id("team-panel")
    panel.get_by_test_id("owner-only-note").wait_for()
    assert panel.get_by_test_id("add-member").count() == 0
    assert panel.get_by_test_id("member-role").count() == 0  # roles are text, not selects
    assert panel.get_by_test_id("remove").count() == 0
    assert panel.get_by_test_id("audit").count() == 0

    bob_row = panel.locator('[data-testid=member-row][data-username="bob"]')
    bob_row.get_by_test_id("leave").click()
    bob_row.get_by_role("button", name="Leave", exact=True).click()
    page.get_by_test_id("teams-empty").wait_for()
    assert "bob" in page.get_by_test_id("teams-empty").inner_text()  # tells them what to ask for
    assert not Membership.objects.filter(team=acme, user=bob).exists()

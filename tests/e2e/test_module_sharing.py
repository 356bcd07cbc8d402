"""Sharing a module in a real browser: a maintainer of acme shares it with team other; a member of
other sees it in the catalog ("shared by acme") and in the palette; revoking hides it again."""

from __future__ import annotations

from typing import Any

from tests.e2e.conftest import login
from tests.e2e.test_catalog import publish_scaler

REF = "acme/scale-features"


def _card(page: Any) -> Any:
    return page.get_by_test_id("module-card").filter(has_text=REF)


def test_a_maintainer_shares_a_module_and_revokes_it(
    live_url: str, page: Any, browser: Any, acme: Any, alice: Any, other: Any, charlie: Any
) -> None:
    from designer import services

    publish_scaler(acme, alice)
    pipeline, _result, _version = services.do_create_pipeline(charlie, other, "Mine")

    # alice (owner of acme) shares the module with 'other' from its page
    login(page, live_url, "alice", "pw-alice")
    page.goto(live_url + "/catalog/acme/scale-features")
    sharing = page.get_by_test_id("sharing")
    sharing.get_by_text("Not shared with any team.").wait_for()
    sharing.get_by_label("Team to share with").fill("nobody")
    sharing.get_by_role("button", name="Share").click()
    assert "nobody" in sharing.get_by_role("alert").inner_text()
    sharing.get_by_label("Team to share with").fill("other")
    sharing.get_by_role("button", name="Share").click()
    sharing.get_by_test_id("grant").filter(has_text="other").wait_for()

    # charlie (team other) sees it, marked as shared, read-only, and in his palette
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    try:
        grantee = context.new_page()
        grantee.set_default_timeout(15000)
        login(grantee, live_url, "charlie", "pw-charlie")
        grantee.goto(live_url + "/catalog?q=scale")
        _card(grantee).get_by_test_id("shared-badge").wait_for()
        assert _card(grantee).get_by_test_id("shared-badge").inner_text() == "shared by acme"
        _card(grantee).click()
        grantee.wait_for_url("**/catalog/acme/scale-features")
        grantee.get_by_test_id("versions-table").wait_for()
        grantee.get_by_test_id("shared-badge").wait_for()
        assert grantee.get_by_test_id("sharing").count() == 0
        assert grantee.get_by_test_id("publish-form").count() == 0
        grantee.goto(f"{live_url}/pipelines/{pipeline.pk}")
        grantee.locator(f'[data-testid=palette-item][data-ref="{REF}"]').wait_for()

        # alice revokes: the module leaves charlie's catalog and palette
        sharing.get_by_test_id("grant").filter(has_text="other").get_by_role("button", name="Revoke").click()
        sharing.get_by_text("Not shared with any team.").wait_for()
        grantee.goto(live_url + "/catalog?q=scale")
        grantee.wait_for_load_state("networkidle")
        assert _card(grantee).count() == 0
        grantee.goto(f"{live_url}/pipelines/{pipeline.pk}")
        grantee.get_by_test_id("palette").wait_for()
        grantee.wait_for_load_state("networkidle")
        assert grantee.locator(f'[data-testid=palette-item][data-ref="{REF}"]').count() == 0
    finally:
        context.close()

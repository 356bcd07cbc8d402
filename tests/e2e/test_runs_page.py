"""The runs page in a real browser: the newest page of runs, "Load more" for older ones, the
status filter asked of the server, and another team's runs nowhere."""

from __future__ import annotations

from typing import Any

import pytest

from tests.e2e.conftest import login
from tests.runner.fixtures import make_version, publish_module, step

pytestmark = [pytest.mark.e2e]


def make_runs(version: Any, user: Any, count: int, status: str = "succeeded") -> list[int]:
    """Finished runs written directly (nothing to execute)."""
    from runner.models import Run

    made = Run.objects.bulk_create(
        Run(
            pipeline=version.pipeline,
            pipeline_version=version,
            team_id=version.pipeline.team_id,
            plan=version.plan,
            parameters={},
            use_cache=True,
            created_by=user,
            status=status,
        )
        for _ in range(count)
    )
    return [r.pk for r in made]


def shown(page: Any) -> int:
    return int(page.evaluate("() => document.querySelectorAll('[data-testid^=runs-row-]').length"))


def test_the_runs_page_loads_more_and_filters_on_the_server(
    live_url: str, page: Any, acme: Any, alice: Any, other: Any, charlie: Any
) -> None:
    version = make_version(acme, [step("a", publish_module(acme, "emit", "print(1)\n"))])
    failed = make_runs(version, alice, 1, status="failed")
    mine = failed + make_runs(version, alice, 54)
    theirs = make_version(other, [step("a", publish_module(other, "emit", "print(1)\n"))])
    hidden = make_runs(theirs, charlie, 3)

    login(page, live_url, "alice", "pw-alice")
    page.goto(live_url + "/runs")
    page.get_by_test_id("runs-table").wait_for()
    assert shown(page) == 50  # one page
    assert page.get_by_test_id(f"runs-row-{max(mine)}").is_visible()  # the newest first
    page.get_by_test_id("runs-more").click()
    page.wait_for_function("() => document.querySelectorAll('[data-testid^=runs-row-]').length === 55")
    assert page.get_by_test_id("runs-more").count() == 0  # nothing older
    for pk in hidden:
        assert page.get_by_test_id(f"runs-row-{pk}").count() == 0

    with page.expect_request(lambda r: "/api/runs/?status=failed" in r.url):
        page.get_by_label("status").select_option("failed")
    page.wait_for_function("() => document.querySelectorAll('[data-testid^=runs-row-]').length === 1")
    assert page.get_by_test_id(f"runs-row-{failed[0]}").is_visible()
    assert page.get_by_test_id("runs-more").count() == 0

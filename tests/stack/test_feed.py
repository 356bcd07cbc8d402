"""The run feed stays up: a WebSocket on a quiet run, held two minutes, still delivers (issue 9
item 5; an idle channels_redis read once timed out every few seconds and closed every feed)."""

from __future__ import annotations

import time

import pytest

from tests.stack.conftest import Feed
from tests.stack.stack import Stack

pytestmark = [pytest.mark.stack, pytest.mark.docker]

IDLE = 120.0


@pytest.mark.timeout(IDLE + 120)
def test_an_idle_run_feed_stays_open_for_two_minutes_then_still_delivers(stack: Stack, idle_feed: Feed) -> None:
    snapshot = idle_feed.wait_for(lambda m: m["type"] == "snapshot", 15)
    assert snapshot["run"]["id"] == idle_feed.run_id and snapshot["run"]["status"] == "running"
    while (waited := time.monotonic() - idle_feed.opened_at) < IDLE and idle_feed.ended is None:
        time.sleep(min(1.0, IDLE - waited))
    if idle_feed.ended:
        when, code, why = idle_feed.ended
        raise AssertionError(f"the feed ended {when - idle_feed.opened_at:.1f} s after it opened: code {code} {why!r}")
    errors = [m for _, m in idle_feed.messages if m["type"] == "error"]
    assert not errors, errors

    stack.api.ok("POST", f"/api/runs/{idle_feed.run_id}/cancel")
    idle_feed.wait_for(lambda m: m["type"] == "run" and m["status"] == "canceled", 30)
    idle_feed.wait_for(lambda m: m["type"] == "step" and m["status"] == "canceled", 30)
    assert idle_feed.ended is None, idle_feed.ended
    seqs = [m["seq"] for _, m in idle_feed.messages]
    assert seqs == list(range(seqs[0], seqs[0] + len(seqs))), seqs  # one feed, nothing missed or repeated
    assert "Timeout reading from" not in stack.log()

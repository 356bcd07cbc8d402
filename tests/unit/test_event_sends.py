"""The run events' sender: consecutive sends to one run's group go out as one channel-layer message
(runner.events): one group send's round trips to Redis instead of one per event."""

from __future__ import annotations

from concurrent.futures import Future

from runner.events import _by_group, message_of


def test_consecutive_sends_to_a_group_are_one_in_order_and_others_stay_apart() -> None:
    done = [Future() for _ in range(4)]
    items = [
        ("run-1", [{"seq": 1}, {"seq": 2}], done[0]),
        ("run-1", [{"seq": 3}], done[1]),
        ("run-2", [{"seq": 1}], done[2]),
        ("run-1", [{"seq": 4}], done[3]),
    ]
    merged = _by_group(items)
    assert [(g, [d["seq"] for d in docs], futures) for g, docs, futures in merged] == [
        ("run-1", [1, 2, 3], [done[0], done[1]]),
        ("run-2", [1], [done[2]]),
        ("run-1", [4], [done[3]]),
    ]
    assert items[0][1] == [{"seq": 1}, {"seq": 2}]  # what was queued is not changed


def test_one_event_keeps_its_message_and_several_are_one_message() -> None:
    assert message_of([{"seq": 1}]) == {"type": "run.event", "event": {"seq": 1}}
    assert message_of([{"seq": 1}, {"seq": 2}]) == {"type": "run.events", "events": [{"seq": 1}, {"seq": 2}]}

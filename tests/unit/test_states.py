"""The run and step state machines (runner.states): pure tables, no database."""

import pytest

from runner import states


def test_it_lets_a_step_run_only_after_being_queued() -> None:
    assert states.sources(states.STEP_TRANSITIONS, states.RUNNING) == (states.QUEUED,)


def test_it_lets_a_step_finish_only_while_running() -> None:
    assert states.sources(states.STEP_TRANSITIONS, states.SUCCEEDED) == (states.RUNNING,)


def test_it_never_leaves_a_terminal_status() -> None:
    for status in states.STEP_TERMINAL:
        for to in states.STEP_STATUSES:
            assert not states.can_move(states.STEP_TRANSITIONS, status, to)
    for status in states.RUN_TERMINAL:
        for to in states.RUN_STATUSES:
            assert not states.can_move(states.RUN_TRANSITIONS, status, to)


def test_it_allows_a_retry_from_running_back_to_queued() -> None:
    assert states.can_move(states.STEP_TRANSITIONS, states.RUNNING, states.QUEUED)
    assert not states.can_move(states.STEP_TRANSITIONS, states.PENDING, states.RUNNING)


def test_it_caches_pending_steps_and_queued_ones_that_followed_a_step_in_flight() -> None:
    assert states.sources(states.STEP_TRANSITIONS, states.CACHED) == (states.PENDING, states.QUEUED)


def test_it_skips_only_pending_steps() -> None:
    assert states.sources(states.STEP_TRANSITIONS, states.SKIPPED) == (states.PENDING,)


def test_it_refuses_an_illegal_move() -> None:
    with pytest.raises(states.IllegalTransition):
        states.check(states.STEP_TRANSITIONS, states.SUCCEEDED, states.RUNNING)
    with pytest.raises(states.IllegalTransition):
        states.sources(states.RUN_TRANSITIONS, states.PENDING)


def test_it_cancels_from_every_live_status() -> None:
    for status in (states.PENDING, states.QUEUED, states.RUNNING):
        assert states.can_move(states.STEP_TRANSITIONS, status, states.CANCELED)
        assert states.can_move(states.RUN_TRANSITIONS, status, states.CANCELED)

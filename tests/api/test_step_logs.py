"""Step logs are stored centrally: the endpoint reads the database (no file on any worker), offsets
run on across attempts, a dead worker's flushed lines stay, a cached step shows its origin's log,
an old row's file is still read, and a runaway log is cut at the cap."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from django.utils import timezone

from runner import steplogs
from runner.models import Run, StepLogChunk, StepRun
from tests.runner.fixtures import make_version, publish_module, step


def _run(acme: Any, alice: Any, **row: Any) -> StepRun:
    emit = publish_module(acme, f"emit{time.monotonic_ns()}", "print('hi')\n")
    version = make_version(acme, [step("a", emit)])
    now = timezone.now()
    run = Run.objects.create(
        pipeline=version.pipeline, pipeline_version=version, team=acme, plan=version.plan, status="running",
        started_at=now, created_by=alice,
    )  # fmt: skip
    return StepRun.objects.create(run=run, node="a", module="acme/emit", version="1.0.0", **row)


def _wait_for(step_id: int, size: int) -> None:
    deadline = time.monotonic() + 10
    while steplogs.end_of(step_id) < size:
        assert time.monotonic() < deadline, "the writer never flushed"
        time.sleep(0.05)


def test_two_attempts_share_one_log_and_a_dead_workers_lines_stay(
    transactional_db: Any, as_alice: Any, acme: Any, alice: Any, settings: Any, tmp_path: Path
) -> None:
    settings.PIPEWRIGHT_LOG_DIR = tmp_path / "logs"  # nothing may be written there
    a = _run(acme, alice, status="running", attempt=1)
    first = steplogs.LogWriter(a.run_id, a.pk, "a", 1)
    first.line("one")
    first.line("two")
    first.tick()  # the backend's poll while the step runs: the lines go out at once
    _wait_for(a.pk, 8)  # then this worker's host dies: close() never runs
    second = steplogs.LogWriter(a.run_id, a.pk, "a", 2)
    assert second.pos == 8  # the retry goes on after the first attempt's bytes
    second.line("--- attempt 2 ---")
    second.line("three")
    second.close()
    body = as_alice.get(f"/api/runs/{a.run_id}/steps/a/logs")
    assert body.content == b"one\ntwo\n--- attempt 2 ---\nthree\n"
    assert body["X-Next-Offset"] == str(len(body.content)) and body["X-Log-Size"] == str(len(body.content))
    tail = as_alice.get(f"/api/runs/{a.run_id}/steps/a/logs?offset=8")
    assert tail.content == b"--- attempt 2 ---\nthree\n"
    a.refresh_from_db()
    assert a.log_path == "" and not (tmp_path / "logs").exists()
    assert steplogs.attempt_tail(a, 2).strip() == "three" and steplogs.attempt_tail(a, 1) == "one\ntwo\n"
    # compacted: one piece per attempt, the offsets unchanged
    pieces = list(StepLogChunk.objects.filter(step=a).values_list("attempt", "offset", "size"))
    assert pieces == [(1, 0, 8), (2, 8, 24)]
    assert as_alice.get(f"/api/runs/{a.run_id}/steps/a/logs?tail=10").content == b"three\n"


def test_a_cached_step_shows_the_log_of_the_run_it_reused(db: Any, as_alice: Any, acme: Any, alice: Any) -> None:
    origin = _run(acme, alice, status="succeeded", attempt=1)
    steplogs.append(origin.pk, 1, b"trained\n")
    again = _run(acme, alice, status="cached", reused_from=origin)
    assert as_alice.get(f"/api/runs/{again.run_id}/steps/a/logs").content == b"trained\n"


def test_a_row_from_before_the_table_reads_its_file(
    db: Any, as_alice: Any, acme: Any, alice: Any, tmp_path: Path
) -> None:
    old = tmp_path / "step-1.log"
    old.write_bytes(b"from the file\n")
    a = _run(acme, alice, status="succeeded", attempt=1, log_path=str(old))
    r = as_alice.get(f"/api/runs/{a.run_id}/steps/a/logs?offset=5")
    assert r.content == b"the file\n" and r["X-Next-Offset"] == "14"


def test_a_runaway_log_is_cut_at_the_cap(transactional_db: Any, acme: Any, alice: Any, settings: Any) -> None:
    settings.PIPEWRIGHT_LOG_MAX_BYTES = 100
    a = _run(acme, alice, status="running", attempt=1)
    writer = steplogs.LogWriter(a.run_id, a.pk, "a", 1)
    for i in range(50):
        writer.line(f"line {i:02d}")  # 8 bytes each
    writer.close()
    text = steplogs.text(a)
    assert text.startswith("line 00\n") and "line 49" not in text
    assert text.splitlines()[-1].startswith("--- log cut: it reached 100 bytes")


def test_another_teams_step_log_is_not_found(db: Any, as_alice: Any, charlie: Any, other: Any) -> None:
    theirs = _run(other, charlie, status="succeeded", attempt=1)
    steplogs.append(theirs.pk, 1, b"secret\n")
    assert as_alice.get(f"/api/runs/{theirs.run_id}/steps/a/logs").status_code == 404


def test_an_append_at_a_stale_offset_goes_on_at_the_real_end_and_keeps_a_callers_transaction(
    transactional_db: Any, acme: Any, alice: Any
) -> None:
    from django.db import transaction

    a = _run(acme, alice, status="running", attempt=1)
    assert steplogs.append(a.pk, 1, b"one\n") == 0
    assert steplogs.append(a.pk, 1, b"two\n", at=0) == 4  # another writer got there first
    with transaction.atomic():  # the step's record, as flush_rest stores its last lines
        assert steplogs.append(a.pk, 1, b"three\n", at=4) == 8
        StepRun.objects.filter(pk=a.pk).update(status="succeeded")  # the transaction is still usable
    assert steplogs.text(a) == "one\ntwo\nthree\n"
    assert StepRun.objects.get(pk=a.pk).status == "succeeded"


def test_a_short_steps_lines_start_no_thread_and_a_longer_ones_go_out_as_it_runs(
    transactional_db: Any, acme: Any, alice: Any
) -> None:
    a = _run(acme, alice, status="running", attempt=1)
    short = steplogs.LogWriter(a.run_id, a.pk, "a", 1)
    short.line("quick")
    short.close()  # a step that ended before the backend's first poll
    assert short.thread.ident is None and steplogs.text(a) == "quick\n"
    b = _run(acme, alice, status="running", attempt=1)
    longer = steplogs.LogWriter(b.run_id, b.pk, "a", 1)
    longer.line("first")
    assert longer.thread.ident is None
    time.sleep(steplogs.FLUSH_SECONDS)
    longer.line("later")  # a line after the first waited FLUSH_SECONDS: the writer starts
    assert longer.thread.ident is not None
    _wait_for(b.pk, len("first\nlater\n"))  # stored while the step still runs
    longer.close()
    assert steplogs.text(b) == "first\nlater\n"

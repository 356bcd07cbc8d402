"""A step's huge finished log opens at once: the panel reads its tail and says what it left out."""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

from tests.e2e.conftest import login
from tests.runner.fixtures import EMIT, make_version, publish_module, step

pytestmark = [pytest.mark.e2e]

SHOTS = os.environ.get("PIPEWRIGHT_SCREENSHOTS")


def test_a_70_mb_log_opens_from_its_tail(live_url: str, page: Any, acme: Any, alice: Any, tmp_path: Path) -> None:
    from runner.models import Run, StepRun

    version = make_version(acme, [step("big", publish_module(acme, "emit", EMIT))])
    log = tmp_path / "big.log"
    with log.open("w") as fh:
        for i in range(2_000_000):
            fh.write(f"line {i:07d} of a long training log\n")  # 36 bytes a line: 72 MB
    now = timezone.now()
    run = Run.objects.create(
        pipeline=version.pipeline,
        pipeline_version=version,
        team=acme,
        plan=version.plan,
        status="succeeded",
        started_at=now,
        finished_at=now,
        created_by=alice,
    )
    StepRun.objects.create(
        run=run, node="big", module="acme/emit", version="1.0.0", status="succeeded", log_path=str(log),
        started_at=now, finished_at=now, exit_code=0, attempt=1,
    )  # fmt: skip

    login(page, live_url, "alice", "pw-alice")
    page.goto(f"{live_url}/runs/{run.pk}")
    page.get_by_test_id("step-row-big").click()
    started = time.monotonic()
    page.wait_for_function(
        "() => (document.querySelector('[data-testid=log-text]')?.textContent ?? '').includes('line 1999999')"
    )
    opened = time.monotonic() - started
    skipped = page.get_by_test_id("log-skipped")
    assert "MB" in skipped.inner_text() and "open raw for all" in skipped.inner_text()
    text = page.get_by_test_id("log-text").inner_text()
    assert text.splitlines()[0].startswith("line ")  # starts at a whole line
    assert int(page.get_by_test_id("log-text").get_attribute("data-bytes")) == log.stat().st_size
    if SHOTS:
        page.screenshot(path=os.path.join(SHOTS, "big-log.png"))
    print(f"72 MB log: last line shown {opened * 1000:.0f} ms after the click")

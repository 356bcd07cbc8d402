"""In-flight reuse (runner.inflight): a step whose key a step of the same team is executing waits
for it and takes its outputs; a failed or vanished leader never leaves a follower waiting; two
identical runs started at once on real Celery workers execute each step once."""

from __future__ import annotations

import dataclasses
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.db.models import Sum

from runner import cache_explain, inflight, runs, states
from runner.advance import plan_of
from runner.models import CacheEntry, InFlight, Run, StepRun
from tests.live import ROOT, child_env
from tests.runner.fixtures import SLEEP, make_version, publish_module, step


def _queued_pair(team: Any, mv: Any, *, other_team: Any = None) -> tuple[Run, StepRun, Run, StepRun]:
    """Two runs of one pipeline whose step 'a' is queued with the same key (as advance leaves it)."""
    version = make_version(team, [step("a", mv)])
    rows = []
    for owner in (team, other_team or team):
        run = Run.objects.create(
            pipeline=version.pipeline, pipeline_version=version, team=owner, plan=version.plan, status="running"
        )
        rows.append(
            (
                run,
                StepRun.objects.create(run=run, node="a", module="m", version="1", status="queued", cache_key="k" * 64),
            )
        )
    (r1, s1), (r2, s2) = rows
    return r1, s1, r2, s2


def _decide(run: Run, row: StepRun) -> str:
    row.refresh_from_db()
    return inflight.decide(run, plan_of(run).step(row.node), row)


@pytest.mark.django_db(transaction=True)
def test_a_second_step_with_the_key_follows_the_first_and_takes_its_outputs(acme: Any, modules_acme: Any) -> None:
    r1, s1, r2, s2 = _queued_pair(acme, modules_acme["emit"])
    assert _decide(r1, s1) == inflight.LEAD
    assert _decide(r2, s2) == inflight.FOLLOW
    assert _decide(r2, s2) == inflight.FOLLOW  # sent again by the sweep: still waiting
    s2.refresh_from_db()
    assert (s2.status, s2.following_id) == ("queued", s1.pk)
    waiting = cache_explain.explain(r2, s2)
    assert waiting["hit"] is False and waiting["followed"].pk == s1.pk
    assert waiting["reason"].startswith(f"waiting for step 'a' of run #{r1.pk}")
    # the leader succeeds: its cache entry, and the follower is cached with its outputs
    StepRun.objects.filter(pk=s1.pk).update(status="succeeded")
    s1.refresh_from_db()
    inflight.settle(s1, plan_of(r1).step("a"), {"data": "f" * 64}, {"rows": 3})
    s2.refresh_from_db()
    assert (s2.status, s2.outputs, s2.reused_from_id, s2.following_id) == ("cached", {"data": "f" * 64}, s1.pk, s1.pk)
    assert s2.metrics == {"rows": 3}
    assert not InFlight.objects.exists()
    assert CacheEntry.objects.get(team=acme, cache_key="k" * 64).step_run_id == s1.pk
    body = cache_explain.explain(r2, s2)
    assert body["hit"] and body["followed"].pk == s1.pk
    assert body["reason"].startswith(f"followed step 'a' of run #{r1.pk}, which was already executing")


@pytest.mark.django_db(transaction=True)
def test_followers_of_a_failed_leader_execute_themselves(acme: Any, modules_acme: Any) -> None:
    r1, s1, r2, s2 = _queued_pair(acme, modules_acme["emit"])
    assert _decide(r1, s1) == inflight.LEAD
    assert _decide(r2, s2) == inflight.FOLLOW
    StepRun.objects.filter(pk=s1.pk).update(status="failed")
    assert inflight.release(s1.pk) == 1
    s2.refresh_from_db()
    assert (s2.status, s2.following_id) == ("queued", None)
    assert _decide(r2, s2) == inflight.LEAD  # it claims the key and executes
    assert InFlight.objects.get().leader_id == s2.pk


@pytest.mark.django_db(transaction=True)
def test_a_follower_whose_leader_vanished_takes_the_claim_over(acme: Any, modules_acme: Any) -> None:
    """A leader canceled releases its followers; one lost without a release leaves a stale claim,
    which the follower (sent again by the sweep) takes over."""
    r1, s1, r2, s2 = _queued_pair(acme, modules_acme["emit"])
    assert _decide(r1, s1) == inflight.LEAD
    assert _decide(r2, s2) == inflight.FOLLOW
    runs.cancel_run(r1)  # releases its claim and its follower at once
    s2.refresh_from_db()
    assert (s2.status, s2.following_id) == ("queued", None)
    assert not InFlight.objects.exists()
    assert _decide(r2, s2) == inflight.LEAD
    assert InFlight.objects.get().leader_id == s2.pk
    # a claim left behind by a leader that vanished without a release is stale: taken over
    r3, s3, r4, s4 = _queued_pair(acme, modules_acme["emit"])
    StepRun.objects.filter(pk__in=[s3.pk, s4.pk]).update(cache_key="j" * 64)
    assert _decide(r3, s3) == inflight.LEAD
    assert _decide(r4, s4) == inflight.FOLLOW
    StepRun.objects.filter(pk=s3.pk).update(status="canceled")
    assert _decide(r4, s4) == inflight.LEAD
    assert InFlight.objects.get(cache_key="j" * 64).leader_id == s4.pk


@pytest.mark.django_db(transaction=True)
def test_a_step_reuses_an_entry_stored_since_it_became_ready(acme: Any, modules_acme: Any) -> None:
    _r1, s1, r2, s2 = _queued_pair(acme, modules_acme["emit"])
    StepRun.objects.filter(pk=s1.pk).update(status="succeeded", outputs={"data": "e" * 64})
    CacheEntry.objects.create(team=acme, cache_key="k" * 64, step_run=s1, outputs={"data": "e" * 64}, module_digest="d")
    assert _decide(r2, s2) == inflight.REUSED
    s2.refresh_from_db()
    assert (s2.status, s2.reused_from_id, s2.following_id) == ("cached", s1.pk, None)


@pytest.mark.django_db(transaction=True)
def test_another_teams_step_in_flight_is_never_followed(acme: Any, other: Any, modules_acme: Any) -> None:
    r1, s1, r2, s2 = _queued_pair(acme, modules_acme["emit"], other_team=other)
    assert _decide(r1, s1) == inflight.LEAD
    assert _decide(r2, s2) == inflight.LEAD  # its own team's claim
    assert set(InFlight.objects.values_list("team_id", "leader_id")) == {(acme.pk, s1.pk), (other.pk, s2.pk)}


@pytest.mark.django_db(transaction=True)
def test_no_following_without_the_cache(acme: Any, modules_acme: Any) -> None:
    r1, s1, r2, s2 = _queued_pair(acme, modules_acme["emit"])
    assert _decide(r1, s1) == inflight.LEAD
    Run.objects.filter(pk=r2.pk).update(use_cache=False)
    r2.refresh_from_db()
    assert _decide(r2, s2) == inflight.LEAD
    # a node whose compute settings turn caching off neither follows nor claims
    Run.objects.filter(pk=r2.pk).update(use_cache=True)
    r2.refresh_from_db()
    plan = plan_of(r2)
    off = dataclasses.replace(plan.step("a"), runtime=dataclasses.replace(plan.step("a").runtime, cache=False))
    s2.refresh_from_db()
    assert inflight.decide(r2, off, s2) == inflight.LEAD
    assert InFlight.objects.get().leader_id == s1.pk


def _worker(tag: str) -> subprocess.Popen[bytes]:
    env = child_env(PIPEWRIGHT_COMPUTE="docker", PIPEWRIGHT_LOG_DIR=str(settings.PIPEWRIGHT_LOG_DIR))
    cmd = [sys.executable, "-m", "celery", "-A", "pipewright", "worker", "--pool", "threads", "-c", "3"]
    cmd += ["-Q", "pipewright,compute-docker", "-n", f"{tag}-{os.getpid()}@%h", "--without-gossip", "--without-mingle"]
    log = open(Path(settings.PIPEWRIGHT_LOG_DIR) / f"worker-{tag}.log", "wb")  # noqa: SIM115
    return subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)


@pytest.mark.celery
@pytest.mark.docker
@pytest.mark.redis
@pytest.mark.slow
def test_two_identical_runs_at_once_execute_each_step_once(
    transactional_db: Any, docker_compute: Any, alice: Any, acme: Any, modules_acme: Any
) -> None:
    from tests.runner.test_faults import wait_for

    Path(settings.PIPEWRIGHT_LOG_DIR).mkdir(parents=True, exist_ok=True)
    Path(settings.WORK_ROOT).mkdir(parents=True, exist_ok=True)
    slow = publish_module(acme, "slow", SLEEP)  # deterministic: cacheable
    version = make_version(
        acme,
        [
            step("a", slow, params={"seconds": 4}),
            step("b", modules_acme["emit"], params={"n": 4}),
            step("c", modules_acme["add"], upstream=("a", "b")),
        ],
    )
    workers = [_worker("w1"), _worker("w2")]
    try:
        first = runs.create_run(version, {}, True, alice)
        second = runs.create_run(version, {}, True, alice)
        both = Run.objects.filter(pk__in=[first.pk, second.pk])
        wait_for(lambda: not both.exclude(status__in=states.RUN_TERMINAL).exists(), 120, "both runs to finish")
        assert set(both.values_list("status", flat=True)) == {"succeeded"}, list(both.values("status", "error"))
        steps = StepRun.objects.filter(run__in=[first, second])
        for node in ("a", "b", "c"):
            mine = steps.filter(node=node)
            # executed once: one attempt in all, one succeeded, the other reused its outputs
            assert mine.aggregate(n=Sum("attempt"))["n"] == 1, list(mine.values("run_id", "status", "attempt"))
            assert sorted(mine.values_list("status", flat=True)) == ["cached", "succeeded"]
            done, reused = mine.get(status="succeeded"), mine.get(status="cached")
            assert reused.outputs == done.outputs and reused.reused_from_id == done.pk
        # 'a' runs for seconds: the other run's 'a' was ready (and queued) meanwhile and followed it
        a_done, a_reused = steps.get(node="a", status="succeeded"), steps.get(node="a", status="cached")
        assert a_reused.following_id == a_done.pk
        body = cache_explain.explain(a_reused.run, a_reused)
        assert body["followed"].pk == a_done.pk and "followed step 'a'" in body["reason"], body
        assert not InFlight.objects.exists()
    finally:
        for proc in workers:
            proc.terminate()
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()


def test_the_sweep_sends_a_waiting_follower_again_and_it_executes_when_its_leader_is_gone(
    eager: Any, local: Any, acme: Any, modules_acme: Any, settings: Any
) -> None:
    from datetime import timedelta

    from django.utils import timezone

    from runner import sweeps

    r1, s1, r2, s2 = _queued_pair(acme, modules_acme["emit"])
    StepRun.objects.filter(pk__in=[s1.pk, s2.pk]).update(queue="compute-local")
    assert _decide(r1, s1) == inflight.LEAD
    assert _decide(r2, s2) == inflight.FOLLOW
    # the leader's run is canceled (nothing releases its claim) and the follower has waited long
    StepRun.objects.filter(pk=s1.pk).update(status="canceled")
    Run.objects.filter(pk=r1.pk).update(status="canceled")
    StepRun.objects.filter(pk=s2.pk).update(heartbeat_at=timezone.now() - timedelta(hours=1))
    settings.PIPEWRIGHT_QUEUED_GRACE = 60
    assert sweeps.reap()["requeued"] == 1  # eager: the message runs the step at once
    s2.refresh_from_db()
    assert (s2.status, s2.attempt, s2.following_id) == ("succeeded", 1, None)
    assert not InFlight.objects.exists()
    assert CacheEntry.objects.get(team=acme, cache_key="k" * 64).step_run_id == s2.pk
